"""Against a real PostgreSQL streaming replica (issue 13 item 5): tracing and oversight read from it, an
officer's read-after-write and everything else stay on the primary, and a replica down or lagging sends the
reads back to the primary — same answers, never a 500.

Skipped unless RAVAO_TEST_REPLICA_URL names the replica of the primary's cluster (and DATABASE_REPLICA_URL is
set, which installs the router): `make test-replica` makes one with bench/topology/make_replica.sh, runs this,
and drops it. Physical replication copies the whole cluster, so the primary's test database (created by the
test runner) appears on the replica under the same name; the tests commit (no test transaction), because a
replica sees only committed rows.
"""

import os
import subprocess
import time
from unittest import mock, skipUnless

import dj_database_url
import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from ravao.checkins.models import CheckIn
from ravao.db import replica
from ravao.db.middleware import COOKIE
from ravao.db.replica import REPLICA
from ravao.tracing.engine import IndexCase, trace
from ravao.tracing.models import Case
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase

REPLICA_URL = os.environ.get("RAVAO_TEST_REPLICA_URL", "")
PG_VERSION = os.environ.get("PG_VERSION", "15")


def checkin_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "checkins_checkin" in q["sql"]]


@pytest.mark.replica
@skipUnless(
    REPLICA_URL and REPLICA in settings.DATABASES, "needs RAVAO_TEST_REPLICA_URL and DATABASE_REPLICA_URL"
)
@override_settings(RAVAO_REPLICA_CHECK_SECONDS=1, RAVAO_REPLICA_RETRY_SECONDS=1)
class RealReplicaTests(TracingTestCase):
    databases = {"default", REPLICA}
    case: Case

    @classmethod
    def _databases_support_transactions(cls) -> bool:
        return False  # commit for real (and flush after each test) so the replica can see the rows

    def setUp(self) -> None:
        super().setUp()
        url = dj_database_url.parse(REPLICA_URL)
        self.port = int(url["PORT"] or 5432)
        self.cluster = os.environ.get("RAVAO_TEST_REPLICA_CLUSTER", f"ravao_replica_{self.port}")
        conn = connections[REPLICA]
        saved = conn.settings_dict
        conn.close()
        # The test runner made it a mirror of the primary's test database: point it at the same database
        # name on the replica's server instead.
        conn.settings_dict = {
            **connections["default"].settings_dict,
            "HOST": url["HOST"],
            "PORT": url["PORT"],
            "OPTIONS": {"connect_timeout": settings.RAVAO_REPLICA_CONNECT_TIMEOUT_SECONDS},
        }

        def restore() -> None:
            conn.close()
            conn.settings_dict = saved
            replica.health.reset()

        self.addCleanup(restore)
        replica.health.reset()
        self.case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=self.day.date(),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
            reason="XN-1",
        )
        self.wait_for_replica()

    def wait_for_replica(self, timeout: float = 20) -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                in_recovery, caught_up = cursor.fetchone()
            self.assertTrue(in_recovery, "RAVAO_TEST_REPLICA_URL is not a replica")
            if caught_up:
                return
            self.assertLess(time.monotonic(), deadline, "the replica did not catch up")
            time.sleep(0.05)

    def cluster_ctl(self, action: str) -> None:
        subprocess.run(["/usr/bin/pg_ctlcluster", PG_VERSION, self.cluster, action], check=True, timeout=120)  # noqa: S603 (fixed arguments)

    def replica_sql(self, sql: str) -> None:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(sql)

    def traced(self) -> tuple[set[int], set[int]]:
        result = trace([IndexCase(self.case.pk, self.f0.pk, self.case.window_start, self.case.window_end)])
        return {v.id for v in result.visits[self.case.pk]}, {e.person_id for e in result.exposures}

    def _on_primary(self) -> tuple[set[int], set[int]]:
        with mock_unusable():
            return self.traced()

    def test_the_engines_queries_read_from_the_replica(self) -> None:
        expected = self._on_primary()
        self.assertIn(self.coworker.pk, expected[1])
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            self.assertEqual(self.traced(), expected)
        self.assertGreaterEqual(len(checkin_queries(on_replica)), 2, "index visits + co-presence")
        self.assertEqual(checkin_queries(on_primary), [])

    def test_the_case_page_reads_from_the_replica_until_the_officer_writes(self) -> None:
        self.login(self.hana)
        url = f"/tracing/cases/{self.case.pk}/"
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertTrue(checkin_queries(on_replica), "the timeline is read from the replica")
        # The officer re-traces (writes contacts): for the next seconds their reads stay on the primary.
        response = self.client.post(f"{url}trace/")
        self.assertEqual(response.status_code, 302)
        self.assertIn(COOKIE, response.cookies)
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(checkin_queries(on_replica), [])
        self.assertTrue(checkin_queries(on_primary))

    def test_oversight_reads_from_the_replica(self) -> None:
        self.login(self.dan)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = self.client.get(f"/oversight/units/{self.units['district'].pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(checkin_queries(on_replica))

    def test_a_replica_down_means_the_primary_and_the_same_answers(self) -> None:
        expected = self._on_primary()
        self.assertEqual(self.traced(), expected)  # connected to the replica, and healthy
        self.cluster_ctl("stop")
        self.addCleanup(self.cluster_ctl, "start")
        # Stopped between two health checks: the read fails on the replica and runs again on the primary.
        with self.assertLogs("ravao.db", "WARNING") as logs:
            self.assertEqual(self.traced(), expected)
        self.assertIn("failed during a read", logs.output[0])
        # Known down: straight to the primary, over HTTP too.
        replica.health.reset()
        with self.assertLogs("ravao.db", "WARNING") as logs:
            self.assertEqual(self.traced(), expected)
            self.login(self.hana)
            self.assertEqual(self.client.get(f"/tracing/cases/{self.case.pk}/").status_code, 200)
            self.login(self.dan)
            self.assertEqual(
                self.client.get(f"/oversight/units/{self.units['district'].pk}/").status_code, 200
            )
        self.assertEqual(len(logs.records), 1, "logged once")
        self.assertIn("unreachable", logs.output[0])

    @override_settings(RAVAO_REPLICA_MAX_LAG_SECONDS=1)
    def test_a_lagging_replica_means_the_primary(self) -> None:
        self.replica_sql("SELECT pg_wal_replay_pause()")
        self.addCleanup(self.replica_sql, "SELECT pg_wal_replay_resume()")
        # Someone checks in beside the index person after the replica stopped replaying.
        late = self.visit(self.stranger, self.venue_a, self.line1, 60, 120)
        time.sleep(1.5)
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            self.assertLogs("ravao.db", "WARNING") as logs,
        ):
            _visits, exposed = self.traced()
        self.assertIn(late.person_id, exposed, "the primary's answer, with the newest check-in")
        self.assertEqual(checkin_queries(on_replica), [])
        self.assertIn("lagging", logs.output[0])
        self.assertTrue(CheckIn.objects.filter(pk=late.pk).exists())


def mock_unusable() -> "mock._patch[mock.MagicMock]":
    """The replica treated as down for the duration: what the primary alone answers."""
    return mock.patch.object(replica.health, "usable", return_value=False)
