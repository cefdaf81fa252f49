"""The first loop in a real browser (Chromium), in Vietnamese and English, with screenshots.

J1 a manager signs up, registers a factory, adds a production line and a shift; the commune approves it;
   the manager downloads the poster and reads the check-in URL.
J2 a visitor with a phone opens that URL, declares once, sees the live confirmation; at a second venue one
   tap checks them in (the first visit is closed as estimated).
J3 the visitor checks out from the confirmation.
J8 the visitor's page lists both visits, in Vietnamese and, after the header's switch, in English; "forget
   this phone" leaves the page empty.
Plus: a wrong phone number in the browser, and the weight of the check-in page on a first load.

Run:  .venv/bin/pytest ravao/tests/test_browser.py -q -s   (screenshots in test-artifacts/screens/)
Skip: .venv/bin/pytest -m "not browser"
"""

import gzip
import time
from pathlib import Path
from typing import Any

from django.test import override_settings
from django.utils import translation

from ravao.accounts.models import Role, User
from ravao.accounts.services import membership_grant, user_create
from ravao.browsertest import DESKTOP, PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.models import CheckIn
from ravao.people.selectors import person_by_phone_or_id
from ravao.places.models import AdminUnit, Area, Venue
from ravao.test import PASSWORD, make_units

# BRIEF §5: the check-in page must be light enough for a cheap phone on 3G.
FIRST_LOAD_BUDGET_BYTES = 50 * 1024
TEXT_TYPES = ("text/", "javascript", "json", "xml", "svg", "manifest")

VENUE_NAME = "Công ty TNHH May Thạch Thất"
MANAGER_LOGIN = "0987 111 222"
MANAGER_PASSWORD = "Vai-thieu-Thach-That-2021"
OFFICIAL_LOGIN = "0900000004"
VISITOR_NAME = "Trần Thị Bình"


def vi(message: str) -> str:
    """`message` as the Vietnamese catalogue says it (the msgids are English)."""
    with translation.override("vi"):
        return translation.gettext(message)


