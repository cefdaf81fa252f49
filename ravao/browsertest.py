"""The base of the browser tests: a live server and Playwright driving Debian's Chromium.

Tests using it are marked `browser` and skipped where /usr/bin/chromium is missing.
"""

import os
import unittest
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.cache import cache

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path(settings.BASE_DIR) / "test-artifacts" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Without the background-networking flags Chromium keeps calling home, refused on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.browser
@unittest.skipUnless(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
class ChromiumTestCase(StaticLiveServerTestCase):
    """Starts Playwright once per class and, unless `launch_browser` is off (a test that needs its own
    Chromium flags, e.g. a fake camera), one shared browser."""

    launch_browser: ClassVar[bool] = True
    playwright: ClassVar[Any]
    browser: ClassVar[Any]
    _async_unsafe: ClassVar[str | None]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test between
        # browser steps are synchronous and safe.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        cls.playwright = sync_playwright().start()
        cls.browser = None
        if cls.launch_browser:
            try:
                cls.browser = cls.playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
            except Exception:
                cls.playwright.stop()
                cls._restore_env()
                super().tearDownClass()
                raise
        SCREENS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            if cls.browser is not None:
                cls.browser.close()
            cls.playwright.stop()
        finally:
            cls._restore_env()
            super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        # Rate-limit counters live in the cache and the database ids restart after each flush: without
        # this a test could inherit the previous test's counters for the "same" user.
        cache.clear()

    @classmethod
    def _restore_env(cls) -> None:
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe

    def assert_accessible(self, page: Any, label: str) -> None:
        """No serious or critical axe-core violation on the page as it is now (issue 12, finding 10).

        axe comes from npm (`axe-core`, a development dependency in package.json) and is run through the
        DevTools protocol (`evaluate`), which the pages' Content-Security-Policy does not block."""
        if not AXE.exists():
            self.skipTest("run `npm ci` first: axe-core comes from npm")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations
                    .filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => v.id + " (" + v.impact + "): "
                        + v.nodes.map(n => n.target.join(" ")).join(", "));
            }"""
        )
        self.assertEqual(violations, [], f"axe on {label}")
