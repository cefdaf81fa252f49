"""Retention at 10 M check-ins (issue 13, item 4): one day deleted as today's purge does it (batched DELETE on
the plain table) vs dropped with its partition (the table partitioned by day), on the same data.

    .venv/bin/python -m bench.ingest.purge                    # database ravao_ingest (dropped and re-created)
    options: --database-url, --days 28, --per-day 350000, --batch-size 2000 (the purge's default)

1. a fresh database migrated to checkins 0006 (a plain check-in table, as before issue 13); 1,000 persons and
   100 venues; --days × --per-day check-ins generated with `generate_series` straight into the table (the
   days before today, times spread over each day), then `VACUUM (ANALYZE)`;
2. **DELETE**: the oldest day through `delete_in_batches` (what `ravao purge` ran: batches of primary keys,
   Django's collector for the flags and gate scans pointing at them, one transaction a batch);
3. the migration to 0007 (the conversion to a partitioned table, timed: what an upgrade costs);
4. **DROP**: the next oldest day through `partitions_drop_before` (what `ravao purge` runs now: count, flags,
   gate scans, client keys, DROP TABLE, one transaction).
Prints the times, the rows and the load average before and after.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ravao_ingest")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--per-day", type=int, default=350_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    load_start = load()
    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": args.database_url, "RAVAO_DEBUG": "0", "PYTHONPATH": str(ROOT),
           "RAVAO_SECRET_KEY": "bench-" + "x" * 50}  # fmt: skip
    ravao = [sys.executable, "-m", "ravao"]
    subprocess.run([*ravao, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*ravao, "migrate", "checkins", "0006", "-v", "0"], env=env, check=True, cwd=ROOT)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from ravao.checkins.models import CheckIn
    from ravao.checkins.partitions import day_bounds, partitions_drop_before
    from ravao.people.models import Person
    from ravao.places.models import Venue
    from ravao.privacy.retention import delete_in_batches
    from ravao.test import make_units

    units = make_units()
    Venue.objects.bulk_create(
        Venue(code=f"P{i:04d}", name=f"Nơi {i}", kind="shop", commune=units["ha_bang"], address="-",
              phone="0243000000", status="active", qr_code=f"PQ{i:06d}")
        for i in range(100)
    )  # fmt: skip
    persons = []
    for i in range(1000):
        person = Person(full_name=f"Người {i}", phone=f"09{i:08d}", year_of_birth=1980, sex="male")
        person.refresh_lookup_keys()
        persons.append(person)
    Person.objects.bulk_create(persons)
    today = timezone.localdate()
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(id) FROM people_person")
        person_ids = cursor.fetchone()[0]
        cursor.execute("SELECT array_agg(id) FROM places_venue")
        venue_ids = cursor.fetchone()[0]
        for back in range(args.days, 0, -1):
            start, _end = day_bounds(today - timedelta(days=back))
            cursor.execute(
                "INSERT INTO checkins_checkin (client_id, person_id, venue_id, checked_in_at, checked_out_at,"
                " checked_out_estimated, method, status_at_entry, created_at)"
                " SELECT gen_random_uuid(), (%s::bigint[])[1 + g %% 1000],"
                " (%s::bigint[])[1 + (g * 7) %% 100],"
                " t, t + interval '40 minutes', false, 'self', 'green', t"
                " FROM generate_series(1, %s) g, LATERAL (SELECT %s::timestamptz"
                " + (g::float8 / %s) * interval '86399 seconds' AS t) times",
                [person_ids, venue_ids, args.per_day, start, args.per_day],
            )
            print(f"purge bench: day -{back} loaded ({time.monotonic() - started:.0f} s)", flush=True)
    connection.close()
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) checkins_checkin")
    load_s = time.monotonic() - started
    total = CheckIn.objects.count()
    print(f"purge bench: {total:,} check-ins loaded in {load_s:.0f} s")

    oldest = today - timedelta(days=args.days)
    cutoff = day_bounds(oldest)[1]
    started = time.monotonic()
    counts = delete_in_batches(CheckIn.objects.filter(checked_in_at__lt=cutoff), batch_size=args.batch_size)
    delete_s = time.monotonic() - started
    print(f"purge bench: DELETE of one day ({counts}) in {delete_s:.2f} s")
    connection.close()

    started = time.monotonic()
    subprocess.run([*ravao, "migrate", "checkins", "-v", "0"], env=env, check=True, cwd=ROOT)
    migrate_s = time.monotonic() - started
    print(f"purge bench: migration to a partitioned table in {migrate_s:.0f} s")
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) checkins_checkin")
        conn.execute("VACUUM (ANALYZE) checkins_client_key")

    partitions_drop_before(cutoff=cutoff)  # the empty days up to the one deleted above, untimed
    started = time.monotonic()
    dropped = partitions_drop_before(cutoff=day_bounds(oldest + timedelta(days=1))[1])
    drop_s = time.monotonic() - started
    print(f"purge bench: DROP of one day ({dropped}) in {drop_s:.2f} s")
    left = CheckIn.objects.count()
    print(
        f"purge bench: {args.days} days × {args.per_day:,} = {total:,} rows; DELETE one day {delete_s:.2f} s "
        f"(batches of {args.batch_size}); migration {migrate_s:.0f} s; DROP one day {drop_s:.2f} s; "
        f"{left:,} rows left; load average {load_start:.2f} → {load():.2f}"
    )


if __name__ == "__main__":
    main()
