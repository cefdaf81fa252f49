"""Which gates a staff user may operate: `access_*` is the one way a gate view gets its venue."""

from typing import Any

from django.http import Http404

from ravao.accounts.models import Membership, Role, User
from ravao.places.access import access_venue
from ravao.places.models import Venue

GATE_ROLES = (Role.VENUE_MANAGER, Role.VENUE_STAFF)


class VenueNotActive(Http404):
    """The gate of a venue that is pending approval or suspended, asked for by one of its own people:
    answered as a missing venue (404, no data), with a page that says why."""

    def __init__(self, venue: Venue) -> None:
        super().__init__("venue not active")
        self.venue = venue


def access_gate(user: Any, venue_id: int) -> tuple[Venue, str]:
    """An ACTIVE venue whose gate the user operates (its manager or staff), with the user's role there.
    404 for a missing venue, a venue of someone else, and an official who only oversees it; also for a
    venue pending approval or suspended (VenueNotActive, so that its own people are told why): only an
    approved venue reads or writes anything of a person at its gate (issue 9)."""
    venue = access_venue(user, venue_id)
    role = (
        Membership.objects.filter(user=user, venue=venue, role__in=GATE_ROLES)
        .order_by("role")  # "venue_manager" before "venue_staff"
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Http404
    if venue.status != Venue.Status.ACTIVE:
        raise VenueNotActive(venue)
    return venue, role


def access_gate_manager(user: Any, venue_id: int) -> Venue:
    """An active venue the user manages (its gate settings: screen mode). 404 for staff and anyone else."""
    venue, role = access_gate(user, venue_id)
    if role != Role.VENUE_MANAGER:
        raise Http404
    return venue


def access_gate_venues(user: User) -> list[Venue]:
    """The venues whose gate the user operates, by name (the gate's venue chooser)."""
    from ravao.accounts.selectors import venues_served_by

    return list(venues_served_by(user, roles=GATE_ROLES).order_by("name"))
