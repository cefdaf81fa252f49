"""The one-tap check-in's hot path (issue 13, item 1): a known phone scans a poster and taps.

The ORM path costs 8–10 round trips (device and person, code, latest declaration, BEGIN, person lock, open
visits, shifts, UPDATE, INSERT, COMMIT) and a third of its CPU compiling SQL. Here the same work is two
statements written out once per process, inside the transaction:

1. `onetap_read`: the device, its person, the person's latest declaration, the poster's venue (or area and
   its venue) and the person's open visits (with their venue and shifts, for the estimated end) in one
   SELECT. With `lock=True` it also locks the person's row (`FOR UPDATE OF`, PostgreSQL), which every
   writer of a check-in takes first (`visits._close_open_visits`): a second check-in of the same person
   waits for this one to commit.
2. `onetap_write`: the open visits closed (their ends computed in Python by `visits.estimate_end`, as
   before) and the new check-in inserted. On PostgreSQL one statement (a data-modifying CTE), which also
   counts the open visits it did not know: the read's snapshot was taken before its lock wait, so a visit
   committed by the check-in it waited for is invisible to it (issue 12, finding 9). The write's own
   snapshot is taken after the lock, sees that visit, and the rare case is finished by the ORM path.
   SQLite takes its write lock at BEGIN (IMMEDIATE): the read is current and needs no such check.

With BEGIN and COMMIT that is four round trips on PostgreSQL (SAVEPOINT/RELEASE in a test, which is how
Django's `assertNumQueries` counts them); three more only for a replayed client id. The values are adapted
and converted by the fields themselves (encrypted columns are decrypted by their field, UUIDs and times as
the backend stores them), so the objects returned are the ORM's own model instances.
"""

# ruff: noqa: S608 -- every identifier in the SQL here comes from model metadata; values are bound parameters.
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.places.models import Area, Shift, Venue

_Converter = Callable[[Any, Any, Any], Any]


class _Columns:
    """A model's concrete columns under a table alias: the SELECT list, and the row → instance step with the
    converters the ORM's compiler would apply (backend first, then the field's own)."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        qn = connection.ops.quote_name
        self.model = model
        self.fields: list[Any] = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in self.fields)
        self.converters: list[tuple[int, list[_Converter], Any]] = []
        for i, f in enumerate(self.fields):
            col = f.get_col(alias)
            found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))

    def __len__(self) -> int:
        return len(self.fields)

    def build(self, row: Sequence[Any], start: int) -> Any:
        values = list(row[start : start + len(self.fields)])
        if values[0] is None:  # the primary key: nothing on this side of a LEFT JOIN
            return None
        for i, converters, col in self.converters:
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        return self.model.from_db(connection.alias, self.names, values)


@dataclass
class OneTap:
    """What a one-tap check-in needs, read in one statement."""

    device: Device
    person: Person
    declaration: HealthDeclaration | None
    venue: Venue | None  # None: an unknown or rotated code
    area: Area | None
    open_visits: list[CheckIn] = field(default_factory=list)  # each with .venue and ._shifts
    has_household: bool = False  # the person manages household members (people.selectors.household_members)

    def inside(self) -> CheckIn | None:
        """The person's open visit at this venue, the newest (what `selectors.open_visit_at` returns)."""
        here = [v for v in self.open_visits if self.venue is not None and v.venue_id == self.venue.pk]
        return max(here, key=lambda v: v.checked_in_at, default=None)


