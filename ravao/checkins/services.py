"""Writes of check-ins: entry, exit and estimated exits. Each service runs in one transaction."""

import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ravao.checkins import conf
from ravao.checkins.models import CardMismatch, CheckIn, CheckInFlag, GateScan
from ravao.checkins.selectors import (
    gate_recent_scans,
    gate_scans_known,
    latest_declarations,
    open_visit_at,
    open_visits_of,
    person_by_public_id,
    persons_by_gate_keys,
    shifts_of_venues,
)
from ravao.lib.cccd import CccdResult, parse_cccd
from ravao.lib.phone import normalise_phone
from ravao.lib.text import fold
from ravao.lib.tokens import verify_token
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.selectors import (
    declaration_is_fresh,
    person_by_phone_or_id,
    person_latest_declaration,
    person_status,
)
from ravao.people.services import (
    Answers,
    MemberProfile,
    Profile,
    declaration_submit,
    household_member_add,
    person_register,
    person_set_date_of_birth,
)
from ravao.places.models import CODE_ALPHABET, Area, Shift, Venue, new_qr_code
from ravao.privacy.crypto import lookup_hash, name_index
from ravao.privacy.services import audit_record, audit_record_many


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


# --- Gate (J4, J5): scans by staff, online or synced from the offline queue ---------------------------


@dataclass(frozen=True)
class GateScanInput:
    """One scan as the gate device made it. `scanned_at` is the device's claim of the moment of the scan;
    the server vouches only for the moment it received it (see `_gate_check_time`)."""

    client_id: uuid.UUID
    kind: str  # GateScan.Kind
    payload: str
    direction: str  # GateScan.Direction
    area: Area | None
    scanned_at: datetime


@dataclass
class GateOutcome:
    """What the gate shows for one scan. `outcome` is a stable machine code (see gate.OUTCOME_MESSAGES)."""

    client_id: uuid.UUID
    outcome: str
    person: Person | None = None
    checkin: CheckIn | None = None
    status: str = ""
    warnings: list[tuple[str, Any]] = field(default_factory=list)
    replay: bool = False
    # A refusal that is specific to the payload (token or card message), shown instead of the generic one.
    message: Any = None
    # Vaccine doses of the person's latest declaration (None: never said), shown at the gate (issue 12).
    doses: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in GATE_RECORDED or self.outcome in GATE_NOTHING_TO_DO


# A check-in or check-out was written.
GATE_RECORDED = ("checked_in", "checked_out")
# The person was found but nothing needed writing: not an error for the batch.
GATE_NOTHING_TO_DO = ("already_inside", "not_inside", "repeat")


class _Refusal(Exception):
    def __init__(self, code: str, message: Any = None, person: Person | None = None) -> None:
        super().__init__(code)
        self.code, self.message, self.person = code, message, person
        # A card refused because it does not match the person of its number: (person, name, birth differ).
        self.mismatch: tuple[Person, bool, bool] | None = None


class GateLimitExceeded(Exception):
    """A batch over a gate limit (see `ScanBudget`): refused whole, nothing written."""

    def __init__(self, retry_after: int, bucket: str) -> None:
        super().__init__(bucket)
        self.retry_after, self.bucket = retry_after, bucket


class ScanBudget(Protocol):
    """The gate limits of one staff member at one venue (`ravao.checkins.gate.GateBudget`): `take` counts
    the scans of a batch and its look-ups that found nobody, all or nothing; None when they fit, else
    (seconds to wait, the limit reached). `give_back` returns what `take` counted."""

    def take(self, *, scans: int, unknown: int) -> tuple[int, str] | None: ...

    def give_back(self, *, scans: int, unknown: int) -> None: ...


# Outcomes of a look-up that found nobody (counted against the tight "unknown" limit).
GATE_UNKNOWN = ("unknown_phone",)


def _judged_at(scan: GateScanInput, *, now: datetime) -> datetime:
    """The moment a scan's personal QR code is judged at: its claimed time when the server received it
    within the short window, else the earliest moment the server can vouch for (receipt − the window)."""
    return max(scan.scanned_at, now - conf.gate_scan_window())


