"""Triage in bulk in a real browser (issue 11, item 1, done-when): a case with more than 100 F1s, found by
the engine on generated check-ins, triaged in a few bulk actions that update the rows in place (the page
is never reloaded: a marker set on `window` survives), announced in the live region; axe finds no serious
or critical violation.

Run:  .venv/bin/pytest ravao/tracing/tests/test_browser_triage.py -q -s   (screenshots: see SHOTS)
"""

import os
import re
import unittest
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant, user_create
from ravao.browsertest import CHROMIUM, DESKTOP, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.checkins.models import CheckIn
from ravao.notifications.models import Notification
from ravao.people.models import Person
from ravao.places.models import Area, Venue
from ravao.test import PASSWORD, make_person, make_units
from ravao.tracing.models import Case, Contact
from ravao.tracing.services import case_open

# Screenshots: test-artifacts/screens/, or RAVAO_SHOTS_DIR (e.g. /tmp/shots-triage) when set.
SHOTS = Path(os.environ.get("RAVAO_SHOTS_DIR") or SCREENS)
OFFICER_LOGIN = "0900000006"
WORKERS = 120


@pytest.mark.browser
@unittest.skipUnless(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
@unittest.skipUnless((Path(settings.BASE_DIR) / "node_modules" / "axe-core").is_dir(), "run npm ci first")
class TriageInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        no_2fa = override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False, SITE_URL=self.live_server_url)
        no_2fa.enable()
        self.addCleanup(no_2fa.disable)
        units = make_units()
        officer = user_create(login=OFFICER_LOGIN, password=PASSWORD, full_name="Hana")
        membership_grant(user=officer, role=Role.HEALTH_OFFICER, unit=units["district"])
        factory = Venue.objects.create(
            code="TT-00001",
            name="Công ty May Hạ Bằng",
            kind="factory",
            commune=units["ha_bang"],
            address="KCN",
            phone="0243123456",
            status="active",
        )
        self.line1 = Area.objects.create(venue=factory, name="Dây chuyền 1", kind="line")
        day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)
        f0 = make_person(name="Nguyễn Văn An", phone="0912000001")
        # 120 workers of the same shift, three in four on the case's line, the others known only at the
        # venue's gate: all are F1 candidates; their stays give high, medium and low.
        persons = []
        for i in range(WORKERS):
            person = Person(
                full_name=f"Công nhân {i:03d}",
                phone=f"0938{i:06d}",
                year_of_birth=1990,
                sex="female",
                commune=units["ha_bang"] if i % 2 else units["lien_quan"],
            )
            person.refresh_lookup_keys()
            persons.append(person)
        Person.objects.bulk_create(persons)
        visits = [
            CheckIn(
                person=f0,
                venue=factory,
                area=self.line1,
                checked_in_at=day,
                checked_out_at=day + timedelta(hours=8),
                method=CheckIn.Method.SELF_SCAN,
            )
        ]
        for i, person in enumerate(persons):
            start = day + timedelta(minutes=[30, 8 * 60 + 25, 8 * 60 + 60][i % 3])  # high, medium, low
            visits.append(
                CheckIn(
                    person=person,
                    venue=factory,
                    area=self.line1 if i % 4 else None,  # a quarter scanned the gate only
                    checked_in_at=start,
                    checked_out_at=start + timedelta(hours=2),
                    method=CheckIn.Method.SELF_SCAN,
                )
            )
        CheckIn.objects.bulk_create(visits)
        self.case = case_open(
            person=f0,
            unit=units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=officer,
            reason="XN-2026-0100",
        )
        self.assertGreaterEqual(self.case.contacts.count(), 100)

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def test_a_hundred_f1s_triaged_in_a_few_bulk_actions_without_a_reload(self) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        context = self.browser.new_context(viewport=DESKTOP, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        case_url = f"/tracing/cases/{self.case.pk}/"
        page.goto(self.url(f"/accounts/login/?next={case_url}"))
        page.fill("#id_username", OFFICER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"**{case_url}")
        page.locator("#contacts tr.contact").first.wait_for()
        self.assertEqual(page.locator("#contacts tr.contact").count(), 50)
        page.screenshot(path=str(SHOTS / "triage-01-first-page.png"), full_page=True)

        # 1. All high at production line 1: filter (a GET), then one action for every matching contact.
        page.select_option("select[name=tier]", "high")
        page.select_option("select[name=area]", str(self.line1.pk))
        page.click(".triage-filters button")
        page.wait_for_url("**tier=high**")
        wanted = Contact.objects.filter(case=self.case, tier="high", area=self.line1).count()
        page.evaluate("window.__notReloaded = true")
        page.check("input[name=scope][value=all]")
        page.select_option("select[name=action]", "confirmed")
        page.click("#triage-apply")
        expect(page.locator("#triage-status")).to_have_text(re.compile("^Confirmed"))
        self.assertEqual(page.locator("#triage-status").inner_text(), f"Confirmed {wanted} people.")
        self.assertEqual(page.locator("#contacts tr.contact.decision-confirmed").count(), wanted)
        self.assertTrue(page.evaluate("window.__notReloaded === true"))

        # 2. The rest of the first page: "select all on this page", dismiss, then three back to candidate.
        page.goto(self.url(f"{case_url}?decision=candidate&tier=low#contacts"))
        page.evaluate("window.__notReloaded = true")
        shown = page.locator("#contacts tr.contact").count()
        page.check("#select-page")
        self.assertEqual(page.locator("input[name=contact]:checked").count(), shown)
        page.select_option("select[name=action]", "dismissed")
        page.click("#triage-apply")
        expect(page.locator("#triage-status")).to_have_text(re.compile("^Dismissed"))
        self.assertEqual(page.locator("#triage-status").inner_text(), f"Dismissed {shown} people.")
        self.assertEqual(page.locator("#contacts tr.contact.decision-dismissed").count(), shown)
        self.assertEqual(page.locator("input[name=contact]:checked").count(), 0)
        for box in page.locator("input[name=contact]").all()[:3]:
            box.check()
        page.select_option("select[name=action]", "candidate")
        page.click("#triage-apply")
        expect(page.locator("#triage-status")).to_have_text(re.compile("^3 people"))
        self.assertEqual(page.locator("#contacts tr.contact.decision-candidate").count(), 3)
        self.assertIn("43 still to decide", page.locator("#triage-counts").inner_text())
        self.assertTrue(page.evaluate("window.__notReloaded === true"))
        page.screenshot(path=str(SHOTS / "triage-02-after-bulk.png"), full_page=True)
        self.assert_accessible(page, "the case page's triage")

        self.assertEqual(Contact.objects.filter(case=self.case, decision="confirmed").count(), wanted)
        self.assertEqual(Contact.objects.filter(case=self.case, decision="dismissed").count(), shown - 3)
        self.assertEqual(Notification.objects.filter(topic="tracing.contact").count(), wanted)
        self.assertEqual(Case.objects.get(pk=self.case.pk).status, "open")
        self.assertEqual(errors, [])
