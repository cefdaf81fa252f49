"""The one way to fetch a venue or an area for a user.

Each function raises Http404 both when the object does not exist and when the user may not see it,
so a guessed id reveals nothing.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import venues_in_scope_of, venues_served_by
from ravao.places.models import AdminUnit, Area, UnitSplitDecision, Venue

OFFICIAL_ROLES = (Role.DISTRICT_ADMIN, Role.COMMUNE_OFFICIAL)


def access_venue(user: User, venue_id: int, *, manage: bool = False) -> Venue:
    """A venue the user works at (staff may view, only managers may manage) or oversees as an official."""
    if not user.is_authenticated:
        raise Http404
    roles = (Role.VENUE_MANAGER,) if manage else (Role.VENUE_MANAGER, Role.VENUE_STAFF)
    venue = venues_served_by(user, roles=roles).select_related("commune").filter(pk=venue_id).first()
    if venue is None and not manage:
        venue = (
            venues_in_scope_of(user, roles=OFFICIAL_ROLES)
            .select_related("commune")
            .filter(pk=venue_id)
            .first()
        )
    if venue is None:
        raise Http404
    return venue


def access_venue_as_official(user: User, venue_id: int) -> Venue:
    """A venue under a unit the user oversees (approve, suspend, remind)."""
    if not user.is_authenticated:
        raise Http404
    venue = (
        venues_in_scope_of(user, roles=OFFICIAL_ROLES).select_related("commune").filter(pk=venue_id).first()
    )
    if venue is None:
        raise Http404
    return venue


def access_area(user: User, area_id: int, *, manage: bool = False) -> Area:
    area = Area.objects.filter(pk=area_id).only("venue_id").first()
    if area is None:
        raise Http404
    venue = access_venue(user, area.venue_id, manage=manage)
    return Area.objects.select_related("venue").get(pk=area_id, venue=venue)


def access_unit(user: User, unit_id: int) -> AdminUnit:
    """An administrative unit the user serves, or one below it."""
    from ravao.accounts.selectors import user_units

    if not user.is_authenticated:
        raise Http404
    unit = AdminUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    for path in user_units(user, roles=OFFICIAL_ROLES).values_list("path", flat=True):
        if unit.path.startswith(path):
            return unit
    raise Http404


def split_decisions_in_scope(user: User) -> QuerySet[UnitSplitDecision]:
    """Queued remap decisions a province or district administrator may take: on an old unit they
    administer (a district admin still on the 2021 map) or with a candidate they administer (the 2025
    province's admin)."""
    from ravao.accounts.selectors import user_units

    if not user.is_authenticated:
        return UnitSplitDecision.objects.none()
    paths = list(user_units(user, roles=(Role.DISTRICT_ADMIN,)).values_list("path", flat=True))
    if not paths:
        return UnitSplitDecision.objects.none()
    scope = Q()
    for path in paths:
        scope |= Q(old_unit__path__startswith=path) | Q(candidates__path__startswith=path)
    ids = UnitSplitDecision.objects.filter(scope).values("pk")
    return UnitSplitDecision.objects.filter(pk__in=ids)


def access_split_decision(user: User, decision_id: int) -> UnitSplitDecision:
    decision = split_decisions_in_scope(user).filter(pk=decision_id).select_related("old_unit").first()
    if decision is None:
        raise Http404
    return decision


def may_choose(user: User, decision: UnitSplitDecision, unit: AdminUnit) -> bool:
    """Whether `user` may place `decision` on `unit`. Deciding never widens one's own power: nobody decides
    their own role, and a province-wide choice is for an administrator of that province only (a district
    admin of the 2021 map places their district's venues and staff on wards, not on the province)."""
    from ravao.accounts.access import administers
    from ravao.accounts.models import Membership

    if decision.kind == UnitSplitDecision.Kind.MEMBERSHIP and (
        Membership.objects.filter(pk=decision.object_id or 0, user=user).exists()
    ):
        return False
    if unit.level == AdminUnit.Level.PROVINCE:
        return administers(user, unit)
    return administers(user, unit) or administers(user, decision.old_unit)