def _gate_key(
    scan: GateScanInput, *, now: datetime
) -> tuple[tuple[str, Any], CccdResult | None, list[tuple[str, Any]]]:
    """What names the person in a scan, checked without a query: ("public_id", uuid) of a verified
    personal QR, ("id_number", normalised number) of a card, or ("phone", normalised number); with the
    parsed card and its warnings. Raises _Refusal."""

    if scan.kind == GateScan.Kind.TOKEN:
        # Not at the claimed moment of an offline scan (a device's clock can say anything): a code already
        # expired by the time the server can vouch for is refused, however the scan is dated.
        result = verify_token(scan.payload, now=_judged_at(scan, now=now))
        if not result.ok or result.person_public_id is None:
            raise _Refusal(f"token_{result.error_code}", result.message)
        return ("public_id", result.person_public_id), None, []
    if scan.kind == GateScan.Kind.CCCD:
        card = parse_cccd(scan.payload, today=timezone.localdate(scan.scanned_at))
        if not card.ok:
            raise _Refusal(f"cccd_{card.code}", card.message)
        warnings: list[tuple[str, Any]] = [(f"cccd_{w.code}", w.message) for w in card.warnings]
        return ("id_number", card.id_number), card, warnings
    if scan.kind == GateScan.Kind.PHONE:
        phone = normalise_phone(scan.payload)
        if phone is None:
            raise _Refusal("bad_phone")
        return ("phone", phone), None, []
    raise _Refusal("bad_kind")


def _gate_check_time(scan: GateScanInput, *, now: datetime) -> bool:
    """Refuses a time in the future (beyond clock skew) or older than the sync age limit. Returns whether
    the scan is late: received more than RAVAO_GATE_SCAN_WINDOW_MINUTES after its claimed time."""
    if scan.scanned_at > now + conf.gate_clock_skew():
        raise _Refusal("in_future")
    if scan.scanned_at < now - conf.gate_sync_max_age():
        raise _Refusal("too_old")
    return scan.scanned_at < now - conf.gate_scan_window()


def _card_differs(card: CccdResult, person: Person) -> tuple[bool, bool]:
    """(name differs, birth differs) between a card and the person holding its ID number. Names are
    compared folded (case, diacritics, spacing); the birth date when the person has one, else the year."""
    name = fold(card.full_name) != fold(person.full_name)
    if person.date_of_birth is not None:
        birth = person.date_of_birth != card.date_of_birth
    else:
        birth = person.year_of_birth != card.date_of_birth.year
    return name, birth


def _card_refusal(card: CccdResult, person: Person) -> _Refusal | None:
    name, birth = _card_differs(card, person)
    if not (name or birth):
        return None
    refusal = _Refusal("cccd_mismatch")
    refusal.mismatch = (person, name, birth)
    return refusal


def _late_flag(*, scan: GateScanInput, checkin: CheckIn, staff: Any, now: datetime) -> CheckInFlag:
    """The officers' flag of a late entry or exit: the claimed and the received times, and who sent it."""
    return CheckInFlag(
        checkin=checkin,
        kind=CheckInFlag.Kind.LATE if scan.direction == GateScan.Direction.IN else CheckInFlag.Kind.LATE_OUT,
        details={
            "claimed": scan.scanned_at.isoformat(),
            "received": now.isoformat(),
            "client_id": str(scan.client_id),
            "scan_kind": scan.kind,
            "staff_id": staff.pk if getattr(staff, "is_authenticated", False) else None,
        },
        created_at=now,
    )


def _mismatch_row(
    *, scan: GateScanInput, venue: Venue, staff: Any, now: datetime, mismatch: tuple[Person, bool, bool]
) -> CardMismatch:
    person, name, birth = mismatch
    return CardMismatch(
        client_id=scan.client_id,
        venue=venue,
        staff=staff if getattr(staff, "is_authenticated", False) else None,
        person=person,
        name_differs=name,
        birth_differs=birth,
        scanned_at=scan.scanned_at,
        created_at=now,
    )


def _person_from_card(card: CccdResult, warnings: list[tuple[str, Any]]) -> Person:
    """The person of a card nobody in the system holds yet, created from the card's data."""
    person, created = person_register(
        profile=Profile(
            full_name=card.full_name,
            phone=None,
            id_number=card.id_number,
            year_of_birth=card.date_of_birth.year,
            sex=card.sex,
            nationality="Việt Nam",
            commune=None,
            address=card.address,
            email="",
        )
    )
    if created:
        person_set_date_of_birth(person=person, date_of_birth=card.date_of_birth)
        warnings.append(("new_person", None))
    return person


def _gate_identify(scan: GateScanInput, *, now: datetime) -> tuple[Person, list[tuple[str, Any]]]:
    """The person a scan designates, with the warnings of the card. Raises _Refusal."""

    (kind, value), card, warnings = _gate_key(scan, now=now)
    if kind == "public_id":
        person = person_by_public_id(value)
        if person is None:
            raise _Refusal("unknown_person")
        return person, []
    if kind == "id_number":
        assert card is not None
        person = person_by_phone_or_id(phone=None, id_number=value)
        if person is not None:
            # A known number on a card with another name or birth date: never merged (issue 9).
            refusal = _card_refusal(card, person)
            if refusal is not None:
                raise refusal
        return person or _person_from_card(card, warnings), warnings
    person = person_by_phone_or_id(phone=value, id_number=None)
    if person is None:
        raise _Refusal("unknown_phone")
    return person, []