class _Statements:
    """The SQL of this process's database, written once (the connection's vendor does not change)."""

    def __init__(self) -> None:
        qn = connection.ops.quote_name
        self.postgres = connection.vendor == "postgresql"
        self.device = _Columns(Device, "d")
        self.person = _Columns(Person, "p")
        self.declaration = _Columns(HealthDeclaration, "h")
        self.venue = _Columns(Venue, "v")
        self.area = _Columns(Area, "a")
        self.open = _Columns(CheckIn, "o")
        self.open_venue = _Columns(Venue, "ov")
        t = {
            m: qn(m._meta.db_table) for m in (Device, Person, HealthDeclaration, Venue, Area, CheckIn, Shift)
        }
        shifts = (
            "json_agg(json_build_array(s.starts_at, s.ends_at))"
            if self.postgres
            else "json_group_array(json_array(s.starts_at, s.ends_at))"
        )
        self.read = (
            f"SELECT {self.device.sql}, {self.person.sql}, {self.declaration.sql}, {self.venue.sql}, "
            f"{self.area.sql}, {self.open.sql}, {self.open_venue.sql}, "
            f"(SELECT {shifts} FROM {t[Shift]} s WHERE s.venue_id = o.venue_id), "
            f"EXISTS (SELECT 1 FROM {t[Person]} m WHERE m.household_of_id = p.id) "
            f"FROM {t[Device]} d JOIN {t[Person]} p ON p.id = d.person_id "
            # The latest declaration (index declaration_person_latest), as person_latest_declaration.
            f"LEFT JOIN {t[HealthDeclaration]} h ON h.id = (SELECT h2.id FROM {t[HealthDeclaration]} h2 "
            "WHERE h2.person_id = p.id ORDER BY h2.created_at DESC, h2.id DESC LIMIT 1) "
            # A venue's code first, else an area's (as places.selectors.scan_target).
            f"LEFT JOIN {t[Area]} a ON a.qr_code = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {t[Venue]} v2 WHERE v2.qr_code = %s) "
            f"LEFT JOIN {t[Venue]} v ON v.id = "
            f"COALESCE((SELECT v3.id FROM {t[Venue]} v3 WHERE v3.qr_code = %s), a.venue_id) "
            # The person's open visits (partial index checkin_open): usually none, rarely more than one.
            f"LEFT JOIN {t[CheckIn]} o ON o.person_id = p.id AND o.checked_out_at IS NULL "
            f"LEFT JOIN {t[Venue]} ov ON ov.id = o.venue_id "
            "WHERE d.key = %s AND d.forgotten_at IS NULL"
        )
        self.insert_columns: list[Any] = [
            CheckIn._meta.get_field(name)
            for name in (
                "client_id", "person", "venue", "area", "checked_in_at", "checked_out_at",
                "checked_out_estimated", "method", "device", "status_at_entry", "created_at",
            )
        ]  # fmt: skip
        columns = ", ".join(qn(f.column) for f in self.insert_columns)
        marks = ", ".join(["%s"] * len(self.insert_columns))
        self.insert = f"INSERT INTO {t[CheckIn]} ({columns}) VALUES ({marks}) RETURNING id"
        self.close_one = (
            f"UPDATE {t[CheckIn]} SET checked_out_at = %s, checked_out_estimated = %s "
            "WHERE id = %s AND checked_out_at IS NULL"
        )
        # PostgreSQL: close the known open visits and insert in one statement; `stray` counts the open
        # visits the read did not see (same snapshot as the UPDATE, so the rows it closes still look open:
        # the known ids are left out by id). checked_in_at in the match lets a table partitioned by that
        # column prune to the visit's own partition.
        self.write_pg = (
            "WITH closed AS (UPDATE {table} c SET checked_out_at = x.out_at, checked_out_estimated = x.est "
            "FROM (VALUES {values}) AS x(id, checked_in_at, out_at, est) "
            "WHERE c.id = x.id AND c.checked_in_at = x.checked_in_at AND c.checked_out_at IS NULL "
            "RETURNING c.id), "
            "stray AS (SELECT count(*) AS n FROM {table} WHERE person_id = %s AND checked_out_at IS NULL "
            "AND NOT (id = ANY(%s))), "
            f"ins AS ({self.insert}) "
            "SELECT ins.id, (SELECT n FROM stray), (SELECT count(*) FROM closed) FROM ins"
        ).replace("{table}", t[CheckIn])
        self.write_pg_nothing_open = (
            f"WITH stray AS (SELECT count(*) AS n FROM {t[CheckIn]} WHERE person_id = %s "
            f"AND checked_out_at IS NULL), ins AS ({self.insert}) "
            "SELECT ins.id, (SELECT n FROM stray) FROM ins"
        )


_STATEMENTS: dict[str, _Statements] = {}


def _statements() -> _Statements:
    found = _STATEMENTS.get(connection.vendor)
    if found is None:
        found = _STATEMENTS[connection.vendor] = _Statements()
    return found


