"""Check-ins partitioned by day on PostgreSQL (issue 13, item 4).

Why: the retention purge used to DELETE a day of check-ins row by row (≈ 350,000 rows a day at a district's
scale, every index updated, the table bloated until vacuumed); with one partition per day it drops the day's
table instead (docs/benchmarks.md, "Ingest (issue 13)"). SQLite keeps a plain table: nothing here runs there.

Layout (made by migration `checkins/0007_checkin_partitioned_by_day`, which calls `convert_to_partitioned`):
- `checkins_checkin` is partitioned by RANGE (checked_in_at), one partition per local day (RAVAO_TIME_ZONE)
  named `checkins_checkin_pYYYYMMDD`, plus `checkins_checkin_default` for rows outside every made partition
  (a clock far off, an imported sheet older than the partitions). The primary key is (id, checked_in_at) in
  the database: a partitioned table's unique indexes must contain the partition key. Django keeps `id` as
  its primary key; the identity sequence keeps it unique.
- Foreign keys cannot point at (id) alone any more: CheckInFlag.checkin / .related and GateScan.checkin are
  `db_constraint=False` (Django still applies their on_delete; the purge applies it for dropped days).
- `client_id` stays globally unique through `checkins_client_key(client_id primary key, checked_in_at)`,
  filled by a BEFORE INSERT trigger on the partitioned table: a duplicate raises the same unique violation
  (IntegrityError) a unique index raised, inside the same INSERT (no extra round trip), and waits for a
  concurrent uncommitted insert of the same id as a unique index does. A BEFORE DELETE trigger removes the
  key with its row (a person's deletion; a row moved to another day's partition by an UPDATE is a delete
  and an insert, so its key follows it). Dropping a partition fires no trigger: the purge deletes the keys of
  the days it drops (`partitions_drop_before`).
- Partitions are made ahead by `ravao partitions --ahead 7` (daily cron; `ravao purge` makes them too).
"""

# ruff: noqa: S608 -- every identifier in the SQL here is a module constant or a partition name made from a
# date (`partition_name`); values are bound parameters.
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "checkins_checkin"
DEFAULT = "checkins_checkin_default"
KEYS = "checkins_client_key"
AHEAD_DAYS = 7  # partitions made ahead by `ravao purge` (the command's default too)
_NAME = re.compile(r"^checkins_checkin_p(\d{8})$")

# Trigger functions: the key claimed in the same INSERT as the row, released with the row.
TRIGGERS_SQL = f"""
CREATE OR REPLACE FUNCTION checkins_client_key_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {KEYS} (client_id, checked_in_at) VALUES (NEW.client_id, NEW.checked_in_at);
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION checkins_client_key_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEYS} WHERE client_id = OLD.client_id;
    RETURN OLD;
END $$;
CREATE TRIGGER checkins_client_key_claim BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION checkins_client_key_claim();
CREATE TRIGGER checkins_client_key_release BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION checkins_client_key_release();
"""


@dataclass(frozen=True)
class Partition:
    name: str
    day: date
    start: datetime
    end: datetime


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local day's [start, end) as aware datetimes (a day of check-ins is a day in the country)."""
    zone = _zone()
    return datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone)


def partition_name(day: date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def is_partitioned(conn: BaseDatabaseWrapper | None = None) -> bool:
    conn = conn or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE])
        return cursor.fetchone() is not None


