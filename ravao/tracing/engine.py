"""The co-presence engine (BRIEF §3): for a set of index persons, each with an infectious window, find
their visits in the window and every visit that shared a venue (the same area when both are known).

Set-based on purpose, so an outbreak of many cases costs a few queries, never one per visit:
1. one query for the index persons' visits   — index `checkin_person_time (person, checked_in_at)`;
2. for open visits, their venues and shifts  — two queries, once per venue (the estimated end);
3. one query per batch of (venue, time range) — index `checkin_venue_time (venue, checked_in_at)`, with a
   look-back bounded by the longest stay we believe (`RAVAO_TRACE_MAX_STAY_HOURS`);
then the intervals are matched in Python, venue by venue, on sorted lists.

Definitions (the oracle test restates them independently):
- a visit's interval is [checked_in_at, end]; end = checked_out_at, else the estimated end (shift, typical
  stay, closing time); any end is capped at checked_in_at + max stay. Open, flagged or capped ends are
  "estimated".
- the index person's presence is their visit clipped to the window, its end extended by the buffer;
  a visit counts if it starts before the window's end and ends at or after its start.
- overlap = length of the intersection of the presence and the other visit (touching intervals: none);
  high ≥ RAVAO_TRACE_HIGH_MINUTES, medium: any; low: no overlap but the other person checked in within
  RAVAO_TRACE_LOW_WINDOW_MINUTES before the presence starts or after it ends.
"""

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from ravao.checkins.models import CheckIn
from ravao.checkins.services import estimate_end
from ravao.places.models import Venue
from ravao.tracing import conf

HIGH, MEDIUM, LOW = "high", "medium", "low"
TIER_RANK = {HIGH: 3, MEDIUM: 2, LOW: 1}


@dataclass(frozen=True)
class Rules:
    buffer: timedelta
    high: timedelta
    low_window: timedelta
    max_stay: timedelta

    @classmethod
    def from_settings(cls) -> "Rules":
        return cls(
            buffer=conf.buffer(),
            high=timedelta(minutes=conf.HIGH_OVERLAP_MINUTES),
            low_window=conf.low_window(),
            max_stay=conf.max_stay(),
        )


@dataclass(frozen=True)
class Visit:
    id: int
    person_id: int
    venue_id: int
    area_id: int | None
    start: datetime
    end: datetime
    estimated: bool


@dataclass(frozen=True)
class IndexCase:
    """An index person and their infectious window; `key` comes back with each exposure (a case id or,
    for F2, the F1 contact's id)."""

    key: int
    person_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Exposure:
    source: int  # IndexCase.key
    source_visit: Visit
    presence_start: datetime  # the index person's presence: clipped to the window ...
    presence_end: datetime  # ... and extended by the buffer
    visit: Visit  # the exposed person's visit
    overlap_seconds: int
    tier: str

    @property
    def person_id(self) -> int:
        return self.visit.person_id

    @property
    def overlap_minutes(self) -> int:
        return self.overlap_seconds // 60

    @property
    def at(self) -> datetime:
        """When the exposure began: the start of the overlap, or the other person's check-in (low tier)."""
        return max(self.presence_start, self.visit.start) if self.overlap_seconds else self.visit.start

    def rank_key(self) -> tuple[int, int, float]:
        return (TIER_RANK[self.tier], self.overlap_seconds, -self.visit.start.timestamp())


@dataclass
class TraceResult:
    visits: dict[int, list[Visit]] = field(default_factory=dict)  # IndexCase.key → visits in the window
    exposures: list[Exposure] = field(default_factory=list)
    queries: int = 0


_COLUMNS = (
    "id",
    "person_id",
    "venue_id",
    "area_id",
    "checked_in_at",
    "checked_out_at",
    "checked_out_estimated",
)
Row = tuple[int, int, int, int | None, datetime, datetime | None, bool]


class _Ends:
    """Effective ends of visits; open visits are estimated with their venue's shifts (loaded once a venue)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.venues: dict[int, Venue] = {}
        self.shifts: dict[int, list[Any]] = {}
        self.queries = 0

    def visits(self, rows: Sequence[Row]) -> list[Visit]:
        missing = {r[2] for r in rows if r[5] is None} - self.venues.keys()
        if missing:
            # Two queries for all the venues of the open visits (venues + their shifts), never one per visit.
            for venue in Venue.objects.filter(pk__in=missing).prefetch_related("shifts"):
                self.venues[venue.pk] = venue
                self.shifts[venue.pk] = list(venue.shifts.all())  # once per venue, not per visit
            self.queries += 2
        out = []
        for pk, person_id, venue_id, area_id, start, out_at, flagged in rows:
            estimated = bool(flagged)
            if out_at is None:
                venue = self.venues[venue_id]
                end = estimate_end(venue=venue, checked_in_at=start, shifts=self.shifts[venue_id])
                estimated = True
            else:
                end = out_at
            cap = start + self.rules.max_stay
            if end > cap:
                end, estimated = cap, True
            end = max(end, start)
            out.append(Visit(pk, person_id, venue_id, area_id, start, end, estimated))
        return out


def _fetch(queryset: QuerySet[CheckIn]) -> list[Row]:
    """Rows of a values_list query. On PostgreSQL, timestamps are parsed by psycopg's C loader: Django
    registers a pure-Python one per connection that costs ~10 µs a value — most of a trace's time."""
    if connection.vendor != "postgresql":
        return list(queryset)  # type: ignore[arg-type]
    import psycopg
    from psycopg import pq

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # this Django cursor's own psycopg cursor: the loader change stays on it
        oid = psycopg.adapters.types["timestamptz"].oid
        raw.adapters.register_loader("timestamptz", psycopg.adapters.get_loader(oid, pq.Format.TEXT))
        # Executed through Django's wrapper, so query counting and logging still see it.
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _presence(visit: Visit, case: IndexCase, rules: Rules) -> tuple[datetime, datetime] | None:
    if visit.start >= case.end or visit.end < case.start:
        return None
    return max(visit.start, case.start), min(visit.end, case.end) + rules.buffer


