"""The exports page in a real browser (issue 11, item 6): in Vietnamese, every format with what it is
for, axe clean, and a line list that downloads with Vietnamese headers.

Run:  .venv/bin/pytest ravao/tracing/tests/test_browser_exports.py -q  (screenshots: test-artifacts/screens/)
"""

import csv
import io
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
from ravao.tracing.models import Contact, Team
from ravao.tracing.services import case_open

SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screens"
OFFICER_LOGIN = "0900000006"


@pytest.mark.browser
@unittest.skipUnless(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
class ExportsInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        no_2fa = override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False, SITE_URL=self.live_server_url)
        no_2fa.enable()
        self.addCleanup(no_2fa.disable)
        SHOTS.mkdir(parents=True, exist_ok=True)
        units = make_units()
        officer = user_create(login=OFFICER_LOGIN, password=PASSWORD, full_name="Hana")
        membership_grant(user=officer, role=Role.HEALTH_OFFICER, unit=units["district"])
        factory = Venue.objects.create(
            code="TT-00001", name="Công ty May Hạ Bằng", kind="factory", commune=units["ha_bang"],
            address="KCN Phùng Xá", phone="0243123456", status="active",
        )  # fmt: skip
        line1 = Area.objects.create(venue=factory, name="Dây chuyền 1", kind="line")
        day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)
        f0 = make_person(name="Nguyễn Văn An", phone="0912000001")
        worker = make_person(name="Trần Thị Bình", phone="0912000002")
        for person in (f0, worker):
            CheckIn.objects.create(
                person=person, venue=factory, area=line1, checked_in_at=day,
                checked_out_at=day + timedelta(hours=8), method=CheckIn.Method.SELF_SCAN,
            )  # fmt: skip
        Person.objects.filter(pk=worker.pk).update(commune=units["ha_bang"])
        self.case = case_open(
            person=f0, unit=units["district"], onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None, isolated_on=None, acting_user=officer,
        )  # fmt: skip
        team = Team.objects.create(unit=units["ha_bang"], name="Trạm Y tế xã Hạ Bằng")
        Contact.objects.filter(case=self.case).update(decision=Contact.Decision.CONFIRMED, team=team)

    def test_exports_page_in_vietnamese(self) -> None:
        context = self.browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{self.live_server_url}/accounts/login/?next=/tracing/cases/{self.case.pk}/")
        page.fill("#id_username", OFFICER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/tracing/cases/*/")
        page.click("#exports")
        page.wait_for_url("**/exports/")
        self.assertEqual(page.locator("html").get_attribute("lang"), "vi")
        self.assertIn("Xuất dữ liệu", page.locator("h1").inner_text())
        for section in ("#export-line-list", "#export-sormas", "#export-godata", "#export-dhis2"):
            self.assertTrue(page.locator(section).is_visible(), section)
        self.assertIn("RAVAO_DHIS2_PROGRAM", page.locator("#export-dhis2").inner_text())
        page.screenshot(path=str(SHOTS / "exports-case.png"), full_page=True)
        self.assert_accessible(page, "the case exports page")
        with page.expect_download() as download:
            page.click("#export-line-list a.button >> nth=1")  # CSV
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        self.assertEqual(rows[0][:3], ["Số ca bệnh", "Thế hệ", "Họ và tên"])
        self.assertEqual(rows[1][2], "Trần Thị Bình")

        page.goto(f"{self.live_server_url}/tracing/exports/")
        self.assertIn("Trạm Y tế xã Hạ Bằng", page.locator("#export-teams").inner_text())
        page.screenshot(path=str(SHOTS / "exports-scope.png"), full_page=True)
        self.assert_accessible(page, "the team and commune exports page")
        self.assertEqual(errors, [])
