"""Tracing benchmark (issue 5; BRIEF §5): trace one case (F1 with reasons), its F2s, and a 50-case outbreak
at 1 M and 10 M check-ins, with the query plans. Never part of the test suite (no test_*.py here).

    .venv/bin/python -m bench.tracing.run --rows 1000000 --db postgres     # creates database ravao_bench
    .venv/bin/python -m bench.tracing.run --rows 1000000 --db sqlite       # var/bench/tracing.sqlite3
    options: --reuse (keep the loaded data), --samples 30, --docs (print a result row for the docs),
             --dbname ravao_bench_1m (keep a second size loaded next to the default ravao_bench)

Data (realistic for a district, scaled with --rows): 28 days of check-ins; one venue per 1,000 rows
(4 % factories with 4–10 production lines and a worker pool per line on three 8-hour shifts, the rest
shops, markets, restaurants, offices, schools, health posts); one person per 10 rows. Factory workers check in
on 6 days a week on their line (≈ 30 % of the rows), everyone else visits venues at day-time hours with
the kind's typical stay ± 50 %. 12 % of visits have no check-out (the engine estimates the end: shift,
typical stay, closing time), 20 % of the others are flagged estimated. Rows are loaded in random time
order through PostgreSQL COPY (SQLite: executemany), indexes built afterwards, then ANALYZE.

Measure (in-process, engine + reasons, no HTTP): index persons are random factory workers with visits in
their window (onset − 2 days … onset + 3 days); one warm-up, then --samples runs; p50 / p95.
- F1: `trace()` + `ranked_contacts()` (best exposure per person, the reason, venue and area names).
- F2: the F1s of the high and medium tiers (the confirmed ones, BRIEF §3) as index persons, from their
  exposure until their quarantine one day after the case's isolation, in one engine run; "F2 over 14 days":
  the same without any quarantine recorded (exposure … +14 days, the longest follow-up).
- outbreak: 50 workers of one factory traced at once (F1 with reasons).
"""

import argparse
import io
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DAYS = 28
BENCH_DB = "ravao_bench"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
SQLITE_PATH = ROOT / "var" / "bench" / "tracing.sqlite3"
KINDS = [  # (kind, share of venues, typical stay minutes, day-time visits weight)
    ("shop", 0.30, 60, 1.0),
    ("market", 0.08, 60, 4.0),
    ("restaurant", 0.20, 90, 1.5),
    ("agency", 0.12, 480, 1.0),
    ("school", 0.06, 480, 3.0),
    ("health", 0.05, 120, 2.0),
    ("craft", 0.05, 480, 1.0),
    ("public", 0.10, 60, 1.0),
]
SHIFTS = [(6, 14), (14, 22), (22, 6)]
NULL = "\\N"  # COPY text format


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--reuse", action="store_true", help="keep the database loaded by a previous run")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--docs", action="store_true", help="append the results to docs/benchmarks.md")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--covering-index",
        action="store_true",
        help="measure with a covering index on (venue, checked_in_at) that also holds id (checkins/0003's"
        " checkin_venue_time lacks id, so the engine's query still reads the heap); without: drop it",
    )
    parser.add_argument(
        "--dbname", default=BENCH_DB, help="PostgreSQL database (one per size keeps both loaded for --reuse)"
    )
    return parser.parse_args()


def prepare_database(args: argparse.Namespace) -> None:
    if args.db == "postgres":
        import psycopg

        name = args.dbname
        if not name.replace("_", "").isalnum():
            raise SystemExit(f"--dbname: letters, digits and _ only, not {name!r}")
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
        if not args.reuse:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
                admin.execute(f"CREATE DATABASE {name}")
    else:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        if not args.reuse and SQLITE_PATH.exists():
            SQLITE_PATH.unlink()
        url = f"sqlite:///{SQLITE_PATH}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
    os.environ.setdefault("RAVAO_RATE_LIMITS_ENABLED", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- data --------------------------------------------------------------------------------------------
class World:
    """What the generator made, kept for choosing index cases."""

    def __init__(self) -> None:
        self.factories: list[int] = []
        self.workers: dict[int, list[int]] = {}  # factory → person ids
        self.start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=DAYS)


