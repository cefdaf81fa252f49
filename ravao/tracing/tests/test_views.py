"""Officer pages: happy paths, anonymous, wrong role, wrong method, bad input, scope, audit."""

import csv
import io
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from ravao.lib.sms import LoggingSmsSender
from ravao.notifications.models import Notification
from ravao.notifications.services import notifications_send_due
from ravao.people.models import Person
from ravao.privacy.models import AuditEvent
from ravao.tracing.models import Alert, Case, Contact
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase


class TracingViewTest(TracingTestCase):
    def open_case(self, unit: str = "district") -> Case:
        return case_open(
            person=self.f0,
            unit=self.units[unit],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )

    # --- access -------------------------------------------------------------------------------------
    def test_anonymous_goes_to_login(self) -> None:
        case = self.open_case()
        for url in [
            "/tracing/",
            f"/tracing/cases/{case.pk}/",
            f"/tracing/cases/{case.pk}/contacts.csv",
            "/tracing/alerts/",
        ]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])

    def test_other_roles_are_refused(self) -> None:
        case = self.open_case()
        for user in (self.alice, self.carol, self.dan, self.sam):
            self.login(user)
            self.assertEqual(self.client.get("/tracing/").status_code, 403)
            self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/").status_code, 403)
            self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/contacts.xlsx").status_code, 403)

    def test_a_commune_officer_sees_only_the_cases_of_the_commune(self) -> None:
        district_case = self.open_case()
        self.login(self.hoa)
        self.assertEqual(self.client.get(f"/tracing/cases/{district_case.pk}/").status_code, 404)
        contact = district_case.contacts.first()
        assert contact is not None
        response = self.client.post(f"/tracing/contacts/{contact.pk}/decision/", {"decision": "confirmed"})
        self.assertEqual(response.status_code, 404)
        district_case.unit = self.units["ha_bang"]
        district_case.save()
        self.assertEqual(self.client.get(f"/tracing/cases/{district_case.pk}/").status_code, 200)
        self.login(self.hana)  # the district sees the commune's case
        self.assertEqual(self.client.get(f"/tracing/cases/{district_case.pk}/").status_code, 200)

    def test_missing_objects_are_404(self) -> None:
        self.login(self.hana)
        self.assertEqual(self.client.get("/tracing/cases/999999/").status_code, 404)
        self.assertEqual(
            self.client.post("/tracing/contacts/999999/followup/", {"followup": "reached"}).status_code, 404
        )
        self.assertEqual(self.client.get("/tracing/cases/new/?person=nope").status_code, 404)
        self.assertEqual(self.client.get("/tracing/cases/new/?r=nope").status_code, 404)
        self.assertEqual(self.client.get("/tracing/cases/new/?r=").status_code, 404)

    def test_wrong_methods(self) -> None:
        case = self.open_case()
        self.login(self.hana)
        self.assertEqual(self.client.post(f"/tracing/cases/{case.pk}/").status_code, 405)
        self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/trace/").status_code, 405)
        self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/close/").status_code, 405)
        self.assertEqual(self.client.post(f"/tracing/cases/{case.pk}/contacts.csv").status_code, 405)

    # --- search and new case ------------------------------------------------------------------------
    def test_search_by_name_ignores_diacritics_and_is_audited_without_the_text(self) -> None:
        self.login(self.hana)
        response = self.search("nguyen van an")
        self.assertContains(response, "Nguyễn Văn An")
        self.assertContains(response, "/tracing/cases/new/?r=")
        self.assertNotContains(response, str(self.f0.public_id))
        event = AuditEvent.objects.get(action="person.search")
        self.assertEqual(event.reason, "case:new")
        self.assertEqual(event.actor, self.hana)
        self.assertNotIn("nguyen", str(event.details))
        self.assertEqual(event.details["results"], 2)  # and the visitor persona of the same name
        # The visitor of the same name lives nowhere and went nowhere: outside, masked.
        self.assertContains(response, "N. V. A.")

    def test_search_by_phone_and_id(self) -> None:
        self.login(self.hana)
        self.assertContains(self.search("0912 000 001"), "Nguyễn Văn An")
        self.assertContains(self.search("001092012345"), "Nguyễn Văn An")
        self.client.cookies["django_language"] = "en"  # the assertion reads the English message
        self.assertContains(self.search("0999 999 999"), "Nobody found")

    def test_search_bad_input(self) -> None:
        self.login(self.hana)
        self.assertEqual(self.search("x").status_code, 400)
        self.assertEqual(self.search("a" * 500).status_code, 400)
        self.assertEqual(self.client.post("/tracing/", {}).status_code, 400)

    def test_record_a_case(self) -> None:
        self.login(self.hana)
        url = self.new_case_url("0912000001")
        self.assertContains(self.client.get(url), "Nguyễn Văn An")
        onset = timezone.localdate() - timedelta(days=1)
        response = self.client.post(
            url,
            {"onset_date": onset.isoformat(), "unit": self.units["district"].pk, "reason": "XN-2026-0042"},
        )
        case = Case.objects.get()
        self.assertRedirects(response, f"/tracing/cases/{case.pk}/")
        self.assertEqual(timezone.localtime(case.window_start).date(), onset - timedelta(days=2))
        self.f0.refresh_from_db()
        self.assertEqual(self.f0.case_status, "case")
        self.assertEqual(
            set(case.contacts.values_list("person__pk", flat=True)), {self.coworker.pk, self.shopper.pk}
        )
        self.assertEqual(case.reason, "XN-2026-0042")
        event = AuditEvent.objects.get(action="case.create", reason=f"case:{case.pk}")
        self.assertEqual(event.details["reason"], "XN-2026-0042")

    def test_record_a_case_bad_input(self) -> None:
        self.login(self.hana)
        url = self.new_case_url("0912000001")
        future = (timezone.localdate() + timedelta(days=3)).isoformat()
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        for data in [
            {"onset_date": yesterday, "unit": self.units["district"].pk},  # no reason
            {"onset_date": yesterday, "unit": self.units["district"].pk, "reason": "  "},
            {"onset_date": yesterday, "unit": self.units["district"].pk, "reason": "---"},
            {"onset_date": yesterday, "unit": self.units["district"].pk, "reason": "x" * 201},
            {"unit": self.units["district"].pk},  # no date
            {"onset_date": future, "unit": self.units["district"].pk},
            {"onset_date": "yesterday", "unit": self.units["district"].pk},
            {"onset_date": "2021-07-01", "unit": self.units["lien_quan"].pk},  # not the officer's unit
            {"onset_date": "2021-07-05", "isolated_on": "2021-07-01", "unit": self.units["district"].pk},
        ]:
            self.assertEqual(self.client.post(url, data).status_code, 400, data)
        self.assertFalse(Case.objects.exists())

    # --- the case page ------------------------------------------------------------------------------
    def test_case_page_ranks_explains_and_audits(self) -> None:
        case = self.open_case()
        self.login(self.hana)
        self.client.cookies["django_language"] = "en"  # reasons are asserted in English
        response = self.client.get(f"/tracing/cases/{case.pk}/")
        self.assertContains(response, "Same production line, 8 h overlap")
        self.assertContains(response, "Same venue, 30 min overlap (times partly estimated)")
        self.assertNotContains(response, "Lê Văn Cường")  # another line
        body = response.content.decode()
        self.assertLess(body.index("Trần Thị Bình"), body.index("Phạm Thị Dung"))
        event = AuditEvent.objects.get(action="case.view")
        self.assertEqual((event.reason, event.person_id), (f"case:{case.pk}", self.f0.pk))

    def test_confirm_dismiss_followup_and_f2(self) -> None:
        case = self.open_case()
        coworker = case.contacts.get(person=self.coworker)
        shopper = case.contacts.get(person=self.shopper)
        self.login(self.hana)
        LoggingSmsSender.outbox = []
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/tracing/contacts/{coworker.pk}/decision/", {"decision": "confirmed"})
        self.client.post(f"/tracing/contacts/{shopper.pk}/decision/", {"decision": "dismissed"})
        self.coworker.refresh_from_db()
        self.assertEqual(self.coworker.case_status, "contact")
        self.assertEqual(LoggingSmsSender.outbox, [])  # queued with the decision, sent by the runner
        notifications_send_due()
        self.assertEqual(LoggingSmsSender.outbox[-1].to, "0912000002")
        sms = Notification.objects.get(topic="tracing.contact", ref_id=str(coworker.pk))
        self.assertEqual((sms.status, sms.attempts), ("sent", 1))
        self.assertEqual(Contact.objects.get(pk=shopper.pk).decision, "dismissed")

        self.client.post(f"/tracing/cases/{case.pk}/f2/")
        f2 = case.contacts.get(generation=2)
        self.assertEqual((f2.person, f2.via), (self.stranger, coworker))

        graph = self.client.get(f"/tracing/cases/{case.pk}/graph.json").json()
        self.assertEqual(len(graph["nodes"]), 3)
        self.assertNotIn("Bình", str(graph))

        self.client.post(f"/tracing/contacts/{coworker.pk}/followup/", {"followup": "negative"})
        self.coworker.refresh_from_db()
        self.assertEqual(self.coworker.case_status, "")

    def test_positive_followup_opens_a_case(self) -> None:
        case = self.open_case()
        coworker = case.contacts.get(person=self.coworker)
        self.login(self.hana)
        response = self.client.post(f"/tracing/contacts/{coworker.pk}/followup/", {"followup": "positive"})
        new = Case.objects.get(person=self.coworker)
        self.assertRedirects(response, f"/tracing/cases/{new.pk}/")
        self.assertEqual(new.source_contact, coworker)
        self.coworker.refresh_from_db()
        self.assertEqual(self.coworker.case_status, "case")

    def test_followup_bad_input(self) -> None:
        case = self.open_case()
        contact = case.contacts.first()
        assert contact is not None
        self.login(self.hana)
        response = self.client.post(f"/tracing/contacts/{contact.pk}/followup/", {"followup": "dead"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Contact.objects.get(pk=contact.pk).followup, "to_call")
        response = self.client.post(f"/tracing/contacts/{contact.pk}/decision/", {"decision": "<script>"})
        self.assertEqual(Contact.objects.get(pk=contact.pk).decision, "candidate")

    def test_edit_the_window_with_a_reason(self) -> None:
        case = self.open_case()
        self.login(self.hana)
        start = timezone.localtime(self.day + timedelta(hours=2))  # 08:00
        end = timezone.localtime(self.day + timedelta(hours=14))  # 20:00
        fmt = "%Y-%m-%dT%H:%M"
        self.client.post(
            f"/tracing/cases/{case.pk}/window/",
            {"start": start.strftime(fmt), "end": end.strftime(fmt), "reason": ""},
        )
        case.refresh_from_db()
        self.assertEqual(case.window_reason, "")
        self.client.post(
            f"/tracing/cases/{case.pk}/window/",
            {"start": end.strftime(fmt), "end": start.strftime(fmt), "reason": "x"},
        )
        case.refresh_from_db()
        self.assertEqual(case.window_reason, "")
        self.client.post(
            f"/tracing/cases/{case.pk}/window/",
            {"start": start.strftime(fmt), "end": end.strftime(fmt), "reason": "Lab says later"},
        )
        case.refresh_from_db()
        self.assertEqual(case.window_reason, "Lab says later")
        self.assertEqual(case.window_start, start)
        # the shift started at 06:00, the window at 08:00: the coworker overlaps 6 h; the market still counts
        coworker = case.contacts.get(person=self.coworker, generation=1)
        self.assertEqual(coworker.overlap_minutes, 6 * 60)

    def test_exports_are_neutralised_and_audited(self) -> None:
        case = self.open_case()
        Person.objects.filter(
            pk=self.coworker.pk
        ).update()  # names are encrypted: use the service-free path below
        self.coworker.full_name = '=HYPERLINK("http://evil")'
        self.coworker.save()
        self.login(self.hana)
        self.client.cookies["django_language"] = "en"  # the reason is asserted in English
        response = self.client.get(f"/tracing/cases/{case.pk}/contacts.csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:4], ["Case no.", "Generation", "Full name", "Year of birth"])
        self.assertEqual(rows[1][2], '\'=HYPERLINK("http://evil")')
        self.assertEqual(rows[1][13], "Dây chuyền 1")
        response = self.client.get(f"/tracing/cases/{case.pk}/contacts.xlsx")
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        self.assertEqual(sheet["C2"].value, '\'=HYPERLINK("http://evil")')
        self.assertEqual(sheet["C2"].data_type, "s")
        self.assertEqual(
            AuditEvent.objects.filter(action__startswith="export.", reason=f"case:{case.pk}").count(), 2
        )
        self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/contacts.pdf").status_code, 404)

    def test_alerts_reach_venue_managers_once(self) -> None:
        case = self.open_case()
        self.alice.email = "alice@example.com"
        self.alice.save()
        self.login(self.hana)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/tracing/cases/{case.pk}/alerts/")
        self.assertEqual(Alert.objects.filter(case=case).count(), 2)
        notifications_send_due()
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(self.venue_a.name, mail.outbox[0].subject)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/tracing/cases/{case.pk}/alerts/")
        notifications_send_due()
        self.assertEqual(len(mail.outbox), 1)
        delivered = Notification.objects.filter(topic="tracing.alert", venue=self.venue_a, status="sent")
        self.assertEqual(sorted(n.channel for n in delivered), ["email", "sms"])  # once each, not twice
        page = self.client.get(f"/tracing/cases/{case.pk}/")  # the officer sees what was delivered
        self.assertContains(page, "delivery-sent")

        self.login(self.alice)
        response = self.client.get("/tracing/alerts/")
        self.assertContains(response, self.venue_a.name)
        self.assertNotContains(response, self.venue_b.name)
        self.assertNotContains(response, "Nguyễn Văn An")
        alert = Alert.objects.get(venue=self.venue_a)
        self.client.post(f"/tracing/alerts/{alert.pk}/read/")
        alert.refresh_from_db()
        self.assertIsNotNone(alert.read_at)
        self.login(self.bob)
        self.assertEqual(self.client.post(f"/tracing/alerts/{alert.pk}/read/").status_code, 404)
        self.assertEqual(self.client.get(f"/tracing/alerts/{alert.pk}/read/").status_code, 405)

    def test_close_clears_the_status(self) -> None:
        case = self.open_case()
        self.login(self.hana)
        self.assertRedirects(self.client.post(f"/tracing/cases/{case.pk}/close/"), "/tracing/")
        self.f0.refresh_from_db()
        self.assertEqual(self.f0.case_status, "")
        self.assertEqual(self.client.post(f"/tracing/cases/{case.pk}/trace/").status_code, 404)
        self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/").status_code, 200)