def _cursor() -> Any:
    """A cursor through Django's wrapper (query log, error translation) that, on PostgreSQL, binds its
    parameters on the server and prepares its statements: each of the few statements here is parsed and
    planned once per connection, not per request (planning the read cost ~0.65 ms of PostgreSQL CPU,
    running it ~0.15 ms). Django's own cursors bind on the client and never prepare (Django turns psycopg's
    automatic preparation off for poolers; behind PgBouncer use its protocol-level prepared statements,
    1.21 or later, in transaction mode)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # psycopg prepares nothing while this is None (Django's default). Django's own cursors bind on the
        # client and never prepare whatever it says: only the cursors made here do, always (see below).
        connection.connection.prepare_threshold = 1_000_000
    raw = _preparing_cursor_class()(connection.connection)
    return _DebugCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


class _DebugCursor(CursorDebugWrapper):
    """The query log (DEBUG, tests) with the statement as written: psycopg keeps no text of a prepared
    statement's execution for Django's `last_executed_query`, which would log None."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return super(CursorDebugWrapper, self).execute(sql, params)


_PREPARING: list[type] = []


def _preparing_cursor_class() -> type:
    if not _PREPARING:
        import psycopg

        class PreparingCursor(psycopg.Cursor):
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                return super().execute(query, params, prepare=True)

        _PREPARING.append(PreparingCursor)
    return _PREPARING[0]


def _shifts(raw: Any) -> list[Shift]:
    if raw is None:
        return []
    pairs = raw if isinstance(raw, list) else json.loads(raw)
    return [
        Shift(starts_at=time.fromisoformat(start), ends_at=time.fromisoformat(end))
        for start, end in pairs
        if start is not None
    ]


def onetap_read(*, device_key: str, code: str, lock: bool = False) -> OneTap | None:
    """The device (None if unknown or forgotten) with everything its one tap at `code` needs, in one query.
    `lock` (inside a transaction) locks the person's row on PostgreSQL, as every check-in writer does."""
    try:
        uuid.UUID(device_key)
    except ValueError:
        return None
    s = _statements()
    sql = s.read + (" FOR UPDATE OF p" if lock and s.postgres else "")
    key = Device._meta.get_field("key").get_db_prep_value(device_key, connection)
    with _cursor() as cursor:
        cursor.execute(sql, [code, code, code, key])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    at = 0
    parts = []
    for columns in (s.device, s.person, s.declaration, s.venue, s.area):
        parts.append(columns.build(first, at))
        at += len(columns)
    device, person, declaration, venue, area = parts
    device.person = person
    if declaration is not None:
        declaration.person = person
    if area is not None and venue is not None:
        area.venue = venue
    open_visits = []
    for row in rows:
        visit = s.open.build(row, at)
        if visit is None:
            continue
        visit.venue = s.open_venue.build(row, at + len(s.open))
        visit._shifts = _shifts(row[at + len(s.open) + len(s.open_venue)])
        open_visits.append(visit)
    return OneTap(device, person, declaration, venue, area, open_visits, has_household=bool(first[-1]))


def _ends(read: OneTap, *, at: datetime) -> list[tuple[CheckIn, datetime, bool]]:
    """(visit, end, estimated) for each open visit, exactly as `visits._close_open_visits` decides."""
    from ravao.checkins.visits import estimate_end

    assert read.venue is not None
    ends = []
    for visit in read.open_visits:
        if visit.venue_id == read.venue.pk:
            ends.append((visit, max(at, visit.checked_in_at), False))
        else:
            estimate = estimate_end(
                venue=visit.venue,
                checked_in_at=visit.checked_in_at,
                shifts=visit._shifts,  # type: ignore[attr-defined]
            )
            ends.append((visit, max(min(estimate, at), visit.checked_in_at), True))
    return ends


