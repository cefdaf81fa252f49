"""A batch of gate scans (the offline queue, or one scan online), processed exactly once and in a
number of queries that does not grow with the batch."""

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest

from ravao.checkins import conf
from ravao.checkins.gate.limits import GateLimitExceeded, ScanBudget
from ravao.checkins.gate.scans import (
    GATE_RECORDED,
    GATE_UNKNOWN,
    GateOutcome,
    GateScanInput,
    Refusal,
    card_refusal,
    gate_scan_record,
    late_flag,
    mismatch_row,
    outcome_from_stored,
    person_from_card,
    scan_check_time,
    scan_key,
)
from ravao.checkins.models import CardMismatch, CheckIn, CheckInFlag, GateScan
from ravao.checkins.onetap import checkins_close_many
from ravao.checkins.selectors import (
    gate_recent_scans,
    gate_scans_known,
    latest_declarations,
    open_visits_of,
    persons_by_gate_keys,
    shifts_of_venues,
)
from ravao.checkins.visits import estimate_end
from ravao.lib.cccd import CccdResult
from ravao.people.models import HealthDeclaration, Person
from ravao.people.selectors import (
    person_status,
)
from ravao.places.models import Shift, Venue
from ravao.privacy.crypto import lookup_hash
from ravao.privacy.services import audit_record_many


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
    if budget is not None and fresh:
        refused = budget.take(scans=len(fresh), unknown=0)
        if refused is not None:
            raise GateLimitExceeded(*refused)
    try:
        try:
            with transaction.atomic():
                outcomes = _gate_sync_bulk(
                    venue=venue, staff=staff, role=role, scans=list(fresh.values()), now=now, request=request,
                    replayed=list(known.values()),
                )  # fmt: skip
                _charge_unknown(budget, outcomes=outcomes, fresh=fresh)
        except IntegrityError:
            with transaction.atomic():
                outcomes = _sync_scan_by_scan(
                    venue=venue, staff=staff, role=role, fresh=fresh, known=known, now=now, request=request
                )
                _charge_unknown(budget, outcomes=outcomes, fresh=fresh)
    except DatabaseError:
        # The batch was not recorded (the device sends it again): it uses up no budget either.
        if budget is not None and fresh:
            budget.give_back(scans=len(fresh), unknown=0)
        raise
    return [outcomes[scan.client_id] for scan in scans]


def _charge_unknown(
    budget: ScanBudget | None,
    *,
    outcomes: dict[uuid.UUID, GateOutcome],
    fresh: dict[uuid.UUID, GateScanInput],
) -> None:
    """Count the batch's look-ups that found nobody. Called inside the batch's transaction: raising
    GateLimitExceeded rolls every write of the batch back (and the scans counted before are given back)."""
    unknown = sum(outcomes[c].outcome in GATE_UNKNOWN for c in fresh if not outcomes[c].replay)
    if budget is not None and unknown:
        refused = budget.take(scans=0, unknown=unknown)
        if refused is not None:
            budget.give_back(scans=len(fresh), unknown=0)
            raise GateLimitExceeded(*refused)


def _sync_scan_by_scan(
    *,
    venue: Venue,
    staff: Any,
    role: str,
    fresh: dict[uuid.UUID, GateScanInput],
    known: dict[uuid.UUID, GateScan],
    now: datetime,
    request: HttpRequest | None,
) -> dict[uuid.UUID, GateOutcome]:
    """The slow path after a concurrent sync of some of the same scans: each scan in its own savepoint."""
    outcomes = {
        client_id: gate_scan_record(venue=venue, staff=staff, role=role, scan=scan, now=now, request=request)
        for client_id, scan in fresh.items()
    }
    declarations = latest_declarations({s.person_id for s in known.values() if s.person_id})
    for client_id, stored in known.items():
        outcomes[client_id] = outcome_from_stored(stored, now=now, declarations=declarations)
    return outcomes


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
    """`gate_scan_record` for a whole batch of new scans, with the same per-scan rules and outcomes, in
    named steps:

    1. `_parse`, without queries: times, token signatures, card parsing, phone numbers;
    2. `_resolve_persons`, one query: the persons (by public id / ID-number hash / phone hash); cards
       that disagree with the person of their number are refused, strangers' cards create a person;
    3. `_Moves.gather`, one query each: their latest declarations, their recent scans here (the 5-second
       rule), a lock on their rows, their open visits (and those venues' shifts, when a visit elsewhere
       must be closed with an estimated end);
    4. `_Moves.apply`, in memory, scan after scan in the batch's order, so that a scan sees the effect of
       the earlier ones exactly as it would have in the database: repeat rule, already inside / not
       inside, exits, entries closing open visits (`_close_open_visits`' rules, `estimate_end` elsewhere);
    5. `_write`, one bulk statement each: new check-ins, closed visits, flags, scan rows, audit events;
    6. `_answer`: the outcomes by client id, replays included.
    Only a card of a person unknown to the system costs queries of its own (the person is created).
    Must run inside a transaction; an IntegrityError means a concurrent sync (see `gate_sync`).
    """
    items = _parse(scans, now=now)
    mismatches = _resolve_persons(items, venue=venue, staff=staff, now=now)
    moves = _Moves.gather(venue=venue, items=items, replayed=replayed)
    for item in items:
        moves.apply(item, now=now)
    _write(
        items=items, moves=moves, mismatches=mismatches, venue=venue, staff=staff, role=role, now=now,
        request=request,
    )  # fmt: skip
    return _answer(items, replayed=replayed, declarations=moves.declarations, now=now)


