"""Today's map in Chromium (issue 14, items 5-6), on the 2025 demo (`ravao demo --scheme 2025`): a ward
official approves a venue of the ward; the province administrator drills down province → ward → venues,
with the by-unit table filtered and sorted in the page and the by-unit chart limited to the wards with venues.

Run:  .venv/bin/pytest ravao/oversight/tests/test_two_level_browser.py -q -s   (screenshots in
test-artifacts/screens/)
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from ravao.browsertest import DESKTOP, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.demo import DEMO_PASSWORD, DemoOptions, demo_build, demo_top
from ravao.places.models import AdminUnit, Venue

PROVINCE_ADMIN = "0900000001"  # Nguyễn Văn Hùng, Thành phố Hà Nội (ravao.demo.DEMO_LOGINS_2025)
WARD_OFFICIAL = "0900000003"  # Lê Văn Bình, Xã Hạ Bằng


class TwoLevelInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        demo_build(options=DemoOptions(people=300, venues=80, days=3, scheme="2025"), now=timezone.now())
        province = demo_top("2025")
        assert province is not None
        self.province = province
        self.ward = AdminUnit.objects.get(name="Xã Hạ Bằng", parent=province)
        # A shop of the ward waits for approval (the demo's pending ones fall where the dice say).
        pending = Venue.objects.filter(commune=self.ward, kind="shop", status="active").order_by("pk").first()
        assert pending is not None
        self.pending: Venue = pending
        Venue.objects.filter(pk=self.pending.pk).update(status="pending", approved_at=None, approved_by=None)

    def new_page(self) -> tuple[Any, list[str]]:
        context = self.browser.new_context(viewport=DESKTOP, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page, errors

    def log_in(self, page: Any, login: str) -> None:
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", login)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/manage/")

    def test_a_ward_official_approves_a_venue_of_the_ward(self) -> None:
        page, errors = self.new_page()
        self.log_in(page, WARD_OFFICIAL)
        page.goto(
            f"{self.live_server_url}{reverse('places:unit_venues', args=[self.ward.pk])}?status=pending"
        )
        row = page.locator("tr", has_text=self.pending.name)
        row.locator("button[value=active]").click()
        page.wait_for_load_state("networkidle")
        self.pending.refresh_from_db()
        self.assertEqual(self.pending.status, "active")
        assert self.pending.approved_by is not None
        self.assertEqual(self.pending.approved_by.username, WARD_OFFICIAL)
        self.shot(page, "two-level-01-ward-approves-vi.png")
        self.assertEqual(errors, [])

    def test_the_province_administrator_drills_down_to_a_ward_s_venues(self) -> None:
        page, errors = self.new_page()
        self.log_in(page, PROVINCE_ADMIN)
        page.goto(f"{self.live_server_url}/oversight/")
        page.wait_for_url(f"**/oversight/units/{self.province.pk}/")
        page.wait_for_load_state("networkidle")
        self.assertEqual(page.locator("main h1").inner_text(), "Thành phố Hà Nội")

        # 126 wards, 5 with demo venues: those are charted (highest share first), the others are left to
        # the table (a bar of zeros says nothing), and the page says so.
        wards = AdminUnit.objects.filter(parent=self.province).count()
        labels = page.evaluate("Chart.getChart(document.getElementById('chart-activity')).data.labels")
        self.assertEqual(len(labels), 5)
        self.assertIn("Xã Hạ Bằng", labels)
        self.assertEqual(page.locator("#chart-activity-low").count(), 0)
        self.assertIn(str(wards - 5), page.locator("#chart-card-top").inner_text())
        table = page.locator("#areas-table tbody tr")
        self.assertEqual(table.count(), wards)

        # Sorted by registered venues (largest first): a demo ward comes first.
        page.locator("#areas-table thead th").nth(1).locator("button").click()
        self.assertEqual(
            page.locator("#areas-table thead th").nth(1).get_attribute("aria-sort"), "descending"
        )
        first = int(table.first.locator("td").nth(1).inner_text())
        self.assertEqual(first, max(int(t) for t in table.locator("td:nth-child(2)").all_inner_texts()))
        self.assertGreater(first, 0)

        # Filtered by name, without the accents as people type on a phone.
        page.fill("#areas-table-filter", "ha bang")
        visible = page.locator("#areas-table tbody tr:not([hidden])")
        self.assertEqual(visible.count(), 1)
        self.shot(page, "two-level-02-province-vi.png")
        self.assert_accessible(page, "the province page")

        visible.locator("a").first.click()
        page.wait_for_url(f"**/oversight/units/{self.ward.pk}/")
        self.assertEqual(page.locator("main h1").inner_text(), "Xã Hạ Bằng")
        self.assertIn("Thành phố Hà Nội", page.locator("p.kicker").text_content())  # breadcrumb, no district

        page.click("#unit-venues-link")
        page.wait_for_url(f"**/oversight/units/{self.ward.pk}/venues/")
        rows = page.locator("table.unit-venues tbody tr[data-venue]")
        expected = Venue.objects.filter(commune=self.ward).count()
        self.assertEqual(rows.count(), min(expected, 50))
        self.shot(page, "two-level-03-ward-venues-vi.png")
        self.assert_accessible(page, "the ward venue list")
        rows.first.locator("a").click()
        page.wait_for_url("**/oversight/venues/*/")
        self.assertEqual(errors, [])

    @staticmethod
    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENS / name), full_page=True)

    def test_a_ward_health_officer_traces_across_wards_and_the_contact_sees_the_office(self) -> None:
        """Issue 14, done-when: a ward health officer traces a person of the ward whose exposure was in
        another ward; the contact's own page names the office that looked ("Trạm Y tế Xã Hạ Bằng")."""
        from datetime import timedelta

        from ravao.checkins.models import CheckIn
        from ravao.people.devices import COOKIE_NAME
        from ravao.people.models import Device, Person
        from ravao.test import _signed, make_person

        other_ward = AdminUnit.objects.get(name="Xã Thạch Thất", parent=self.province)
        venue = Venue.objects.filter(commune=other_ward, status="active").order_by("pk").first()
        assert venue is not None
        case_person = make_person(name="Trương Văn Ca", phone="0966123001")
        Person.objects.filter(pk=case_person.pk).update(commune=self.ward)
        contact = make_person(name="Đinh Thị Tiếp", phone="0966123002")
        start = timezone.now() - timedelta(days=1)
        for person in (case_person, contact):
            CheckIn.objects.create(
                person=person, venue=venue, checked_in_at=start, checked_out_at=start + timedelta(hours=2),
                method="self",
            )  # fmt: skip
        page, errors = self.new_page()
        self.log_in(page, "0900000010")  # Đặng Thu Hà, health officer of Xã Hạ Bằng
        page.goto(f"{self.live_server_url}/tracing/")
        page.fill("input[name=q]", "0966123001")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        self.assertNotIn("0966123001", page.url)  # the search is a POST
        page.locator("a[href*='/tracing/cases/new/?r=']").first.click()
        page.fill("input[name=reason]", "XN-HB-2026-001")
        page.fill("input[name=onset_date]", timezone.localdate().isoformat())
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url("**/tracing/cases/*/")
        page.wait_for_load_state("networkidle")
        self.assertIn("Đinh Thị Tiếp", page.inner_text("main"))  # the exposure was in another ward
        self.assertIn(venue.name, page.inner_text("main"))
        self.shot(page, "two-level-03-ward-officer-traces-across-wards-vi.png")
        self.assertEqual(errors, [])

        device = Device.objects.create(person=contact, is_owner=True)
        context = self.browser.new_context(viewport=DESKTOP, locale="vi-VN")
        self.addCleanup(context.close)
        host = self.live_server_url.split("//")[1].split(":")[0]
        context.add_cookies(
            [{"name": COOKIE_NAME, "value": _signed(str(device.key)), "domain": host, "path": "/"}]
        )
        mine = context.new_page()
        mine.goto(f"{self.live_server_url}/me/")
        text = mine.inner_text("main")
        self.assertIn("Trạm Y tế Xã Hạ Bằng", text)
        self.assertNotIn("huyện", text.lower())
        self.shot(mine, "two-level-04-contact-sees-the-office-vi.png")
