"""Reads about users' roles and scopes."""

from django.db.models import Q, QuerySet

from ravao.accounts.models import Membership, Role, User
from ravao.places.models import AdminUnit, Venue


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