def _gate_apply(
    *, venue: Venue, scan: GateScanInput, person: Person, status: str
) -> tuple[str, CheckIn | None]:
    """Record the entry or exit. Returns (outcome, check-in)."""

    window = conf.gate_repeat_ignore()
    if window:
        # The same card read twice in a row (a scanner's double read, a card held under the camera): the
        # person's latest scan here, moments before, in the same direction. An exit in between is a real
        # movement, not a double read.
        latest = (
            GateScan.objects.filter(
                venue=venue,
                person=person,
                scanned_at__gte=scan.scanned_at - window,
                scanned_at__lte=scan.scanned_at + window,
            )
            .exclude(client_id=scan.client_id)
            .order_by("-scanned_at")
            .values_list("direction", flat=True)
            .first()
        )
        if latest == scan.direction:
            return "repeat", None
    inside = open_visit_at(person, venue_id=venue.pk)
    if scan.direction == GateScan.Direction.OUT:
        if inside is None:
            return "not_inside", None
        checkin_checkout(checkin=inside, at=scan.scanned_at)
        return "checked_out", inside
    if inside is not None and inside.area_id == (scan.area.pk if scan.area else None):
        return "already_inside", inside
    checkin, _created = checkin_create(
        person=person,
        venue=venue,
        area=scan.area,
        method=CheckIn.Method.GATE,
        at=scan.scanned_at,
        # The scan's id is the check-in's id: the check-in's own unique constraint guards it as well.
        client_id=scan.client_id,
        status_at_entry=status,
    )
    return "checked_in", checkin


def _outcome_from_stored(
    stored: GateScan, *, now: datetime, declarations: dict[int, HealthDeclaration] | None = None
) -> GateOutcome:
    """The answer to a replayed scan. `declarations`: latest declarations by person, when the caller
    fetched them for the whole batch; otherwise the person's is fetched here."""

    person = stored.person
    status = ""
    doses: int | None = None
    if person is not None:
        declaration = (
            declarations.get(person.pk) if declarations is not None else person_latest_declaration(person)
        )
        status = person_status(person, declaration, now=now)
        doses = declaration.vaccine_doses if declaration is not None else None
    return GateOutcome(
        client_id=stored.client_id,
        outcome=stored.outcome,
        person=person,
        checkin=stored.checkin,
        status=status,
        replay=True,
        doses=doses,
    )


def gate_scan_record(
    *,
    venue: Venue,
    staff: Any,
    role: str,
    scan: GateScanInput,
    now: datetime,
    request: HttpRequest | None = None,
    known: GateScan | None = None,
    known_checked: bool = False,
) -> GateOutcome:
    """Process one gate scan exactly once. A scan whose client_id was already processed (a replayed sync,
    concurrently or a day later) returns the stored outcome and writes nothing.

    One transaction: the check-in, the scan row and the audit event of the look-up commit together, so
    a crash leaves either all of them or none (and the device retries).
    """

    if known is None and not known_checked:
        known = GateScan.objects.filter(client_id=scan.client_id).select_related("person", "checkin").first()
    if known is not None:
        return _outcome_from_stored(known, now=now)

    outcome = GateOutcome(client_id=scan.client_id, outcome="")
    try:
        with transaction.atomic():
            try:
                late = _gate_check_time(scan, now=now)
                person, warnings = _gate_identify(scan, now=now)
                outcome.person, outcome.warnings = person, warnings
                declaration = person_latest_declaration(person)
                outcome.status = person_status(person, declaration, now=now)
                outcome.doses = declaration.vaccine_doses if declaration is not None else None
                outcome.outcome, outcome.checkin = _gate_apply(
                    venue=venue, scan=scan, person=person, status=outcome.status
                )
                if late and outcome.checkin is not None and outcome.outcome in GATE_RECORDED:
                    outcome.warnings.append(("late", None))
                    CheckInFlag.objects.bulk_create(
                        [_late_flag(scan=scan, checkin=outcome.checkin, staff=staff, now=now)],
                        ignore_conflicts=True,
                    )
            except _Refusal as refusal:
                outcome.outcome, outcome.message = refusal.code, refusal.message
                if refusal.mismatch is not None:
                    outcome.warnings.append(("card_mismatch", None))
                    _mismatch_row(
                        scan=scan, venue=venue, staff=staff, now=now, mismatch=refusal.mismatch
                    ).save()
            GateScan.objects.create(
                client_id=scan.client_id,
                venue=venue,
                area=scan.area,
                staff=staff if getattr(staff, "is_authenticated", False) else None,
                kind=scan.kind,
                direction=scan.direction,
                scanned_at=scan.scanned_at,
                received_at=now,
                person=outcome.person,
                checkin=outcome.checkin,
                outcome=outcome.outcome,
            )
            if outcome.person is not None:
                # A gate look-up reads personal data; when it records an entry or exit this one event, in
                # the same transaction, is also the audit of that write (method "gate").
                audit_record(
                    actor=staff,
                    action="gate.lookup",
                    person_id=outcome.person.pk,
                    obj=outcome.checkin or venue,
                    request=request,
                    role=role,
                    details={
                        "kind": scan.kind,
                        "direction": scan.direction,
                        "outcome": outcome.outcome,
                        "client_id": str(scan.client_id),
                        "venue_id": venue.pk,
                    },
                )
    except IntegrityError:
        # Another request processed the same client_id at the same moment and committed first; everything
        # above was rolled back. Answer as for any replay.
        stored = GateScan.objects.select_related("person", "checkin").get(client_id=scan.client_id)
        return _outcome_from_stored(stored, now=now)
    return outcome


