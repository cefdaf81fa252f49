"""A household of three checks in with one tap, in Chromium (issue 9, build item 3).

The holder's phone (a remembered device) declares for two family members on /me/family/ (khai hộ), then
at a venue ticks both and taps once: three check-ins, each with its own colour on the confirmation.

Run: .venv/bin/pytest ravao/checkins/tests/test_household_browser.py -q -s
"""

from typing import Any

from django.test import override_settings

from ravao.browsertest import PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.models import CheckIn
from ravao.people.devices import COOKIE_NAME
from ravao.people.models import Person
from ravao.people.services import device_register
from ravao.places.models import Venue
from ravao.test import _signed, make_person, make_units

QUESTIONS = (
    "fever",
    "cough",
    "shortness_of_breath",
    "pneumonia",
    "sore_throat",
    "fatigue",
    "contact_case",
    "contact_abroad",
    "contact_symptomatic",
)


class HouseholdInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        site = override_settings(SITE_URL=self.live_server_url)
        site.enable()
        self.addCleanup(site.disable)
        units = make_units()
        self.venue = Venue.objects.create(
            code="V-market",
            name="Chợ Hạ Bằng",
            kind="market",
            commune=units["ha_bang"],
            address="Thôn 3",
            phone="0243123457",
            status=Venue.Status.ACTIVE,
        )
        self.holder = make_person(name="Nguyễn Văn An", phone="0912345678")
        self.device = device_register(person=self.holder, owner=True)

    def holder_page(self) -> Any:
        context = self.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        # The holder's phone: it created the person (the first visit is tested elsewhere).
        context.add_cookies(
            [{"name": COOKIE_NAME, "value": _signed(str(self.device.key)), "url": self.live_server_url}]
        )
        return context.new_page()

    def declare_for(self, page: Any, name: str, *, year: str, sex: str, cough: bool) -> None:
        page.goto(f"{self.live_server_url}/me/family/")
        page.fill("#id_full_name", name)
        page.fill("#id_phone", "0912 345 678")  # the holder's own phone: a member who uses it
        page.fill("#id_year_of_birth", year)
        page.check(f"input[name=sex][value={sex}]")
        for question in QUESTIONS:
            answer = "True" if question == "cough" and cough else "False"
            page.check(f"input[name={question}][value={answer}]")
        page.check("input[name=consent]")
        page.click("form button[type=submit]")
        page.wait_for_url("**/me/#member-*")

    def test_a_household_of_three_checks_in_with_one_tap(self) -> None:
        page = self.holder_page()
        self.declare_for(page, "Nguyễn Thị Con", year="2014", sex="female", cough=True)
        self.declare_for(page, "Trần Thị Bà", year="1942", sex="female", cough=False)
        self.assertEqual(page.locator("section.member").count(), 2)
        members = {p.full_name: p for p in Person.objects.filter(household_of=self.holder)}
        self.assertEqual(set(members), {"Nguyễn Thị Con", "Trần Thị Bà"})

        page.goto(f"{self.live_server_url}/v/{self.venue.qr_code}")
        form = page.locator("form", has=page.locator("input[name=action][value=checkin]"))
        self.assertTrue(form.locator("input[name=who][value=self]").is_checked())
        for member in members.values():
            box = form.locator(f"input[name=who][value='{member.public_id}']")
            self.assertFalse(box.is_checked())
            box.check()
        page.screenshot(path=str(SCREENS / "household-choose.png"), full_page=True)
        self.assert_accessible(page, "the household choice")
        form.locator("button[type=submit]").click()

        entries = page.locator(".household-entries li")
        entries.first.wait_for()
        self.assertEqual(entries.count(), 3)
        colours = {
            entries.nth(i).inner_text().split(" — ")[0].strip(): entries.nth(i).get_attribute("class")
            for i in range(3)
        }
        self.assertEqual(
            colours,
            {
                "Nguyễn Văn An": "status-green",
                "Nguyễn Thị Con": "status-yellow",
                "Trần Thị Bà": "status-green",
            },
        )
        page.screenshot(path=str(SCREENS / "household-confirmation.png"), full_page=True)
        checkins = CheckIn.objects.filter(venue=self.venue).select_related("person")
        self.assertEqual(
            {c.person.full_name for c in checkins}, {"Nguyễn Văn An", "Nguyễn Thị Con", "Trần Thị Bà"}
        )
        # The holder's page shows each member's visit, QR and card.
        page.goto(f"{self.live_server_url}/me/")
        for member in members.values():
            section = page.locator(f"#member-{member.public_id}")
            self.assertIn("Chợ Hạ Bằng", section.inner_text())
            self.assertEqual(section.locator(".personal-qr svg").count(), 1)
        page.screenshot(path=str(SCREENS / "household-me.png"), full_page=True)
        self.assert_accessible(page, "the household personal page")
        page.go_back()
        # Reloading the confirmation records nothing twice.
        page.reload()
        self.assertEqual(CheckIn.objects.filter(venue=self.venue).count(), 3)
