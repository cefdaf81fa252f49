"""The one way to fetch what the oversight pages show, for a user (404 for missing and forbidden alike).

Units: a commune official sees their commune, an administrator their province (or district) and everything
below it (`places.access.access_unit`). Venues: the people who work there and the officials above it.
"""

from django.http import Http404

from ravao.accounts.models import User
from ravao.accounts.selectors import user_units, venues_served_by
from ravao.places.access import OFFICIAL_ROLES, access_unit, access_venue, access_venue_as_official
from ravao.places.models import AdminUnit, Venue

__all__ = ["access_oversight_unit", "access_oversight_venue", "access_remind_venue", "oversight_home_target"]


def access_oversight_unit(user: User, unit_id: int) -> AdminUnit:
    return access_unit(user, unit_id)


def access_oversight_venue(user: User, venue_id: int) -> Venue:
    return access_venue(user, venue_id)


def access_remind_venue(user: User, venue_id: int) -> Venue:
    """Only an official over the venue's commune may remind it."""
    return access_venue_as_official(user, venue_id)


def oversight_home_target(user: User) -> tuple[str, int] | list[AdminUnit]:
    """Where /oversight/ leads: the one unit or venue the user has, or the list of their units."""
    if not user.is_authenticated:
        raise Http404
    units = list(user_units(user, roles=OFFICIAL_ROLES).order_by("path"))
    if len(units) == 1:
        return ("unit", units[0].pk)
    if units:
        return units
    venue = venues_served_by(user).order_by("pk").first()
    if venue is not None:
        return ("venue", venue.pk)
    raise Http404
