"""Production plumbing: the health endpoint, compressed pages, log lines without personal data, static files
from npm, the development `.env`. (The production command itself is exercised by bench/smoke_production.py
in CI: gunicorn, collected static files, a check-in over HTTP.)"""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, TestCase, override_settings
from django.urls import path

from ravao import urls as ravao_urls
from ravao.env import load_dotenv_file
from ravao.logs import JsonFormatter, RedactFilter, redact
from ravao.staticfinders import VENDOR_FILES


def _boom(request: HttpRequest, phone: str) -> HttpResponse:
    raise RuntimeError("boom while handling 0912345678 and card 001190012345")


urlpatterns = [*ravao_urls.urlpatterns, path("boom/<str:phone>/", _boom)]


class HealthzTests(TestCase):
    def test_it_reports_database_and_cache(self) -> None:
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok", "cache": "ok"})
        self.assertIn("no-cache", response["Cache-Control"])

    def test_it_answers_503_when_the_database_is_down(self) -> None:
        with (
            mock.patch.object(connection, "cursor", side_effect=RuntimeError("down")),
            self.assertLogs("ravao.health", level="ERROR"),
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["database"], "error")

    def test_it_answers_503_when_the_cache_is_down(self) -> None:
        with (
            mock.patch("ravao.views.cache.set", side_effect=ConnectionError("redis down")),
            self.assertLogs("ravao.health", level="ERROR"),
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "ok", "cache": "error"})

    def test_it_refuses_other_methods(self) -> None:
        self.assertEqual(self.client.post("/healthz").status_code, 405)

    def test_concurrent_checks_do_not_fail_each_other(self) -> None:
        """Several app servers share one Redis (deploy/): a check running between another's set and get
        must not see that one's probe. Under load through nginx, 20-40 % of /healthz answered 503 when
        every check wrote the same key (bench/topology/load.py)."""
        from django.core.cache import cache

        real_set = cache.set
        nested: list[int] = []
        racing: list[bool] = []

        def set_then_race(key: str, value: object, timeout: float | None = None) -> None:
            real_set(key, value, timeout)
            if not racing:  # another worker's check runs right now, once
                racing.append(True)
                nested.append(self.client.get("/healthz").status_code)

        with mock.patch("ravao.views.cache.set", side_effect=set_then_race):
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, nested), (200, [200]))


class CompressionTests(TestCase):
    def test_pages_are_compressed_for_browsers_that_accept_it(self) -> None:
        response = self.client.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Encoding"], "gzip")
        self.assertIn("Accept-Encoding", response["Vary"])

    def test_not_for_clients_that_do_not(self) -> None:
        self.assertFalse(self.client.get("/").has_header("Content-Encoding"))


class RedactionTests(TestCase):
    def test_numbers_codes_tokens_and_ids_are_removed(self) -> None:
        line = redact(
            "GET /v/abcd2345?x=1 phone 0912 345 678, +84912345678, CCCD 001190012345, "
            "token eyJ0eXAiOiJKV1Qi0123456789abcdefXYZ, person 0d8f0c7e-8f5e-4b7e-9c1a-1234567890ab"
        )
        for secret in ("abcd2345", "345 678", "84912345678", "001190012345", "eyJ0eXAi", "0d8f0c7e"):
            self.assertNotIn(secret, line)
        self.assertIn("/v/[code]", line)

    def test_ordinary_words_and_short_numbers_stay(self) -> None:
        line = "checked 12 visits in ravao.checkins.services"
        self.assertEqual(redact(line), line)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
class UnhandledErrorLogTests(TestCase):
    """An unhandled exception is logged (Django's 'django.request' logger) as one JSON line, and neither the
    path, the message nor the traceback carries the phone or ID number involved."""

    def test_a_500_is_logged_as_json_without_personal_data(self) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactFilter())
        logger = logging.getLogger("django.request")
        logger.addHandler(handler)
        try:
            client = Client(raise_request_exception=False)
            response = client.get("/boom/0912345678/")
        finally:
            logger.removeHandler(handler)
        self.assertEqual(response.status_code, 500)
        output = stream.getvalue()
        self.assertTrue(output)
        record = json.loads(output.strip().splitlines()[-1])
        self.assertEqual(record["level"], "ERROR")
        self.assertEqual(record["status"], 500)
        self.assertEqual(record["method"], "GET")
        self.assertEqual(record["error"], "RuntimeError")
        self.assertIn("RuntimeError", record["traceback"])
        self.assertNotIn("0912345678", output)
        self.assertNotIn("001190012345", output)

    def test_the_configured_logging_sends_django_errors_through_the_redacting_handler(self) -> None:
        from django.conf import settings

        logging_config: Any = settings.LOGGING
        self.assertIn("django.request", logging_config["loggers"])
        handler = logging_config["handlers"]["console"]
        self.assertIn("redact", handler["filters"])


class VendorFilesTests(TestCase):
    def test_only_the_listed_library_files_are_published(self) -> None:
        for name in VENDOR_FILES:
            if (Path(__file__).resolve().parents[2] / "node_modules").is_dir():
                self.assertTrue(finders.find(name), name)
        self.assertFalse(finders.find("vendor/chart.js/package.json"))
        self.assertFalse(finders.find("vendor/@zxing/library/esm/index.js"))


class DotenvTests(TestCase):
    def test_a_dotenv_file_fills_only_what_the_environment_lacks(self) -> None:
        env_file = Path(self.id().replace(".", "_") + ".env")
        env_file.write_text("RAVAO_TEST_FROM_DOTENV=file\nRAVAO_TEST_ALREADY_SET=file\n")
        self.addCleanup(env_file.unlink)
        with mock.patch.dict(os.environ, {"RAVAO_TEST_ALREADY_SET": "real"}):
            load_dotenv_file(env_file)
            self.assertEqual(os.environ["RAVAO_TEST_FROM_DOTENV"], "file")
            self.assertEqual(os.environ["RAVAO_TEST_ALREADY_SET"], "real")
        os.environ.pop("RAVAO_TEST_FROM_DOTENV", None)

    def test_ravao_commands_work_in_a_clone_with_the_dotenv(self) -> None:
        """`make install` writes `.env` (RAVAO_DEBUG=1): `ravao check` passes without exporting anything."""
        root = Path(__file__).resolve().parents[2]
        if not (root / ".env").is_file():
            self.skipTest("no .env in this checkout (make install writes it)")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RAVAO_", "DJANGO_"))}
        result = subprocess.run(
            [sys.executable, "-m", "ravao", "check"], cwd=root, env=env, capture_output=True, text=True
        )
        self.assertEqual(result.returncode, 0, result.stderr)