def gate_sync(
    *,
    venue: Venue,
    staff: Any,
    role: str,
    scans: list[GateScanInput],
    now: datetime,
    request: HttpRequest | None = None,
    budget: ScanBudget | None = None,
) -> list[GateOutcome]:
    """A batch of scans from a gate's queue, each processed exactly once: a bad scan is reported and the
    good ones are kept; the results are in the order of `scans`.

    Limits (`budget`): the batch's new scans are counted before any work, its look-ups that found nobody
    once they are known; over a limit, GateLimitExceeded is raised, the transaction rolls back (nothing is
    written, nothing counted) and the device keeps the batch to send it again later.

    The batch is processed as a whole, in a number of queries that does not grow with its size (see
    `_gate_sync_bulk`), in one transaction: one commit per batch, because a commit waits for the disk
    (PostgreSQL's synchronous commit: ~15 ms here). The device is answered after the commit, so an
    acknowledged scan is durable; a crash before it loses nothing, the device sends the batch again.

    Exactly once: scans already stored are answered from the stored outcome. If the bulk insert hits a
    unique constraint — another request (a second tab, a retry) committed some of the same scans while
    this one was working — the batch is rolled back and processed again scan by scan, each in its own
    savepoint (`gate_scan_record`), which answers those scans as replays and keeps the others.
    """
    known = gate_scans_known([scan.client_id for scan in scans])
    fresh: dict[uuid.UUID, GateScanInput] = {}
    for scan in scans:
        if scan.client_id not in known:
            fresh.setdefault(scan.client_id, scan)  # the same id twice in one batch is processed once
    outcomes: dict[uuid.UUID, GateOutcome]
    if budget is not None and fresh:
        refused = budget.take(scans=len(fresh), unknown=0)
        if refused is not None:
            raise GateLimitExceeded(*refused)

    def charge_unknown() -> None:
        # Inside the batch's transaction: raising rolls every write of the batch back.
        unknown = sum(outcomes[c].outcome in GATE_UNKNOWN for c in fresh if not outcomes[c].replay)
        if budget is not None and unknown:
            refused = budget.take(scans=0, unknown=unknown)
            if refused is not None:
                budget.give_back(scans=len(fresh), unknown=0)
                raise GateLimitExceeded(*refused)

    try:
        try:
            with transaction.atomic():
                outcomes = _gate_sync_bulk(
                    venue=venue, staff=staff, role=role, scans=list(fresh.values()), now=now, request=request,
                    replayed=list(known.values()),
                )  # fmt: skip
                charge_unknown()
        except IntegrityError:
            with transaction.atomic():
                outcomes = {
                    client_id: gate_scan_record(
                        venue=venue, staff=staff, role=role, scan=scan, now=now, request=request
                    )
                    for client_id, scan in fresh.items()
                }
                declarations = latest_declarations({s.person_id for s in known.values() if s.person_id})
                for client_id, stored in known.items():
                    outcomes[client_id] = _outcome_from_stored(stored, now=now, declarations=declarations)
                charge_unknown()
    except DatabaseError:
        # The batch was not recorded (the device sends it again): it uses up no budget either.
        if budget is not None and fresh:
            budget.give_back(scans=len(fresh), unknown=0)
        raise
    return [outcomes[scan.client_id] for scan in scans]


@dataclass
class _Identified:
    """A scan of the batch after the checks that need no query; `key` names the person to look up."""

    scan: GateScanInput
    outcome: GateOutcome
    key: tuple[str, Any] | None = None  # ("public_id", uuid) | ("id_number_hash" | "phone_hash", hash)
    card: CccdResult | None = None
    late: bool = False  # received after the short window (flagged when it writes a visit)


