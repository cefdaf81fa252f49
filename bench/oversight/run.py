"""Oversight pages at 10 M check-ins and 50,000 venues on PostgreSQL (BRIEF §5; issue: ≤ 300 ms warm).

    createdb -h 127.0.0.1 -U postgres ravao_bench_oversight
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ravao_bench_oversight RAVAO_DEBUG=1 \
        .venv/bin/python bench/oversight/run.py [--checkins 10000000] [--venues 50000] [--reuse]

Data: one province, 10 districts × 25 communes, 200 venues per commune (50,000), 40 % of them scanning;
20,000 persons; check-ins spread over the last 28 days with a day-time profile, 6 % yellow, 0.5 % red,
35 % closed by an estimate, methods 55 % self / 35 % gate / 10 % manual. Check-ins are inserted in random
time order (no help from physical clustering). The roll-up runs for the 28 days, then for today as a
cron 15 minutes ago would have, so the pages also count 15 minutes of check-ins live.

Measure: server time of each page through Django's test client in-process (view + ORM + template,
no network), 3 warm-up requests, then the median and max of 10.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
os.environ.setdefault("RAVAO_RATE_LIMITS_ENABLED", "0")

import django

django.setup()

from datetime import timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from ravao.accounts.models import Role  # noqa: E402
from ravao.accounts.services import membership_grant, user_create  # noqa: E402
from ravao.checkins.models import CheckIn  # noqa: E402
from ravao.oversight.selectors import last_days  # noqa: E402
from ravao.oversight.services import stats_rollup  # noqa: E402
from ravao.people.models import Person  # noqa: E402
from ravao.places.models import AdminUnit, Venue  # noqa: E402

KINDS = [
    "shop",
    "restaurant",
    "market",
    "agency",
    "business",
    "factory",
    "school",
    "health",
    "craft",
    "public",
]


def build(*, venues: int, checkins: int, persons: int) -> None:
    assert connection.vendor == "postgresql", "the benchmark is for PostgreSQL"
    t0 = time.perf_counter()
    province = AdminUnit.objects.create(code="b-01", name="Tỉnh Bench", level="province", path="b/01/")
    communes: list[AdminUnit] = []
    for d in range(10):
        district = AdminUnit.objects.create(
            code=f"b-d{d}", name=f"Huyện {d}", level="district", parent=province, path=f"b/01/d{d:02d}/"
        )
        for c in range(25):
            communes.append(
                AdminUnit(
                    code=f"b-d{d}c{c}",
                    name=f"Xã {d}-{c}",
                    level="commune",
                    parent=district,
                    path=f"b/01/d{d:02d}/c{c:02d}/",
                )
            )
    AdminUnit.objects.bulk_create(communes)
    communes = list(AdminUnit.objects.filter(level="commune", path__startswith="b/01/"))
    per_commune = venues // len(communes)
    rows = [
        Venue(
            code=f"B{i:06d}",
            name=f"Địa điểm {i}",
            kind=KINDS[i % len(KINDS)],
            commune=communes[i // per_commune],
            address="Thôn 1",
            phone="0243000000",
            status="active",
            qr_code=f"b{i:09d}",
        )
        for i in range(per_commune * len(communes))
    ]
    Venue.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE places_venue SET created_at = now() - interval '60 days'")
    people = []
    for i in range(persons):
        p = Person(full_name=f"Người Thử {i}", phone=f"09{i:08d}", year_of_birth=1980, sex="male", address="")
        p.refresh_lookup_keys()
        people.append(p)
    Person.objects.bulk_create(people, batch_size=5000)
    print(f"units, {len(rows):,} venues, {persons:,} persons in {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM people_person")
        pmin, pmax = cursor.fetchone()
        cursor.execute("SELECT array_agg(id) FROM places_venue WHERE id % 5 < 2")  # 40 % of venues scan
        active = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE bench_active AS"
            " SELECT row_number() OVER () - 1 AS n, id FROM unnest(%s::bigint[]) id",
            [active],
        )
        cursor.execute("CREATE INDEX ON bench_active (n)")
        step = 1_000_000
        for offset in range(0, checkins, step):
            n = min(step, checkins - offset)
            cursor.execute(
                """
                INSERT INTO checkins_checkin (client_id, person_id, venue_id, area_id, checked_in_at,
                    checked_out_at, checked_out_estimated, method, device_id, status_at_entry, created_at)
                SELECT gen_random_uuid(), %(pmin)s + floor(random() * (%(pmax)s - %(pmin)s + 1))::bigint,
                       a.id, NULL,
                       t.at, CASE WHEN r.x < 0.97 THEN t.at + interval '50 minutes' END, r.x < 0.35,
                       CASE WHEN r.y < 0.55 THEN 'self' WHEN r.y < 0.90 THEN 'gate' ELSE 'manual' END, NULL,
                       CASE WHEN r.z < 0.005 THEN 'red' WHEN r.z < 0.065 THEN 'yellow' ELSE 'green' END, t.at
                FROM generate_series(1, %(n)s) g
                CROSS JOIN LATERAL (
                    -- g is referenced so that PostgreSQL draws new random numbers for every row
                    SELECT random() AS x, random() AS y, random() AS z, random() AS v, random() AS d,
                           random() AS h, g AS gg
                ) r
                JOIN bench_active a ON a.n = floor(r.v * %(active)s)::int
                CROSS JOIN LATERAL (
                    SELECT date_trunc('day', now() - floor(r.d * 28) * interval '1 day')
                           + (5 + 17 * r.h) * interval '1 hour' AS at
                ) t
                WHERE t.at <= now()
                """,
                {"pmin": pmin, "pmax": pmax, "n": n, "active": len(active)},
            )
            print(f"  {offset + n:,} check-ins ({time.perf_counter() - t0:.0f} s)", flush=True)
        cursor.execute("ANALYZE")
    print(f"{CheckIn.objects.count():,} check-ins in {time.perf_counter() - t0:.0f} s", flush=True)


def add_recent(count: int) -> None:
    """Check-ins in the last 15 minutes, so the pages always have a live tail to count (whatever the hour
    the benchmark runs at: the generated day profile has none between 22:00 and 05:00)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO checkins_checkin (client_id, person_id, venue_id, checked_in_at,
                checked_out_estimated, method, status_at_entry, created_at)
            SELECT gen_random_uuid(),
                   (SELECT min(id) FROM people_person) + floor(random() * 20000)::bigint,
                   v.id - v.id %% 5,  -- a venue that scans (id %% 5 < 2)
                   now() - random() * interval '14 minutes', false, 'gate',
                   CASE WHEN random() < 0.06 THEN 'yellow' ELSE 'green' END, now()
            FROM generate_series(1, %s) g
            CROSS JOIN LATERAL (
                SELECT (SELECT min(id) FROM places_venue) + 5 + floor(random() * 49000)::bigint + g * 0 AS id
            ) v
            """,
            [count],
        )


def rollup() -> None:
    now = timezone.now()
    t0 = time.perf_counter()
    stats_rollup(now=now, days=last_days(now, 28)[:-1])
    print(f"roll-up of 27 past days: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    stats_rollup(now=now - timedelta(minutes=15), days=last_days(now, 1))
    print(f"roll-up of today (the 15-minute cron): {time.perf_counter() - t0:.2f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def users() -> dict[str, Client]:
    province = AdminUnit.objects.get(code="b-01")
    district = AdminUnit.objects.get(code="b-d3")
    commune = AdminUnit.objects.get(code="b-d3c7")
    clients = {}
    for login, unit, role in (
        ("0900100001", province, Role.DISTRICT_ADMIN),
        ("0900100002", district, Role.DISTRICT_ADMIN),
        ("0900100003", commune, Role.COMMUNE_OFFICIAL),
    ):
        from ravao.accounts.models import User

        user = User.objects.filter(username=login).first() or user_create(
            login=login,
            password="bench-password-1",  # noqa: S106 (a throw-away benchmark database)
            full_name=login,
        )
        if not user.memberships.exists():
            membership_grant(user=user, role=role, unit=unit)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients[login] = client
    return clients


def measure(name: str, client: Client, url: str) -> tuple[str, float, float, int]:
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return name, statistics.median(times), max(times), len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkins", type=int, default=10_000_000)
    parser.add_argument("--venues", type=int, default=50_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--recent", type=int, default=4000, help="check-ins in the last 15 minutes")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not (args.reuse and AdminUnit.objects.filter(code="b-01").exists()):
        build(venues=args.venues, checkins=args.checkins, persons=args.persons)
    if not CheckIn.objects.filter(checked_in_at__gte=timezone.now() - timedelta(minutes=15)).exists():
        add_recent(args.recent)
    rollup()
    clients = users()
    province = AdminUnit.objects.get(code="b-01")
    district = AdminUnit.objects.get(code="b-d3")
    commune = AdminUnit.objects.get(code="b-d3c7")
    busiest = Venue.objects.filter(
        commune=commune, id__in=CheckIn.objects.filter(venue__commune=commune).values("venue_id")[:1]
    ).first()
    assert busiest is not None
    pages = [
        ("province (50,000 venues)", "0900100001", f"/oversight/units/{province.pk}/"),
        ("district (5,000 venues)", "0900100002", f"/oversight/units/{district.pk}/"),
        ("commune (200 venues)", "0900100003", f"/oversight/units/{commune.pk}/"),
        ("commune, idle list page 2", "0900100003", f"/oversight/units/{commune.pk}/?page=2"),
        ("venue page", "0900100003", f"/oversight/venues/{busiest.pk}/"),
        ("yellow/red list (commune)", "0900100003", f"/oversight/units/{commune.pk}/flagged/"),
        ("yellow/red list (province)", "0900100001", f"/oversight/units/{province.pk}/flagged/"),
        ("idle venues CSV (district)", "0900100002", f"/oversight/units/{district.pk}/idle.csv"),
    ]
    tail = CheckIn.objects.filter(checked_in_at__gte=timezone.now() - timedelta(minutes=15)).count()
    print(f"\n{CheckIn.objects.count():,} check-ins, {Venue.objects.count():,} venues, {tail:,} counted live")
    print(f"{'page':<32} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for name, login, url in pages:
        label, median, worst, queries = measure(name, clients[login], url)
        print(f"{label:<32} {median:>10.0f} {worst:>8.0f} {queries:>8}", flush=True)


if __name__ == "__main__":
    main()