def _parse(scans: list[GateScanInput], *, now: datetime) -> list[_Identified]:
    """Step 1: the checks that need no query. A refused scan keeps its outcome code and is done."""
    items: list[_Identified] = []
    for scan in scans:
        item = _Identified(scan=scan, outcome=GateOutcome(client_id=scan.client_id, outcome=""))
        items.append(item)
        try:
            item.late = scan_check_time(scan, now=now)
            (kind, value), item.card, item.outcome.warnings = scan_key(scan, now=now)
        except Refusal as refusal:
            item.outcome.outcome, item.outcome.message = refusal.code, refusal.message
            continue
        # Keyed hashes, as `person_by_phone_or_id` computes them, so that one query finds every person.
        item.key = (kind, value) if kind == "public_id" else (f"{kind}_hash", lookup_hash(value))
    return items


def _persons_by_keys(items: list[_Identified]) -> dict[tuple[str, Any], Person]:
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
    return persons


def _resolve_persons(
    items: list[_Identified], *, venue: Venue, staff: Any, now: datetime
) -> list[CardMismatch]:
    """Step 2: the person of each scan (`outcome.person`), or its refusal. Returns the card mismatches to
    record for health officers."""
    persons = _persons_by_keys(items)
    mismatches: list[CardMismatch] = []
    for item in items:
        if item.key is None:
            continue
        match = persons.get(item.key)
        if match is not None and item.card is not None:
            # A known number on a card with another name or birth date: refused, never merged (issue 9).
            refused = card_refusal(item.card, match)
            if refused is not None and refused.mismatch is not None:
                item.outcome.outcome, item.outcome.message = refused.code, refused.message
                item.outcome.warnings.append(("card_mismatch", None))
                mismatches.append(
                    mismatch_row(scan=item.scan, venue=venue, staff=staff, now=now, mismatch=refused.mismatch)
                )
                continue
        if match is None and item.card is not None:
            # A stranger's card: created from the card (rare; its own queries). A second scan of the same
            # card in this batch finds the person created by the first.
            match = persons[item.key] = person_from_card(item.card, item.outcome.warnings)
        if match is None:
            item.outcome.outcome = (
                "unknown_person" if item.scan.kind == GateScan.Kind.TOKEN else "unknown_phone"
            )
        item.outcome.person = match
    return mismatches


# A recent scan of a person here: (scanned at, order, direction, client id).
_Recent = tuple[datetime, int, str, uuid.UUID]


