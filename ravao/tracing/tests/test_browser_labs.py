"""Issue 11, items 7-8 in a real browser: a lab list uploaded, an ambiguous row picked, the cases opened;
then a message to the selected contacts, and its delivery on the case's messages page.

Run:  .venv/bin/pytest ravao/tracing/tests/test_browser_labs.py -q -s   (screens: test-artifacts/screens/)
"""

import io
import unittest
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from ravao.browsertest import CHROMIUM, DESKTOP, TIMEOUT_MS
from ravao.checkins.models import CheckIn
from ravao.notifications.models import Notification
from ravao.people.models import Person
from ravao.places.models import Area
from ravao.test import PASSWORD, make_person
from ravao.tracing.models import Case, Contact
from ravao.tracing.tests.browserbase import OFFICER_LOGIN, OfficerInChromium

SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screens"


@pytest.mark.browser
@unittest.skipUnless(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
class LabListAndMessagesInChromium(OfficerInChromium):
    def setUp(self) -> None:
        super().setUp()
        SHOTS.mkdir(parents=True, exist_ok=True)
        factory = self.factory
        line = Area.objects.create(venue=factory, name="Dây chuyền 1", kind="line")
        day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)

        def visit(person: Person, start: int, stay: int) -> None:
            CheckIn.objects.create(
                person=person,
                venue=factory,
                area=line,
                checked_in_at=day + timedelta(minutes=start),
                checked_out_at=day + timedelta(minutes=start + stay),
                method=CheckIn.Method.SELF_SCAN,
            )

        self.f0 = make_person(name="Nguyễn Văn An", phone="0912000001", id_number="001092012345")
        self.worker = make_person(name="Trần Thị Bình", phone="0912000002")
        self.third = make_person(name="Lê Văn Cường", phone="0912000003")
        visit(self.f0, 0, 8 * 60)
        visit(self.worker, 10, 7 * 60)
        visit(self.third, 20, 6 * 60)

    def test_lab_list_to_cases_then_messages(self) -> None:
        context = self.browser.new_context(viewport=DESKTOP, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{self.live_server_url}/accounts/login/?next=/tracing/")
        page.fill("#id_username", OFFICER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/tracing/")
        page.click("#lab-list-link")
        page.wait_for_url("**/tracing/labs/")
        self.assert_accessible(page, "the lab list upload")
        page.screenshot(path=str(SHOTS / "labs-01-upload.png"), full_page=True)

        yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
        tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
        text = (
            "Mã xét nghiệm,Họ và tên,Số điện thoại,Số CCCD,Ngày lấy mẫu\n"
            # The ID number is An's, the phone Bình's: the officer picks.
            f"XN-001,Nguyễn Văn An,0912000002,001092012345,{yesterday}\n"
            f"XN-002,Người Mới,0987000111,,{yesterday}\n"
            f"XN-003,Lê Văn Cường,0912000003,,{tomorrow}\n"
        )
        page.set_input_files(
            "#id_file",
            files=[{"name": "ket-qua.csv", "mimeType": "text/csv", "buffer": ("\ufeff" + text).encode()}],
        )
        page.click("#lab-upload button[type=submit]")
        page.wait_for_selector("table.lab-rows")
        self.assertIn("ngày lấy mẫu", page.locator("#line-4").inner_text())  # the future date, by line
        page.screenshot(path=str(SHOTS / "labs-02-preview.png"), full_page=True)
        self.assert_accessible(page, "the lab list preview")
        page.locator("#line-2 input[name=pick-2][value='0']").check()  # An, by the ID number
        page.click("#lab-commit button[type=submit]")
        page.wait_for_selector("#lab-result")
        page.screenshot(path=str(SHOTS / "labs-03-imported.png"), full_page=True)
        self.assert_accessible(page, "the imported lab list")
        case = Case.objects.get(person=self.f0)
        self.assertEqual(case.reason, "XN-001")
        self.assertEqual(Case.objects.count(), 2)  # An and the new person; line 4 was bad

        # Messages to the selected contacts (what the triage list posts), in their languages.
        contacts = list(Contact.objects.filter(case=case))
        self.assertEqual({c.person for c in contacts}, {self.worker, self.third})
        page.goto(f"{self.live_server_url}/tracing/cases/{case.pk}/contacts/message/?who=all")
        page.wait_for_selector("table.recipients")
        third = next(c for c in contacts if c.person == self.third)
        page.select_option(f"#lang-{third.pk}", "en")
        page.locator("input[name=template][value=appointment]").check()
        page.fill("#id_day", (timezone.localdate() + timedelta(days=1)).isoformat())
        page.fill("#id_at", "08:30")
        page.fill("#id_place", "Trạm Y tế xã Hạ Bằng")
        page.click("button[value=preview]")
        page.wait_for_selector("#preview")
        page.screenshot(path=str(SHOTS / "labs-04-compose.png"), full_page=True)
        self.assert_accessible(page, "the message compose page")
        page.click("#send")
        page.wait_for_url(f"**/tracing/cases/{case.pk}/messages/")
        self.assertEqual(page.locator("table.messages tr.message").count(), 2)
        call_command("send_notifications", stdout=io.StringIO())
        page.reload()
        self.assertEqual(page.locator(".delivery-sent").count(), 2)
        page.screenshot(path=str(SHOTS / "labs-05-messages.png"), full_page=True)
        self.assert_accessible(page, "the case's messages")
        english = Notification.objects.get(ref_id=str(third.pk), topic="tracing.message")
        self.assertIn("please come for a COVID-19 test", english.body)
        self.assertEqual(errors, [])