def _gate_sync_bulk(
    *,
    venue: Venue,
    staff: Any,
    role: str,
    scans: list[GateScanInput],
    now: datetime,
    request: HttpRequest | None,
    replayed: list[GateScan],
) -> dict[uuid.UUID, GateOutcome]:
    """`gate_scan_record` for a whole batch of new scans, with the same per-scan rules and outcomes:

    1. without queries: times, token signatures, card parsing, phone numbers;
    2. one query each: the persons (by public id / ID-number hash / phone hash), their latest
       declarations, their recent scans here (the 5-second rule), their open visits (and those venues'
       shifts, when a visit elsewhere must be closed with an estimated end);
    3. in memory, scan after scan in the batch's order, so that a scan sees the effect of the earlier ones
       exactly as it would have in the database: repeat rule, already inside / not inside, exits, entries
       closing open visits (`_close_open_visits`' rules, `estimate_end` for visits elsewhere);
    4. one bulk statement each: new check-ins, closed visits, scan rows, audit events.
    Only a card of a person unknown to the system costs queries of its own (the person is created).
    Must run inside a transaction; an IntegrityError means a concurrent sync (see `gate_sync`).
    """
    items: list[_Identified] = []
    for scan in scans:
        item = _Identified(scan=scan, outcome=GateOutcome(client_id=scan.client_id, outcome=""))
        try:
            item.late = _gate_check_time(scan, now=now)
            item.key, item.card, item.outcome.warnings = _gate_key(scan, now=now)
        except _Refusal as refusal:
            item.outcome.outcome, item.outcome.message = refusal.code, refusal.message
        items.append(item)

    # Keyed hashes, as `person_by_phone_or_id` computes them, so that one query finds every person.
    for item in items:
        if item.key is not None and item.key[0] != "public_id":
            item.key = (f"{item.key[0]}_hash", lookup_hash(item.key[1]))
    keys = [item.key for item in items if item.key is not None]
    persons: dict[tuple[str, Any], Person] = {}
    for candidate in persons_by_gate_keys(
        public_ids={value for kind, value in keys if kind == "public_id"},
        id_hashes={value for kind, value in keys if kind == "id_number_hash"},
        phone_hashes={value for kind, value in keys if kind == "phone_hash"},
    ):
        # Ordered by pk: the first person of a key wins, as with `.first()` one scan at a time.
        persons.setdefault(("public_id", candidate.public_id), candidate)
        if candidate.id_hash:
            persons.setdefault(("id_number_hash", candidate.id_hash), candidate)
        if candidate.phone_hash:
            persons.setdefault(("phone_hash", candidate.phone_hash), candidate)
    mismatches: list[CardMismatch] = []
    for item in items:
        if item.key is None:
            continue
        match = persons.get(item.key)
        if match is not None and item.card is not None:
            # A known number on a card with another name or birth date: refused, never merged (issue 9).
            card_refusal = _card_refusal(item.card, match)
            if card_refusal is not None and card_refusal.mismatch is not None:
                item.outcome.outcome, item.outcome.message = card_refusal.code, card_refusal.message
                item.outcome.warnings.append(("card_mismatch", None))
                mismatches.append(
                    _mismatch_row(
                        scan=item.scan, venue=venue, staff=staff, now=now, mismatch=card_refusal.mismatch
                    )
                )
                continue
        if match is None and item.card is not None:
            # A stranger's card: created from the card (rare; its own queries). A second scan of the same
            # card in this batch finds the person created by the first.
            match = persons[item.key] = _person_from_card(item.card, item.outcome.warnings)
        if match is None:
            kind = item.scan.kind
            item.outcome.outcome = "unknown_person" if kind == GateScan.Kind.TOKEN else "unknown_phone"
        item.outcome.person = match

    found = {item.outcome.person.pk: item.outcome.person for item in items if item.outcome.person}
    declarations = latest_declarations(set(found) | {s.person_id for s in replayed if s.person_id})
    window = conf.gate_repeat_ignore()
    recent: dict[int, list[tuple[datetime, int, str, uuid.UUID]]] = {pk: [] for pk in found}
    if window and found:
        times = [item.scan.scanned_at for item in items if item.outcome.person]
        for pk, person_id, scanned_at, direction, client_id in gate_recent_scans(
            venue_id=venue.pk, person_ids=set(found), start=min(times) - window, end=max(times) + window
        ):
            recent[person_id].append((scanned_at, pk, direction, client_id))
    # As in `_close_open_visits` (issue 12, finding 9): the persons' rows are locked before their open visits
    # are read, so a self check-in of one of them a few milliseconds later waits for this batch and then
    # closes the visit it opened. In primary-key order, so two batches never wait on each other crosswise.
    list(Person.objects.select_for_update().filter(pk__in=found).order_by("pk").values_list("pk", flat=True))
    open_visits: dict[int, list[CheckIn]] = {pk: [] for pk in found}
    for visit in open_visits_of(set(found)):
        open_visits[visit.person_id].append(visit)
    elsewhere = {v.venue_id for visits in open_visits.values() for v in visits if v.venue_id != venue.pk}
    shifts = shifts_of_venues(elsewhere)

    new_checkins: list[CheckIn] = []
    closed: dict[int, CheckIn] = {}  # stored visits to update, by pk
    order = itertools.count(start=2**62)  # after any stored scan: the batch's own scans are the latest
    for item in items:
        person, outcome, scan = item.outcome.person, item.outcome, item.scan
        if person is None or outcome.outcome:
            continue
        declaration = declarations.get(person.pk)
        outcome.status = person_status(person, declaration, now=now)
        outcome.doses = declaration.vaccine_doses if declaration is not None else None
        if window:
            # As in `_gate_apply`: the person's latest scan here within the window, in the same direction.
            near = [
                r for r in recent[person.pk]
                if abs(r[0] - scan.scanned_at) <= window and r[3] != scan.client_id
            ]  # fmt: skip
            latest = max(near, default=None, key=lambda r: (r[0], r[1]))
            recent[person.pk].append((scan.scanned_at, next(order), scan.direction, scan.client_id))
            if latest is not None and latest[2] == scan.direction:
                outcome.outcome = "repeat"
                continue
        visits = open_visits[person.pk]
        here = [v for v in visits if v.venue_id == venue.pk]
        inside = max(here, default=None, key=lambda v: v.checked_in_at)
        if scan.direction == GateScan.Direction.OUT:
            if inside is None:
                outcome.outcome = "not_inside"
                continue
            _visit_close(inside, at=scan.scanned_at, estimated=None, closed=closed)
            visits.remove(inside)
            outcome.outcome, outcome.checkin = "checked_out", inside
            continue
        if inside is not None and inside.area_id == (scan.area.pk if scan.area else None):
            outcome.outcome, outcome.checkin = "already_inside", inside
            continue
        for visit in visits:  # `_close_open_visits`
            if visit.venue_id == venue.pk:
                _visit_close(visit, at=scan.scanned_at, estimated=None, closed=closed)
            else:
                estimate = estimate_end(
                    venue=visit.venue, checked_in_at=visit.checked_in_at, shifts=shifts[visit.venue_id]
                )
                _visit_close(visit, at=scan.scanned_at, estimated=estimate, closed=closed)
        checkin = CheckIn(
            # The scan's id is the check-in's id: the check-in's own unique constraint guards it as well.
            client_id=scan.client_id,
            person=person,
            venue=venue,
            area=scan.area,
            method=CheckIn.Method.GATE,
            checked_in_at=scan.scanned_at,
            status_at_entry=outcome.status,
        )
        new_checkins.append(checkin)
        visits[:] = [checkin]
        outcome.outcome, outcome.checkin = "checked_in", checkin

    # The inserts of rows keyed by client id come first: a concurrent sync of the same scans stops at the
    # first one (PostgreSQL waits for the other transaction, then raises IntegrityError) before updating
    # visits. On SQLite the batch's transaction holds the write lock from its start (IMMEDIATE).
    CheckIn.objects.bulk_create(new_checkins)
    if closed:
        CheckIn.objects.bulk_update(list(closed.values()), ["checked_out_at", "checked_out_estimated"])
    late = [
        i for i in items if i.late and i.outcome.checkin is not None and i.outcome.outcome in GATE_RECORDED
    ]
    if late:
        # Flags only for late scans (an offline queue): these extra queries are not on the usual path.
        late_checkins: list[CheckIn] = [i.outcome.checkin for i in late if i.outcome.checkin is not None]
        missing = [checkin.client_id for checkin in late_checkins if checkin.pk is None]
        if missing:  # a database that does not return the ids of a bulk insert
            ids = dict(CheckIn.objects.filter(client_id__in=missing).values_list("client_id", "pk"))
            for checkin in late_checkins:
                if checkin.pk is None:
                    checkin.pk = ids[checkin.client_id]
        for i in late:
            i.outcome.warnings.append(("late", None))
        CheckInFlag.objects.bulk_create(
            [
                _late_flag(scan=i.scan, checkin=i.outcome.checkin, staff=staff, now=now)
                for i in late
                if i.outcome.checkin
            ],
            ignore_conflicts=True,
        )
    if mismatches:
        CardMismatch.objects.bulk_create(mismatches)
    staff_user = staff if getattr(staff, "is_authenticated", False) else None
    GateScan.objects.bulk_create(
        [
            GateScan(
                client_id=item.scan.client_id,
                venue=venue,
                area=item.scan.area,
                staff=staff_user,
                kind=item.scan.kind,
                direction=item.scan.direction,
                scanned_at=item.scan.scanned_at,
                received_at=now,
                person=item.outcome.person,
                checkin=item.outcome.checkin,
                outcome=item.outcome.outcome,
            )
            for item in items
        ]
    )
    # The audit events of `gate_scan_record`, one per look-up that found a person, in the same transaction.
    audit_record_many(
        actor=staff_user,
        action="gate.lookup",
        role=role,
        request=request,
        entries=[
            (
                item.outcome.person.pk,
                item.outcome.checkin or venue,
                {
                    "kind": item.scan.kind,
                    "direction": item.scan.direction,
                    "outcome": item.outcome.outcome,
                    "client_id": str(item.scan.client_id),
                    "venue_id": venue.pk,
                },
            )
            for item in items
            if item.outcome.person is not None
        ],
    )
    outcomes = {item.scan.client_id: item.outcome for item in items}
    for stored in replayed:
        outcomes[stored.client_id] = _outcome_from_stored(stored, now=now, declarations=declarations)
    return outcomes


