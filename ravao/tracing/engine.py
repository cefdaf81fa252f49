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
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from ravao.checkins.models import CheckIn
from ravao.checkins.visits import estimate_end
from ravao.db.replica import read_connection as connection  # issue 13 item 5: the replica, when asked
from ravao.db.replica import replica_reads_in  # issue 13 item 5
from ravao.places.models import Shift, Venue
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

    def ends(self, rows: Sequence[Row]) -> list[tuple[datetime, bool]]:
        """(effective end, estimated) of each row."""
        missing = {r[2] for r in rows if r[5] is None} - self.venues.keys()
        if missing:
            # Two queries for all the venues of the open visits (venues + their shifts), never one per visit;
            # the shifts grouped here rather than by prefetch_related, which clones a queryset per venue
            # (hundreds of venues in an F2 over 14 days).
            for venue in Venue.objects.filter(pk__in=missing):
                self.venues[venue.pk] = venue
                self.shifts[venue.pk] = []
            for shift in Shift.objects.filter(venue_id__in=missing):
                self.shifts[shift.venue_id].append(shift)
            self.queries += 2
        max_stay = self.rules.max_stay
        out = []
        for _pk, _person_id, venue_id, _area_id, start, out_at, flagged in rows:
            estimated = bool(flagged)
            if out_at is None:
                end = estimate_end(
                    venue=self.venues[venue_id], checked_in_at=start, shifts=self.shifts[venue_id]
                )
                estimated = True
            else:
                end = out_at
            cap = start + max_stay
            if end > cap:
                end, estimated = cap, True
            out.append((end if end > start else start, estimated))
        return out

    def visits(self, rows: Sequence[Row]) -> list[Visit]:
        return [
            Visit(pk, person_id, venue_id, area_id, start, end, estimated)
            for (pk, person_id, venue_id, area_id, start, _out, _flag), (end, estimated) in zip(
                rows, self.ends(rows), strict=True
            )
        ]


def _fetch(queryset: QuerySet[CheckIn]) -> list[Row]:
    """Rows of a values_list query (see `_fetch_sql`)."""
    if connection.vendor != "postgresql":
        return list(queryset)  # type: ignore[arg-type]
    sql, params = queryset.query.sql_with_params()
    return _fetch_sql(sql, list(params))


