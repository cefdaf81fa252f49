"""Reads of check-ins."""

import uuid
from datetime import datetime

from django.db.models import QuerySet

from ravao.checkins.models import CheckIn, CheckInFlag, GateScan
from ravao.people.models import Device, Person
from ravao.places.models import Venue


def person_visits(person: Person, *, device: Device) -> QuerySet[CheckIn]:
    """A person's visits as their device may see them: everything for the owner device, otherwise only
    the visits made from this device (someone who typed a known phone number sees nothing else)."""
    visits = CheckIn.objects.filter(person=person).select_related("venue", "area", "venue__commune")
    if not device.is_owner:
        visits = visits.filter(device=device)
    return visits.order_by("-checked_in_at")


def open_visit_at(person: Person, *, venue_id: int) -> CheckIn | None:
    return (
        CheckIn.objects.filter(person=person, venue_id=venue_id, checked_out_at__isnull=True)
        .select_related("area")
        .order_by("-checked_in_at")
        .first()
    )


def person_by_public_id(public_id: uuid.UUID) -> Person | None:
    """The person a personal QR token names. `public_id` is a random UUID kept in clear (not personal)."""
    return Person.objects.filter(public_id=public_id).first()


def gate_scans_known(client_ids: list[uuid.UUID]) -> dict[uuid.UUID, GateScan]:
    """Scans already processed, by client id: a sync batch replays them without redoing anything."""
    scans = GateScan.objects.filter(client_id__in=client_ids).select_related("person", "checkin", "area")
    return {scan.client_id: scan for scan in scans}


def inside_now(venue: Venue) -> QuerySet[CheckIn]:
    """Open visits at the venue (the partial index `checkin_open` does not serve this one; the
    `checkin_venue_time` index does, bounded by the oldest open visit)."""
    return (
        CheckIn.objects.filter(venue=venue, checked_out_at__isnull=True)
        .select_related("person", "area")
        .order_by("area__name", "-checked_in_at")
    )


def venue_flags(venue: Venue, *, since: datetime) -> QuerySet[CheckInFlag]:
    """Implausible check-ins at the venue since `since` (for the venue's inside-now page)."""
    return (
        CheckInFlag.objects.filter(checkin__venue=venue, created_at__gte=since)
        .select_related("checkin", "checkin__person", "related", "related__venue")
        .order_by("-created_at")
    )


def flags_for_venues(venues: QuerySet[Venue], *, since: datetime) -> QuerySet[CheckInFlag]:
    """Implausible check-ins at any of `venues` (an officer's scope, e.g. `venues_in_scope_of`)."""
    return (
        CheckInFlag.objects.filter(checkin__venue__in=venues, created_at__gte=since)
        .select_related("checkin", "checkin__venue", "related", "related__venue")
        .order_by("-created_at")
    )
