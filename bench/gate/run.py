"""Gate benchmark (issue 4; BRIEF §5): a gate that was offline during a shift change syncs its queue.

    .venv/bin/python -m bench.gate.run --db sqlite      # var/bench/gate.sqlite3 (WAL, as the settings set it)
    .venv/bin/python -m bench.gate.run --db postgres    # creates database ravao_bench_gate
    options: --scans 1000, --batch 200 (what gate.js sends), --docs (append the results to docs/benchmarks.md)

What is measured, in process through the whole Django stack (middleware, session, CSRF-exempt test client,
JSON parsing, one transaction per batch), without network:
- sync: N queued scans of N different workers (50 % personal QR tokens, 30 % CCCD QR of known persons,
  20 % phone numbers), sent in batches of --batch, as the gate's queue sends them after an outage;
- replay: the same N scans sent again (a lost response, a second tab): every one is answered from the
  stored outcome, nothing is written;
- online: one scan per request (what an online gate sends for each visitor), p50 / p95 of 200 requests:
  the server's part of the scan-to-result time.
The line printed also gives the queries of the largest sync batch (session and access checks included) and
the 1-minute load average before and after the run: other engineers' work on the machine skews the figures.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "ravao_bench_gate"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
SQLITE_PATH = ROOT / "var" / "bench" / "gate.sqlite3"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--docs", action="store_true", help="append the results to docs/benchmarks.md")
    return parser.parse_args()


def prepare_database(args: argparse.Namespace) -> None:
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            admin.execute(f"CREATE DATABASE {BENCH_DB}")
        url = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    else:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
    os.environ.setdefault("RAVAO_RATE_LIMITS_ENABLED", "0")
    os.environ.setdefault("RAVAO_DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_world(n: int) -> tuple[Any, Any, list[dict[str, Any]]]:
    """A factory, a gate guard and n workers; returns (venue, guard, scans waiting in the queue)."""
    from django.utils import timezone

    from ravao.accounts.models import Role
    from ravao.accounts.services import membership_grant, user_create
    from ravao.lib.tokens import issue_token
    from ravao.people.models import Person
    from ravao.people.services import Answers, declaration_submit
    from ravao.places.models import Venue
    from ravao.test import make_units

    units = make_units()
    venue = Venue.objects.create(
        code="B-1", name="Nhà máy", kind="factory", commune=units["ha_bang"], address="KCN",
        phone="0243000000", status="active",
    )  # fmt: skip
    guard = user_create(login="0900000099", password="bench-password-1", full_name="Bảo vệ")  # noqa: S106
    membership_grant(user=guard, role=Role.VENUE_STAFF, venue=venue)
    persons = []
    for i in range(n):
        person = Person(
            full_name=f"Công Nhân Số {i}",
            phone=f"09{i:08d}",
            id_number=f"0010{90 + i % 10}{i:06d}",
            year_of_birth=1990 + i % 10,
            sex="male",
        )
        person.refresh_lookup_keys()
        persons.append(person)
    Person.objects.bulk_create(persons, batch_size=500)
    now = timezone.now()
    for person in Person.objects.all()[: n // 2]:
        declaration_submit(person=person, answers=Answers(), now=now - timedelta(hours=2))
    scans = []
    start = now - timedelta(hours=1)
    for i, person in enumerate(Person.objects.order_by("pk")):
        if i % 10 < 5:
            kind = "token"
            payload = issue_token(person.public_id, now=start - timedelta(days=1), ttl=timedelta(days=30))
        elif i % 10 < 8:
            kind = "cccd"
            payload = f"{person.id_number}||{person.full_name}|0101{person.year_of_birth}|Nam|Thôn 3|01012021"
        else:
            kind, payload = "phone", person.phone
        scans.append(
            {
                "client_id": str(uuid.uuid4()),
                "kind": kind,
                "payload": payload,
                "direction": "in",
                "area": None,
                "scanned_at": (start + timedelta(seconds=i * 2)).isoformat(),
            }
        )
    return venue, guard, scans


def post(client: Any, url: str, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post(url, json.dumps({"scans": scans}), content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def main() -> None:
    args = parse()
    prepare_database(args)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from ravao.checkins.models import CheckIn

    venue, guard, scans = make_world(args.scans + 200)
    online, queued = scans[args.scans :], scans[: args.scans]
    client = Client()
    client.force_login(guard, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("checkins:gate_sync", args=[venue.pk])

    from django.test.utils import CaptureQueriesContext

    load_before = os.getloadavg()[0]  # other work on the machine skews every figure: reported with them
    started = time.perf_counter()
    outcomes: list[str] = []
    batch_queries: list[int] = []
    for i in range(0, len(queued), args.batch):
        with CaptureQueriesContext(connection) as queries:
            outcomes += [r["outcome"] for r in post(client, url, queued[i : i + args.batch])]
        batch_queries.append(len(queries))
    sync_s = time.perf_counter() - started
    assert outcomes == ["checked_in"] * len(queued), {o: outcomes.count(o) for o in set(outcomes)}

    started = time.perf_counter()
    for i in range(0, len(queued), args.batch):
        post(client, url, queued[i : i + args.batch])
    replay_s = time.perf_counter() - started
    assert CheckIn.objects.count() == len(queued)

    latencies = []
    for item in online:
        t0 = time.perf_counter()
        post(client, url, [item])
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]

    engine = connection.vendor
    version = ".".join(map(str, connection.get_database_version()))
    load_after = os.getloadavg()[0]
    lines = [
        f"| {engine} {version} | {len(queued)} scans, batches of {args.batch} | sync {sync_s:.2f} s "
        f"({sync_s / len(queued) * 1000:.2f} ms/scan, {max(batch_queries)} queries per batch) | replay "
        f"{replay_s:.2f} s | one scan p50 {p50:.1f} ms, p95 {p95:.1f} ms | {load_before:.1f} → "
        f"{load_after:.1f} |"
    ]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("\n".join(lines))
    if args.docs:
        docs = ROOT / "docs" / "benchmarks.md"
        with docs.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