def _fetch_sql(sql: str, params: list[Any]) -> list[Row]:
    """Rows of `_COLUMNS`. On PostgreSQL, timestamps are parsed by psycopg's C loader: Django registers a
    pure-Python one per connection that costs ~10 µs a value — most of a trace's time. SQLite returns
    naive UTC datetimes (or text) for raw SQL: they are made aware as the ORM would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import psycopg
            from psycopg import pq

            raw = cursor.cursor  # this Django cursor's own psycopg cursor: the loader change stays on it
            oid = psycopg.adapters.types["timestamptz"].oid
            raw.adapters.register_loader("timestamptz", psycopg.adapters.get_loader(oid, pq.Format.TEXT))
            # Executed through Django's wrapper, so query counting and logging still see it.
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        cursor.execute(sql, params)
        return [
            (
                pk,
                person_id,
                venue_id,
                area_id,
                _aware(start),
                _aware(out) if out is not None else None,
                bool(flag),
            )
            for pk, person_id, venue_id, area_id, start, out, flag in cursor.fetchall()
        ]


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _presence(visit: Visit, case: IndexCase, rules: Rules) -> tuple[datetime, datetime] | None:
    if visit.start >= case.end or visit.end < case.start:
        return None
    return max(visit.start, case.start), min(visit.end, case.end) + rules.buffer


def visits_in_window(case: IndexCase, rules: Rules | None = None) -> list[Visit]:
    """The index person's visits in their window, oldest first: step 1 of `trace` without the co-presence
    search. The case page's timeline reads this, never `trace()` (issue 13, item 3): one query, two more
    when a visit has no exit (its venue and shifts, for the estimated end)."""
    rules = rules or Rules.from_settings()
    rows = _fetch(
        CheckIn.objects.filter(
            person_id=case.person_id,
            checked_in_at__gte=case.start - rules.max_stay,
            checked_in_at__lt=case.end,
        )
        .order_by("checked_in_at", "id")
        .values_list(*_COLUMNS)
    )
    return [v for v in _Ends(rules).visits(rows) if _presence(v, case, rules) is not None]


def trace(cases: Iterable[IndexCase], rules: Rules | None = None, *, best_only: bool = False) -> TraceResult:
    """Visits of the index persons in their windows and every co-present visit, with tiers.

    `best_only`: keep only the best exposure per (source, exposed person) — the one `best_by_person`
    puts first — for callers that rank contacts (a list of F2s: thousands of people, but tens of
    thousands of exposures)."""
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

    # 2. Everyone at those venues around those times: one query joining the (venue, area, time range)
    #    list against checkin_venue_time (PostgreSQL: arrays; elsewhere: VALUES batches).
    look_back = max(rules.max_stay, rules.low_window)
    copresent = _copresent(presences, rules, look_back)
    result.queries += copresent.queries

    # 3. Match intervals on sorted lists, per (venue, area): only what the presence can meet is scanned.
    lists = _Lists(ends, copresent.rows)
    best: dict[tuple[int, int], list[Any]] = {}
    exposures = result.exposures
    high = rules.high.total_seconds()
    low_window = rules.low_window
    for case, source, p_start, p_end in presences:
        starts, others, reach = lists.get(source.venue_id, source.area_id)
        if not others:
            continue
        low_from, low_to = p_start - low_window, p_end + low_window
        lo = bisect.bisect_left(starts, p_start - max(reach, low_window))
        hi = bisect.bisect_right(starts, low_to)
        own = case.person_id
        for i in range(lo, hi):
            other = others[i]
            if other[1] == own:
                continue
            o_start, o_end = other[4], other[7]
            overlap = (min(p_end, o_end) - max(p_start, o_start)).total_seconds()
            if overlap > 0:
                tier = HIGH if overlap >= high else MEDIUM
            elif low_from <= o_start <= low_to:
                tier, overlap = LOW, 0
            else:
                continue
            if not best_only:
                exposures.append(
                    Exposure(case.key, source, p_start, p_end, lists.visit(other), int(overlap), tier)
                )
                continue
            # Best exposure per (source, person), ranked as `Exposure.rank_key`; the first of equals wins
            # and keys keep the order of their first exposure, exactly as `best_by_person` would pick.
            rank = (TIER_RANK[tier], int(overlap), -o_start.timestamp())
            key = (case.key, other[1])
            kept = best.get(key)
            if kept is None or rank > kept[0]:
                best[key] = [rank, source, p_start, p_end, other, int(overlap), tier]
    for (source_key, _person), (_rank, source, p_start, p_end, other, overlap, tier) in best.items():
        exposures.append(Exposure(source_key, source, p_start, p_end, lists.visit(other), overlap, tier))
    result.queries += ends.queries
    return result


@dataclass
class _Rows:
    rows: list[Row]
    queries: int


def _copresent(
    presences: list[tuple[IndexCase, Visit, datetime, datetime]], rules: Rules, look_back: timedelta
) -> _Rows:
    """Every check-in that may meet one of the presences: at the same venue, in the same area or where
    either area is unknown, checked in from `look_back` before the presence to `low_window` after it.

    Ranges of one (venue, area) are merged. A row checked in before the merged range's first presence
    (minus the low window) can only matter if it was still there: open, or checked out after that
    presence started — the filter trims those rows on the heap, the index range is on checked_in_at."""
    by_key: dict[tuple[int, int | None], list[tuple[datetime, datetime, datetime]]] = defaultdict(list)
    for _case, visit, start, end in presences:
        by_key[(visit.venue_id, visit.area_id)].append((start - look_back, end + rules.low_window, start))
    ranges: list[tuple[int, int | None, datetime, datetime, datetime, datetime]] = []
    for (venue_id, area_id), items in by_key.items():
        items.sort()
        merged: list[list[datetime]] = []
        for lo, hi, start in items:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
                merged[-1][2] = min(merged[-1][2], start)
            else:
                merged.append([lo, hi, start])
        for lo, hi, start in merged:
            ranges.append((venue_id, area_id, lo, hi, start - rules.low_window, start))
    table = CheckIn._meta.db_table
    columns = ", ".join(f"c.{name}" for name in _COLUMNS)
    # Rows where either area is unknown match every range of their venue and may come back twice.
    where = (
        "c.venue_id = r.venue_id AND c.checked_in_at >= r.lo AND c.checked_in_at <= r.hi"
        " AND (r.area_id IS NULL OR c.area_id IS NULL OR c.area_id = r.area_id)"
        " AND (c.checked_in_at >= r.keep_from OR c.checked_out_at IS NULL OR c.checked_out_at > r.cutoff)"
    )
    join = f"JOIN {table} c ON {where}"
    out: list[Row] = []
    queries = 0
    if connection.vendor == "postgresql":
        # One query whatever the number of ranges: the arrays are literals the planner can count.
        arrays = "%s::bigint[], %s::bigint[], " + ", ".join(["%s::timestamptz[]"] * 4)
        # Table and column names come from the model; every value is a parameter.
        ranges_sql = f"unnest({arrays}) AS r(venue_id, area_id, lo, hi, keep_from, cutoff)"
        # LATERAL + OFFSET 0 (which keeps the subquery from being flattened into a join): one index range
        # scan per range, always. A plain join lets the planner hash the ranges against a sequential scan
        # of check-ins once there are a few hundred ranges on a small table (seen at 1 M rows).
        lateral = f"CROSS JOIN LATERAL (SELECT {columns} FROM {table} c WHERE {where} OFFSET 0) c"  # noqa: S608
        sql = f"SELECT c.* FROM {ranges_sql} {lateral}"  # noqa: S608
        # Each array goes as one text literal: psycopg's list dumper escapes every element with a regex
        # (~40 µs a timestamp, 4 a range: a quarter of an F2 over 14 days). ISO timestamps and integers
        # need no quoting inside an array literal.
        out = _fetch_sql(sql, [_array_literal(column) for column in zip(*ranges, strict=True)])
        queries = 1
    else:
        ops = connection.ops
        for i in range(0, len(ranges), _VALUES_BATCH):
            batch = ranges[i : i + _VALUES_BATCH]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            sql = (
                f"WITH r(venue_id, area_id, lo, hi, keep_from, cutoff) AS (VALUES {values})"  # noqa: S608
                f" SELECT {columns} FROM r {join}"
            )
            params: list[Any] = []
            for venue_id, area_id, *times in batch:
                params += [venue_id, area_id, *(ops.adapt_datetimefield_value(t) for t in times)]
            out += _fetch_sql(sql, params)
            queries += 1
    return _Rows(out, queries)


def _array_literal(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of integers, NULLs and aware datetimes (no element needs quoting)."""
    return (
        "{"
        + ",".join(
            "NULL" if v is None else v.isoformat() if isinstance(v, datetime) else str(int(v)) for v in values
        )
        + "}"
    )