class FirstLoopInChromium(ChromiumTestCase):
    units: dict[str, AdminUnit]
    official: User

    def setUp(self) -> None:
        super().setUp()
        # The posters and the venue page print SITE_URL + /v/<code>: make it this live server.
        site = override_settings(SITE_URL=self.live_server_url)
        site.enable()
        self.addCleanup(site.disable)
        self.units = make_units()
        self.official = user_create(login=OFFICIAL_LOGIN, password=PASSWORD, full_name="Carol")
        membership_grant(user=self.official, role=Role.COMMUNE_OFFICIAL, unit=self.units["ha_bang"])

    # --- helpers ---------------------------------------------------------------------------------------
    def new_page(self, *, phone: bool) -> Any:
        """A fresh browser (no cookies), Vietnamese like the phones of the district's people."""
        context = self.browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale="vi-VN",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        return context.new_page()

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    @staticmethod
    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENS / name), full_page=True)

    def active_venue(self, name: str, *, kind: str, commune: str) -> Venue:
        return Venue.objects.create(
            code=f"V-{kind}",
            name=name,
            kind=kind,
            commune=self.units[commune],
            address="Phố Liên Quan",
            phone="0243123457",
            status=Venue.Status.ACTIVE,
        )

    @staticmethod
    def fill_first_visit(page: Any, *, phone: str) -> None:
        page.fill("#id_full_name", VISITOR_NAME)
        page.fill("#id_phone", phone)
        page.fill("#id_year_of_birth", "1985")
        page.check("input[name=sex][value=female]")
        page.fill("#id_address", "Thôn 1, Hạ Bằng")
        page.fill("#id_places_visited", "Hà Nội")
        for question in (
            "fever",
            "cough",
            "shortness_of_breath",
            "pneumonia",
            "sore_throat",
            "fatigue",
            "contact_case",
            "contact_abroad",
            "contact_symptomatic",
        ):
            page.check(f"input[name={question}][value=False]")
        page.check("input[name=consent]")

    # --- J1 → poster → J2 → J3 → J8 -----------------------------------------------------------------
    def test_first_loop(self) -> None:
        checkin_url = self.onboard_venue()
        self.assertEqual(checkin_url, self.url(f"/v/{Venue.objects.get(name=VENUE_NAME).qr_code}"))
        visitor = self.new_page(phone=True)
        self.first_visit(visitor, checkin_url)
        market = self.active_venue("Chợ Liên Quan", kind="market", commune="lien_quan")
        requests = self.repeat_visit(visitor, self.url(f"/v/{market.qr_code}"))
        print(f"\nrepeat check-in (one tap): {len(requests)} requests")
        for line in requests:
            print(f"  {line}")
        self.leave(visitor, market)
        self.personal_page(visitor)

    def onboard_venue(self) -> str:
        """J1. Returns the check-in URL printed on the venue page."""
        manager = self.new_page(phone=False)
        manager.goto(self.url("/accounts/signup/"))
        manager.fill("#id_full_name", "Lê Văn Quản")
        manager.fill("#id_login", MANAGER_LOGIN)
        manager.fill("#id_password", MANAGER_PASSWORD)
        manager.fill("#id_password2", MANAGER_PASSWORD)
        self.shot(manager, "01-signup-vi.png")
        manager.click("main button[type=submit]")
        manager.wait_for_url("**/manage/venues/new/")

        manager.fill("#id_name", VENUE_NAME)
        manager.select_option("#id_kind", "factory")
        manager.select_option("#id_commune", str(self.units["ha_bang"].pk))
        manager.fill("#id_address", "Khu công nghiệp Thạch Thất – Quốc Oai")
        manager.fill("#id_phone", "0243 3123 456")
        self.shot(manager, "02-venue-register-vi.png")
        manager.click("main button[type=submit]")
        manager.wait_for_url("**/manage/venues/*/")
        venue = Venue.objects.get(name=VENUE_NAME)
        self.assertEqual(venue.status, Venue.Status.PENDING)
        self.assertEqual(venue.commune, self.units["ha_bang"])
        self.assertEqual(manager.locator("h1 .badge").get_attribute("class"), "badge badge-pending")
        notice = vi("Waiting for the commune's approval: the poster works once the venue is approved.")
        self.assertIn(notice, manager.locator("p.notice").inner_text())

        # An area (a production line) and a shift; the two forms sit in closed <details>.
        area_form = manager.locator("form[action$='/areas/']")
        manager.locator("details", has=area_form).locator("summary").click()
        area_form.locator("input[name=name]").fill("Dây chuyền 1")
        area_form.locator("select[name=kind]").select_option("line")
        area_form.locator("button").click()
        manager.wait_for_load_state()
        shift_form = manager.locator("form[action$='/shifts/']")
        manager.locator("details", has=shift_form).locator("summary").click()
        shift_form.locator("input[name=name]").fill("Ca sáng")
        shift_form.locator("input[name=starts_at]").fill("06:00")
        shift_form.locator("input[name=ends_at]").fill("14:00")
        shift_form.locator("button").click()
        manager.wait_for_load_state()
        self.assertEqual(Area.objects.get(venue=venue).kind, "line")
        self.assertEqual(venue.shifts.get().name, "Ca sáng")
        self.assertIn("Dây chuyền 1", manager.locator("main").inner_text())
        self.assertIn("Ca sáng", manager.locator("main").inner_text())
        self.shot(manager, "03-venue-pending-vi.png")

        # The commune official approves it from the commune's page.
        official = self.new_page(phone=False)
        official.goto(self.url("/accounts/login/"))
        official.fill("#id_username", OFFICIAL_LOGIN)
        official.fill("#id_password", PASSWORD)
        official.click("main button[type=submit]")
        official.wait_for_url("**/manage/")
        official.click(f"a[href='/manage/units/{self.units['ha_bang'].pk}/']")
        official.wait_for_url(f"**/manage/units/{self.units['ha_bang'].pk}/")
        row = official.locator("tr", has_text=VENUE_NAME)
        self.shot(official, "04-commune-pending-vi.png")
        row.locator("button[name=status][value=active]").click()
        official.wait_for_load_state()
        self.assertEqual(
            official.locator("tr", has_text=VENUE_NAME).locator(".badge").get_attribute("class"),
            "badge badge-active",
        )
        self.shot(official, "05-commune-approved-vi.png")
        venue.refresh_from_db()
        self.assertEqual(venue.status, Venue.Status.ACTIVE)

        # The manager prints the poster and reads the check-in address.
        manager.reload()
        self.assertEqual(manager.locator("h1 .badge").get_attribute("class"), "badge badge-active")
        self.assertEqual(manager.locator("p.notice").count(), 0)
        with manager.expect_download() as download:
            manager.click(f"a[href='/manage/venues/{venue.pk}/poster.pdf']")
        pdf = Path(download.value.path()).read_bytes()
        self.assertTrue(pdf.startswith(b"%PDF"), pdf[:20])
        print(f"\nposter: {download.value.suggested_filename}, {len(pdf):,} bytes")
        self.shot(manager, "06-venue-active-vi.png")
        return str(manager.locator("code").first.inner_text()).strip()

    def first_visit(self, page: Any, checkin_url: str) -> None:
        """J2, first time: profile + declaration, then the live confirmation."""
        page.goto(checkin_url)
        self.assertIn(VENUE_NAME, page.locator(".venue-head h1").inner_text())
        self.fill_first_visit(page, phone="0987 654 321")
        self.shot(page, "07-first-visit-vi.png")
        self.assert_accessible(page, "the first-visit form")
        page.click("main form button[type=submit]")
        self.assert_confirmation(page, VENUE_NAME)
        self.shot(page, "08-confirmation-vi.png")
        self.assert_accessible(page, "the confirmation")
        checkin = CheckIn.objects.get(person=person_by_phone_or_id(phone="0987654321", id_number=None))
        self.assertEqual(checkin.venue.name, VENUE_NAME)
        self.assertEqual(checkin.status_at_entry, "green")

    def assert_confirmation(self, page: Any, venue_name: str) -> None:
        page.wait_for_selector("#live-clock")
        self.assertEqual(page.locator(".ticket-venue").inner_text(), venue_name)
        self.assertIn("status-green", page.locator(".ticket").get_attribute("class"))
        self.assertIn("status-bg-green", page.locator("body").get_attribute("class"))
        self.assertEqual(page.locator(".ticket-status").inner_text(), vi("GREEN — no risk declared"))
        # A reload must be a GET of the confirmation, not a second POST.
        page.wait_for_url("**/c/*")
        # The clock is live: a screenshot would not change.
        before = page.locator("#live-clock").inner_text()
        page.wait_for_timeout(1200)
        after = page.locator("#live-clock").inner_text()
        self.assertNotEqual(before, after)

    def repeat_visit(self, page: Any, checkin_url: str) -> list[str]:
        """J2, later at another venue: one tap. Returns the requests the tap caused."""
        page.goto(checkin_url)
        page.wait_for_load_state("networkidle")
        self.assertEqual(page.locator(".venue-head h1").inner_text(), "Chợ Liên Quan")
        self.shot(page, "09-one-tap-vi.png")
        seen: list[Any] = []

        def record(request: Any) -> None:
            seen.append(request)

        page.on("request", record)
        page.click("form:has(input[name=action][value=checkin]) button")
        self.assert_confirmation(page, "Chợ Liên Quan")
        page.wait_for_load_state("networkidle")
        page.remove_listener("request", record)
        self.shot(page, "10-confirmation-market-vi.png")
        lines = []
        for request in seen:
            response = request.response()
            source = "network"
            if response is not None and response.from_service_worker:
                source = "service worker"
            elif response is None:
                source = "no response"
            path = request.url.removeprefix(self.live_server_url)
            lines.append(f"{request.method} {path} [{request.resource_type}] {source}")
        network = [line for line in lines if line.endswith("network")]
        # One POST for the check-in itself; the rest is the cached shell.
        self.assertEqual(sum(1 for line in lines if line.startswith("POST ")), 1)
        self.assertLessEqual(len(network), 2, lines)
        return lines

    def leave(self, page: Any, market: Venue) -> None:
        """J3: the check-out button; the first venue's visit was closed as estimated by the market's."""
        factory_visit = CheckIn.objects.get(venue__name=VENUE_NAME)
        self.assertIsNotNone(factory_visit.checked_out_at)
        self.assertTrue(factory_visit.checked_out_estimated)
        page.click("form[action$='/checkout'] button")
        page.wait_for_url("**/checkout")
        self.assertEqual(page.locator("main h1").inner_text(), vi("Goodbye!"))
        self.assertIn("Chợ Liên Quan", page.locator("main").inner_text())
        self.shot(page, "11-goodbye-vi.png")
        market_visit = CheckIn.objects.get(venue=market)
        self.assertIsNotNone(market_visit.checked_out_at)
        self.assertFalse(market_visit.checked_out_estimated)

    def personal_page(self, page: Any) -> None:
        """J8 in both languages, then forget this phone."""
        page.goto(self.url("/me/"))
        self.assertEqual(page.locator("html").get_attribute("lang"), "vi")
        self.assertEqual(page.locator("main h1").inner_text(), VISITOR_NAME)
        self.assertTrue(page.get_by_role("heading", name="Nơi đã đến").is_visible())
        visits = page.locator("ul.visits li")
        self.assertEqual(visits.count(), 2)
        market, factory = visits.nth(0), visits.nth(1)  # newest first
        self.assertIn("Chợ Liên Quan", market.inner_text())
        self.assertEqual(market.locator("em.estimated").count(), 0)
        self.assertIn(VENUE_NAME, factory.inner_text())
        self.assertEqual(factory.locator("em.estimated").inner_text(), f"({vi('estimated')})")
        self.assertIn("status-green", page.locator(".status-card").get_attribute("class"))
        self.assertEqual(page.locator(".status-word").inner_text(), vi("Green"))
        self.shot(page, "12-me-vi.png")
        self.assert_accessible(page, "the personal page")

        page.click("header button[name=language][value=en]")
        page.wait_for_url("**/me/")
        self.assertEqual(page.locator("html").get_attribute("lang"), "en")
        self.assertTrue(page.get_by_role("heading", name="Places I have been").is_visible())
        self.assertEqual(page.locator(".status-word").inner_text(), "Green")
        self.assertEqual(page.locator("ul.visits em.estimated").inner_text(), "(estimated)")
        self.shot(page, "13-me-en.png")

        page.click("form[action$='/me/forget-device/'] button")
        page.wait_for_url("**/me/")
        self.assertEqual(page.locator("ul.visits").count(), 0)
        self.assertEqual(page.locator("main h1").inner_text(), "My page")
        self.assertNotIn(VISITOR_NAME, page.content())
        self.shot(page, "14-forgotten-en.png")

    # --- bad input ------------------------------------------------------------------------------------
    def test_a_wrong_phone_number_is_explained_and_the_form_kept(self) -> None:
        venue = self.active_venue(VENUE_NAME, kind="factory", commune="ha_bang")
        page = self.new_page(phone=True)
        page.goto(self.url(f"/v/{venue.qr_code}"))
        self.fill_first_visit(page, phone="12345")
        page.click("main form button[type=submit]")
        page.wait_for_selector(".field.has-error")
        error = page.locator(".field.has-error .error").inner_text()
        self.assertEqual(error, vi("Enter a Vietnamese phone number, for example 0912 345 678."))
        self.assertIn("Nhập số điện thoại", error)
        self.assertEqual(page.locator("#id_phone").input_value(), "12345")
        self.assertEqual(page.locator("#id_full_name").input_value(), VISITOR_NAME)
        self.assertEqual(page.locator("#id_year_of_birth").input_value(), "1985")
        self.assertEqual(page.locator("#id_places_visited").input_value(), "Hà Nội")
        self.assertTrue(page.locator("input[name=sex][value=female]").is_checked())
        self.assertTrue(page.locator("input[name=consent]").is_checked())
        self.assertEqual(page.locator(".field.has-error").count(), 1)
        self.shot(page, "15-wrong-phone-vi.png")
        self.assertEqual(CheckIn.objects.count(), 0)

    # --- page weight ----------------------------------------------------------------------------------
    def test_the_check_in_page_is_light_on_a_first_load(self) -> None:
        venue = self.active_venue(VENUE_NAME, kind="factory", commune="ha_bang")
        page = self.new_page(phone=True)
        responses: list[Any] = []

        def record(response: Any) -> None:
            responses.append(response)

        page.context.on("response", record)
        page.goto(self.url(f"/v/{venue.qr_code}"))
        page.wait_for_load_state("networkidle")
        # The service worker installs in the background and fetches the shell; let it finish.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(r.url.endswith("/offline/") for r in responses):
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)
        self.shot(page, "16-first-load-vi.png")

        rows: list[tuple[str, int, int, int]] = []
        for response in responses:
            if response.from_service_worker:
                continue  # answered from the worker's cache: no bytes on the wire
            try:
                body = response.body()
            except Exception:  # a redirect or an aborted request has no body to read
                body = b""
            if not body and response.status == 200:
                # Playwright cannot read the bodies of the worker's own requests: fetch the same URL.
                body = page.request.get(response.url).body()
            content_type = response.headers.get("content-type", "")
            zipped = len(gzip.compress(body, 6)) if any(t in content_type for t in TEXT_TYPES) else len(body)
            # HTTP/1.1 header lines, both ways (Playwright's own sizes are unreliable for worker requests).
            headers = sum(
                len(k) + len(v) + 4 for k, v in [*response.headers.items(), *response.request.headers.items()]
            )
            origin = (
                "worker" if response.request.service_worker or response.url.endswith("/sw.js") else "page"
            )
            path = response.url.removeprefix(self.live_server_url)
            rows.append((f"{origin} {response.request.method} {path}", len(body), zipped, headers + 40))

        print("\nfirst load of the check-in page (bytes: body, gzip body, headers both ways):")
        for name, raw, zipped, headers in rows:
            print(f"  {name:<45} {raw:>7,} {zipped:>7,} {headers:>6,}")
        for label, subset in (
            ("the page", [r for r in rows if r[0].startswith("page")]),
            ("page + worker install", rows),
        ):
            raw = sum(r[1] for r in subset)
            zipped = sum(r[2] for r in subset)
            headers = sum(r[3] for r in subset)
            print(
                f"  {label}: {len(subset)} responses, {raw:,} B uncompressed, {zipped:,} B gzip"
                f" (+{headers:,} B headers = {zipped + headers:,} B)"
            )
        total = sum(r[2] + r[3] for r in rows)
        self.assertTrue(any("/v/" in r[0] for r in rows))
        self.assertLessEqual(total, FIRST_LOAD_BUDGET_BYTES)
