"""Issue 12, finding 7 in a real browser (Chromium): a phone set to UTC sees the venue's time on the live
clock, beside the entry time (both Asia/Ho_Chi_Minh), and the first-visit form comes with no answer
ticked.

Run: .venv/bin/pytest ravao/checkins/tests/test_visitor_browser.py -q   (screenshots in test-artifacts/)
"""

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ravao.browsertest import PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.visits import checkin_self_scan
from ravao.people.devices import COOKIE_NAME
from ravao.people.selectors import person_latest_declaration
from ravao.people.services import device_register
from ravao.places.models import Venue
from ravao.test import _signed, make_person, make_units


class VisitorPagesInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        units = make_units()
        self.venue = Venue.objects.create(
            code="V-1", name="Công ty May Hạ Bằng", kind="factory", commune=units["ha_bang"],
            address="Thôn 1", phone="0243123457", status=Venue.Status.ACTIVE,
        )  # fmt: skip

    def utc_phone(self, cookie: str | None = None) -> Any:
        context = self.browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", timezone_id="UTC"
        )
        context.set_default_timeout(TIMEOUT_MS)
        if cookie:
            context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": self.live_server_url}])
        self.addCleanup(context.close)
        return context.new_page()

    def test_the_live_clock_shows_the_venues_time_on_a_utc_phone(self) -> None:
        """issue 12, finding 7: a UTC phone showed 14:23 beside "Vào: 21:23"; both are the venue's time."""
        person = make_person()
        device = device_register(person=person, owner=True)
        declaration = person_latest_declaration(person)
        assert declaration is not None
        checkin, _created, _status = checkin_self_scan(
            device=device, venue=self.venue, area=None, declaration=declaration, client_id=uuid.uuid4(),
            at=timezone.now(),
        )  # fmt: skip
        page = self.utc_phone(_signed(str(device.key)))
        page.goto(f"{self.live_server_url}/c/{checkin.client_id}")
        self.assertEqual(page.evaluate("new Date().getTimezoneOffset()"), 0)  # the phone is on UTC
        page.wait_for_function(
            "/^\\d\\d:\\d\\d:\\d\\d$/.test(document.getElementById('live-clock').textContent)"
        )
        shown = page.locator("#live-clock").inner_text()
        page.screenshot(path=str(SCREENS / "confirmation-utc-phone.png"))
        venue_now = timezone.localtime()
        clock = datetime.combine(venue_now.date(), datetime.strptime(shown, "%H:%M:%S").time())
        gap = abs((clock - venue_now.replace(tzinfo=None)).total_seconds())
        self.assertLess(min(gap, 86400 - gap), 120, f"clock {shown}, venue time {venue_now:%H:%M:%S}")
        entry = re.search(r"(\d\d):(\d\d)", page.locator(".ticket-time").inner_text())
        assert entry is not None
        entered = timezone.localtime(checkin.checked_in_at)
        self.assertEqual(entry.group(0), f"{entered:%H:%M}")
        self.assertLess(abs(timezone.now() - checkin.checked_in_at), timedelta(minutes=2))

    def test_the_first_visit_form_comes_unanswered(self) -> None:
        """issue 12, finding 7: no "Không" is ticked in advance; sending it blank says what to answer."""
        page = self.utc_phone()
        page.goto(f"{self.live_server_url}/v/{self.venue.qr_code}")
        self.assertEqual(page.locator(".declaration input[type=radio]:checked").count(), 0)
        page.fill("#id_full_name", "Trần Thị Bình")
        page.fill("#id_phone", "0987 654 321")
        page.fill("#id_year_of_birth", "1985")
        page.check("input[name=sex][value=female]")
        page.check("input[name=consent]")
        page.locator("form button[type=submit]").click()
        page.wait_for_load_state()
        self.assertIn("Vui lòng trả lời câu hỏi này: Có hoặc Không.", page.content())
        page.screenshot(path=str(SCREENS / "first-visit-unanswered.png"), full_page=True)

    def test_the_landing_page_offers_one_tap_and_the_form_only_when_asked(self) -> None:
        """issue 13, item 1: a known phone's landing page carries no declaration form for a fresh
        declaration (a link asks for it); the tap checks in; `?update=1` shows the form, accessible."""
        person = make_person()
        device = device_register(person=person, owner=True)
        page = self.utc_phone(_signed(str(device.key)))
        page.goto(f"{self.live_server_url}/v/{self.venue.qr_code}")
        self.assertEqual(page.locator('input[name="fever"]').count(), 0)
        self.assert_accessible(page, "landing known phone")
        page.screenshot(path=str(SCREENS / "landing-known-phone.png"), full_page=True)
        page.locator('a[href="?update=1#update"]').click()
        page.wait_for_selector('input[name="fever"]')
        self.assertEqual(page.locator("details#update[open]").count(), 1)
        self.assert_accessible(page, "landing update form")
        page.screenshot(path=str(SCREENS / "landing-update-form.png"), full_page=True)
        page.goto(f"{self.live_server_url}/v/{self.venue.qr_code}")
        page.locator('button[type="submit"]', has_text=re.compile("Check in|Vào|Ghi nhận")).first.click()
        page.wait_for_selector(".ticket")
        page.screenshot(path=str(SCREENS / "landing-one-tap-confirmation.png"), full_page=True)
        self.assertEqual(person.checkins.count(), 1)