@dataclass
class _Moves:
    """Steps 3 and 4: the state of the batch's persons at this venue, and the entries and exits of the
    batch applied to it in memory, scan after scan."""

    venue: Venue
    declarations: dict[int, HealthDeclaration]
    window: timedelta
    recent: dict[int, list[_Recent]]
    open_visits: dict[int, list[CheckIn]]
    shifts: dict[int, list[Shift]]
    new_checkins: list[CheckIn] = field(default_factory=list)
    closed: dict[int, CheckIn] = field(default_factory=dict)  # stored visits to update, by pk
    # After any stored scan: the batch's own scans are the latest.
    order: Iterator[int] = field(default_factory=lambda: itertools.count(start=2**62))

    @classmethod
    def gather(cls, *, venue: Venue, items: list[_Identified], replayed: list[GateScan]) -> "_Moves":
        found = {item.outcome.person.pk: item.outcome.person for item in items if item.outcome.person}
        declarations = latest_declarations(set(found) | {s.person_id for s in replayed if s.person_id})
        window = conf.gate_repeat_ignore()
        recent: dict[int, list[_Recent]] = {pk: [] for pk in found}
        if window and found:
            times = [item.scan.scanned_at for item in items if item.outcome.person]
            for pk, person_id, scanned_at, direction, client_id in gate_recent_scans(
                venue_id=venue.pk, person_ids=set(found), start=min(times) - window, end=max(times) + window
            ):
                recent[person_id].append((scanned_at, pk, direction, client_id))
        # As in `_close_open_visits` (issue 12, finding 9): the persons' rows are locked before their open
        # visits are read, so a self check-in of one of them a few milliseconds later waits for this batch
        # and then closes the visit it opened. In primary-key order, so two batches never wait on each
        # other crosswise.
        list(
            Person.objects.select_for_update()
            .filter(pk__in=found)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        open_visits: dict[int, list[CheckIn]] = {pk: [] for pk in found}
        for visit in open_visits_of(set(found)):
            open_visits[visit.person_id].append(visit)
        elsewhere = {v.venue_id for visits in open_visits.values() for v in visits if v.venue_id != venue.pk}
        return cls(
            venue=venue, declarations=declarations, window=window, recent=recent, open_visits=open_visits,
            shifts=shifts_of_venues(elsewhere),
        )  # fmt: skip

    def apply(self, item: _Identified, *, now: datetime) -> None:
        person, outcome, scan = item.outcome.person, item.outcome, item.scan
        if person is None or outcome.outcome:
            return
        declaration = self.declarations.get(person.pk)
        outcome.status = person_status(person, declaration, now=now)
        outcome.doses = declaration.vaccine_doses if declaration is not None else None
        if self._is_repeat(person, scan):
            outcome.outcome = "repeat"
        elif scan.direction == GateScan.Direction.OUT:
            outcome.outcome, outcome.checkin = self._exit(person, scan)
        else:
            outcome.outcome, outcome.checkin = self._enter(person, scan, status=outcome.status)

    def _is_repeat(self, person: Person, scan: GateScanInput) -> bool:
        """As in `scans._gate_apply`: the person's latest scan here within the window, in the same
        direction."""
        if not self.window:
            return False
        recent = self.recent[person.pk]
        near = [r for r in recent if abs(r[0] - scan.scanned_at) <= self.window and r[3] != scan.client_id]
        latest = max(near, default=None, key=lambda r: (r[0], r[1]))
        recent.append((scan.scanned_at, next(self.order), scan.direction, scan.client_id))
        return latest is not None and latest[2] == scan.direction

    def _inside(self, person: Person) -> CheckIn | None:
        here = [v for v in self.open_visits[person.pk] if v.venue_id == self.venue.pk]
        return max(here, default=None, key=lambda v: v.checked_in_at)

    def _exit(self, person: Person, scan: GateScanInput) -> tuple[str, CheckIn | None]:
        inside = self._inside(person)
        if inside is None:
            return "not_inside", None
        _visit_close(inside, at=scan.scanned_at, estimated=None, closed=self.closed)
        self.open_visits[person.pk].remove(inside)
        return "checked_out", inside

    def _enter(self, person: Person, scan: GateScanInput, *, status: str) -> tuple[str, CheckIn]:
        inside = self._inside(person)
        if inside is not None and inside.area_id == (scan.area.pk if scan.area else None):
            return "already_inside", inside
        visits = self.open_visits[person.pk]
        for visit in visits:  # `_close_open_visits`
            estimate = None
            if visit.venue_id != self.venue.pk:
                estimate = estimate_end(
                    venue=visit.venue, checked_in_at=visit.checked_in_at, shifts=self.shifts[visit.venue_id]
                )
            _visit_close(visit, at=scan.scanned_at, estimated=estimate, closed=self.closed)
        checkin = CheckIn(
            # The scan's id is the check-in's id: the check-in's own unique constraint guards it as well.
            client_id=scan.client_id,
            person=person,
            venue=self.venue,
            area=scan.area,
            method=CheckIn.Method.GATE,
            checked_in_at=scan.scanned_at,
            status_at_entry=status,
        )
        self.new_checkins.append(checkin)
        visits[:] = [checkin]
        return "checked_in", checkin


def _write(
    *,
    items: list[_Identified],
    moves: _Moves,
    mismatches: list[CardMismatch],
    venue: Venue,
    staff: Any,
    role: str,
    now: datetime,
    request: HttpRequest | None,
) -> None:
    """Step 5: one bulk statement each. The inserts of rows keyed by client id come first: a concurrent
    sync of the same scans stops at the first one (PostgreSQL waits for the other transaction, then raises
    IntegrityError) before updating visits. On SQLite the batch's transaction holds the write lock from
    its start (IMMEDIATE)."""
    CheckIn.objects.bulk_create(moves.new_checkins)
    if moves.closed:
        checkins_close_many(list(moves.closed.values()))
    _write_late_flags(items, staff=staff, now=now)
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


def _write_late_flags(items: list[_Identified], *, staff: Any, now: datetime) -> None:
    """Flags only for late scans (an offline queue) that wrote a visit: these extra queries are not on
    the usual path."""
    late = [
        i for i in items if i.late and i.outcome.checkin is not None and i.outcome.outcome in GATE_RECORDED
    ]
    if not late:
        return
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
            late_flag(scan=i.scan, checkin=i.outcome.checkin, staff=staff, now=now)
            for i in late
            if i.outcome.checkin
        ],
        ignore_conflicts=True,
    )


def _answer(
    items: list[_Identified],
    *,
    replayed: list[GateScan],
    declarations: dict[int, HealthDeclaration],
    now: datetime,
) -> dict[uuid.UUID, GateOutcome]:
    """Step 6: the outcome of every scan of the batch by client id, the replayed ones from their rows."""
    outcomes = {item.scan.client_id: item.outcome for item in items}
    for stored in replayed:
        outcomes[stored.client_id] = outcome_from_stored(stored, now=now, declarations=declarations)
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
