"""Triage page with 5,000 contacts on PostgreSQL (issue 11, item 1; issue 13, item 3).

    createdb -h 127.0.0.1 -U postgres ravao_bench_triage
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ravao_bench_triage RAVAO_DEBUG=0 \\
        .venv/bin/python bench/tracing/triage.py [--contacts 5000] [--bulk 500] [--samples 10]

Data: one case with `--contacts` contacts (F1 and F2 rows as the engine stores them, inserted in bulk:
the engine is measured by bench/tracing/run.py), at two production lines of a factory and at a market,
tiers in turn, persons living in three communes; `--bulk` of them at the market. The script drops the
case it made on the previous run.

Measure: server time through Django's test client in process (URL resolution, middleware, view, ORM,
template; no network), logged in as the district's health officer; the case page (first page, 50 rows),
a filtered page (high at one production line) and a later page, 3 warm-up requests then the median and
max of --samples; then "confirm all N matching this filter" (the market: --bulk contacts) posted as the
page's JavaScript posts it, and put back to candidate, --samples times each (the SMS queued by the
previous round are deleted in between, so every round queues them again). Query counts are printed.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
os.environ.setdefault("RAVAO_RATE_LIMITS_ENABLED", "0")
os.environ.setdefault("RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402

# Templates name static files; the hashed manifest exists only after collectstatic (production).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from datetime import timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from ravao.accounts.models import Role, User  # noqa: E402
from ravao.accounts.services import membership_grant, user_create  # noqa: E402
from ravao.notifications.models import Notification  # noqa: E402
from ravao.people.models import Person  # noqa: E402
from ravao.places.models import AdminUnit, Area, Venue  # noqa: E402
from ravao.tracing.models import Case, Contact  # noqa: E402
from ravao.tracing.tests.crowd import make_contacts  # noqa: E402

LOGIN = "0900200001"


def build(contacts: int, bulk: int) -> tuple[Case, Area, Venue]:
    province = AdminUnit.objects.get_or_create(
        code="tb-01", defaults={"name": "Tỉnh Bench", "level": "province", "path": "tb/01/"}
    )[0]
    district = AdminUnit.objects.get_or_create(
        code="tb-02",
        defaults={"name": "Huyện Bench", "level": "district", "parent": province, "path": "tb/01/02/"},
    )[0]
    communes = [
        AdminUnit.objects.get_or_create(
            code=f"tb-02-{i}",
            defaults={
                "name": f"Xã Bench {i}",
                "level": "commune",
                "parent": district,
                "path": f"tb/01/02/{i}/",
            },
        )[0]
        for i in range(3)
    ]
    factory = Venue.objects.get_or_create(
        code="TB-00001",
        defaults={
            "name": "Nhà máy Bench",
            "kind": "factory",
            "commune": communes[0],
            "status": "active",
            "address": "KCN",
            "phone": "0243000001",
        },
    )[0]
    market = Venue.objects.get_or_create(
        code="TB-00002",
        defaults={
            "name": "Chợ Bench",
            "kind": "market",
            "commune": communes[1],
            "status": "active",
            "address": "Phố",
            "phone": "0243000002",
        },
    )[0]
    line1 = Area.objects.get_or_create(venue=factory, name="Dây chuyền 1", defaults={"kind": "line"})[0]
    line2 = Area.objects.get_or_create(venue=factory, name="Dây chuyền 2", defaults={"kind": "line"})[0]
    user = User.objects.filter(username=LOGIN).first()
    if user is None:
        user = user_create(login=LOGIN, password="bench-password-1", full_name="Bench")  # noqa: S106
        membership_grant(user=user, role=Role.HEALTH_OFFICER, unit=district)
    old = list(Case.objects.filter(unit=district))
    persons = set(Contact.objects.filter(case__in=old).values_list("person_id", flat=True))
    Case.objects.filter(pk__in=[c.pk for c in old]).delete()
    Person.objects.filter(pk__in=persons).delete()
    phone = f"0937{random.randrange(10**6):06d}"  # a fresh F0 each run (the old one is kept by its case)
    f0 = Person(full_name="Bench F0", phone=phone, year_of_birth=1990, sex="male", commune=communes[0])
    f0.refresh_lookup_keys()
    f0.save()
    now = timezone.now()
    case = Case.objects.create(
        person=f0, unit=district, window_start=now - timedelta(days=4), window_end=now, reason="bench"
    )
    rest = contacts - bulk
    f1 = rest * 3 // 5
    t0 = time.perf_counter()
    make_contacts(case, f1 // 2, venue=factory, area=line1, communes=communes)
    make_contacts(case, f1 - f1 // 2, venue=factory, area=line2, communes=communes)
    make_contacts(case, bulk, venue=market, communes=communes)
    make_contacts(case, rest - f1, venue=market, communes=communes, generation=2)
    print(f"{Contact.objects.filter(case=case).count():,} contacts made in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return case, line1, market


def get(client: Client, url: str, samples: int) -> tuple[float, float, float, int]:
    """Wall-clock median and max, and the median CPU time of this process (Python: view, ORM, template;
    PostgreSQL's own work is not in it) — on a loaded machine the CPU time is the steadier figure."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(samples):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return statistics.median(times), max(times), statistics.median(cpu), len(ctx.captured_queries)


def bulk(client: Client, case: Case, market: Venue, action: str) -> tuple[float, float, int, int]:
    url = f"/tracing/cases/{case.pk}/contacts/bulk/"
    data = {"action": action, "scope": "all", "venue": str(market.pk), "generation": "1"}
    with CaptureQueriesContext(connection) as ctx:
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.post(url, data, headers={"Accept": "application/json"})
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    assert response.status_code == 200, response.content[:300]
    return ms, cpu, response.json()["changed"], len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--bulk", type=int, default=500)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    call_command("migrate", verbosity=0)
    case, line1, market = build(args.contacts, args.bulk)
    client = Client()
    client.force_login(User.objects.get(username=LOGIN), backend="django.contrib.auth.backends.ModelBackend")
    base = f"/tracing/cases/{case.pk}/"
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'what':<44} {'median ms':>10} {'max ms':>8} {'CPU ms':>8} {'queries':>8}")
    for name, url in (
        ("case page, first page (50 of all)", base),
        ("filtered: high at production line 1", f"{base}?tier=high&area={line1.pk}"),
        ("filtered: F2, page 10", f"{base}?generation=2&page=10"),
    ):
        median, worst, cpu, queries = get(client, url, args.samples)
        print(f"{name:<44} {median:>10.1f} {worst:>8.1f} {cpu:>8.1f} {queries:>8}")
    confirm, reset, confirm_cpu, reset_cpu = [], [], [], []
    for _ in range(args.samples):
        Notification.objects.filter(topic="tracing.contact").delete()
        ms, cpu, changed, q_confirm = bulk(client, case, market, "confirmed")
        assert changed == args.bulk, changed
        confirm.append(ms)
        confirm_cpu.append(cpu)
        ms, cpu, changed, q_reset = bulk(client, case, market, "candidate")
        reset.append(ms)
        reset_cpu.append(cpu)
    queued = Notification.objects.filter(topic="tracing.contact").count()
    print(
        f"{f'bulk confirm of {args.bulk} (all matching)':<44} {statistics.median(confirm):>10.1f}"
        f" {max(confirm):>8.1f} {statistics.median(confirm_cpu):>8.1f} {q_confirm:>8}"
        f"   ({queued} SMS queued by the last round)"
    )
    print(
        f"{f'bulk back to candidate of {args.bulk}':<44} {statistics.median(reset):>10.1f}"
        f" {max(reset):>8.1f} {statistics.median(reset_cpu):>8.1f} {q_reset:>8}"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