def onetap_write(
    *, read: OneTap, client_id: uuid.UUID, at: datetime, status: str, method: str = CheckIn.Method.SELF_SCAN
) -> CheckIn:
    """Close the open visits `read` found and insert the check-in; call inside the transaction that ran
    `onetap_read(lock=True)`. A client id recorded already raises IntegrityError (the caller's atomic block
    rolls back and looks the first one up)."""
    from ravao.checkins.visits import close_open_visits_orm

    assert read.venue is not None
    s = _statements()
    checkin = CheckIn(
        client_id=client_id, person=read.person, venue=read.venue, area=read.area, checked_in_at=at,
        checked_out_at=None, checked_out_estimated=False, method=method, device=read.device,
        status_at_entry=status, created_at=timezone.now(),
    )  # fmt: skip
    values = [f.get_db_prep_save(getattr(checkin, f.attname), connection) for f in s.insert_columns]
    ends = _ends(read, at=at)
    prep_time = CheckIn._meta.get_field("checked_in_at")
    with _cursor() as cursor:
        if s.postgres:
            if ends:
                rows = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz, %s::boolean)"] * len(ends))
                params: list[Any] = []
                for visit, end, estimated in ends:
                    params += [
                        visit.pk,
                        prep_time.get_db_prep_value(visit.checked_in_at, connection),
                        prep_time.get_db_prep_value(end, connection),
                        estimated,
                    ]
                sql = s.write_pg.replace("{values}", rows)
                params += [read.person.pk, [visit.pk for visit, _e, _x in ends], *values]
            else:
                sql, params = s.write_pg_nothing_open, [read.person.pk, *values]
            cursor.execute(sql, params)
            row = cursor.fetchone()
            checkin.pk, stray = row[0], row[1]
        else:
            for visit, end, estimated in ends:
                cursor.execute(
                    s.close_one, [prep_time.get_db_prep_value(end, connection), estimated, visit.pk]
                )
            cursor.execute(s.insert, values)
            checkin.pk, stray = cursor.fetchone()[0], 0
    checkin._state.adding = False
    checkin._state.db = connection.alias
    for visit, end, estimated in ends:
        visit.checked_out_at, visit.checked_out_estimated = end, estimated
    if stray:
        # A check-in of the same person committed while this one waited for the lock (see the module's
        # docstring): closed by the ORM path, the new row left open.
        close_open_visits_orm(person=read.person, at=at, exclude_venue_id=read.venue.pk, keep_pk=checkin.pk)
    return checkin


def checkin_one_tap(
    *, device_key: str, code: str, client_id: uuid.UUID, at: datetime, status_of: Callable[[OneTap], str]
) -> tuple[OneTap | None, CheckIn | None, bool]:
    """The whole one tap: read and lock, decide, write, in one transaction of four round trips.

    `status_of(read)` returns the colour to keep with the visit, or "" to write nothing (the caller's
    refusal: unknown code, inactive venue, stale declaration — it answers from `read`). Returns (read,
    check-in, created): read None for an unknown device; check-in None when nothing was written; a replayed
    client id gives the stored check-in (any person's: the caller checks it is theirs) with created False.
    """
    read = None
    try:
        with transaction.atomic():
            read = onetap_read(device_key=device_key, code=code, lock=True)
            if read is None or read.venue is None:
                return read, None, False
            status = status_of(read)
            if not status:
                return read, None, False
            return read, onetap_write(read=read, client_id=client_id, at=at, status=status), True
    except IntegrityError:
        # The client id exists (a double tap, a retried request): everything above was rolled back.
        stored = CheckIn.objects.select_related("venue", "area").filter(client_id=client_id).first()
        if stored is None:
            raise
        return read, stored, False


# PostgreSQL allows 65,535 parameters a statement; four a visit.
_CLOSE_CHUNK = 5000


def checkins_close_many(visits: list[CheckIn]) -> None:
    """Write the end (`checked_out_at`, `checked_out_estimated`) of visits closed in memory: the gate's
    batch. On PostgreSQL one `UPDATE … FROM (VALUES …)` matched on (id, checked_in_at), which the check-in
    table partitioned by day prunes to the visits' own days; Django's `bulk_update` writes a CASE of one
    branch a row that PostgreSQL plans again for every partition (a person with 7,500 open visits kept a
    backend planning for over seven minutes, deaf to cancellation). SQLite: `bulk_update`."""
    if not visits:
        return
    if connection.vendor != "postgresql":
        CheckIn.objects.bulk_update(visits, ["checked_out_at", "checked_out_estimated"])
        return
    prep_time = CheckIn._meta.get_field("checked_in_at")
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(visits), _CLOSE_CHUNK):
            chunk = visits[start : start + _CLOSE_CHUNK]
            rows = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz, %s::boolean)"] * len(chunk))
            params: list[Any] = []
            for visit in chunk:
                params += [
                    visit.pk,
                    prep_time.get_db_prep_value(visit.checked_in_at, connection),
                    prep_time.get_db_prep_value(visit.checked_out_at, connection),
                    visit.checked_out_estimated,
                ]
            cursor.execute(
                f"UPDATE {table} c SET checked_out_at = x.out_at, checked_out_estimated = x.est "
                f"FROM (VALUES {rows}) AS x(id, checked_in_at, out_at, est) "
                "WHERE c.id = x.id AND c.checked_in_at = x.checked_in_at",
                params,
            )