def load(args: argparse.Namespace) -> World:
    from django.core.management import call_command
    from django.db import connection

    from ravao.places.models import AdminUnit, Area, Shift, Venue

    rng = random.Random(args.seed)
    world = World()
    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    province = AdminUnit.objects.create(code="b-01", name="Hà Nội", level="province", path="b/01/")
    district = AdminUnit.objects.create(
        code="b-276", name="Thạch Thất", level="district", parent=province, path="b/01/276/"
    )
    communes = [
        AdminUnit.objects.create(
            code=f"b-{i}", name=f"Xã {i}", level="commune", parent=district, path=f"b/01/276/{i:05d}/"
        )
        for i in range(20)
    ]
    n_venues = max(200, args.rows // 1000)
    n_factories = max(5, n_venues * 4 // 100)
    n_persons = max(10_000, args.rows // 10)
    venues: list[Venue] = []
    for i in range(n_venues):
        kind = "factory" if i < n_factories else rng.choices([k[0] for k in KINDS], [k[1] for k in KINDS])[0]
        venues.append(
            Venue(
                code=f"B{i:06d}",
                name=f"Venue {i}",
                kind=kind,
                commune=communes[i % 20],
                address="-",
                phone="0243000000",
                status="active",
                qr_code=f"b{i:09d}",
            )
        )
    Venue.objects.bulk_create(venues, batch_size=2000)
    venues = list(Venue.objects.order_by("pk"))
    factories = [v for v in venues if v.kind == "factory"]
    others = [v for v in venues if v.kind != "factory"]
    lines: dict[int, list[int]] = {}
    for factory in factories:
        Area.objects.bulk_create(
            [
                Area(venue=factory, name=f"Line {j}", kind="line", qr_code=f"a{factory.pk:06d}{j:03d}")
                for j in range(rng.randint(4, 10))
            ]
        )
        lines[factory.pk] = list(Area.objects.filter(venue=factory).values_list("pk", flat=True))
        for name, (a, b) in zip(("A", "B", "C"), SHIFTS, strict=True):
            Shift.objects.create(venue=factory, name=name, starts_at=f"{a:02d}:00", ends_at=f"{b:02d}:00")

    persons_first = _load_persons(connection, n_persons)
    person_ids = range(persons_first, persons_first + n_persons)
    # Worker pools: ~30 % of the rows are factory shifts, 6 per week per worker.
    worker_rows = int(args.rows * 0.30)
    n_workers = max(len(factories), worker_rows * 7 // (DAYS * 6))
    workers = rng.sample(person_ids, min(n_workers, n_persons // 2))
    assignment: list[tuple[int, int, int, int]] = []  # person, factory, line, shift
    for k, person in enumerate(workers):
        factory = factories[k % len(factories)]
        assignment.append((person, factory.pk, rng.choice(lines[factory.pk]), rng.randrange(3)))
        world.workers.setdefault(factory.pk, []).append(person)
    world.factories = [f.pk for f in factories]
    print(
        f"  {n_venues:,} venues ({len(factories)} factories), {n_persons:,} persons, {len(workers):,} workers"
        f" [{time.monotonic() - t0:.1f} s]"
    )

    rows = _visits(rng, world, args.rows, assignment, others, person_ids)
    t1 = time.monotonic()
    if connection.vendor == "postgresql":
        _copy_checkins(connection, rows)
    else:
        _insert_checkins_sqlite(connection, rows)
    print(f"  {args.rows:,} check-ins loaded, indexes built, analysed [{time.monotonic() - t1:.1f} s]")
    return world


def _load_persons(connection: Any, n: int) -> int:
    """Persons with placeholder ciphertext (the engine never reads names); unique lookup hashes."""
    from ravao.people.models import Person

    first = Person.objects.count() + 1
    now = datetime.now(UTC)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                "COPY people_person (public_id, full_name, name_index, phone_hash, year_of_birth, sex,"
                " nationality, address, email, case_status, created_at) FROM STDIN"
            ) as copy:
                buffer = io.StringIO()
                for i in range(n):
                    buffer.write(
                        f"{i + 1:032x}\t\t \tbench{i:058d}\t1990\tmale\tViệt Nam\t\t\t\t{now.isoformat()}\n"
                    )
                    if i % 100_000 == 99_999:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
            cursor.execute("SELECT min(id) FROM people_person")
            first = cursor.fetchone()[0]
    else:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO people_person (public_id, full_name, name_index, phone_hash, year_of_birth, sex,"
                " nationality, address, email, case_status, created_at) VALUES (%s,'',' ',%s,1990,'male',"
                "'Việt Nam','','','',%s)",
                [(f"{i + 1:032x}", f"bench{i:058d}", now.isoformat(" ")) for i in range(n)],
            )
            cursor.execute("SELECT min(id) FROM people_person")
            first = cursor.fetchone()[0]
    return int(first)


Row = tuple[
    int, int, int | None, int, int | None, bool
]  # person, venue, area, in (min), out (min), estimated


def _visits(
    rng: random.Random,
    world: World,
    total: int,
    assignment: list[tuple[int, int, int, int]],
    others: list[Any],
    person_ids: range,
) -> list[Row]:
    rows: list[Row] = []
    # Factory shifts: each worker 6 days a week until the worker budget is spent.
    budget = int(total * 0.30)
    for day in range(DAYS):
        for person, factory, line, shift in assignment:
            if len(rows) >= budget:
                break
            if (day + person) % 7 == 0:
                continue  # day off
            start = day * 1440 + SHIFTS[shift][0] * 60 + rng.randint(-25, 10)
            out: int | None = start + 480 + rng.randint(-10, 30)
            estimated = False
            roll = rng.random()
            if roll < 0.12:
                out = None
            elif roll < 0.30:
                estimated = True
            rows.append((person, factory, line, start, out, estimated))
    weights = [dict((k[0], k[3]) for k in KINDS)[v.kind] for v in others]
    stays = dict((k[0], k[2]) for k in KINDS)
    chosen = rng.choices(others, weights, k=total - len(rows))
    for venue in chosen:
        day = rng.randrange(DAYS)
        start = day * 1440 + rng.randint(6 * 60, 21 * 60)
        stay = stays[venue.kind]
        out = start + max(5, int(stay * rng.uniform(0.5, 1.5)))
        roll = rng.random()
        estimated = False
        if roll < 0.12:
            out = None
        elif roll < 0.30:
            estimated = True
        rows.append((rng.choice(person_ids), venue.pk, None, start, out, estimated))
    rng.shuffle(rows)  # random time order: no help from physical clustering
    return rows


def _stamp(world: World, minute: int, cache: dict[int, str]) -> str:
    text = cache.get(minute)
    if text is None:
        text = cache[minute] = (world.start + timedelta(minutes=minute)).isoformat()
    return text


def _copy_checkins(connection: Any, rows: list[Row]) -> None:
    world_start = World().start
    cache: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'checkins_checkin'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("ALTER TABLE checkins_checkin DISABLE TRIGGER ALL")  # FK checks: we made the ids
        raw = cursor.cursor
        w = World()
        w.start = world_start
        now = datetime.now(UTC).isoformat()
        with raw.copy(
            "COPY checkins_checkin (client_id, person_id, venue_id, area_id, checked_in_at, checked_out_at,"
            " checked_out_estimated, method, status_at_entry, created_at) FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for i, (person, venue, area, start, out, estimated) in enumerate(rows):
                buffer.write(
                    f"{i + 1:032x}\t{person}\t{venue}\t{area if area else NULL}\t"
                    f"{_stamp(w, start, cache)}\t{_stamp(w, out, cache) if out is not None else NULL}\t"
                    f"{'t' if estimated else 'f'}"
                    f"\tself\tgreen\t{now}\n"
                )
                if i % 200_000 == 199_999:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        cursor.execute("ALTER TABLE checkins_checkin ENABLE TRIGGER ALL")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        # A live table is vacuumed (autovacuum): hint bits set, visibility map built. Without it the first
        # reads after a bulk load write pages back, and the measurements would time the load's tail.
        cursor.execute("VACUUM (ANALYZE) checkins_checkin")
        cursor.execute("ANALYZE")


def _insert_checkins_sqlite(connection: Any, rows: list[Row]) -> None:
    w = World()
    cache: dict[int, str] = {}

    def naive(minute: int) -> str:  # Django stores UTC without an offset in SQLite
        return _stamp(w, minute, cache)[:19].replace("T", " ")

    now = datetime.now(UTC).isoformat(" ")[:19]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO checkins_checkin (client_id, person_id, venue_id, area_id, checked_in_at,"
            " checked_out_at, checked_out_estimated, method, status_at_entry, created_at)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,'self','green',%s)",
            [
                (f"{i + 1:032x}", p, v, a, naive(s), naive(o) if o is not None else None, e, now)
                for i, (p, v, a, s, o, e) in enumerate(rows)
            ],
        )
        cursor.execute("ANALYZE")


# --- measure -----------------------------------------------------------------------------------------
def measure(args: argparse.Namespace, world: World) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ravao.tracing.engine import LOW, IndexCase, trace
    from ravao.tracing.selectors import ranked_contacts

    rng = random.Random(args.seed + 1)
    if not world.factories:  # --reuse: rebuild the worker pools from the data
        rows = _workers_from_db(connection)
        for person, factory in rows:
            world.workers.setdefault(factory, []).append(person)
        world.factories = sorted(world.workers)
        from ravao.checkins.models import CheckIn

        first = CheckIn.objects.order_by("checked_in_at").values_list("checked_in_at", flat=True).first()
        assert first is not None
        world.start = first.replace(minute=0, second=0, microsecond=0)
    onset = world.start + timedelta(days=DAYS // 2)
    window = (onset - timedelta(days=2), onset + timedelta(days=3))

    # Ranked lists only need the best exposure per (source, person): `best_only` gives ranked_contacts
    # the same input it would pick from the full list (tested in test_engine_best.py).
    def f1(person: int) -> tuple[list[Any], int]:
        result = trace([IndexCase(0, person, *window)], best_only=True)
        return ranked_contacts(result, generation=1, exclude={person}), result.queries

    def f2(contacts: list[Any], person: int, days: int | None) -> list[Any]:
        # BRIEF §3: F2s come from confirmed F1s (here: the high and medium tiers), each from their
        # exposure until their quarantine. `days=None`: quarantined one day after the case's isolation
        # (traced and called the next day); `days=14`: no quarantine recorded, the longest follow-up.
        sources = [c for c in contacts if c.exposure.tier != LOW]
        quarantine = window[1] + timedelta(days=1)
        index = [
            IndexCase(
                i,
                c.person_id,
                c.exposure.at,
                max(c.exposure.at, quarantine) if days is None else c.exposure.at + timedelta(days=days),
            )
            for i, c in enumerate(sources)
        ]
        return ranked_contacts(trace(index, best_only=True), generation=2, exclude={person})

    def outbreak(persons: list[int]) -> list[Any]:
        result = trace([IndexCase(i, p, *window) for i, p in enumerate(persons)], best_only=True)
        return ranked_contacts(result, generation=1, exclude=set(persons))

    cases = [rng.choice(world.workers[rng.choice(world.factories)]) for _ in range(args.samples + 1)]
    f1_ms, f2_ms, f2w_ms, sizes, visits = [], [], [], [], []
    for k, person in enumerate(cases):
        t = time.perf_counter()
        contacts, _q = f1(person)
        f1_time = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        second = f2(contacts, person, None)
        f2_time = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        second_worst = f2(contacts, person, 14)
        f2w_time = (time.perf_counter() - t) * 1000
        if k:  # the first run warms the caches
            f1_ms.append(f1_time)
            f2_ms.append(f2_time)
            f2w_ms.append(f2w_time)
            sizes.append((len(contacts), len(second), len(second_worst)))
            visits.append(len(trace([IndexCase(0, person, *window)]).visits[0]))
    factory = rng.choice(world.factories)
    group = rng.sample(world.workers[factory], min(50, len(world.workers[factory])))
    outbreak(group)
    outbreak_ms = []
    for _ in range(max(5, args.samples // 3)):
        t = time.perf_counter()
        found = outbreak(group)
        outbreak_ms.append((time.perf_counter() - t) * 1000)

    # Query plans of one F1 trace and of its F2 (14 days: the largest co-presence query).
    with CaptureQueriesContext(connection) as captured:
        f2(f1(cases[1])[0], cases[1], 14)
    plans = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if "checkins_checkin" not in sql:
            continue
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        plans.append((sql[:400] + (" …" if len(sql) > 400 else ""), plan))

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    return {
        "f1_p50": statistics.median(f1_ms),
        "f1_p95": pct(f1_ms, 0.95),
        "f2_p50": statistics.median(f2_ms),
        "f2_p95": pct(f2_ms, 0.95),
        "f2w_p50": statistics.median(f2w_ms),
        "f2w_p95": pct(f2w_ms, 0.95),
        "f2w_contacts": statistics.median(s[2] for s in sizes),
        "outbreak_p50": statistics.median(outbreak_ms),
        "outbreak_p95": pct(outbreak_ms, 0.95),
        "f1_contacts": statistics.median(s[0] for s in sizes),
        "f2_contacts": statistics.median(s[1] for s in sizes),
        "case_visits": statistics.median(visits),
        "outbreak_contacts": len(found),
        "plans": plans,
        "seq_scan": any(_full_scan(p) for _s, p in plans),
    }


def _full_scan(plan: str) -> bool:
    """PostgreSQL: a Seq Scan node; SQLite: a SCAN of the table without an index."""
    for line in plan.splitlines():
        if "Seq Scan on checkins_checkin" in line:
            return True
        if "SCAN checkins_checkin" in line.replace("SCAN TABLE", "SCAN") and "USING" not in line:
            return True
    return False


COVERING = "bench_checkin_venue_time_cover"


def covering_index(connection: Any, *, create: bool) -> None:
    """`checkin_venue_time` plus `id`: migration checkins/0003 made that index covering without `id`, which
    the engine reads, so its co-presence query is still an index scan with one heap fetch per row. With
    every column it reads in the index it is an index-only scan — the rows of one venue and time range
    are adjacent in the index, instead of one random heap page each."""
    with connection.cursor() as cursor:
        if not create:
            cursor.execute(f"DROP INDEX IF EXISTS {COVERING}")
            return
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {COVERING} ON checkins_checkin (venue_id, checked_in_at)"
            " INCLUDE (checked_out_at, area_id, person_id, checked_out_estimated, id)"
        )
        cursor.execute("VACUUM (ANALYZE) checkins_checkin")  # the visibility map: no heap fetches


def _workers_from_db(connection: Any) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.person_id, c.venue_id FROM checkins_checkin c"
            " JOIN places_venue v ON v.id = c.venue_id"
            " WHERE v.kind = 'factory' AND c.area_id IS NOT NULL"
            " ORDER BY 1, 2 LIMIT 20000"  # the same index cases in every run
        )
        return [(int(p), int(v)) for p, v in cursor.fetchall()]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({cpu}){memory}, {system}"


def main() -> None:
    args = parse()
    prepare_database(args)
    from django.db import connection

    print(f"tracing benchmark: {args.rows:,} check-ins on {connection.vendor} ({machine()})")
    world = load(args) if not args.reuse else World()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            server = cursor.fetchone()[0].split(" on ")[0]
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        covering_index(connection, create=args.covering_index)
    r = measure(args, world)
    print(
        f"  case visits in window (median): {r['case_visits']}, F1 contacts: {r['f1_contacts']}, "
        f"F2: {r['f2_contacts']}, F2 over 14 days: {r['f2w_contacts']}, outbreak F1: {r['outbreak_contacts']}"
    )
    print(f"  F1 with reasons: p50 {r['f1_p50']:.1f} ms, p95 {r['f1_p95']:.1f} ms")
    print(f"  F2:              p50 {r['f2_p50']:.1f} ms, p95 {r['f2_p95']:.1f} ms")
    print(f"  F2 over 14 days: p50 {r['f2w_p50']:.1f} ms, p95 {r['f2w_p95']:.1f} ms")
    print(f"  50-case outbreak: p50 {r['outbreak_p50']:.1f} ms, p95 {r['outbreak_p95']:.1f} ms")
    print(f"  sequential scan of check-ins: {'YES' if r['seq_scan'] else 'no'}")
    for sql, plan in r["plans"]:
        print(f"\n  {sql}\n" + "\n".join("    " + line for line in plan.splitlines()))
    if args.docs:
        line = (
            f"| {args.rows:,} | {server} | {r['case_visits']:.0f} | {r['f1_contacts']:.0f} | "
            f"{r['f1_p50']:.1f} / {r['f1_p95']:.1f} | {r['f2_contacts']:.0f} | "
            f"{r['f2_p50']:.1f} / {r['f2_p95']:.1f} | {r['f2w_contacts']:.0f} | "
            f"{r['f2w_p50']:.1f} / {r['f2w_p95']:.1f} | "
            f"{r['outbreak_p50']:.0f} / {r['outbreak_p95']:.0f} | {'yes' if r['seq_scan'] else 'no'} |"
        )
        print("\nresult row for docs/benchmarks.md:\n" + line)
    if connection.vendor == "postgresql" and args.covering_index:
        print("  (measured with the covering index that also holds id)")


if __name__ == "__main__":
    main()
