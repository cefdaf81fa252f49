"""Reads of check-ins."""

import uuid
from datetime import datetime

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from ravao.checkins.models import CardMismatch, CheckIn, CheckInFlag, GateScan
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.places.models import Shift, Venue


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


# --- a gate's sync batch, resolved in a fixed number of queries (see gate.sync.gate_sync) ---------------


def persons_by_gate_keys(
    *, public_ids: set[uuid.UUID], id_hashes: set[str], phone_hashes: set[str]
) -> list[Person]:
    """Every person a batch of scans names, in one query: by personal-QR public id, keyed hash of the ID
    number (CCCD) or of the phone. Ordered by pk, so that the caller keeps the first match of a key as
    `person_by_phone_or_id` does (`.first()`)."""
    condition = Q(pk__in=[])
    if public_ids:
        condition |= Q(public_id__in=public_ids)
    if id_hashes:
        condition |= Q(id_hash__in=id_hashes)
    if phone_hashes:
        condition |= Q(phone_hash__in=phone_hashes)
    return list(Person.objects.filter(condition).order_by("pk"))


def latest_declarations(person_ids: set[int]) -> dict[int, HealthDeclaration]:
    """Each person's latest declaration (`person_latest_declaration` for many persons) in one query: a
    window function ranks each person's declarations on the `declaration_person_latest` index."""
    if not person_ids:
        return {}
    ranked = (
        HealthDeclaration.objects.filter(person_id__in=person_ids)
        .order_by()
        .annotate(rank=Window(RowNumber(), partition_by=[F("person_id")], order_by=F("created_at").desc()))
    )
    return {declaration.person_id: declaration for declaration in ranked.filter(rank=1)}


def gate_recent_scans(
    *, venue_id: int, person_ids: set[int], start: datetime, end: datetime
) -> list[tuple[int, int, datetime, str, uuid.UUID]]:
    """(pk, person id, scanned at, direction, client id) of the persons' scans at the venue between
    `start` and `end`: the batch's "scanned again within seconds" check (index `gatescan_venue_person`)."""
    if not person_ids:
        return []
    return list(
        GateScan.objects.filter(
            venue_id=venue_id, person_id__in=person_ids, scanned_at__gte=start, scanned_at__lte=end
        )
        .order_by("pk")
        .values_list("pk", "person_id", "scanned_at", "direction", "client_id")
    )


def open_visits_of(person_ids: set[int]) -> list[CheckIn]:
    """The persons' open visits, anywhere, with their venue (partial index `checkin_open`)."""
    if not person_ids:
        return []
    return list(
        CheckIn.objects.filter(person_id__in=person_ids, checked_out_at__isnull=True)
        .select_related("venue")
        .order_by("checked_in_at", "pk")
    )


def shifts_of_venues(venue_ids: set[int]) -> dict[int, list[Shift]]:
    """The venues' shifts (in `Shift.Meta.ordering`, as `venue.shifts.all()` gives them)."""
    shifts: dict[int, list[Shift]] = {venue_id: [] for venue_id in venue_ids}
    if venue_ids:
        for shift in Shift.objects.filter(venue_id__in=venue_ids):
            shifts[shift.venue_id].append(shift)
    return shifts


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


def household_visits(person_ids: list[int], *, per_member: int) -> dict[int, list[CheckIn]]:
    """The latest visits of each household member, for the holder's owner phone, in one query (a window
    ranks each member's visits on the `checkin_person_time` index)."""
    if not person_ids:
        return {}
    ranked = (
        CheckIn.objects.filter(person_id__in=person_ids)
        .select_related("venue", "area")
        .order_by()
        .annotate(rank=Window(RowNumber(), partition_by=[F("person_id")], order_by=F("checked_in_at").desc()))
    )
    visits: dict[int, list[CheckIn]] = {pk: [] for pk in person_ids}
    for visit in ranked.filter(rank__lte=per_member).order_by("person_id", "-checked_in_at"):
        visits[visit.person_id].append(visit)
    return visits


def open_household_visits_at(holder: Person, *, venue_id: int, device: Device) -> list[CheckIn]:
    """The open visits at a venue of the holder's household members that this device checked in."""
    return list(
        CheckIn.objects.filter(
            person__household_of=holder, venue_id=venue_id, device=device, checked_out_at__isnull=True
        )
    )


def late_flags_for_venues(venues: QuerySet[Venue], *, since: datetime) -> QuerySet[CheckInFlag]:
    """Entries and exits a gate sent late (time claimed by the device), at any of `venues`."""
    return (
        CheckInFlag.objects.filter(
            checkin__venue__in=venues,
            kind__in=(CheckInFlag.Kind.LATE, CheckInFlag.Kind.LATE_OUT),
            created_at__gte=since,
        )
        .select_related("checkin__venue")
        .order_by("-created_at", "-pk")
    )


def card_mismatches_for_venues(venues: QuerySet[Venue], *, since: datetime) -> QuerySet[CardMismatch]:
    """ID cards refused at the gates of `venues` because they disagree with the person of their number."""
    return (
        CardMismatch.objects.filter(venue__in=venues, created_at__gte=since)
        .select_related("venue", "staff")
        .order_by("-created_at", "-pk")
    )


def inside_count(venue: Venue) -> int:
    """How many visits are open at the venue now: the gate screen's "inside now" count (issue 12)."""
    return CheckIn.objects.filter(venue=venue, checked_out_at__isnull=True).count()
