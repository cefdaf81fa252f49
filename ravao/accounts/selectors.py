"""Reads about users' roles and scopes."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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
    """Venues under any unit the user serves with one of `roles` (a commune or ward, or a whole province
    or district)."""
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


# --- Roles and offices named by the unit they serve ----------------------------------------------------
#
# The role keys (`district_admin`, `commune_official`, …) are internal: stored in memberships, tokens and
# audit rows, and kept as they are. What a person reads is computed from the unit the role is held over,
# so that the same key reads "Quản trị viên cấp tỉnh" on a province of the two-level map (since 1 July
# 2025) and "Quản trị viên cấp huyện" on a district of the 2021 map. These helpers are pure functions of the
# unit's level and name (no query), so a template may call them for every row of a list.

UnitKind = str  # "province", "district", "commune", "ward", "town", "zone"

# The commune-level unit's own word (its `unit_type`, else the start of its name) → the kind we name.
_COMMUNE_TYPES: tuple[tuple[str, UnitKind], ...] = (
    ("Phường", "ward"),
    ("Thị trấn", "town"),
    ("Đặc khu", "zone"),
    ("Xã", "commune"),
)


def unit_kind(unit: AdminUnit | None) -> UnitKind:
    """What kind of unit this is, for naming roles and offices: the level, and for the commune level the
    unit's own type (a ward, a town, a special zone or a commune). "" when there is no unit."""
    if unit is None:
        return ""
    if unit.level != AdminUnit.Level.COMMUNE:
        return str(unit.level)
    own_word = unit.unit_type or unit.name
    for prefix, kind in _COMMUNE_TYPES:
        if own_word.startswith(prefix):
            return kind
    return "commune"


def _role_labels() -> dict[tuple[str, UnitKind], str]:
    # Built on each call so that gettext follows the active language.
    return {
        (Role.DISTRICT_ADMIN, "province"): _("Provincial administrator"),
        (Role.DISTRICT_ADMIN, "district"): _("District administrator"),
        (Role.DISTRICT_ADMIN, "commune"): _("Commune administrator"),
        (Role.DISTRICT_ADMIN, "ward"): _("Ward administrator"),
        (Role.DISTRICT_ADMIN, "town"): _("Town administrator"),
        (Role.DISTRICT_ADMIN, "zone"): _("Special-zone administrator"),
        (Role.COMMUNE_OFFICIAL, "province"): _("Provincial official"),
        (Role.COMMUNE_OFFICIAL, "district"): _("District official"),
        (Role.COMMUNE_OFFICIAL, "commune"): _("Commune official"),
        (Role.COMMUNE_OFFICIAL, "ward"): _("Ward official"),
        (Role.COMMUNE_OFFICIAL, "town"): _("Town official"),
        (Role.COMMUNE_OFFICIAL, "zone"): _("Special-zone official"),
        (Role.HEALTH_OFFICER, "province"): _("Provincial health officer"),
        (Role.HEALTH_OFFICER, "district"): _("District health officer"),
        (Role.HEALTH_OFFICER, "commune"): _("Commune health officer"),
        (Role.HEALTH_OFFICER, "ward"): _("Ward health officer"),
        (Role.HEALTH_OFFICER, "town"): _("Town health officer"),
        (Role.HEALTH_OFFICER, "zone"): _("Special-zone health officer"),
    }


def role_label(role: str, unit: AdminUnit | UnitKind | None = None) -> str:
    """The role as people read it, named by the unit it is held over: "Quản trị viên cấp tỉnh" for a
    `district_admin` of a province, "Cán bộ phường" for a `commune_official` of a ward. `unit` may be the
    unit or its kind (an audit row keeps the kind, not the unit). Without a unit (or for venue roles): the
    role's level-neutral label; an unknown key is shown as it is."""
    kind = unit if isinstance(unit, str) or unit is None else unit_kind(unit)
    label = _role_labels().get((role, kind or ""))
    if label is not None:
        return label
    return str(Role(role).label) if role in Role.values else role


def office_name(unit: AdminUnit, role: str = "") -> str:
    """The office a role over `unit` acts for, by name: the People's Committee for administrators and
    officials ("UBND Thành phố Hà Nội", "UBND Phường Hoàn Kiếm"); for health officers the health office of
    that level ("Sở Y tế Thành phố Hà Nội", "Trung tâm Y tế Huyện Thạch Thất", "Trạm Y tế Phường Hoàn
    Kiếm"). Translated into the active language; `audit_record` stores it in Vietnamese (the office's
    official name, kept as it was at the time)."""
    if role == Role.HEALTH_OFFICER:
        kind = unit_kind(unit)
        if kind == "province":
            return _("Department of Health of %(unit)s") % {"unit": unit.name}
        if kind == "district":
            return _("Health centre of %(unit)s") % {"unit": unit.name}
        return _("Health station of %(unit)s") % {"unit": unit.name}
    return _("%(unit)s People's Committee") % {"unit": unit.name}


def user_unit_memberships(user: User) -> QuerySet[Membership]:
    """The user's roles over units, highest unit first, for "who I am here" on the dashboard."""
    return (
        Membership.objects.filter(user=user, unit__isnull=False).select_related("unit").order_by("unit__path")
    )