def partitions_list(conn: BaseDatabaseWrapper | None = None) -> list[Partition]:
    """The daily partitions, oldest first (the default partition is not listed)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = []
    for name in names:
        match = _NAME.match(name)
        if match:
            day = datetime.strptime(match.group(1), "%Y%m%d").date()
            found.append(Partition(name, day, *day_bounds(day)))
    return sorted(found, key=lambda p: p.day)


def _create_partition(cursor: object, day: date) -> None:
    """Create one day's partition. Rows of that day already in the default partition are moved into it
    first (attaching a range that the default partition holds rows of is refused otherwise)."""
    name, (start, end) = partition_name(day), day_bounds(day)
    execute = cursor.execute  # type: ignore[attr-defined]
    execute("SELECT EXISTS (SELECT 1 FROM " + DEFAULT + " WHERE checked_in_at >= %s AND checked_in_at < %s)",
            [start, end])  # fmt: skip
    stranded = cursor.fetchone()[0]  # type: ignore[attr-defined]
    if not stranded:
        execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)", [start, end])
        return
    execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    execute(f"INSERT INTO {name} SELECT * FROM {DEFAULT} WHERE checked_in_at >= %s AND checked_in_at < %s",
            [start, end])  # fmt: skip
    # The release trigger removes the moved rows' keys with the DELETE; they are claimed again right after.
    execute(f"DELETE FROM {DEFAULT} WHERE checked_in_at >= %s AND checked_in_at < %s", [start, end])
    execute(f"INSERT INTO {KEYS} (client_id, checked_in_at) SELECT client_id, checked_in_at FROM {name}")
    execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end])


def partitions_ensure(*, today: date, ahead: int, behind: int = 0) -> list[str]:
    """Make the partitions of `today - behind` … `today + ahead` that do not exist yet. Idempotent; each
    partition in its own short transaction (creating one locks the parent table briefly). Returns the
    names created. Nothing on SQLite or on a table that is not partitioned."""
    if not is_partitioned():
        return []
    existing = {p.day for p in partitions_list()}
    created = []
    for offset in range(-behind, ahead + 1):
        day = today + timedelta(days=offset)
        if day in existing:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            # Two runs at once (cron and a purge): the second waits here, then finds the partition made.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
            cursor.execute("SELECT to_regclass(%s)", [partition_name(day)])
            if cursor.fetchone()[0] is None:
                _create_partition(cursor, day)
                created.append(partition_name(day))
    return created


@dataclass(frozen=True)
class DroppedDay:
    name: str
    checkins: int
    flags: int


def partitions_drop_before(
    *, cutoff: datetime, record: Callable[[Mapping[str, int]], None] | None = None
) -> list[DroppedDay]:
    """Drop every daily partition whose whole day is before `cutoff` (retention), each in its own
    transaction, applying what Django's on_delete would have done: flags of the day's check-ins deleted,
    gate scans and other flags pointing at them unlinked, their client keys deleted. Rows before the cut-off
    in the default partition or in the day the cut-off falls in are left to the batched DELETE.
    `record` gets each day's counts inside that day's transaction (the purge's proven counts)."""
    if not is_partitioned():
        return []
    dropped = []
    for part in partitions_list():
        if part.end > cutoff:
            break
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
            cursor.execute("SELECT to_regclass(%s)", [part.name])
            if cursor.fetchone()[0] is None:
                continue  # another purge dropped it meanwhile
            cursor.execute(f"SELECT count(*) FROM {part.name}")
            count = cursor.fetchone()[0]
            ids = f"SELECT id FROM {part.name}"
            cursor.execute(f"DELETE FROM checkins_checkinflag WHERE checkin_id IN ({ids})")
            flags = cursor.rowcount
            cursor.execute(f"UPDATE checkins_checkinflag SET related_id = NULL WHERE related_id IN ({ids})")
            cursor.execute(f"UPDATE checkins_gatescan SET checkin_id = NULL WHERE checkin_id IN ({ids})")
            # The keys of the day, by time (an index range). A key's time is always in its row's day: an
            # UPDATE that moves a row to another day's partition releases and claims its key again. (Joining
            # the keys with the partition instead took 6 s at 10 M rows, against 0.4 s.)
            cursor.execute(
                f"DELETE FROM {KEYS} WHERE checked_in_at >= %s AND checked_in_at < %s", [part.start, part.end]
            )
            keys = cursor.rowcount
            # A partition with deferred foreign-key checks pending in this transaction (rows inserted
            # earlier in it: only in tests, where everything is one transaction) cannot be dropped: run them
            # now, then defer again, as Django's own constraint check does.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DROP TABLE {part.name}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if record is not None:
                counts = {"checkins.CheckIn": count, "checkins.CheckInClientKey": keys}
                record({**counts, **({"checkins.CheckInFlag": flags} if flags else {})})
            dropped.append(DroppedDay(part.name, count, flags))
    return dropped


def default_partition_rows() -> int:
    """Rows in the default partition: a few are normal (clock errors, old imports); many mean the
    partitions were not made ahead (the cron stopped)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")
        return int(cursor.fetchone()[0])


def _indexes_and_foreign_keys(cursor: Any) -> tuple[list[Any], list[Any]]:
    """The check-in table's indexes (name, definition, primary?, unique?) and its own foreign keys (name,
    definition): what a conversion recreates on the new table."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary, x.indisunique "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass(%s)",
        [TABLE],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
        [TABLE],
    )
    return indexes, cursor.fetchall()