# SQLite allows 32,766 parameters since 3.32 but 999 before: 6 a range, 150 ranges stay under both.
_VALUES_BATCH = min(conf.QUERY_BATCH, 150)


class _Lists:
    """The co-present rows as (row + effective end) tuples sorted by (start, id), per venue and per
    (venue, area): a presence in a known area meets that area and the rows of unknown area; a presence of
    unknown area meets the whole venue. `reach` is the longest stay in a list: rows checked in earlier
    than that before a presence cannot overlap it. Visit objects are made only for rows in a result."""

    def __init__(self, ends: _Ends, rows: list[Row]) -> None:
        unique = list({row[0]: row for row in rows}.values())
        self.venues: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row, (end, estimated) in zip(unique, ends.ends(unique), strict=True):
            self.venues[row[2]].append((*row[:6], estimated, end))
        for items in self.venues.values():
            items.sort(key=_start_id)
        self.cache: dict[tuple[int, int | None], tuple[list[datetime], list[tuple[Any, ...]], timedelta]] = {}
        self.visits: dict[int, Visit] = {}

    def get(
        self, venue_id: int, area_id: int | None
    ) -> tuple[list[datetime], list[tuple[Any, ...]], timedelta]:
        key = (venue_id, area_id)
        found = self.cache.get(key)
        if found is None:
            items = self.venues.get(venue_id, [])
            if area_id is not None:
                items = [r for r in items if r[3] is None or r[3] == area_id]
            reach = max((r[7] - r[4] for r in items), default=timedelta(0))
            found = self.cache[key] = ([r[4] for r in items], items, reach)
        return found

    def visit(self, row: tuple[Any, ...]) -> Visit:
        visit = self.visits.get(row[0])
        if visit is None:
            visit = self.visits[row[0]] = Visit(row[0], row[1], row[2], row[3], row[4], row[7], row[6])
        return visit


def _start_id(row: tuple[Any, ...]) -> tuple[datetime, int]:
    return row[4], row[0]


def best_by_person(exposures: Iterable[Exposure]) -> dict[tuple[int, int], list[Exposure]]:
    """Exposures grouped by (source, exposed person), best first (tier, then overlap)."""
    grouped: dict[tuple[int, int], list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        grouped[(exposure.source, exposure.person_id)].append(exposure)
    for items in grouped.values():
        items.sort(key=Exposure.rank_key, reverse=True)
    return grouped


replica_reads_in(globals(), "trace", "visits_in_window")  # issue 13 item 5: these reads may use the replica