def _merge(ranges: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    ranges.sort()
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def trace(cases: Iterable[IndexCase], rules: Rules | None = None) -> TraceResult:
    """Visits of the index persons in their windows and every co-present visit, with tiers."""
    rules = rules or Rules.from_settings()
    cases = list(cases)
    result = TraceResult()
    if not cases:
        return result
    ends = _Ends(rules)

    # 1. The index persons' visits (one query on (person, checked_in_at)).
    earliest = min(c.start for c in cases) - rules.max_stay
    latest = max(c.end for c in cases)
    rows = _fetch(
        CheckIn.objects.filter(
            person_id__in={c.person_id for c in cases}, checked_in_at__gte=earliest, checked_in_at__lt=latest
        )
        .order_by("checked_in_at", "id")
        .values_list(*_COLUMNS)
    )
    result.queries += 1
    by_person: dict[int, list[Visit]] = defaultdict(list)
    for visit in ends.visits(rows):
        by_person[visit.person_id].append(visit)

    presences: list[tuple[IndexCase, Visit, datetime, datetime]] = []
    for case in cases:
        result.visits[case.key] = []
        for visit in by_person.get(case.person_id, []):
            presence = _presence(visit, case, rules)
            if presence is not None:
                result.visits[case.key].append(visit)
                presences.append((case, visit, *presence))
    if not presences:
        result.queries += ends.queries
        return result

    # 2. Everyone at those venues around those times: one query per batch of merged (venue, range).
    look_back = max(rules.max_stay, rules.low_window)
    ranges: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for _case, visit, start, end in presences:
        ranges[visit.venue_id].append((start - look_back, end + rules.low_window))
    terms = [
        Q(venue_id=venue_id, checked_in_at__gte=lo, checked_in_at__lte=hi)
        # A visit that ended before this point can neither overlap nor be a "low" contact; the index
        # range is on checked_in_at, this filter only trims rows read from the heap.
        & (Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=lo + look_back - rules.low_window))
        for venue_id, venue_ranges in ranges.items()
        for lo, hi in _merge(venue_ranges)
    ]
    others: dict[int, list[Visit]] = defaultdict(list)
    for i in range(0, len(terms), conf.QUERY_BATCH):
        batch = _fetch(
            CheckIn.objects.filter(reduce(or_, terms[i : i + conf.QUERY_BATCH])).values_list(*_COLUMNS)
        )
        result.queries += 1
        for visit in ends.visits(batch):
            others[visit.venue_id].append(visit)
    starts: dict[int, list[datetime]] = {}
    for venue_id, visits in others.items():
        visits.sort(key=lambda v: (v.start, v.id))
        starts[venue_id] = [v.start for v in visits]

    # 3. Match intervals, venue by venue, on sorted lists.
    for case, source, p_start, p_end in presences:
        venue_visits = others.get(source.venue_id, [])
        lo = bisect.bisect_left(starts.get(source.venue_id, []), p_start - look_back)
        hi = bisect.bisect_right(starts.get(source.venue_id, []), p_end + rules.low_window)
        for other in venue_visits[lo:hi]:
            if other.person_id == case.person_id:
                continue
            if source.area_id is not None and other.area_id is not None and source.area_id != other.area_id:
                continue
            overlap = (min(p_end, other.end) - max(p_start, other.start)).total_seconds()
            if overlap > 0:
                tier = HIGH if overlap >= rules.high.total_seconds() else MEDIUM
            elif p_start - rules.low_window <= other.start <= p_end + rules.low_window:
                tier, overlap = LOW, 0
            else:
                continue
            result.exposures.append(Exposure(case.key, source, p_start, p_end, other, int(overlap), tier))
    result.queries += ends.queries
    return result


def best_by_person(exposures: Iterable[Exposure]) -> dict[tuple[int, int], list[Exposure]]:
    """Exposures grouped by (source, exposed person), best first (tier, then overlap)."""
    grouped: dict[tuple[int, int], list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        grouped[(exposure.source, exposure.person_id)].append(exposure)
    for items in grouped.values():
        items.sort(key=Exposure.rank_key, reverse=True)
    return grouped