def convert_to_partitioned(
    conn: BaseDatabaseWrapper, *, today: date, ahead: int = 7, behind: int = 30
) -> None:
    """Turn the plain `checkins_checkin` into a table partitioned by day (the migration's forward step):
    a new partitioned table with the same columns, defaults and checks, a default partition and the days
    `today - behind` … `today + ahead` (older rows land in the default partition until the purge), the rows
    copied, the old table dropped, its indexes and foreign keys recreated under the same names (the primary
    key as (id, checked_in_at), the client_id unique index as a plain index), the client keys filled and the
    triggers installed. Runs inside the migration's transaction: all or nothing."""
    old = f"{TABLE}_plain"
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid = to_regclass(%s) AND conrelid <> confrelid",
            [TABLE],
        )
        referring = cursor.fetchall()
        if referring:
            raise RuntimeError(
                f"foreign keys still point at {TABLE} (make them db_constraint=False): {referring}"
            )
        indexes, foreign_keys = _indexes_and_foreign_keys(cursor)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS) "
            "PARTITION BY RANGE (checked_in_at)"
        )
        cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
        for offset in range(-behind, ahead + 1):
            day = today + timedelta(days=offset)
            start, end = day_bounds(day)
            cursor.execute(
                f"CREATE TABLE {partition_name(day)} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                [start, end],
            )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")
        for name, definition, primary, unique in indexes:
            if primary:
                cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} PRIMARY KEY (id, checked_in_at)")
            elif unique:
                # client_id: uniqueness moves to checkins_client_key; the index stays for look-ups by id.
                cursor.execute(f"CREATE INDEX {name} ON {TABLE} (client_id)")
            else:
                cursor.execute(definition.replace(f" ON public.{old} ", f" ON public.{TABLE} "))
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM " + TABLE,
            [TABLE],
        )
        cursor.execute(
            f"INSERT INTO {KEYS} (client_id, checked_in_at) SELECT client_id, checked_in_at FROM {TABLE}"
        )
        cursor.execute(TRIGGERS_SQL)


def convert_to_plain(conn: BaseDatabaseWrapper) -> None:
    """The migration's backward step: the rows back into one plain table with the unique client_id."""
    old = f"{TABLE}_parted"
    with conn.cursor() as cursor:
        indexes, foreign_keys = _indexes_and_foreign_keys(cursor)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
        )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old} CASCADE")
        for name, definition, primary, _unique in indexes:
            if primary:
                cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} PRIMARY KEY (id)")
            elif name.endswith("client_id_key"):
                cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} UNIQUE (client_id)")
            else:
                cursor.execute(definition.replace(f" ON ONLY public.{old} ", f" ON public.{TABLE} "))
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM " + TABLE,
            [TABLE],
        )
        cursor.execute(f"DELETE FROM {KEYS}")
        cursor.execute("DROP FUNCTION checkins_client_key_claim() CASCADE")
        cursor.execute("DROP FUNCTION checkins_client_key_release() CASCADE")
