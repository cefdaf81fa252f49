"""J6 in a real browser: from "this person tested positive" to a ranked, explained, exported contact list.

The officer logs in, finds the person by phone, records the case, reads the ranked contacts with their
reasons and the contact graph, confirms the top contact, and downloads the CSV for the field team —
timed, it must take well under a minute.

Run:  .venv/bin/pytest ravao/tracing/tests/test_browser.py -q -s   (screenshots in test-artifacts/screens/)
"""

import csv
import io
import time
import unittest
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant, user_create
from ravao.browsertest import CHROMIUM, DESKTOP, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.models import CheckIn
from ravao.people.models import Person
from ravao.places.models import Area, Venue
from ravao.test import PASSWORD, make_person, make_units
from ravao.tracing.models import Contact

SCREENS = Path(settings.BASE_DIR) / "test-artifacts" / "screens"
OFFICER_LOGIN = "0900000006"


@pytest.mark.browser
@unittest.skipUnless(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
@unittest.skipUnless((Path(settings.BASE_DIR) / "node_modules" / "cytoscape").is_dir(), "run npm ci first")
class TracingInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Two-factor login is the security app's journey; here the officer's session counts as verified.
        no_2fa = override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False, SITE_URL=self.live_server_url)
        no_2fa.enable()
        self.addCleanup(no_2fa.disable)
        units = make_units()
        officer = user_create(login=OFFICER_LOGIN, password=PASSWORD, full_name="Hana")
        membership_grant(user=officer, role=Role.HEALTH_OFFICER, unit=units["district"])
        factory = Venue.objects.create(
            code="TT-00001",
            name="Công ty May Hạ Bằng",
            kind="factory",
            commune=units["ha_bang"],
            address="KCN",
            phone="0243123456",
            status="active",
        )
        market = Venue.objects.create(
            code="TT-00002",
            name="Chợ Liên Quan",
            kind="market",
            commune=units["lien_quan"],
            address="Phố",
            phone="0243123457",
            status="active",
        )
        line1 = Area.objects.create(venue=factory, name="Dây chuyền 1", kind="line")
        line2 = Area.objects.create(venue=factory, name="Dây chuyền 2", kind="line")
        day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)

        def visit(person: Person, venue: Venue, area: Area | None, start: int, stay: int | None) -> None:
            CheckIn.objects.create(
                person=person,
                venue=venue,
                area=area,
                checked_in_at=day + timedelta(minutes=start),
                checked_out_at=None if stay is None else day + timedelta(minutes=start + stay),
                checked_out_estimated=stay is None,
                method=CheckIn.Method.SELF_SCAN,
            )

        self.f0 = make_person(name="Nguyễn Văn An", phone="0912000001")
        self.worker = worker = make_person(name="Trần Thị Bình", phone="0912000002")
        other_line = make_person(name="Lê Văn Cường", phone="0912000003")
        shopper = make_person(name="Phạm Thị Dung", phone="0912000004")
        late = make_person(name="Hoàng Văn Em", phone="0912000005")
        visit(self.f0, factory, line1, 0, 8 * 60)
        visit(worker, factory, line1, 10, 7 * 60)
        visit(other_line, factory, line2, 0, 8 * 60)
        visit(self.f0, market, None, 9 * 60, 40)
        visit(shopper, market, None, 9 * 60 + 30, 20)
        visit(late, market, None, 9 * 60 + 40 + 30 + 20, 15)  # after the case left + buffer: low

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def test_positive_to_exported_contact_list(self) -> None:
        context = self.browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        started = time.monotonic()

        page.goto(self.url("/accounts/login/?next=/tracing/"))
        page.fill("#id_username", OFFICER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/tracing/")
        self.assertEqual(page.locator("html").get_attribute("lang"), "en")

        # "This person tested positive": find them by phone, as typed on the lab's form.
        page.fill("#id_q", "0912 000 001")
        page.click("form.search button")
        page.wait_for_selector("table.results")
        self.assertIn("Nguyễn Văn An", page.locator("table.results").inner_text())
        self.assertNotIn("0912", page.url)  # the search posts (issue 9, finding 6)
        page.screenshot(path=str(SCREENS / "tracing-01-search.png"), full_page=True)
        self.assert_accessible(page, "the tracing search")
        page.click("table.results a.button")
        page.wait_for_url("**/tracing/cases/new/**")
        page.fill("#id_reason", "XN-2026-0042")
        page.fill("#id_onset_date", (timezone.localdate() - timedelta(days=1)).isoformat())
        page.click("main form button[type=submit]")
        page.wait_for_url("**/tracing/cases/*/")

        # Ranked and explained, grouped by venue/area; the other line is not a contact.
        rows = page.locator("#contacts tr.contact")
        self.assertEqual(rows.count(), 3)
        self.assertIn("Trần Thị Bình", rows.nth(0).inner_text())
        self.assertIn("Same production line, 7 h overlap", rows.nth(0).locator(".reason").inner_text())
        self.assertIn("Phạm Thị Dung", rows.nth(1).inner_text())
        self.assertIn("Same venue, 20 min overlap", rows.nth(1).locator(".reason").inner_text())
        self.assertIn(
            "checked in 50 min after the case left, no overlap", rows.nth(2).locator(".reason").inner_text()
        )
        self.assertNotIn("Lê Văn Cường", page.locator("main").inner_text())
        groups = page.locator("#contacts h3.group").all_inner_texts()
        self.assertEqual(groups, ["Công ty May Hạ Bằng · Dây chuyền 1", "Chợ Liên Quan"])
        page.wait_for_selector("#contact-graph[data-ready='4']")

        # Confirm the top contact; export for the field team.
        rows.nth(0).locator("button[value=confirmed]").click()
        page.wait_for_url("**/tracing/cases/*/#contact-*")
        with page.expect_download() as download:
            page.click("#export-csv")
        elapsed = time.monotonic() - started
        page.screenshot(path=str(SCREENS / "tracing-02-case.png"), full_page=True)
        self.assert_accessible(page, "the case page")
        data = Path(download.value.path()).read_text(encoding="utf-8-sig")
        exported = list(csv.reader(io.StringIO(data)))
        self.assertEqual([r[6] for r in exported[1:]], ["0912000002", "0912000004", "0912000005"])
        self.assertEqual(exported[1][10:14], ["High", "420", "Công ty May Hạ Bằng", "Dây chuyền 1"])
        (confirmed,) = Contact.objects.filter(decision=Contact.Decision.CONFIRMED)
        self.assertEqual(confirmed.person, self.worker)
        print(f"\npositive → ranked, explained, exported list: {elapsed:.1f} s of clicking")
        self.assertLess(elapsed, 60)
        self.assertEqual(errors, [])
