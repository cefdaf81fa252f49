"""One gate scan (J4, J5): what it names, the checks it must pass, and how it is recorded exactly once."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ravao.checkins import conf
from ravao.checkins.models import CardMismatch, CheckIn, CheckInFlag, GateScan
from ravao.checkins.selectors import (
    open_visit_at,
    person_by_public_id,
)
from ravao.checkins.visits import checkin_checkout, checkin_create
from ravao.lib.cccd import CccdResult, parse_cccd
from ravao.lib.phone import normalise_phone
from ravao.lib.text import fold
from ravao.lib.tokens import verify_token
from ravao.people.models import HealthDeclaration, Person
from ravao.people.selectors import (
    person_by_phone_or_id,
    person_latest_declaration,
    person_status,
)
from ravao.people.services import (
    Profile,
    person_register,
    person_set_date_of_birth,
)
from ravao.places.models import Area, Venue
from ravao.privacy.services import audit_record


@dataclass(frozen=True)
class GateScanInput:
    """One scan as the gate device made it. `scanned_at` is the device's claim of the moment of the scan;
    the server vouches only for the moment it received it (see `scan_check_time`)."""

    client_id: uuid.UUID
    kind: str  # GateScan.Kind
    payload: str
    direction: str  # GateScan.Direction
    area: Area | None
    scanned_at: datetime


@dataclass
class GateOutcome:
    """What the gate shows for one scan. `outcome` is a stable machine code (see
    gate.output.OUTCOME_MESSAGES)."""

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


class Refusal(Exception):
    def __init__(self, code: str, message: Any = None, person: Person | None = None) -> None:
        super().__init__(code)
        self.code, self.message, self.person = code, message, person
        # A card refused because it does not match the person of its number: (person, name, birth differ).
        self.mismatch: tuple[Person, bool, bool] | None = None


# Outcomes of a look-up that found nobody (counted against the tight "unknown" limit).
GATE_UNKNOWN = ("unknown_phone",)


def _judged_at(scan: GateScanInput, *, now: datetime) -> datetime:
    """The moment a scan's personal QR code is judged at: its claimed time when the server received it
    within the short window, else the earliest moment the server can vouch for (receipt − the window)."""
    return max(scan.scanned_at, now - conf.gate_scan_window())


def scan_key(
    scan: GateScanInput, *, now: datetime
) -> tuple[tuple[str, Any], CccdResult | None, list[tuple[str, Any]]]:
    """What names the person in a scan, checked without a query: ("public_id", uuid) of a verified
    personal QR, ("id_number", normalised number) of a card, or ("phone", normalised number); with the
    parsed card and its warnings. Raises Refusal."""

    if scan.kind == GateScan.Kind.TOKEN:
        # Not at the claimed moment of an offline scan (a device's clock can say anything): a code already
        # expired by the time the server can vouch for is refused, however the scan is dated.
        result = verify_token(scan.payload, now=_judged_at(scan, now=now))
        if not result.ok or result.person_public_id is None:
            raise Refusal(f"token_{result.error_code}", result.message)
        return ("public_id", result.person_public_id), None, []
    if scan.kind == GateScan.Kind.CCCD:
        card = parse_cccd(scan.payload, today=timezone.localdate(scan.scanned_at))
        if not card.ok:
            raise Refusal(f"cccd_{card.code}", card.message)
        warnings: list[tuple[str, Any]] = [(f"cccd_{w.code}", w.message) for w in card.warnings]
        return ("id_number", card.id_number), card, warnings
    if scan.kind == GateScan.Kind.PHONE:
        phone = normalise_phone(scan.payload)
        if phone is None:
            raise Refusal("bad_phone")
        return ("phone", phone), None, []
    raise Refusal("bad_kind")


def scan_check_time(scan: GateScanInput, *, now: datetime) -> bool:
    """Refuses a time in the future (beyond clock skew) or older than the sync age limit. Returns whether
    the scan is late: received more than RAVAO_GATE_SCAN_WINDOW_MINUTES after its claimed time."""
    if scan.scanned_at > now + conf.gate_clock_skew():
        raise Refusal("in_future")
    if scan.scanned_at < now - conf.gate_sync_max_age():
        raise Refusal("too_old")
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


def card_refusal(card: CccdResult, person: Person) -> Refusal | None:
    name, birth = _card_differs(card, person)
    if not (name or birth):
        return None
    refusal = Refusal("cccd_mismatch")
    refusal.mismatch = (person, name, birth)
    return refusal


def late_flag(*, scan: GateScanInput, checkin: CheckIn, staff: Any, now: datetime) -> CheckInFlag:
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


def mismatch_row(
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


def person_from_card(card: CccdResult, warnings: list[tuple[str, Any]]) -> Person:
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
    """The person a scan designates, with the warnings of the card. Raises Refusal."""

    (kind, value), card, warnings = scan_key(scan, now=now)
    if kind == "public_id":
        person = person_by_public_id(value)
        if person is None:
            raise Refusal("unknown_person")
        return person, []
    if kind == "id_number":
        assert card is not None
        person = person_by_phone_or_id(phone=None, id_number=value)
        if person is not None:
            # A known number on a card with another name or birth date: never merged (issue 9).
            refusal = card_refusal(card, person)
            if refusal is not None:
                raise refusal
        return person or person_from_card(card, warnings), warnings
    person = person_by_phone_or_id(phone=value, id_number=None)
    if person is None:
        raise Refusal("unknown_phone")
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


def outcome_from_stored(
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
        return outcome_from_stored(known, now=now)

    outcome = GateOutcome(client_id=scan.client_id, outcome="")
    try:
        with transaction.atomic():
            try:
                late = scan_check_time(scan, now=now)
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
                        [late_flag(scan=scan, checkin=outcome.checkin, staff=staff, now=now)],
                        ignore_conflicts=True,
                    )
            except Refusal as refusal:
                outcome.outcome, outcome.message = refusal.code, refusal.message
                if refusal.mismatch is not None:
                    outcome.warnings.append(("card_mismatch", None))
                    mismatch_row(
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
        return outcome_from_stored(stored, now=now)
    return outcome
