"""J7 in Chromium on the demo district: a commune official sees, in one screen, which venues of the commune
do not scan, and reminds one in one click; the charts render, with no error in the console.

Run:  .venv/bin/pytest ravao/oversight/tests/test_browser.py -q -s   (screenshots in test-artifacts/screens/)
"""

from typing import Any

from django.utils import timezone

from ravao.browsertest import DESKTOP, PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.demo import DEMO_PASSWORD, DemoOptions, demo_build
from ravao.oversight.models import Reminder
from ravao.oversight.selectors import last_days
from ravao.oversight.services import stats_rollup
from ravao.places.models import AdminUnit

COMMUNE_OFFICIAL = "0900000003"  # Lê Văn Bình, Xã Hạ Bằng (ravao.demo.DEMO_LOGINS)


class OversightInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        demo_build(options=DemoOptions(people=600, venues=300, days=8), now=now)
        # As the cron would have: every past day rolled up, today up to now (later check-ins are live).
        stats_rollup(now=now, days=last_days(now, 9))
        self.commune = AdminUnit.objects.get(name="Xã Hạ Bằng", level="commune")

    def new_page(self, *, phone: bool) -> tuple[Any, list[str]]:
        context = self.browser.new_context(
            viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone, locale="vi-VN"
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page, errors

    def log_in(self, page: Any) -> None:
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", COMMUNE_OFFICIAL)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/manage/")

    def assert_charts_drawn(self, page: Any, ids: list[str]) -> None:
        for chart_id in ids:
            drawn = page.evaluate(
                "id => { const c = document.getElementById(id);"
                " const ch = c && window.Chart && Chart.getChart(c);"
                " return !!ch && c.width > 0 && c.height > 0; }",
                chart_id,
            )
            self.assertTrue(drawn, chart_id)

    def test_a_commune_official_sees_who_does_not_scan_and_reminds_one(self) -> None:
        page, errors = self.new_page(phone=False)
        self.log_in(page)
        page.goto(f"{self.live_server_url}/oversight/")
        page.wait_for_url(f"**/oversight/units/{self.commune.pk}/")
        page.wait_for_load_state("networkidle")
        self.assertEqual(page.locator("main h1").inner_text(), "Xã Hạ Bằng")

        # One screen: the figures and the list of venues that do not scan are above the fold.
        rows = page.locator("table.idle-venues tbody tr[data-venue]")
        self.assertGreater(rows.count(), 0, "the demo commune has venues that do not scan")
        first = rows.first
        box = first.bounding_box()
        self.assertLess(
            box["y"] + box["height"], DESKTOP["height"], "the first idle venue is on the first screen"
        )
        self.assertGreaterEqual(int(page.locator("#kpi-idle").inner_text()), rows.count())
        self.assert_charts_drawn(page, ["chart-days", "chart-hours", "chart-methods", "chart-activity"])
        self.shot(page, "oversight-01-commune-vi.png")
        self.assert_accessible(page, "the oversight commune page")

        # One click reminds it.
        venue_id = int(first.get_attribute("data-venue"))
        name = first.locator("td").first.locator("a").inner_text()
        first.locator("button.remind").click()
        page.wait_for_load_state("networkidle")
        self.assertIn(name, page.locator("ul.messages").inner_text())
        reminder = Reminder.objects.get(venue_id=venue_id)
        assert reminder.sent_by is not None
        self.assertEqual(reminder.sent_by.username, COMMUNE_OFFICIAL)
        row = page.locator(f"tr[data-venue='{venue_id}']")
        self.assertIn("(×1)", row.inner_text())
        self.shot(page, "oversight-02-reminded-vi.png")

        # The venue page shows the reminder, and its charts.
        page.click(f"tr[data-venue='{venue_id}'] td a")
        page.wait_for_url(f"**/oversight/venues/{venue_id}/")
        page.wait_for_load_state("networkidle")
        self.assertEqual(page.locator("#reminders li").count(), 1)
        self.assert_charts_drawn(page, ["chart-venue-hours", "chart-venue-days"])
        self.assertEqual(errors, [])

    def test_the_charts_fit_a_phone(self) -> None:
        page, errors = self.new_page(phone=True)
        self.log_in(page)
        page.goto(f"{self.live_server_url}/oversight/units/{self.commune.pk}/")
        page.wait_for_load_state("networkidle")
        self.assert_charts_drawn(page, ["chart-days", "chart-hours", "chart-methods", "chart-activity"])
        width = page.evaluate("document.getElementById('chart-days').getBoundingClientRect().width")
        self.assertLessEqual(width, PHONE["width"])
        self.assertEqual(page.evaluate("document.documentElement.scrollWidth"), PHONE["width"])
        self.shot(page, "oversight-03-commune-phone-vi.png")
        self.assertEqual(errors, [])

    @staticmethod
    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENS / name), full_page=True)
