"""Daily follow-up on a phone (issue 11, item 3): a field worker opens "my calls today" at 390×844, records
one contact as well and another with symptoms (→ suspected, a test proposed), without a reload; then
the team page and the indicators. axe finds no serious or critical violation on any of them.

Run:  .venv/bin/pytest ravao/tracing/tests/test_followup_browser.py -q   (screenshots in /tmp/shots-followup/)
"""

from datetime import timedelta
from pathlib import Path

from django.test import override_settings
from django.utils import timezone

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant, user_create
from ravao.browsertest import DESKTOP, PHONE, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.models import CheckIn
from ravao.places.models import Area, Venue
from ravao.test import PASSWORD, make_person, make_units
from ravao.tracing.followup import contacts_assign, team_create, team_member_add
from ravao.tracing.models import Contact, FollowUpVisit
from ravao.tracing.services import case_open, contact_decide

SHOTS = Path("/tmp/shots-followup")  # noqa: S108 (screenshots for a human to look at; nothing is read back)
WORKER_LOGIN = "0900000031"


class FollowUpOnAPhone(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        no_2fa = override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False)
        no_2fa.enable()
        self.addCleanup(no_2fa.disable)
        SHOTS.mkdir(parents=True, exist_ok=True)
        units = make_units()
        officer = user_create(login="0900000006", password=PASSWORD, full_name="Hana")
        membership_grant(user=officer, role=Role.HEALTH_OFFICER, unit=units["district"])
        worker = user_create(login=WORKER_LOGIN, password=PASSWORD, full_name="Nguyễn Thị Thu")
        membership_grant(user=worker, role=Role.HEALTH_OFFICER, unit=units["ha_bang"])
        team = team_create(unit=units["ha_bang"], acting_user=officer)
        team_member_add(team=team, user=worker, is_lead=True, acting_user=officer)
        factory = Venue.objects.create(
            code="TT-00001", name="Công ty May Hạ Bằng", kind="factory", commune=units["ha_bang"],
            address="KCN", phone="0243123456", status="active",
        )  # fmt: skip
        line = Area.objects.create(venue=factory, name="Dây chuyền 1", kind="line")
        day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)
        f0 = make_person(name="Nguyễn Văn An", phone="0912000001")
        self.well = make_person(name="Trần Thị Bình", phone="0912000002")
        self.sick = make_person(name="Phạm Văn Dũng", phone="0912000004")
        for person in (f0, self.well, self.sick):
            if person is not f0:
                person.commune = units["ha_bang"]
                person.save(update_fields=["commune"])
            CheckIn.objects.create(
                person=person, venue=factory, area=line, checked_in_at=day,
                checked_out_at=day + timedelta(hours=8), method=CheckIn.Method.SELF_SCAN,
            )  # fmt: skip
        case = case_open(
            person=f0, unit=units["district"], onset_date=day.date(), sample_date=None, isolated_on=None,
            acting_user=officer,
        )  # fmt: skip
        contacts = list(case.contacts.all())
        for contact in contacts:
            contact_decide(contact=contact, decision=Contact.Decision.CONFIRMED, acting_user=officer)
        contacts = list(case.contacts.all())
        self.assertTrue(all(c.team_id == team.pk for c in contacts))  # by the commune they live in
        contacts_assign(contacts=contacts, assignee=worker, acting_user=officer)

    def test_a_field_worker_records_todays_follow_ups_on_a_phone(self) -> None:
        context = self.browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{self.live_server_url}/accounts/login/?next=/tracing/calls/")
        page.fill("#id_username", WORKER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/tracing/calls/")
        self.assertEqual(page.locator("h1").inner_text(), "Cuộc gọi hôm nay")
        rows = page.locator("li.call")
        self.assertEqual(rows.count(), 2)
        self.assertEqual(page.locator("a[href='tel:0912000002']").count(), 1)
        self.assertEqual(page.locator("a[href^='tel:None']").count(), 0)
        page.screenshot(path=str(SHOTS / "01-my-calls.png"), full_page=True)
        self.assert_accessible(page, "my calls today")

        url = page.url
        well = page.locator("li.call", has_text="Trần Thị Bình")
        well.get_by_role("button", name="Khỏe").tap()  # one tap
        well.locator(".call-result", has_text="đã lưu").wait_for()
        self.assertEqual(page.url, url)  # no reload

        sick = page.locator("li.call", has_text="Phạm Văn Dũng")
        sick.locator("summary").tap()
        sick.get_by_label("Sốt").check()
        sick.get_by_label("Ho").check()
        sick.get_by_label("Nhiệt độ (°C)").fill("38.5")
        page.screenshot(path=str(SHOTS / "02-symptoms-open.png"), full_page=True)
        self.assert_accessible(page, "the symptom form")
        sick.get_by_role("button", name="Lưu: có triệu chứng").tap()
        sick.locator(".call-result", has_text="Nghi nhiễm").wait_for()
        self.assertEqual(sick.locator(".propose-test").inner_text(), "Đề nghị xét nghiệm")
        self.assertIn("suspected", sick.get_attribute("class") or "")
        page.screenshot(path=str(SHOTS / "03-recorded.png"), full_page=True)
        self.assert_accessible(page, "my calls after recording")

        self.assertEqual(
            dict(FollowUpVisit.objects.values_list("contact__person_id", "status")),
            {self.well.pk: "seen_ok", self.sick.pk: "seen_not_ok"},
        )
        self.assertEqual(Contact.objects.get(person=self.sick).followup, Contact.FollowUp.SUSPECTED)
        page.reload()
        self.assertEqual(page.locator("li.call").count(), 0)  # nothing left today

        # the lead's team page and the indicators, on a desktop
        page.set_viewport_size(DESKTOP)
        page.goto(f"{self.live_server_url}/tracing/followup/")
        self.assertIn("Trạm Y tế xã Hạ Bằng", page.locator("table.indicators").inner_text())
        page.screenshot(path=str(SHOTS / "04-dashboard.png"), full_page=True)
        self.assert_accessible(page, "the follow-up indicators")
        page.click("table.indicators a")
        page.wait_for_selector(".propose-test")
        page.screenshot(path=str(SHOTS / "05-team.png"), full_page=True)
        self.assert_accessible(page, "the team page")
        page.goto(f"{self.live_server_url}/tracing/teams/")
        page.screenshot(path=str(SHOTS / "06-teams.png"), full_page=True)
        self.assert_accessible(page, "the teams page")
        self.assertEqual(errors, [])
