"""Visits: a visitor's own check-in and check-out, a household's one tap, the estimated end of a visit
nobody closed, and "close the day". Each write runs in one transaction."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.selectors import (
    declaration_is_fresh,
    person_status,
)
from ravao.people.services import (
    Answers,
    declaration_submit,
)
from ravao.places.models import Area, Shift, Venue
from ravao.privacy.services import audit_record


def typical_stay(venue: Venue) -> timedelta:
    minutes = venue.typical_stay_minutes or settings.RAVAO_TYPICAL_STAY_MINUTES.get(venue.kind, 60)
    return timedelta(minutes=minutes)


# Workers scan in a little before their shift starts; such an entry belongs to the coming shift,
# not to the one that is ending.
SHIFT_EARLY_ARRIVAL = timedelta(minutes=45)


def _shift_of(local_in: datetime, shifts: list[Shift]) -> Shift | None:
    """The shift a visit starting at `local_in` (local time) belongs to, if any."""
    soon = (local_in + SHIFT_EARLY_ARRIVAL).time()
    for shift in shifts:
        starts_soon = (
            local_in.time() < shift.starts_at <= soon
            if local_in.time() < soon
            else (shift.starts_at > local_in.time() or shift.starts_at <= soon)  # window crosses midnight
        )
        if starts_soon:
            return shift
    for shift in shifts:
        if shift.contains(local_in.time()):
            return shift
    return None


def estimate_end(*, venue: Venue, checked_in_at: datetime, shifts: list[Shift] | None = None) -> datetime:
    """When a visit with no check-out most likely ended (BRIEF §3): the end of the shift it started
    in, else the kind's typical stay, capped by the venue's closing time that day."""
    local_in = timezone.localtime(checked_in_at)
    shift = _shift_of(local_in, shifts or [])
    if shift is not None:
        end = local_in.replace(hour=shift.ends_at.hour, minute=shift.ends_at.minute, second=0, microsecond=0)
        if end <= local_in:
            end += timedelta(days=1)  # a night shift ends the next morning
        return end
    end = local_in + typical_stay(venue)
    if venue.closes_at is not None:
        closing = local_in.replace(
            hour=venue.closes_at.hour, minute=venue.closes_at.minute, second=0, microsecond=0
        )
        if local_in < closing < end:
            end = closing
    return end


def _close_open_visits(*, person: Person, at: datetime, exclude_venue_id: int | None = None) -> None:
    close_open_visits_orm(person=person, at=at, exclude_venue_id=exclude_venue_id)


def close_open_visits_orm(
    *, person: Person, at: datetime, exclude_venue_id: int | None = None, keep_pk: int | None = None
) -> None:
    """Close the person's open visits: a check-in elsewhere means they left, at the latest, now.

    The partial index `checkin_open` makes this a tiny lookup; a person rarely has more than one.
    Must run inside the transaction that inserts the new check-in (issue 12, finding 9): the person's row
    is locked first, so a second check-in of the same person a few milliseconds later (another venue,
    another phone, the gate) waits for this one to commit, then sees and closes it. Locking the open
    visits alone would not do: when there is none yet there is nothing to lock. PostgreSQL takes a row
    lock (`SELECT … FOR UPDATE`); SQLite ignores it and serialises the writers itself.
    """
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    open_visits = (
        CheckIn.objects.select_for_update(of=("self",))
        .filter(person=person, checked_out_at__isnull=True)
        .select_related("venue")
    )
    if keep_pk is not None:
        open_visits = open_visits.exclude(pk=keep_pk)  # the one-tap path's own new check-in (onetap.py)
    for visit in open_visits:
        if visit.venue_id == exclude_venue_id:
            # Moving to another area of the same venue: a real exit from the previous area.
            visit.checked_out_at = max(at, visit.checked_in_at)
            visit.checked_out_estimated = False
        else:
            estimate = estimate_end(
                venue=visit.venue, checked_in_at=visit.checked_in_at, shifts=list(visit.venue.shifts.all())
            )
            visit.checked_out_at = max(min(estimate, at), visit.checked_in_at)
            visit.checked_out_estimated = True
        visit.save(update_fields=["checked_out_at", "checked_out_estimated"])


def checkin_create(
    *,
    person: Person,
    venue: Venue,
    area: Area | None,
    method: str,
    at: datetime,
    client_id: uuid.UUID,
    device: Device | None = None,
    status_at_entry: str = "",
) -> tuple[CheckIn, bool]:
    """Record an entry. Returns (check-in, created). The same client_id twice gives the first row back,
    so a double tap or a retried request is recorded once."""
    try:
        with transaction.atomic():
            _close_open_visits(person=person, at=at, exclude_venue_id=venue.pk)
            checkin = CheckIn.objects.create(
                client_id=client_id,
                person=person,
                venue=venue,
                area=area,
                method=method,
                checked_in_at=at,
                device=device,
                status_at_entry=status_at_entry,
            )
    except IntegrityError:
        # The client_id exists: a replay. Everything above was rolled back with the savepoint.
        return CheckIn.objects.get(client_id=client_id), False
    return checkin, True


def checkin_self_scan(
    *,
    device: Device,
    venue: Venue,
    area: Area | None,
    declaration: HealthDeclaration,
    client_id: uuid.UUID,
    at: datetime,
    person: Person | None = None,
) -> tuple[CheckIn, bool, str]:
    """A visitor's own scan of a poster: the colour of the moment is kept with the visit. `person` is a
    household member the device's person checks in (the device's person by default).
    Returns (check-in, created, status colour)."""
    person = person or device.person
    status = person_status(person, declaration, now=at)
    checkin, created = checkin_create(
        person=person,
        venue=venue,
        area=area,
        method=CheckIn.Method.SELF_SCAN,
        at=at,
        client_id=client_id,
        device=device,
        status_at_entry=status,
    )
    return checkin, created, status


# --- Households (issue 9): one tap checks in the chosen members together --------------------------------


def household_client_id(client_id: uuid.UUID, person: Person, *, holder: Person) -> uuid.UUID:
    """The check-in id of one person of a household tap. The holder keeps the page's own id (their
    confirmation link is unchanged); a member's is derived from it and the member's public id, so a
    retried tap finds the very same rows and records nothing twice."""
    if person.pk == holder.pk:
        return client_id
    return uuid.uuid5(client_id, str(person.public_id))


@dataclass(frozen=True)
class HouseholdEntry:
    person: Person
    checkin: CheckIn
    created: bool
    status: str


@transaction.atomic
def checkin_household(
    *,
    device: Device,
    venue: Venue,
    area: Area | None,
    persons: list[Person],
    declarations: dict[int, HealthDeclaration],
    client_id: uuid.UUID,
    at: datetime,
) -> list[HouseholdEntry]:
    """One tap of the holder's device checks in each chosen person (the holder and/or their household
    members), each with their own latest declaration and the colour it gives now. A declaration that is
    no longer fresh is re-confirmed as it was (the page said so next to the person): a new declaration
    with the same answers, `declared_by` the holder for a member. Every person in `persons` must have a
    declaration in `declarations`.

    Idempotent: a retried tap (same `client_id`) returns the stored rows and writes nothing, not even a
    re-confirmation. Costs one query for the replay check, then a constant number per new check-in."""
    holder = device.person
    ids = {person.pk: household_client_id(client_id, person, holder=holder) for person in persons}
    stored = {c.client_id: c for c in CheckIn.objects.filter(client_id__in=ids.values())}
    entries: list[HouseholdEntry] = []
    for person in persons:
        done = stored.get(ids[person.pk])
        if done is not None:
            if done.person_id == person.pk:
                done.venue = venue  # saves a query per row on the confirmation page
                entries.append(HouseholdEntry(person, done, False, done.status_at_entry))
            # Someone else's id (a hostile replay): nothing is written and nothing of theirs is shown.
            continue
        declaration = declarations[person.pk]
        if not declaration_is_fresh(declaration, now=at):
            declaration = declaration_submit(
                person=person,
                answers=Answers.from_declaration(declaration),
                now=at,
                declared_by=None if person.pk == holder.pk else holder,
            )
        checkin, created, _status = checkin_self_scan(
            device=device,
            venue=venue,
            area=area,
            declaration=declaration,
            client_id=ids[person.pk],
            at=at,
            person=person,
        )
        if checkin.person_id == person.pk:
            entries.append(HouseholdEntry(person, checkin, created, checkin.status_at_entry))
    return entries


@transaction.atomic
def checkin_checkout(*, checkin: CheckIn, at: datetime) -> CheckIn:
    """A real exit (button, second scan, gate). An already closed visit is left as it was."""
    if checkin.checked_out_at is None:
        checkin.checked_out_at = max(at, checkin.checked_in_at)
        checkin.checked_out_estimated = False
        checkin.save(update_fields=["checked_out_at", "checked_out_estimated"])
    return checkin


def checkins_close_stale(*, now: datetime, batch_size: int = 1000) -> int:
    """Give every open visit whose estimated end has passed that end, marked as estimated.
    Run by `ravao close_visits` (cron, e.g. every 15 minutes). Returns how many were closed."""
    closed = 0
    # Nobody stays longer than a day: only visits older than the shortest possible stay are candidates.
    horizon = now - timedelta(minutes=min(settings.RAVAO_TYPICAL_STAY_MINUTES.values()))
    candidates = (
        CheckIn.objects.filter(checked_out_at__isnull=True, checked_in_at__lt=horizon)
        .select_related("venue")
        .order_by("pk")
    )
    shifts_cache: dict[int, list[Shift]] = {}
    last_pk = 0
    while True:
        # Keyset pagination: each batch is its own short transaction, so a big backlog never holds locks.
        batch = list(candidates.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return closed
        with transaction.atomic():
            for visit in batch:
                if visit.venue_id not in shifts_cache:
                    shifts_cache[visit.venue_id] = list(visit.venue.shifts.all())
                end = estimate_end(
                    venue=visit.venue, checked_in_at=visit.checked_in_at, shifts=shifts_cache[visit.venue_id]
                )
                if end <= now:
                    closed += CheckIn.objects.filter(pk=visit.pk, checked_out_at__isnull=True).update(
                        checked_out_at=end, checked_out_estimated=True
                    )
        last_pk = batch[-1].pk


@transaction.atomic
def checkins_close_venue_day(*, venue: Venue, now: datetime, staff: Any, role: str = "") -> int:
    """ "Close the day": every open visit at the venue ends at its estimated end (never later than now),
    marked as estimated. Returns how many visits were closed."""

    shifts = list(venue.shifts.all())
    closed = 0
    for visit in CheckIn.objects.select_for_update().filter(venue=venue, checked_out_at__isnull=True):
        end = estimate_end(venue=venue, checked_in_at=visit.checked_in_at, shifts=shifts)
        visit.checked_out_at = max(min(end, now), visit.checked_in_at)
        visit.checked_out_estimated = True
        visit.save(update_fields=["checked_out_at", "checked_out_estimated"])
        closed += 1
    audit_record(
        actor=staff,
        action="gate.close_day",
        obj=venue,
        role=role,
        details={"closed": closed, "venue_id": venue.pk},
    )
    return closed
