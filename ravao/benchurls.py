"""Bench-only endpoints (`bench/ingest`), mounted under /_bench/ only when RAVAO_BENCH_ENDPOINTS is on.

They give the ingest benchmark its two reference points through the whole middleware stack: a view that
does nothing (the stack's own ceiling) and a view that does one raw INSERT of a check-in row (the
database's ceiling for one durable write a request). Off by default; `ravao check` refuses them unless the
site is on a loopback address (`ravao.E011`) and warns whenever they are on (`ravao.W011`).
"""

import uuid

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ravao.checkins.models import CheckIn

_TARGET: list[int] = []  # a (person, venue) pair for the raw INSERT, looked up once per process


@require_GET
def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def raw_insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of a check-in row (the partitioned table and its client-key trigger on PostgreSQL) in
    autocommit: one round trip and one commit, nothing else."""
    with connection.cursor() as cursor:
        if not _TARGET:
            cursor.execute("SELECT (SELECT min(id) FROM people_person), (SELECT min(id) FROM places_venue)")
            _TARGET.extend(cursor.fetchone())
        # Values adapted as the ORM would (SQLite keeps UUIDs as hex text and times as text).
        client_id = CheckIn._meta.get_field("client_id").get_db_prep_value(uuid.uuid4(), connection)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # A closed visit: thousands of open ones for the same person made that person's next check-in
        # (a gate scan or a one-tap of the run) close them all in one UPDATE, which stalled a whole run.
        cursor.execute(
            "INSERT INTO checkins_checkin (client_id, person_id, venue_id, checked_in_at, checked_out_at,"
            " checked_out_estimated, method, status_at_entry, created_at)"
            " VALUES (%s, %s, %s, %s, %s, false, 'bench', '', %s)",
            [client_id, *_TARGET, now, now, now],
        )
    return HttpResponse("ok", content_type="text/plain", status=201)


urlpatterns = [
    path("ok", trivial, name="bench_trivial"),
    path("insert", raw_insert, name="bench_insert"),
]