def _visit_close(
    visit: CheckIn, *, at: datetime, estimated: datetime | None, closed: dict[int, CheckIn]
) -> None:
    """Close an open visit in memory: a real exit at `at`, or, given an estimate, at the estimated end
    (never after `at`). Never before its entry (the check constraint)."""
    if estimated is None:
        visit.checked_out_at, visit.checked_out_estimated = max(at, visit.checked_in_at), False
    else:
        visit.checked_out_at, visit.checked_out_estimated = max(min(estimated, at), visit.checked_in_at), True
    if visit.pk is not None:  # a check-in of this very batch is inserted already closed
        closed[visit.pk] = visit


@transaction.atomic
def gate_manual_entry(
    *,
    venue: Venue,
    area: Area | None,
    staff: Any,
    role: str,
    profile: Any,
    answers: Any | None,
    client_id: uuid.UUID,
    now: datetime,
    request: HttpRequest | None = None,
) -> tuple[CheckIn, Person, bool]:
    """A visitor without a smartphone, entered by staff (name, phone, optional ID number, and the
    declaration when the visitor answered the questions). Returns (check-in, person, person created).
    An existing person (same phone or ID number) is used as they are; their profile is not rewritten.
    A phone that belongs to someone of another name (a relative's, as the form allows) adds the visitor
    to that person's household (issue 9): their own person and history, never merged into the relative.

    A retried form (same `client_id`, issue 12 finding 8) writes nothing: no second declaration, no
    second audit row. A retry seen after the first committed returns the stored entry; one racing with it
    loses on the check-in's unique client_id and everything it wrote is rolled back."""
    stored = _manual_entry_stored(client_id=client_id, venue=venue)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            return _manual_entry_write(
                venue=venue, area=area, staff=staff, role=role, profile=profile, answers=answers,
                client_id=client_id, now=now, request=request,
            )  # fmt: skip
    except _ManualEntryReplayed:
        stored = _manual_entry_stored(client_id=client_id, venue=venue)
        if stored is not None:
            return stored
    # The id is another check-in's (not a manual entry of this venue): nothing of it is shown, the
    # visitor is entered under a fresh id.
    return gate_manual_entry(
        venue=venue, area=area, staff=staff, role=role, profile=profile, answers=answers,
        client_id=uuid.uuid4(), now=now, request=request,
    )  # fmt: skip


