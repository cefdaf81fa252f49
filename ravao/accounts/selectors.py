"""Reads about users' roles and scopes."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from ravao.accounts import conf
from ravao.accounts.models import Invitation, Membership, Role, User
from ravao.places.models import AdminUnit, Venue
from ravao.privacy.models import AuditEvent


def user_roles(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    # Cached on the user object: a page asks several times per request.
    if not hasattr(user, "_ravao_roles"):
        user._ravao_roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))  # type: ignore[attr-defined]
    return user._ravao_roles  # type: ignore[attr-defined]


def user_units(user: User, *, roles: tuple[str, ...]) -> QuerySet[AdminUnit]:
    return AdminUnit.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def venues_in_scope_of(user: User, *, roles: tuple[str, ...]) -> QuerySet[Venue]:
    """Venues under any unit the user serves with one of `roles` (a commune, or a whole district)."""
    paths = list(user_units(user, roles=roles).values_list("path", flat=True))
    if not paths:
        return Venue.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(commune__path__startswith=path)
    return Venue.objects.filter(condition)


def venues_served_by(
    user: User, *, roles: tuple[str, ...] = (Role.VENUE_MANAGER, Role.VENUE_STAFF)
) -> QuerySet[Venue]:
    return Venue.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def unit_staff(unit: AdminUnit) -> QuerySet[Membership]:
    """Who serves `unit` and the units below it, with since when and granted by whom."""
    return (
        Membership.objects.filter(unit__path__startswith=unit.path)
        .select_related("user", "unit", "granted_by")
        .order_by("unit__path", "role", "user__full_name", "user__username")
    )


def unit_pending_invitations(unit: AdminUnit) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            unit__path__startswith=unit.path, accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("unit", "invited_by")
        .order_by("-created_at")
    )


def unit_staffing_history(unit: AdminUnit, *, limit: int = 200) -> QuerySet[AuditEvent]:
    """Grants, changes and removals over `unit` and the units below it, newest first."""
    return AuditEvent.objects.filter(
        action__startswith="staffing.", details__unit_path__startswith=unit.path
    ).select_related("actor")[:limit]


def invitation_by_token(token: str) -> Invitation | None:
    """A live invitation: not accepted, not expired (those made before expiry existed expire
    RAVAO_INVITATION_DAYS after their creation)."""
    now = timezone.now()
    live = Q(expires_at__gt=now) | Q(
        expires_at__isnull=True, created_at__gt=now - timedelta(days=conf.INVITATION_DAYS)
    )
    return (
        Invitation.objects.select_related("venue", "unit")
        .filter(live, token=token, accepted_at__isnull=True)
        .first()
    )
