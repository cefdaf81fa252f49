"""The officer's pages at 10 M check-ins over HTTP (issue 13, item 3). Never part of the test suite.

    createdb -h 127.0.0.1 -U postgres ravao_officer
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ravao_officer \\
        .venv/bin/python -m bench.tracing.officer [--checkins 10000000] [--keep] [--samples 20]

`--keep`: reuse the data of a previous run (generated once: ~10 minutes on 2 busy cores); without it the
database's tables are emptied and filled again. The database must be a throw-away one.

Data (SQL `generate_series`, no ORM row by row; indexes dropped during the load and rebuilt, then VACUUM
ANALYZE): one province, 10 districts × 25 communes, 50,000 venues (4 % factories with 6 production lines and
three 8-hour shifts each, the rest shops, markets, restaurants, offices, schools, health posts, workshops,
public places with their typical stay), 1,000,000 persons, 28 days ending now. 30 % of the rows are factory
shifts: 125,000 workers on their own line and shift 6 days a week; 70 % are visits of the other persons at
day-time hours (06:00–21:00) to a random non-factory venue, the kind's typical stay ± 50 %. 12 % of the
visits have no check-out, 18 % of the others are flagged estimated. ≈ 357,000 check-ins a day.

Planted: a case (person with an encrypted name, district health office) whose window is 18 to 14 days
ago; on three days of it the case spent 08:00–12:00 at a workshop where 100 named persons (50 factory
workers, 50 others: their own visits go on) checked in: a third ≥ 15 minutes together (high), a third less
(medium), a third arrived within the hour after the case left (low). The case's F1 list is ~100 contacts.

Measure (`ravao serve`: gunicorn, 2 sync workers, DEBUG off, persistent connections; an authenticated
health officer's session cookie; loopback HTTP, time from request to the last byte; 3 warm-up requests then
--samples, p50 / p90):
- the case page GET (F1 only, ~100 contacts);
- re-trace POST (the engine for the case's window, the contacts written back, clusters proposed);
- F2 POST with all F1s confirmed and no quarantine recorded: each F1 traced over 14 days from exposure;
- the province oversight page GET (50,000 venues, as a district admin of the province);
- a 50-case outbreak, defined as: one `trace()` of 50 index cases (50 workers of one factory, each a
  5-day window) with the best exposure per person and its reason (`ranked_contacts`), in process — there is
  no page that traces 50 cases in one request; 50 re-traces over HTTP cost 50 × the re-trace above.
The load average of the machine is printed with each figure: the machine is shared.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# The generator and the server share the keys (names are encrypted): fixed throw-away bench keys.
BENCH_ENV = {
    "RAVAO_DATA_KEYS": "k1:YmVuY2gtb25seS1kYXRhLWtleS0zMi1ieXRlcy0hISE=",
    "RAVAO_LOOKUP_KEY": "YmVuY2gtb25seS1sb29rdXAta2V5LTMyLWJ5dGVzISE=",
    "RAVAO_RATE_LIMITS_ENABLED": "0",
    "RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS": "0",
    # Sessions made here are signed with it and checked by the server.
    "RAVAO_SECRET_KEY": "bench-only-secret-key-3f9c2a71d84e4b0f9a6c5e1d2b7a8c90-not-for-production",
}
os.environ.update(BENCH_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from ravao.accounts.models import Role, User  # noqa: E402
from ravao.accounts.services import membership_grant, user_create  # noqa: E402
from ravao.people.models import Person  # noqa: E402
from ravao.places.models import AdminUnit, Venue  # noqa: E402
from ravao.tracing.models import Case, Contact  # noqa: E402

DAYS = 28
WORKERS = 125_000
OFFICER, ADMIN = "0900300001", "0900300002"
PASSWORD = "bench-password-1"  # noqa: S105 (a throw-away benchmark database)
# kind, typical stay (minutes); factories are every 25th venue (4 %)
KINDS = [
    ("shop", 60),
    ("market", 60),
    ("restaurant", 90),
    ("agency", 480),
    ("school", 480),
    ("health", 120),
    ("craft", 480),
    ("public", 60),
]


def load_avg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def sql(statement: str, params: Any = None) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


# --- data --------------------------------------------------------------------------------------------
def generate(checkins: int, persons: int, venues: int) -> None:
    assert connection.vendor == "postgresql", "the benchmark is for PostgreSQL"
    t0 = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    province = AdminUnit.objects.create(code="o-01", name="Tỉnh Bench", level="province", path="o/01/")
    communes = []
    for d in range(10):
        district = AdminUnit.objects.create(
            code=f"o-d{d}", name=f"Huyện {d}", level="district", parent=province, path=f"o/01/d{d:02d}/"
        )
        for c in range(25):
            communes.append(
                AdminUnit(
                    code=f"o-d{d}c{c}",
                    name=f"Xã {d}-{c}",
                    level="commune",
                    parent=district,
                    path=f"o/01/d{d:02d}/c{c:02d}/",
                )
            )
    AdminUnit.objects.bulk_create(communes)
    kinds = "ARRAY[" + ",".join(f"'{k}'" for k, _s in KINDS) + "]"
    sql(
        f"""
        INSERT INTO places_venue (code, name, kind, address, phone, status, qr_code, created_at, commune_id,
                                  screen_mode)
        SELECT 'O' || lpad(g::text, 6, '0'), 'Địa điểm ' || g,
               CASE WHEN g %% 25 = 0 THEN 'factory' ELSE ({kinds})[1 + g %% {len(KINDS)}] END,
               'Thôn 1', '0243000000', 'active', 'o' || lpad(g::text, 9, '0'), now() - interval '60 days',
               c.id, false
        FROM generate_series(0, %s - 1) g
        JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM places_adminunit
              WHERE level = 'commune') c ON c.n = g %% 250
        """,
        [venues],
    )
    sql(
        "INSERT INTO places_area (name, kind, qr_code, venue_id)"
        " SELECT 'Dây chuyền ' || j, 'line', 'oa' || v.id || '-' || j, v.id"
        " FROM places_venue v CROSS JOIN generate_series(1, 6) j WHERE v.kind = 'factory'"
    )
    sql(
        "INSERT INTO places_shift (name, starts_at, ends_at, venue_id)"
        " SELECT s.name, s.a, s.b, v.id FROM places_venue v CROSS JOIN (VALUES"
        " ('A', time '06:00', time '14:00'), ('B', time '14:00', time '22:00'),"
        " ('C', time '22:00', time '06:00'))"
        " s(name, a, b) WHERE v.kind = 'factory'"
    )
    sql(
        "INSERT INTO people_person (public_id, full_name, name_index, phone_hash, year_of_birth, sex,"
        " nationality, address, email, case_status, created_at)"
        " SELECT gen_random_uuid(), '', ' ', 'bench' || g, 1990, 'male', 'Việt Nam', '', '', '', now()"
        " FROM generate_series(1, %s) g",
        [persons],
    )
    print(f"  units, {venues:,} venues, {persons:,} persons [{time.perf_counter() - t0:.0f} s]", flush=True)

    # Lookup tables: factories and their lines numbered, other venues numbered with their stay.
    stays = "CASE v.kind " + " ".join(f"WHEN '{k}' THEN {s}" for k, s in KINDS) + " END"
    sql("DROP TABLE IF EXISTS bench_factory, bench_line, bench_other")
    sql(
        "CREATE UNLOGGED TABLE bench_factory AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id"
        " FROM places_venue WHERE kind = 'factory'"
    )
    sql(
        "CREATE UNLOGGED TABLE bench_line AS SELECT venue_id, row_number() OVER (PARTITION BY venue_id"
        " ORDER BY id) - 1 AS k, id FROM places_area"
    )
    sql(
        f"CREATE UNLOGGED TABLE bench_other AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id,"
        f" {stays} AS stay FROM places_venue v WHERE kind <> 'factory'"
    )
    sql("CREATE UNIQUE INDEX ON bench_factory (n); CREATE UNIQUE INDEX ON bench_line (venue_id, k);")
    sql("CREATE UNIQUE INDEX ON bench_other (n); ANALYZE bench_factory, bench_line, bench_other")
    factories = sql("SELECT count(*) FROM bench_factory")[0][0]
    others = sql("SELECT count(*) FROM bench_other")[0][0]
    pmin = sql("SELECT min(id) FROM people_person")[0][0]

    indexes = sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'checkins_checkin'"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    for name, _definition in indexes:
        sql(f'DROP INDEX "{name}"')
    sql("ALTER TABLE checkins_checkin DISABLE TRIGGER ALL")  # FK checks: the ids come from the tables
    t1 = time.perf_counter()
    # Factory shifts: worker w works at factory w % F, line (w / F) % 6, shift (w / 6F) % 3; day off when
    # (day + w) % 7 = 0. Rows are only inserted up to now.
    worker_rows = int(checkins * 0.30)
    workers = min(WORKERS, persons // 2, worker_rows * 7 // (DAYS * 6))
    sql(
        """
        INSERT INTO checkins_checkin (client_id, person_id, venue_id, area_id, checked_in_at, checked_out_at,
            checked_out_estimated, method, status_at_entry, created_at)
        SELECT gen_random_uuid(), %(pmin)s + w, f.id, l.id, t.at,
               CASE WHEN r.x < 0.12 OR t.out > now() THEN NULL ELSE t.out END, r.x >= 0.12 AND r.x < 0.28,
               'self', 'green', t.at
        FROM generate_series(0, %(workers)s - 1) w
        CROSS JOIN generate_series(0, %(days)s - 1) d
        JOIN bench_factory f ON f.n = w %% %(factories)s
        JOIN bench_line l ON l.venue_id = f.id AND l.k = (w / %(factories)s) %% 6
        CROSS JOIN LATERAL (SELECT random() AS x, random() AS y, random() AS z, w + d AS seed) r
        CROSS JOIN LATERAL (
            SELECT date_trunc('day', now()) - (%(days)s - 1 - d) * interval '1 day'
                   + ((ARRAY[6, 14, 22])[1 + (w / (6 * %(factories)s)) %% 3] * 60 - 25 + floor(r.y * 36))
                     * interval '1 minute' AS at,
                   floor(r.z * 41) AS late
        ) t0
        CROSS JOIN LATERAL (SELECT t0.at, t0.at + (470 + t0.late) * interval '1 minute' AS out) t
        WHERE (d + w) %% 7 <> 0 AND t.at <= now()
        """,
        {"pmin": pmin, "workers": workers, "days": DAYS, "factories": factories},
    )
    print(f"  factory shifts of {workers:,} workers [{time.perf_counter() - t1:.0f} s]", flush=True)
    done = sql("SELECT count(*) FROM checkins_checkin")[0][0]
    step = 1_000_000
    remaining = checkins - done
    while remaining > 0:
        n = min(step, remaining)
        sql(
            """
            INSERT INTO checkins_checkin (client_id, person_id, venue_id, area_id, checked_in_at,
                checked_out_at, checked_out_estimated, method, status_at_entry, created_at)
            SELECT gen_random_uuid(),
                   %(pmin)s + %(workers)s + floor(r.p * (%(persons)s - %(workers)s))::bigint,
                   o.id, NULL, t.at,
                   CASE WHEN r.x < 0.12 OR t.out > now() THEN NULL ELSE t.out END,
                   r.x >= 0.12 AND r.x < 0.28, 'self', 'green', t.at
            FROM generate_series(1, %(n)s) g
            CROSS JOIN LATERAL (
                -- g is referenced so that PostgreSQL draws new random numbers for every row
                SELECT random() AS p, random() AS v, random() AS d, random() AS h, random() AS s,
                       random() AS x, g AS gg
            ) r
            JOIN bench_other o ON o.n = floor(r.v * %(others)s)::int
            CROSS JOIN LATERAL (
                SELECT date_trunc('day', now()) - floor(r.d * %(days)s) * interval '1 day'
                       + (360 + floor(r.h * 900)) * interval '1 minute' AS at
            ) t0
            CROSS JOIN LATERAL (
                SELECT t0.at, t0.at + greatest(5, o.stay * (0.5 + r.s)) * interval '1 minute' AS out
            ) t
            WHERE t.at <= now()
            """,
            {"pmin": pmin, "workers": workers, "persons": persons, "n": n, "others": others, "days": DAYS},
        )
        remaining = checkins - sql("SELECT count(*) FROM checkins_checkin")[0][0]
        print(f"  {checkins - remaining:,} check-ins [{time.perf_counter() - t1:.0f} s]", flush=True)
    sql("ALTER TABLE checkins_checkin ENABLE TRIGGER ALL")
    sql(
        "SELECT setval(pg_get_serial_sequence('checkins_checkin', 'id'),"
        " (SELECT max(id) FROM checkins_checkin))"
    )
    t2 = time.perf_counter()
    sql("SET maintenance_work_mem = '1GB'")
    for _name, definition in indexes:
        sql(definition)
    # A live table is vacuumed (autovacuum): hint bits set, the visibility map built (index-only scans).
    sql("VACUUM (ANALYZE) checkins_checkin")
    sql("ANALYZE")
    print(f"  indexes built, vacuumed [{time.perf_counter() - t2:.0f} s]", flush=True)
    plant(pmin, workers)
    t3 = time.perf_counter()
    from ravao.oversight.selectors import last_days
    from ravao.oversight.services import stats_rollup

    now = timezone.now()
    stats_rollup(now=now, days=last_days(now, DAYS + 1))
    print(f"  oversight roll-up of {DAYS + 1} days [{time.perf_counter() - t3:.0f} s]", flush=True)
    sql("DROP TABLE bench_factory, bench_line, bench_other")
    print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)


def plant(pmin: int, workers: int) -> None:
    """The case and its ~100 F1 contacts (named persons), the officer and the province's admin."""
    province = AdminUnit.objects.get(code="o-01")
    district = AdminUnit.objects.get(code="o-d3")
    commune = AdminUnit.objects.get(code="o-d3c7")
    workshop = Venue.objects.create(
        code="O-PLANT", name="Xưởng may Bench", kind="craft", commune=commune, address="KCN",
        phone="0243000001", status="active", qr_code="oplant",
    )  # fmt: skip
    # The case: a person of the "others" range (no factory shifts); 50 workers and 50 others exposed.
    case_person = pmin + workers + 7
    exposed = [pmin + i for i in range(50)] + [pmin + workers + 1000 + i for i in range(50)]
    for i, pk in enumerate([case_person, *exposed]):
        person = Person.objects.get(pk=pk)
        person.full_name = f"Nguyễn Văn Bench {i}"
        person.phone = f"0938{i:06d}"
        person.commune = commune
        person.refresh_lookup_keys()
        person.save()
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for day in (17, 16, 15):
        start = today - timedelta(days=day) + timedelta(hours=8)
        rows.append((case_person, start, start + timedelta(hours=4)))
        for k, pk in enumerate(exposed):
            if k % 3 != day % 3:
                continue
            kind = (k // 3) % 3
            if kind == 0:  # high: 30–120 minutes together
                a = start + timedelta(minutes=30 + k)
                rows.append((pk, a, a + timedelta(minutes=30 + k % 90)))
            elif kind == 1:  # medium: arrives 5–14 minutes before the case leaves (+ the 30-minute buffer)
                a = start + timedelta(hours=4, minutes=20 + k % 10)
                rows.append((pk, a, a + timedelta(minutes=60)))
            else:  # low: arrives 45–59 minutes after the buffer ends
                a = start + timedelta(hours=4, minutes=30 + 45 + k % 14)
                rows.append((pk, a, a + timedelta(minutes=60)))
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO checkins_checkin (client_id, person_id, venue_id, checked_in_at, checked_out_at,"
            " checked_out_estimated, method, status_at_entry, created_at)"
            " VALUES (gen_random_uuid(), %s, %s, %s, %s, false, 'self', 'green', %s)",
            [(p, workshop.pk, a, b, a) for p, a, b in rows],
        )
    officer = user_create(login=OFFICER, password=PASSWORD, full_name="Cán bộ Bench")
    membership_grant(user=officer, role=Role.HEALTH_OFFICER, unit=district)
    admin = user_create(login=ADMIN, password=PASSWORD, full_name="Quản trị Bench")
    membership_grant(user=admin, role=Role.DISTRICT_ADMIN, unit=province)
    from ravao.tracing.services import case_trace

    case = Case.objects.create(
        person_id=case_person,
        unit=district,
        window_start=today - timedelta(days=18),
        window_end=today - timedelta(days=14),
        created_by=officer,
        reason="bench",
    )
    case_trace(case=case, acting_user=officer)
    print(f"  planted case #{case.pk}: {case.contacts.count()} F1 contacts", flush=True)


# --- HTTP --------------------------------------------------------------------------------------------
class Http:
    def __init__(self, base: str, session: str) -> None:
        self.base, self.cookies = base, {settings.SESSION_COOKIE_NAME: session}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        t0 = time.perf_counter()
        try:
            with self.opener.open(req) as response:
                content, status, headers = response.read(), response.status, response.headers
        except urllib.error.HTTPError as error:
            content, status, headers = error.read(), error.code, error.headers
        elapsed = (time.perf_counter() - t0) * 1000
        for value in headers.get_all("Set-Cookie") or []:
            name, _sep, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, content, elapsed

    def csrf(self, path: str) -> str:
        status, content, _ms = self.request(path)
        assert status == 200, (path, status)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert found, "no CSRF token on the page"
        return found.group(1).decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def session_for(login: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    user = User.objects.get(username=login)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key
    return store.session_key


def timed(label: str, call: Any, samples: int, results: list[tuple[str, ...]]) -> None:
    for _ in range(3):
        call()
    times = sorted(call() for _ in range(samples))
    p50, p90 = statistics.median(times), times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
    results.append((label, f"{p50:.0f}", f"{p90:.0f}", load_avg()))
    print(f"  {label:<48} p50 {p50:7.0f} ms  p90 {p90:7.0f} ms  load {load_avg()}", flush=True)


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **BENCH_ENV,
        "RAVAO_DEBUG": "0",
        "RAVAO_SITE_URL": f"http://127.0.0.1:{port}",
        "RAVAO_SECURE_COOKIES": "0",
        "RAVAO_HSTS_SECONDS": "0",
        "RAVAO_STATIC_ROOT": str(ROOT / "var" / "officer-static"),
        "RAVAO_DB_CONN_MAX_AGE": "600",
    }
    log = open(ROOT / "var" / "officer-server.log", "w")  # noqa: SIM115 (kept open by the server)
    server = subprocess.Popen(
        [sys.executable, "-m", "ravao", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    for _ in range(120):
        time.sleep(0.5)
        if server.poll() is not None:
            raise SystemExit((ROOT / "var" / "officer-server.log").read_text()[-3000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            continue
    raise SystemExit("the server did not start")


def measure(args: argparse.Namespace) -> list[tuple[str, ...]]:
    from ravao.tracing.engine import IndexCase, trace
    from ravao.tracing.selectors import ranked_contacts

    case = Case.objects.get(reason="bench")
    province = AdminUnit.objects.get(code="o-01")
    Contact.objects.filter(case=case, generation=2).delete()
    Contact.objects.filter(case=case).update(decision=Contact.Decision.CANDIDATE, quarantined_at=None)
    results: list[tuple[str, ...]] = []
    server = start_server(args.port)
    try:
        officer = Http(f"http://127.0.0.1:{args.port}", session_for(OFFICER))
        admin = Http(f"http://127.0.0.1:{args.port}", session_for(ADMIN))
        page = f"/tracing/cases/{case.pk}/"
        token = officer.csrf(page)
        f1 = Contact.objects.filter(case=case, generation=1).count()

        def get(client: Http, path: str) -> float:
            status, _content, ms = client.request(path)
            assert status == 200, (path, status)
            return ms

        def post(path: str) -> float:
            status, content, ms = officer.request(path, {"csrfmiddlewaretoken": token})
            assert status == 302, (path, status, content[:500])
            return ms

        timed(f"case page ({f1} F1 contacts)", lambda: get(officer, page), args.samples, results)
        timed("re-trace (POST)", lambda: post(f"/tracing/cases/{case.pk}/trace/"), args.samples, results)
        Contact.objects.filter(case=case, generation=1).update(decision=Contact.Decision.CONFIRMED)
        timed("F2 over 14 days (POST, all F1 confirmed)", lambda: post(f"/tracing/cases/{case.pk}/f2/"),
              args.samples, results)  # fmt: skip
        f2 = Contact.objects.filter(case=case, generation=2).count()
        results[-1] = (f"{results[-1][0]}: {f2} F2", *results[-1][1:])
        oversight = f"/oversight/units/{province.pk}/"
        timed("province oversight page (50,000 venues)", lambda: get(admin, oversight), args.samples, results)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        Contact.objects.filter(case=case, generation=2).delete()
        Contact.objects.filter(case=case).update(decision=Contact.Decision.CANDIDATE)

    # The outbreak: 50 workers of one factory traced at once (in process).
    factory_workers = [
        p
        for (p,) in sql(
            "SELECT DISTINCT person_id FROM checkins_checkin"
            " WHERE venue_id = (SELECT min(id) FROM places_venue WHERE kind = 'factory')"
            " AND checked_in_at >= %s AND checked_in_at < %s ORDER BY 1 LIMIT 50",
            [case.window_start, case.window_end],
        )
    ]

    def outbreak() -> float:
        t0 = time.perf_counter()
        result = trace(
            [IndexCase(i, p, case.window_start, case.window_end) for i, p in enumerate(factory_workers)],
            best_only=True,
        )
        ranked_contacts(result, generation=1, exclude=set(factory_workers))
        return (time.perf_counter() - t0) * 1000

    timed(f"50-case outbreak (trace() of {len(factory_workers)} cases, in process)", outbreak, args.samples,
          results)  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkins", type=int, default=10_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--venues", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="reuse the data generated by a previous run")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--port", type=int, default=8763)
    args = parser.parse_args()
    if not settings.DATABASES["default"]["NAME"].startswith("ravao_"):
        raise SystemExit("DATABASE_URL: a throw-away ravao_* database")
    call_command("migrate", verbosity=0)
    (ROOT / "var").mkdir(exist_ok=True)
    if not (args.keep and Case.objects.filter(reason="bench").exists()):
        generate(args.checkins, args.persons, args.venues)
    total = sql("SELECT reltuples::bigint FROM pg_class WHERE relname = 'checkins_checkin'")[0][0]
    print(f"officer benchmark: ~{total:,} check-ins; load {load_avg()}", flush=True)
    results = measure(args)
    print("\n| page | p50 ms | p90 ms | load average (1/5/15 min) |\n| --- | ---: | ---: | --- |")
    for label, p50, p90, load in results:
        print(f"| {label} | {p50} | {p90} | {load} |")


if __name__ == "__main__":
    main()