class _ManualEntryReplayed(Exception):
    """The client_id was recorded by a concurrent request: this attempt's writes are rolled back."""


def _manual_entry_stored(*, client_id: uuid.UUID, venue: Venue) -> tuple[CheckIn, Person, bool] | None:
    checkin = (
        CheckIn.objects.select_related("person")
        .filter(client_id=client_id, venue=venue, method=CheckIn.Method.MANUAL)
        .first()
    )
    return None if checkin is None else (checkin, checkin.person, False)


def _manual_entry_write(
    *,
    venue: Venue,
    area: Area | None,
    staff: Any,
    role: str,
    profile: Any,
    answers: Any | None,
    client_id: uuid.UUID,
    now: datetime,
    request: HttpRequest | None,
) -> tuple[CheckIn, Person, bool]:
    person, created, household = _manual_entry_person(
        profile=profile, staff=staff, role=role, request=request
    )
    if answers is not None:
        declaration_submit(person=person, answers=answers, now=now)
    status = person_status(person, person_latest_declaration(person), now=now)
    checkin, checkin_created = checkin_create(
        person=person,
        venue=venue,
        area=area,
        method=CheckIn.Method.MANUAL,
        at=now,
        client_id=client_id,
        status_at_entry=status,
    )
    if not checkin_created:
        raise _ManualEntryReplayed
    audit_record(
        actor=staff,
        action="gate.manual",
        person_id=person.pk,
        obj=checkin,
        request=request,
        role=role,
        details={
            "venue_id": venue.pk,
            "person_created": created,
            "declared": answers is not None,
            "household_member": household,
        },
    )
    return checkin, person, created


