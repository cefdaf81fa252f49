"""The read-replica router's logic (issue 13 item 5), with mocks: runs on SQLite and PostgreSQL alike.

The same behaviour against a real streaming replica: ravao/tests/test_replica.py (make test-replica)."""

import os
import subprocess
import sys
import time
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from ravao.db import replica
from ravao.db.middleware import COOKIE, ReadAfterWriteMiddleware
from ravao.db.replica import (
    REPLICA,
    RequestState,
    read_alias,
    reading_from_replica,
    replica_reads,
    request_state,
)
from ravao.db.router import ReplicaRouter

ROOT = settings.BASE_DIR


class _Usable:
    """Patches in a configured, healthy replica and no open transaction on the primary."""

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        replica.health.reset()
        for target, value in (("configured", True), ("primary_in_transaction", False)):
            patcher = mock.patch.object(replica, target, return_value=value)
            patcher.start()
            self.addCleanup(patcher.stop)  # type: ignore[attr-defined]
        usable = mock.patch.object(replica.health, "usable", return_value=True)
        self.usable = usable.start()
        self.addCleanup(usable.stop)  # type: ignore[attr-defined]


class RouterTests(_Usable, SimpleTestCase):
    def test_only_reads_asked_for_go_to_the_replica(self) -> None:
        router = ReplicaRouter()
        self.assertEqual(read_alias(), DEFAULT_DB_ALIAS)
        self.assertIsNone(router.db_for_read(object))
        with reading_from_replica():
            self.assertEqual(read_alias(), REPLICA)
            self.assertEqual(router.db_for_read(object), REPLICA)
            self.assertIsNone(router.db_for_write(object), "writes always go to the primary")
        self.assertEqual(read_alias(), DEFAULT_DB_ALIAS)

    def test_an_officers_read_after_write_stays_on_the_primary(self) -> None:
        with request_state(RequestState(pinned=True)), reading_from_replica():
            self.assertEqual(read_alias(), DEFAULT_DB_ALIAS)

    def test_a_transaction_on_the_primary_reads_from_the_primary(self) -> None:
        with mock.patch.object(replica, "primary_in_transaction", return_value=True), reading_from_replica():
            self.assertEqual(read_alias(), DEFAULT_DB_ALIAS)

    def test_an_unusable_replica_means_the_primary(self) -> None:
        self.usable.return_value = False
        with reading_from_replica():
            self.assertEqual(read_alias(), DEFAULT_DB_ALIAS)

    def test_without_a_replica_nothing_changes(self) -> None:
        with mock.patch.object(replica, "configured", return_value=False), reading_from_replica():
            self.assertEqual(read_alias(), DEFAULT_DB_ALIAS)

    def test_a_write_is_noted_for_the_request(self) -> None:
        with request_state(RequestState()) as state:
            ReplicaRouter().db_for_write(object)
        self.assertTrue(state.wrote)

    def test_the_replica_is_never_migrated(self) -> None:
        self.assertFalse(ReplicaRouter().allow_migrate(REPLICA, "checkins"))
        self.assertIsNone(ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "checkins"))


class RetryOnThePrimaryTests(_Usable, SimpleTestCase):
    def test_a_replica_failing_mid_read_is_retried_on_the_primary(self) -> None:
        seen: list[str] = []

        def read() -> str:
            alias = read_alias()
            seen.append(alias)
            if alias == REPLICA:
                raise OperationalError("server closed the connection unexpectedly")
            return "answer"

        with mock.patch.object(replica.health, "mark_down") as mark_down:
            self.assertEqual(replica_reads(read)(), "answer")
        self.assertEqual(seen, [REPLICA, DEFAULT_DB_ALIAS])
        mark_down.assert_called_once()

    def test_an_error_of_the_primary_is_not_hidden(self) -> None:
        def read() -> None:
            raise OperationalError("primary down")

        self.usable.return_value = False
        with self.assertRaises(OperationalError):
            replica_reads(read)()

    def test_nested_replica_reads_retry_once_at_the_outside(self) -> None:
        calls: list[str] = []

        @replica_reads
        def inner() -> str:
            calls.append(read_alias())
            return read_alias()

        @replica_reads
        def outer() -> str:
            return inner()

        self.assertEqual(outer(), REPLICA)
        self.assertEqual(calls, [REPLICA])

    def test_the_engine_the_search_and_oversight_are_marked(self) -> None:
        from ravao.oversight import selectors as oversight
        from ravao.tracing import engine
        from ravao.tracing import selectors as tracing

        for func in (engine.trace, tracing.search_persons, oversight.unit_figures, oversight.venue_figures):
            self.assertTrue(hasattr(func, "__wrapped__"), func)
        self.assertIs(engine.connection, replica.read_connection)


