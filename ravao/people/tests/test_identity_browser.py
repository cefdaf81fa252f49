"""Issue 9 in a real browser (Chromium): a stranger who types a known phone on a new phone sees nothing of
the person; the real owner proves the phone with the code (read from the logging sender's outbox) and sees
the merged history.

Run: .venv/bin/pytest ravao/people/tests/test_identity_browser.py -q -s   (screenshots in test-artifacts/)
"""

import re
from typing import Any

from django.test import override_settings

from ravao.browsertest import PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.models import CheckIn
from ravao.lib.sms import LoggingSmsSender
from ravao.people.selectors import person_by_phone_or_id
from ravao.places.models import AdminUnit, Venue
from ravao.test import make_units

OWNER = "Trần Thị Bình"
STRANGER = "Kẻ Mạo Danh"
PHONE_NUMBER = "0987 654 321"


class StrangerAndOwnerInChromium(ChromiumTestCase):
    units: dict[str, AdminUnit]

    def setUp(self) -> None:
        super().setUp()
        LoggingSmsSender.outbox = []
        # The owner asks twice for a code within a minute (two phones); the cooldown is not under test here.
        overridden = override_settings(RAVAO_OTP_RESEND_SECONDS=0)
        overridden.enable()
        self.addCleanup(overridden.disable)
        self.units = make_units()
        self.factory = self.venue("Công ty May Hạ Bằng", "factory", "ha_bang")
        self.market = self.venue("Chợ Liên Quan", "market", "lien_quan")

    def venue(self, name: str, kind: str, commune: str) -> Venue:
        return Venue.objects.create(
            code=f"V-{kind}", name=name, kind=kind, commune=self.units[commune], address="Thôn 1",
            phone="0243123457", status=Venue.Status.ACTIVE,
        )  # fmt: skip

    def new_phone(self) -> Any:
        context = self.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        return context.new_page()

    def first_visit(self, page: Any, venue: Venue, *, name: str) -> None:
        page.goto(f"{self.live_server_url}/v/{venue.qr_code}")
        page.fill("#id_full_name", name)
        page.fill("#id_phone", PHONE_NUMBER)
        page.fill("#id_year_of_birth", "1985")
        page.check("input[name=sex][value=female]")
        for question in ("fever", "cough", "shortness_of_breath", "pneumonia", "sore_throat", "fatigue",
                         "contact_case", "contact_abroad", "contact_symptomatic"):  # fmt: skip
            page.check(f"input[name={question}][value=False]")
        page.check("input[name=consent]")
        page.click("main form button[type=submit]")
        page.wait_for_selector("#live-clock")

    def verify_with_code(self, page: Any) -> None:
        page.goto(f"{self.live_server_url}/me/verify/")
        page.click("main form button[type=submit]")
        page.wait_for_selector("#id_code")
        message = LoggingSmsSender.outbox[-1]
        self.assertEqual((message.to, message.kind), ("0987654321", "otp"))
        code = re.search(r"\b(\d{6})\b", message.text).group(1)  # type: ignore[union-attr]
        page.fill("#id_code", code)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/me/")

    def test_a_stranger_sees_nothing_and_the_owner_gathers_their_history(self) -> None:
        # The owner registers on their phone, checks in at the market, and proves the number.
        owner = self.new_phone()
        self.first_visit(owner, self.market, name=OWNER)
        self.verify_with_code(owner)
        holder = person_by_phone_or_id(phone="0987654321", id_number=None)
        assert holder is not None
        self.assertEqual(holder.full_name, OWNER)
        self.assertIsNotNone(holder.phone_verified_at)

        # A stranger types the owner's number on another phone at the factory.
        stranger = self.new_phone()
        self.first_visit(stranger, self.factory, name=STRANGER)
        ticket = stranger.locator(".ticket").inner_text()
        self.assertIn(STRANGER, ticket)
        self.assertNotIn(OWNER, stranger.content())
        stranger.screenshot(path=str(SCREENS / "identity-01-stranger-confirmation-vi.png"), full_page=True)
        self.assert_accessible(stranger, "the provisional confirmation")
        stranger.goto(f"{self.live_server_url}/me/")
        page_text = stranger.locator("main").inner_text()
        self.assertIn(STRANGER, page_text)
        self.assertNotIn(OWNER, page_text)
        self.assertNotIn("Chợ Liên Quan", page_text)  # the owner's visit
        stranger.screenshot(path=str(SCREENS / "identity-02-stranger-page-vi.png"), full_page=True)

        # The owner gets a new phone, checks in at the factory, and proves the number with the code.
        new_phone = self.new_phone()
        self.first_visit(new_phone, self.factory, name=OWNER)
        self.assertEqual(new_phone.locator("#verify-hint").count(), 1)
        self.verify_with_code(new_phone)
        merged = new_phone.locator("main").inner_text()
        self.assertIn(OWNER, merged)
        self.assertIn("Chợ Liên Quan", merged)
        self.assertIn("Công ty May Hạ Bằng", merged)
        new_phone.screenshot(path=str(SCREENS / "identity-03-owner-merged-vi.png"), full_page=True)
        # The stranger's visit stays the stranger's.
        self.assertEqual(CheckIn.objects.filter(person=holder).count(), 2)
        self.assertEqual(CheckIn.objects.exclude(person=holder).count(), 1)  # the stranger's, on its own
        stranger.reload()
        self.assertNotIn(OWNER, stranger.locator("main").inner_text())