def _manual_entry_person(
    *, profile: Profile, staff: Any, role: str, request: HttpRequest | None
) -> tuple[Person, bool, bool]:
    """The person a manual entry designates: (person, created, household member). An ID number that is
    known decides as before; otherwise a phone held by someone whose name differs from the typed one is a
    relative's phone: the visitor is (or becomes) a member of that person's household, by their own name."""
    known_id = profile.id_number and person_by_phone_or_id(phone=None, id_number=profile.id_number)
    if profile.phone and not known_id:
        relative = person_by_phone_or_id(phone=profile.phone, id_number=None)
        if relative is not None and relative.name_index != name_index(profile.full_name):
            # A member's own phone belongs to their holder's household: no households of households.
            holder = relative.household_of if relative.household_of_id else relative
            assert holder is not None
            member, created = household_member_add(
                holder=holder,
                member=MemberProfile(
                    full_name=profile.full_name,
                    year_of_birth=profile.year_of_birth,
                    sex=profile.sex,
                    id_number=profile.id_number,
                ),
                actor=staff,
                role=role,
                request=request,
                via="gate",
            )
            return member, created, True
    person, created = person_register(profile=profile)
    return person, created, False


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


# --- Plausibility (BRIEF §4: fake check-ins from a photo of a poster) ---------------------------------


def checkins_flag_implausible(*, since: datetime, now: datetime) -> int:
    """Flag check-ins made since `since` that look implausible; never blocks or deletes anything.

    * travel: the same person checked in at venues of two different communes less than
      RAVAO_IMPLAUSIBLE_TRAVEL_MINUTES apart (venues have no coordinates; another commune is "distant");
    * burst: RAVAO_BURST_CHECKINS or more self check-ins from one device within RAVAO_BURST_WINDOW_MINUTES.
    Idempotent (one flag per check-in and kind), so cron may run it over overlapping windows.
    Returns how many new flags were written.
    """

    travel, burst_n, burst_w = conf.implausible_travel(), conf.burst_count(), conf.burst_window()
    flags: list[CheckInFlag] = []
    rows = list(
        CheckIn.objects.filter(checked_in_at__gte=since - max(travel, burst_w), checked_in_at__lte=now)
        .order_by("person_id", "checked_in_at")
        .values_list("pk", "person_id", "venue_id", "venue__commune_id", "checked_in_at")
    )
    for prev, cur in itertools.pairwise(rows):
        if prev[1] == cur[1] and cur[4] >= since and prev[3] != cur[3] and cur[4] - prev[4] < travel:
            minutes = round((cur[4] - prev[4]).total_seconds() / 60, 1)
            flags.append(
                CheckInFlag(
                    checkin_id=cur[0],
                    kind=CheckInFlag.Kind.TRAVEL,
                    related_id=prev[0],
                    details={"minutes": minutes, "other_venue_id": prev[2]},
                    created_at=now,
                )
            )
    by_device = list(
        CheckIn.objects.filter(
            checked_in_at__gte=since - burst_w, checked_in_at__lte=now, device__isnull=False
        )
        .order_by("device_id", "checked_in_at", "pk")
        .values_list("pk", "device_id", "checked_in_at")
    )
    # A household's one tap (issue 9) writes several check-ins of one device at the same instant: one tap,
    # counted once (its first row stands for it).
    by_device = [row for i, row in enumerate(by_device) if i == 0 or row[1:] != by_device[i - 1][1:]]
    start = 0
    for index, (pk, device_id, at) in enumerate(by_device):
        while by_device[start][1] != device_id or at - by_device[start][2] >= burst_w:
            start += 1
        if index - start + 1 >= burst_n and at >= since:
            flags.append(
                CheckInFlag(
                    checkin_id=pk,
                    kind=CheckInFlag.Kind.BURST,
                    related_id=by_device[start][0],
                    details={"count": index - start + 1, "window_minutes": burst_w.total_seconds() / 60},
                    created_at=now,
                )
            )
    if not flags:
        return 0
    before = CheckInFlag.objects.count()
    CheckInFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return CheckInFlag.objects.count() - before


# --- Screen mode ---------------------------------------------------------------------------------------

# Poster codes are lower-case (places.CODE_ALPHABET); an upper-case prefix marks a screen-mode code, so
# the check-in page knows without a query that it needs a fresh proof of presence (checkins.gate).
SCREEN_PREFIX = "S"


@transaction.atomic
def venue_set_screen_mode(*, venue: Venue, on: bool, actor: Any, request: HttpRequest | None = None) -> Venue:
    """Turn screen mode on or off. Either way the poster code changes: printed posters (and photos of
    them) stop working when the venue moves to a screen, and the screen's code dies when it moves back."""
    venue.screen_mode = on
    venue.qr_code = (
        SCREEN_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(15)) if on else new_qr_code()
    )
    venue.qr_rotated_at = timezone.now()
    venue.save(update_fields=["screen_mode", "qr_code", "qr_rotated_at"])
    audit_record(
        actor=actor,
        action="venue.screen_mode",
        obj=venue,
        request=request,
        details={"on": on, "venue_id": venue.pk},
    )
    return venue
