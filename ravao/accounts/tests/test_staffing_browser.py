"""Issue 10, "Done when": a fresh install is staffed without a Python shell, in Chromium.

The first district admin is created by `ravao create_admin`, opens the printed link, sets a password,
signs in, and invites a health officer from the staff page; the officer opens the handed-over link,
chooses a password, is sent to two-factor enrolment on the way to /tracing/, sees the ten recovery codes
once, and reaches /tracing/.

Run:  .venv/bin/pytest ravao/accounts/tests/test_staffing_browser.py -q -s
"""

import io
import re
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.models import Membership, Role
from ravao.accounts.tests.test_two_factor import code
from ravao.browsertest import DESKTOP, PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.places.models import AdminUnit
from ravao.test import make_units

ADMIN_LOGIN = "0912000111"
ADMIN_PASSWORD = "Quan-tri-Thach-That-2021"
OFFICER_LOGIN = "0977 123 456"
OFFICER_PASSWORD = "Tram-y-te-Ha-Bang-2021"


@override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=True)
class StaffAFreshInstallInChromium(ChromiumTestCase):
    units: dict[str, AdminUnit]

    def setUp(self) -> None:
        super().setUp()
        site = override_settings(SITE_URL=self.live_server_url)
        site.enable()
        self.addCleanup(site.disable)
        self.units = make_units()

    def new_page(self, *, phone: bool) -> Any:
        context = self.browser.new_context(
            viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone, locale="vi-VN"
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        return context.new_page()

    def test_first_admin_invites_a_health_officer_who_enrols_and_traces(self) -> None:
        out = io.StringIO()
        call_command(
            "create_admin",
            "--unit",
            "t-276",
            "--username",
            ADMIN_LOGIN,
            "--full-name",
            "Quản Trị",
            stdout=out,
        )
        link = re.search(r"https?://\S+/accounts/invitation/\S+/", out.getvalue())
        assert link is not None, out.getvalue()

        admin = self.new_page(phone=False)
        admin.goto(link.group(0))
        admin.fill("input[name=password]", ADMIN_PASSWORD)
        admin.click("main button[type=submit]")
        admin.wait_for_url(f"{self.live_server_url}/manage/")
        # Sign out and in again with the chosen password, as the next day would.
        admin.click("header form[action='/accounts/logout/'] button")
        admin.goto(f"{self.live_server_url}/accounts/login/")
        admin.fill("input[name=username]", ADMIN_LOGIN)
        admin.fill("input[name=password]", ADMIN_PASSWORD)
        admin.click("main button[type=submit]")
        admin.wait_for_url(f"{self.live_server_url}/manage/")
        admin.click(f"a[href='/accounts/staff/{self.units['district'].pk}/']")

        admin.fill("#id_full_name", "Trần Thị Y Tế")
        admin.fill("#id_login", OFFICER_LOGIN)
        admin.select_option("#id_role", Role.HEALTH_OFFICER.value)
        admin.select_option("#id_unit", str(self.units["ha_bang"].pk))
        admin.click("form[action$='/invite/'] button[type=submit]")
        handed_over = admin.text_content("#invitation-link")
        assert handed_over is not None
        admin.screenshot(path=str(SCREENS / "staffing-01-invited.png"), full_page=True)
        self.assert_accessible(admin, "the staff page")

        officer = self.new_page(phone=True)
        officer.goto(handed_over.strip())
        officer.fill("input[name=password]", OFFICER_PASSWORD)
        officer.click("main button[type=submit]")
        officer.wait_for_url(f"{self.live_server_url}/manage/")
        officer.goto(f"{self.live_server_url}/tracing/")
        officer.wait_for_url(re.compile(r".*/accounts/2fa/enrol/.*"))
        device = TOTPDevice.objects.get(user__username="0977123456", confirmed=False)
        officer.fill("input[name=token]", code(device))
        officer.click("main button[type=submit]")
        officer.wait_for_url(re.compile(r".*/accounts/2fa/recovery/.*"))
        self.assertEqual(officer.locator("#recovery-codes li").count(), 10)
        officer.screenshot(path=str(SCREENS / "staffing-02-recovery-codes.png"), full_page=True)
        self.assert_accessible(officer, "the recovery codes")
        officer.click("main a.button.big")
        officer.wait_for_url(f"{self.live_server_url}/tracing/")
        self.assertTrue(
            Membership.objects.filter(
                user__username="0977123456", role=Role.HEALTH_OFFICER, unit=self.units["ha_bang"]
            ).exists()
        )
