"""Work list, team page and follow-up indicators with 5,000 contacts under follow-up, on PostgreSQL
(issue 11, item 9). Never part of the test suite.

    createdb -h 127.0.0.1 -U postgres ravao_followup
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ravao_followup RAVAO_DEBUG=0 \
        .venv/bin/python bench/tracing/followup.py [--contacts 5000] [--reuse]

Data: one district, 25 communes, a team per commune (4 field workers, one of them the lead) and one for the
district; one case per 250 contacts (20 cases), 5,000 confirmed contacts living in the communes (so 200 per
team, 50 per worker), each on day 8 of 14 of their follow-up; 7 past days of visits, reached 85 % of the
time (5 % with symptoms), 10 % of contacts already recorded today; 2 % lost, 3 % suspected, plus 1,000
contacts whose period ended (completed).

Measure: server time of each page through Django's test client in-process (view + ORM + template, no
network), 3 warm-up requests, then the median and max of 10; the query count of one more request; and the
daily `followup_update` over all contacts.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
os.environ.setdefault("RAVAO_RATE_LIMITS_ENABLED", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from ravao.accounts.models import Role, User  # noqa: E402
from ravao.accounts.services import membership_grant, user_create  # noqa: E402
from ravao.people.models import Person  # noqa: E402
from ravao.places.models import AdminUnit, Venue  # noqa: E402
from ravao.tracing.followup import followup_statuses_update  # noqa: E402
from ravao.tracing.models import Case, Contact, FollowUpVisit, Team, TeamMember  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 (a throw-away benchmark database)


@transaction.atomic
def build(contacts: int) -> None:
    assert connection.vendor == "postgresql", "the benchmark is for PostgreSQL"
    rng = random.Random(2021)
    t0 = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    province = AdminUnit.objects.create(code="fb-01", name="Tỉnh Bench", level="province", path="fb/01/")
    district = AdminUnit.objects.create(
        code="fb-d1", name="Huyện Bench", level="district", parent=province, path="fb/01/d1/"
    )
    communes = [
        AdminUnit.objects.create(
            code=f"fb-c{c}", name=f"Xã {c}", level="commune", parent=district, path=f"fb/01/d1/c{c:02d}/"
        )
        for c in range(25)
    ]
    venue = Venue.objects.create(
        code="FB00001",
        name="Nhà máy Bench",
        kind="factory",
        commune=communes[0],
        address="KCN",
        status="active",
    )
    officer = user_create(login="0900999001", password=PASSWORD, full_name="Officer")
    membership_grant(user=officer, role=Role.HEALTH_OFFICER, unit=district)
    Team.objects.create(unit=district, name="Trung tâm Y tế huyện Bench")
    workers: dict[int, list[User]] = {}
    for i, commune in enumerate(communes):
        team = Team.objects.create(unit=commune, name=f"Trạm Y tế {commune.name}")
        workers[team.pk] = []
        for w in range(4):
            user = user_create(login=f"09002{i:02d}{w:03d}", password=PASSWORD, full_name=f"Worker {i}-{w}")
            membership_grant(user=user, role=Role.HEALTH_OFFICER, unit=commune)
            TeamMember.objects.create(team=team, user=user, is_lead=w == 0)
            workers[team.pk].append(user)
    teams = list(Team.objects.filter(unit__in=communes).order_by("unit__path"))
    total = contacts + contacts // 5
    persons = []
    for n in range(total + total // 250 + 1):
        p = Person(
            full_name=f"Người {n}", phone=f"097{n:07d}", year_of_birth=1960 + n % 50, sex="female",
            commune=communes[n % 25],
        )  # fmt: skip
        p.refresh_lookup_keys()
        persons.append(p)
    persons = Person.objects.bulk_create(persons, batch_size=2000)
    sources, persons = persons[: total // 250 + 1], persons[total // 250 + 1 :]
    start = now - timedelta(days=8)
    cases = Case.objects.bulk_create(
        Case(person=p, unit=district, window_start=start - timedelta(days=2), window_end=start)
        for p in sources
    )
    rows = []
    for n, person in enumerate(persons):
        team = teams[n % 25]
        ended = n >= contacts
        first = today - timedelta(days=20 if ended else 7)
        roll = rng.random()
        followup = (
            Contact.FollowUp.COMPLETED if ended
            else Contact.FollowUp.LOST if roll < 0.02
            else Contact.FollowUp.SUSPECTED if roll < 0.05
            else Contact.FollowUp.REACHED
        )  # fmt: skip
        rows.append(
            Contact(
                case=cases[n // 250],
                person=person,
                generation=1,
                venue=venue,
                tier="high",
                overlap_minutes=480,
                source_start=start,
                source_end=start + timedelta(hours=8),
                contact_start=start,
                contact_end=start + timedelta(hours=8),
                exposed_at=start,
                decision="confirmed",
                followup=followup,
                team=team,
                assignee=workers[team.pk][n % 4],
                followup_start=first,
                followup_until=first + timedelta(days=13),
            )
        )
    rows = Contact.objects.bulk_create(rows, batch_size=2000)
    visits = []
    for contact in rows[:contacts]:
        for back in range(7, 0, -1):
            r = rng.random()
            status = "seen_not_ok" if r < 0.05 else "seen_ok" if r < 0.85 else "not_reached"
            day = today - timedelta(days=back)
            visits.append(
                FollowUpVisit(contact=contact, day=day, status=status, recorded_at=now - timedelta(days=back))
            )
        if rng.random() < 0.10:
            visits.append(FollowUpVisit(contact=contact, day=today, status="seen_ok", recorded_at=now))
    FollowUpVisit.objects.bulk_create(visits, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {len(rows):,} contacts, {len(visits):,} visits in {time.perf_counter() - t0:.1f} s")


def client_for(login: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=login), backend="django.contrib.auth.backends.ModelBackend")
    return client


def measure(client: Client, url: str) -> tuple[float, float, int]:
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
    return statistics.median(times), max(times), len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not (args.reuse and AdminUnit.objects.filter(code="fb-01").exists()):
        build(args.contacts)
    team = Team.objects.get(unit__code="fb-c7")
    lead = TeamMember.objects.get(team=team, is_lead=True).user.username
    worker = TeamMember.objects.filter(team=team, is_lead=False).first().user.username  # type: ignore[union-attr]
    pages = [
        ("my calls today (a field worker)", worker, "/tracing/calls/"),
        ("team page (the lead)", lead, f"/tracing/teams/{team.pk}/"),
        ("follow-up indicators (district officer)", "0900999001", "/tracing/followup/"),
    ]
    under = Contact.objects.filter(
        followup_start__lte=timezone.localdate(), followup_until__gte=timezone.localdate()
    )
    print(f"{under.count():,} contacts under follow-up, {FollowUpVisit.objects.count():,} visits")
    print(f"load average: {os.getloadavg()}")
    # The pages read the source static files (as the test suite does): no collectstatic manifest needed.
    from django.conf import settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False, ALLOWED_HOSTS=["*"], STORAGES=storages
    ):
        for name, login, url in pages:
            median, worst, queries = measure(client_for(login), url)
            print(f"| {name} | {median:.0f} / {worst:.0f} | {queries} |")
    with transaction.atomic():
        t0 = time.perf_counter()
        counts = followup_statuses_update()
        elapsed = (time.perf_counter() - t0) * 1000
        transaction.set_rollback(True)  # measured, not kept: the next run sees the same data
    print(f"| followup_update (all contacts) | {elapsed:.0f} | {counts} |")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