@override_settings(
    RAVAO_REPLICA_MAX_LAG_SECONDS=10, RAVAO_REPLICA_CHECK_SECONDS=5, RAVAO_REPLICA_RETRY_SECONDS=30
)
class HealthTests(SimpleTestCase):
    def setUp(self) -> None:
        replica.health.reset()
        self.addCleanup(replica.health.reset)

    def test_lag_is_checked_at_most_every_few_seconds(self) -> None:
        with mock.patch.object(replica.health, "lag_seconds", return_value=0.2) as lag:
            for _ in range(50):
                self.assertTrue(replica.health.usable())
        self.assertEqual(lag.call_count, 1)

    def test_a_lagging_replica_is_left_and_logged_once(self) -> None:
        with (
            mock.patch.object(replica.health, "lag_seconds", return_value=42.0),
            self.assertLogs("ravao.db", "WARNING") as logs,
        ):
            self.assertFalse(replica.health.usable())
            replica.health.checked_at = float("-inf")  # the next check is due
            self.assertFalse(replica.health.usable())
        self.assertEqual(len(logs.records), 1)
        self.assertIn("lagging 42.0 s", logs.output[0])
        self.assertEqual(replica.health.checks, 2)

    def test_a_replica_down_is_left_then_retried_later(self) -> None:
        with (
            mock.patch.object(
                replica.health, "lag_seconds", side_effect=OperationalError("connection refused")
            ),
            self.assertLogs("ravao.db", "WARNING"),
        ):
            self.assertFalse(replica.health.usable())
            self.assertFalse(replica.health.usable())
        self.assertEqual(
            replica.health.checks, 1, "a replica down is retried after RETRY seconds, not at once"
        )
        replica.health.checked_at = time.monotonic() - 31
        with (
            mock.patch.object(replica.health, "lag_seconds", return_value=0.0),
            self.assertLogs("ravao.db", "WARNING") as logs,
        ):
            self.assertTrue(replica.health.usable())
        self.assertIn("usable again", logs.output[0])


def _view_that_writes(request: HttpRequest) -> HttpResponse:
    ReplicaRouter().db_for_write(object)  # what the ORM does for a save
    return HttpResponse("ok")


def _view_that_reads(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pinned" if replica._request.get().pinned else "free")  # type: ignore[union-attr]


@override_settings(RAVAO_READ_AFTER_WRITE_SECONDS=5)
class ReadAfterWriteMiddlewareTests(SimpleTestCase):
    def request(self, method: str, *, user: object = None, cookie: str | None = None) -> HttpRequest:
        request = getattr(RequestFactory(), method)("/tracing/")
        request.user = user or AnonymousUser()
        if cookie is not None:
            request.COOKIES[COOKIE] = cookie
        return request

    def officer(self) -> object:
        return mock.Mock(is_authenticated=True)

    def test_an_officers_post_that_wrote_pins_the_next_reads(self) -> None:
        response = ReadAfterWriteMiddleware(_view_that_writes)(self.request("post", user=self.officer()))
        morsel = response.cookies[COOKIE]
        self.assertEqual(morsel["max-age"], 5)
        self.assertTrue(morsel["httponly"])
        self.assertAlmostEqual(float(morsel.value), time.time() + 5, delta=2)
        again = ReadAfterWriteMiddleware(_view_that_reads)(self.request("get", cookie=morsel.value))
        self.assertEqual(again.content, b"pinned")

    def test_no_cookie_for_reads_anonymous_posts_or_posts_that_wrote_nothing(self) -> None:
        for request, view in (
            (self.request("get", user=self.officer()), _view_that_writes),  # a GET's audit row
            (self.request("post"), _view_that_writes),  # a visitor's check-in
            (self.request("post", user=self.officer()), _view_that_reads),  # a form with errors
        ):
            self.assertNotIn(COOKIE, ReadAfterWriteMiddleware(view)(request).cookies)

    def test_an_expired_or_garbage_cookie_pins_nothing(self) -> None:
        for value in (str(int(time.time()) - 1), "garbage!", ""):
            response = ReadAfterWriteMiddleware(_view_that_reads)(self.request("get", cookie=value))
            self.assertEqual(response.content, b"free", value)

    @override_settings(RAVAO_READ_AFTER_WRITE_SECONDS=0)
    def test_zero_seconds_turns_read_after_write_off(self) -> None:
        response = ReadAfterWriteMiddleware(_view_that_writes)(self.request("post", user=self.officer()))
        self.assertNotIn(COOKIE, response.cookies)


class ReplicaSettingTests(SimpleTestCase):
    def start(self, **env: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAVAO_", "DJANGO_", "DATABASE_"))}
        return subprocess.run(
            [sys.executable, "-m", "ravao", "check"],
            cwd=ROOT,
            env={**clean, "RAVAO_DEBUG": "1", **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def test_a_replica_must_be_postgresql_like_its_primary(self) -> None:
        for env, message in (
            ({"DATABASE_REPLICA_URL": "postgres://db2/ravao"}, "needs DATABASE_URL on PostgreSQL"),
            (
                {"DATABASE_URL": "postgres://db/ravao", "DATABASE_REPLICA_URL": "sqlite:///replica.sqlite3"},
                "must be a PostgreSQL address",
            ),
        ):
            with self.subTest(env=env):
                result = self.start(**env)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(f"DATABASE_REPLICA_URL {message}", result.stderr)

    def test_a_replica_installs_the_router_and_the_middleware(self) -> None:
        result = self.start(
            DATABASE_URL="postgres://db/ravao",
            DATABASE_REPLICA_URL="postgres://db2:5433/ravao",
            RAVAO_REPLICA_CONNECT_TIMEOUT_SECONDS="3",
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.conf import settings as s;"
                "r = s.DATABASES['replica'];"
                "print(s.DATABASE_ROUTERS, r['OPTIONS'], r['TEST']['MIRROR'],"
                " 'ravao.db.middleware.ReadAfterWriteMiddleware' in s.MIDDLEWARE)",
            ],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith(("RAVAO_", "DATABASE_"))},
                "DJANGO_SETTINGS_MODULE": "ravao.settings",
                "RAVAO_DEBUG": "1",
                "DATABASE_URL": "postgres://db/ravao",
                "DATABASE_REPLICA_URL": "postgres://db2:5433/ravao",
                "RAVAO_REPLICA_CONNECT_TIMEOUT_SECONDS": "3",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        self.assertEqual(
            probe.stdout.strip(),
            "['ravao.db.router.ReplicaRouter'] {'connect_timeout': 3} default True",
        )
