"""The commune picker in Chromium, on the two-level map (issue 14, item 2).

Hà Nội's 126 wards of the 2025 map: typing "hoan" finds "Phường Hoàn Kiếm" (diacritic-insensitive, word
prefix), the keyboard picks it, the venue is saved with it; without JavaScript the grouped select still
works; the first-visit check-in page of a 2025 venue (its whole province offered) stays within the first-load
budget, and a district's short list does not even load the script."""

import gzip
import time
from typing import Any

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant, user_create
from ravao.browsertest import PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.places.models import AdminUnit, Venue
from ravao.places.units import load_units
from ravao.test import PASSWORD, make_units
from ravao.tests import test_browser as first_loop

MANAGER_LOGIN = "0900000001"


class CommunePickerInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        load_units(scheme="2025", province_codes=["01"])
        self.ba_dinh = AdminUnit.objects.get(code="v2025-00004")
        self.hoan_kiem = AdminUnit.objects.get(name="Phường Hoàn Kiếm", code__startswith="v2025-")
        self.manager = user_create(login=MANAGER_LOGIN, password=PASSWORD, full_name="Alice")
        self.venue = Venue.objects.create(
            code="V000001",
            name="Quán Phở Ba Đình",
            kind="restaurant",
            commune=self.ba_dinh,
            address="Phố Đội Cấn",
            phone="0912000111",
            status=Venue.Status.ACTIVE,
        )
        membership_grant(user=self.manager, role=Role.VENUE_MANAGER, venue=self.venue)

    def page(self, *, javascript: bool = True) -> Any:
        context = self.browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", java_script_enabled=javascript
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        return context.new_page()

    def logged_in(self, *, javascript: bool = True) -> Any:
        page = self.page(javascript=javascript)
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", MANAGER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/manage/")
        page.goto(f"{self.live_server_url}/manage/venues/{self.venue.pk}/edit/")
        return page

    def test_typing_hoan_finds_hoan_kiem_and_the_keyboard_picks_it(self) -> None:
        page = self.logged_in()
        box = page.get_by_role("combobox", name="Xã/phường")
        box.wait_for()
        assert box.input_value() == "Phường Ba Đình"  # the current commune
        assert page.locator("select#id_commune").is_hidden()
        box.fill("hoan")
        options = page.locator("#id_commune-list").get_by_role("option")  # live: follows the list
        assert options.first.inner_text().startswith("Phường Hoàn Kiếm")
        assert box.get_attribute("aria-expanded") == "true"
        assert "khớp" in page.locator("[role=status]").inner_text()
        page.screenshot(path=str(SCREENS / "issue14-combobox-hoan-vi.png"), full_page=True)
        box.press("ArrowDown")
        assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
        box.press("Enter")
        assert box.input_value() == "Phường Hoàn Kiếm"
        assert page.locator("select#id_commune").input_value() == str(self.hoan_kiem.pk)
        # Accented and several words work too; a miss says so.
        box.fill("ba dinh")
        assert options.first.inner_text().startswith("Phường Ba Đình")
        box.fill("zzz")
        assert options.count() == 0
        box.press("Escape")
        assert box.input_value() == "Phường Hoàn Kiếm"
        # A finger picks too; arrow down on the current choice lists every ward.
        box.fill("hoang mai")
        options.first.tap()
        assert box.input_value() == "Phường Hoàng Mai"
        box.press("ArrowDown")
        assert options.count() == 60  # the first 60 of 126: typing narrows the list
        box.press("Escape")
        box.fill("hoan kiem")
        box.press("Enter")  # the only match
        assert box.input_value() == "Phường Hoàn Kiếm"
        page.click("main button[type=submit]")
        page.wait_for_url(f"**/manage/venues/{self.venue.pk}/")
        self.venue.refresh_from_db()
        assert (self.venue.commune, self.venue.status) == (self.hoan_kiem, Venue.Status.PENDING)

    def test_without_javascript_the_grouped_select_works(self) -> None:
        page = self.logged_in(javascript=False)
        select = page.locator("select#id_commune")
        assert select.is_visible()
        assert page.locator("select#id_commune optgroup").first.get_attribute("label") == "Thành phố Hà Nội"
        select.select_option(str(self.hoan_kiem.pk))
        page.click("main button[type=submit]")
        page.wait_for_url(f"**/manage/venues/{self.venue.pk}/")
        self.venue.refresh_from_db()
        assert self.venue.commune == self.hoan_kiem

    def first_load(self, url: str) -> tuple[int, list[str]]:
        """Bytes on the wire of a first visit (gzip bodies + headers), measured as the first loop does."""
        page = self.page()
        responses: list[Any] = []
        page.context.on("response", lambda response: responses.append(response))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(r.url.endswith("/offline/") for r in responses):
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)
        total = 0
        for response in responses:
            if response.from_service_worker:
                continue
            try:
                body = response.body()
            except Exception:  # a redirect or an aborted request has no body to read
                body = b""
            if not body and response.status == 200:
                body = page.request.get(response.url).body()
            content_type = response.headers.get("content-type", "")
            text = any(t in content_type for t in first_loop.TEXT_TYPES)
            headers = sum(
                len(k) + len(v) + 4 for k, v in [*response.headers.items(), *response.request.headers.items()]
            )
            total += (len(gzip.compress(body, 6)) if text else len(body)) + headers + 40
        return total, [r.url for r in responses]

    def test_the_check_in_page_of_a_2025_venue_stays_light(self) -> None:
        total, urls = self.first_load(f"{self.live_server_url}/v/{self.venue.qr_code}")
        print(f"\nfirst load of a 2025 check-in page (126 wards offered): {total:,} B")
        assert any(u.endswith(".js") and "combobox" in u for u in urls)
        assert total <= first_loop.FIRST_LOAD_BUDGET_BYTES

    def test_a_short_list_does_not_load_the_script(self) -> None:
        units = make_units()  # a test district of two communes, of no known map
        venue = Venue.objects.create(
            code="V000002",
            name="Chợ Liên Quan",
            kind="market",
            commune=units["lien_quan"],
            address="Phố Liên Quan",
            phone="0243123457",
            status=Venue.Status.ACTIVE,
        )
        with self.settings(RAVAO_TERRITORY=["v2025-01"]):
            # The venue's district is outside the territory: the whole territory is offered, with the box.
            _total, urls = self.first_load(f"{self.live_server_url}/v/{venue.qr_code}")
        assert any("combobox" in u for u in urls)
        with self.settings(RAVAO_TERRITORY=["t-01"]):  # the fixture's province: its district is offered
            total, urls = self.first_load(f"{self.live_server_url}/v/{venue.qr_code}")
        assert not any("combobox" in u for u in urls)
        assert total <= first_loop.FIRST_LOAD_BUDGET_BYTES
