"""Purpose-bound tracing (issue 9, findings 3, 4, 6): a reason and jurisdiction to open a case, requests
outside it, every contact shown or exported audited (once a day) and told to the contact in words, and a
search that leaves nothing personal in a URL or a log line."""

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.people.models import Person
from ravao.people.services import device_register
from ravao.places.models import AdminUnit, Venue
from ravao.privacy.models import AuditEvent
from ravao.test import make_person
from ravao.tracing.models import Case, CaseRequest, Contact
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


class PurposeTestCase(TracingTestCase):
    far_district: AdminUnit
    sai_son: AdminUnit
    venue_far: Venue
    far: Person
    far_contact: Person
    local: Person
    son: User
    lien: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Another district, with a commune, a venue, its health officer, and two persons seen only there.
        cls.far_district = AdminUnit.objects.create(
            code="t-277",
            name="Huyện Quốc Oai",
            level="district",
            parent=cls.units["province"],
            path="t/01/277/",
        )
        cls.sai_son = AdminUnit.objects.create(
            code="t-10100",
            name="Xã Sài Sơn",
            level="commune",
            parent=cls.far_district,
            path="t/01/277/10100/",
        )
        cls.venue_far = Venue.objects.create(
            code="V000099",
            name="Chợ Sài Sơn",
            kind="market",
            commune=cls.sai_son,
            address="Sài Sơn",
            phone="0243123499",
            status="active",
        )
        cls.son = cls.make_user("0900000021", "Sơn", Role.HEALTH_OFFICER, unit=cls.sai_son)
        cls.lien = cls.make_user("0900000022", "Liên", Role.HEALTH_OFFICER, unit=cls.units["lien_quan"])
        cls.far = make_person(name="Đỗ Thị Xa", phone="0912000099", id_number="001195054321")
        cls.far_contact = make_person(name="Vũ Văn Gần", phone="0912000098")
        Person.objects.filter(pk=cls.far.pk).update(commune=cls.sai_son)
        cls.far.refresh_from_db()
        cls.visit(cls.far, cls.venue_far, None, 0, 60)
        cls.visit(cls.far_contact, cls.venue_far, None, 10, 60)
        # Lives in Hạ Bằng, went nowhere.
        cls.local = make_person(name="Bùi Văn Làng", phone="0912000088")
        Person.objects.filter(pk=cls.local.pk).update(commune=cls.units["ha_bang"])
        cls.local.refresh_from_db()

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies["django_language"] = "en"  # assertions read English messages

    def yesterday(self) -> str:
        return (timezone.localdate() - timedelta(days=1)).isoformat()

    def open_form(self, query: str, unit: str, reason: str = "XN-2026-0042", **dates: str) -> "TestResponse":
        data = {
            "unit": self.units_all()[unit].pk,
            "reason": reason,
            **(dates or {"onset_date": self.yesterday()}),
        }
        response: TestResponse = self.client.post(self.new_case_url(query), data)
        return response

    def units_all(self) -> dict[str, AdminUnit]:
        return {**self.units, "sai_son": self.sai_son}


class FindingThreeTests(PurposeTestCase):
    def test_outside_person_is_masked_and_a_case_cannot_be_opened(self) -> None:
        """issue 9, finding 3: a commune officer searched a phone of another district, opened a case with a
        self-chosen onset and no reason, and saw the phone, visits and F1 names; the person turned red."""
        self.login(self.hoa)
        response = self.search("0912 000 099")
        self.assertContains(response, "Outside your jurisdiction")
        self.assertContains(response, "Đ. T. X.")
        results = response.content.decode().split('name="q"', 1)[1].split(">", 1)[1]  # after what was typed
        for secret in ("Đỗ Thị Xa", "099", "54321", "Sài Sơn"):
            self.assertNotIn(secret, results)
        url = self.new_case_url("0912000099")
        page = self.client.get(url)
        self.assertContains(page, "Request to open a case")
        self.assertNotContains(page, "Đỗ Thị Xa")
        self.assertNotContains(page, "Chợ Sài Sơn")
        # No reason: refused.
        no_reason = self.client.post(url, {"onset_date": self.yesterday(), "unit": self.units["ha_bang"].pk})
        self.assertEqual(no_reason.status_code, 400)
        # With a reason: a request, never a case.
        response = self.client.post(
            url, {"onset_date": self.yesterday(), "unit": self.units["ha_bang"].pk, "reason": "XN-7"}
        )
        self.assertRedirects(response, "/tracing/requests/")
        self.assertFalse(Case.objects.exists())
        self.far.refresh_from_db()
        self.assertEqual(self.far.case_status, "")
        request = CaseRequest.objects.get()
        self.assertEqual(
            (request.requester, request.person, request.unit, request.reason, request.status),
            (self.hoa, self.far, self.units["ha_bang"], "XN-7", "pending"),
        )
        self.assertEqual(set(request.units.all()), {self.sai_son})
        event = AuditEvent.objects.get(action="case.request")
        self.assertEqual((event.person_id, event.actor), (self.far.pk, self.hoa))
        # The officer's list names the request masked, never the person.
        listing = self.client.get("/tracing/requests/")
        self.assertContains(listing, "Đ. T. X.")
        self.assertNotContains(listing, "Đỗ Thị Xa")

    def test_the_request_answer_is_the_same_for_any_outside_person(self) -> None:
        """A person outside with visits and one with nothing known: the same answer, word for word."""
        self.login(self.hoa)
        bodies = []
        for query in ("0912000099", "nguyen van an"):
            url = self.new_case_url(query)  # "nguyen van an": the visitor persona first, no commune, no visit
            data = {"onset_date": self.yesterday(), "unit": self.units["ha_bang"].pk, "reason": "XN-8"}
            response = self.client.post(url, data, follow=True)
            body = re.sub(r"<tbody>.*?</tbody>", "", response.content.decode(), flags=re.S)
            bodies.append(re.sub(r'(value|nonce|content)="[^"]*"', "", body))
        self.assertEqual(CaseRequest.objects.count(), 2)
        self.assertEqual(bodies[0], bodies[1])

    def test_a_retried_request_is_filed_once(self) -> None:
        self.login(self.hoa)
        url = self.new_case_url("0912000099")
        data = {"onset_date": self.yesterday(), "unit": self.units["ha_bang"].pk, "reason": "XN-9"}
        self.client.post(url, data)
        self.client.post(url, {**data, "reason": "XN-10"})
        self.assertEqual(CaseRequest.objects.get().reason, "XN-10")

    def test_another_units_case_and_its_exports_stay_404(self) -> None:
        case = case_open(
            person=self.far,
            unit=self.sai_son,
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.son,
            reason="XN-1",
        )
        self.login(self.hoa)
        for url in (f"/tracing/cases/{case.pk}/", f"/tracing/cases/{case.pk}/contacts.csv"):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        # Searching them does not link to the case either.
        self.assertNotContains(self.search("0912000099"), f"/tracing/cases/{case.pk}/")


class JurisdictionTests(PurposeTestCase):
    def test_lives_in_the_commune(self) -> None:
        self.login(self.hoa)
        response = self.open_form("0912000088", "ha_bang")
        case = Case.objects.get(person=self.local)
        self.assertRedirects(response, f"/tracing/cases/{case.pk}/")
        self.assertEqual((case.unit, case.reason), (self.units["ha_bang"], "XN-2026-0042"))
        self.assertContains(self.client.get(f"/tracing/cases/{case.pk}/"), "XN-2026-0042")

    def test_visited_a_venue_of_the_commune_in_the_window(self) -> None:
        self.login(self.hoa)  # the F0 lives nowhere known but worked at venue A (Hạ Bằng) yesterday
        response = self.open_form("0912000001", "ha_bang")
        case = Case.objects.get(person=self.f0)
        self.assertRedirects(response, f"/tracing/cases/{case.pk}/")

    def test_a_visit_outside_the_window_does_not_count(self) -> None:
        self.login(self.hoa)
        old = timezone.localdate() - timedelta(days=20)
        response = self.open_form(
            "0912000001",
            "ha_bang",
            onset_date=old.isoformat(),
            isolated_on=(old + timedelta(days=3)).isoformat(),
        )
        self.assertRedirects(response, "/tracing/requests/")
        self.assertFalse(Case.objects.exists())
        self.assertEqual(CaseRequest.objects.get().person, self.f0)

    def test_a_commune_officer_of_another_commune(self) -> None:
        self.login(self.lien)  # Liên Quan: the person lives in Hạ Bằng
        self.assertContains(self.search("0912000088"), "Outside your jurisdiction")
        self.open_form("0912000088", "lien_quan")
        self.assertFalse(Case.objects.exists())
        self.assertEqual(set(CaseRequest.objects.get().units.all()), {self.units["ha_bang"]})

    def test_the_district_officer_covers_the_whole_district(self) -> None:
        self.login(self.hana)
        self.assertNotContains(self.search("0912000088"), "Outside your jurisdiction")
        self.open_form("0912000088", "district")
        self.assertTrue(Case.objects.filter(person=self.local, unit=self.units["district"]).exists())
        # ... but not the next district
        self.assertContains(self.search("0912000099"), "Outside your jurisdiction")
        self.open_form("0912000099", "district")
        self.assertFalse(Case.objects.filter(person=self.far).exists())

    def test_a_person_with_an_open_case_elsewhere_is_not_shown(self) -> None:
        case_open(
            person=self.local,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
            reason="XN-1",
        )
        self.login(self.hoa)
        response = self.open_form("0912000088", "ha_bang")
        self.assertRedirects(response, "/tracing/")
        self.assertEqual(Case.objects.count(), 1)


class CaseRequestTests(PurposeTestCase):
    def file_request(self) -> CaseRequest:
        self.login(self.hoa)
        self.open_form("0912000099", "ha_bang")
        return CaseRequest.objects.get()

    def test_an_officer_of_the_persons_unit_approves(self) -> None:
        request = self.file_request()
        self.login(self.son)
        listing = self.client.get("/tracing/requests/")
        self.assertContains(listing, "Đỗ Thị Xa")
        self.assertContains(listing, "XN-2026-0042")
        response = self.client.post(f"/tracing/requests/{request.pk}/decide/", {"decision": "approve"})
        self.assertRedirects(response, "/tracing/requests/")
        request.refresh_from_db()
        self.assertEqual((request.status, request.decided_by), ("approved", self.son))
        self.assertIsNotNone(request.decided_at)
        case = Case.objects.get(person=self.far)
        self.assertEqual((request.case, case.unit, case.created_by), (case, self.units["ha_bang"], self.hoa))
        self.assertEqual(case.reason, "XN-2026-0042")
        self.assertTrue(
            AuditEvent.objects.filter(action="case.request_approve", person_id=self.far.pk).exists()
        )
        # The requester now works the case, with the F1 of the other district.
        self.login(self.hoa)
        page = self.client.get(f"/tracing/cases/{case.pk}/")
        self.assertContains(page, "Vũ Văn Gần")
        self.assertContains(self.client.get("/tracing/requests/"), f"/tracing/cases/{case.pk}/")
        # A retried approval changes nothing.
        self.login(self.son)
        self.client.post(f"/tracing/requests/{request.pk}/decide/", {"decision": "reject"})
        request.refresh_from_db()
        self.assertEqual(request.status, "approved")
        self.assertEqual(Case.objects.count(), 1)

    def test_the_district_admin_of_the_requester_rejects(self) -> None:
        request = self.file_request()
        self.login(self.dan)
        self.assertContains(self.client.get("/tracing/requests/"), "Đỗ Thị Xa")
        self.client.post(f"/tracing/requests/{request.pk}/decide/", {"decision": "reject"})
        request.refresh_from_db()
        self.assertEqual((request.status, request.decided_by), ("rejected", self.dan))
        self.assertFalse(Case.objects.exists())
        self.assertTrue(
            AuditEvent.objects.filter(action="case.request_reject", person_id=self.far.pk).exists()
        )

    def test_wrong_people_get_404_or_403(self) -> None:
        request = self.file_request()
        url = f"/tracing/requests/{request.pk}/decide/"
        for user in (self.hoa, self.hana, self.lien):  # the requester, officers of other units
            self.login(user)
            self.assertEqual(self.client.post(url, {"decision": "approve"}).status_code, 404, user)
            self.assertNotContains(self.client.get("/tracing/requests/"), "Đỗ Thị Xa")
        for user in (self.carol, self.alice, self.sam):
            self.login(user)
            self.assertEqual(self.client.post(url, {"decision": "approve"}).status_code, 403, user)
            self.assertEqual(self.client.get("/tracing/requests/").status_code, 403, user)
        self.assertEqual(CaseRequest.objects.get().status, "pending")

    def test_anonymous_wrong_method_bad_input_missing(self) -> None:
        request = self.file_request()
        url = f"/tracing/requests/{request.pk}/decide/"
        self.client.logout()
        self.assertIn("/accounts/login/", self.client.post(url, {"decision": "approve"})["Location"])
        self.assertIn("/accounts/login/", self.client.get("/tracing/requests/")["Location"])
        self.login(self.son)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(self.client.post("/tracing/requests/").status_code, 405)
        self.assertRedirects(self.client.post(url, {"decision": "maybe"}), "/tracing/requests/")
        self.assertRedirects(self.client.post(url, {}), "/tracing/requests/")
        self.assertEqual(CaseRequest.objects.get().status, "pending")
        self.assertEqual(
            self.client.post("/tracing/requests/999999/decide/", {"decision": "approve"}).status_code, 404
        )


class ContactAuditTests(PurposeTestCase):
    def open_case(self) -> Case:
        return case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
            reason="XN-1",
        )

    def views(self, case: Case) -> list[tuple[int | None, str]]:
        return list(
            AuditEvent.objects.filter(action="tracing.contact_view", reason=f"case:{case.pk}")
            .order_by("person_id", "at")
            .values_list("person_id", "object_id")
        )

    def test_finding_4_every_contact_shown_is_audited_and_told_in_words(self) -> None:
        """issue 9, finding 4: an F1's name and phone were shown and exported without an audit row; the
        F1's own page said that no official had accessed their data."""
        case = self.open_case()
        coworker_device = device_register(person=self.coworker, owner=True)
        self.login(self.hana)
        self.assertEqual(self.client.get(f"/tracing/cases/{case.pk}/").status_code, 200)
        contacts = list(Contact.objects.filter(case=case))
        self.assertEqual({p for p, _o in self.views(case)}, {c.person_id for c in contacts})
        event = AuditEvent.objects.get(action="tracing.contact_view", person_id=self.coworker.pk)
        self.assertEqual((event.actor, event.actor_office), (self.hana, "Trung tâm Y tế Huyện Thạch Thất"))
        self.assertEqual(event.details, {"case_id": case.pk, "generation": 1})
        self.client.get(f"/tracing/cases/{case.pk}/contacts.csv")
        self.assertEqual(
            AuditEvent.objects.filter(action="tracing.contact_export", person_id=self.coworker.pk).count(), 1
        )
        # The F1's own page, in Vietnamese (the default) and in English.
        page = self.device_client(coworker_device).get("/me/")
        today = timezone.localdate().strftime("%d/%m/%Y")
        self.assertContains(
            page, "Cán bộ y tế huyện của Trung tâm Y tế Huyện Thạch Thất đã xem thông tin của bạn"
        )
        self.assertContains(page, "vì bạn là người tiếp xúc (F1) của một ca bệnh")
        self.assertContains(page, today)
        english = self.device_client(coworker_device)
        english.cookies["django_language"] = "en"
        page = english.get("/me/")
        self.assertContains(
            page,
            "District health officer of Trung tâm Y tế Huyện Thạch Thất viewed your data because you are"
            " a contact (F1) of a case",
        )
        self.assertContains(
            page,
            "District health officer of Trung tâm Y tế Huyện Thạch Thất exported your data in a contact list",
        )
        self.assertNotContains(page, "No official has accessed your data")
        self.assertNotContains(page, "Nguyễn Văn An")  # never who the case is

    def test_views_are_coalesced_per_case_contact_and_day(self) -> None:
        case = self.open_case()
        self.login(self.hana)
        n = Contact.objects.filter(case=case).count()
        self.client.get(f"/tracing/cases/{case.pk}/")
        self.client.get(f"/tracing/cases/{case.pk}/")
        self.assertEqual(len(self.views(case)), n)
        with time_machine.travel(timezone.now() + timedelta(days=1)):
            self.client.get(f"/tracing/cases/{case.pk}/")
        self.assertEqual(len(self.views(case)), 2 * n)
        # another officer the same day: their own rows
        self.login(self.hoa)
        case.unit = self.units["ha_bang"]
        case.save()
        self.client.get(f"/tracing/cases/{case.pk}/")
        self.assertEqual(len(self.views(case)), 3 * n)
        # exports: their own action, coalesced too
        self.client.get(f"/tracing/cases/{case.pk}/contacts.csv")
        self.client.get(f"/tracing/cases/{case.pk}/contacts.xlsx")
        self.assertEqual(AuditEvent.objects.filter(action="tracing.contact_export").count(), n)

    def test_the_case_page_audits_contacts_in_one_insert(self) -> None:
        case = self.open_case()
        self.login(self.hana)
        coworker = case.contacts.get(person=self.coworker)
        self.client.post(f"/tracing/contacts/{coworker.pk}/decision/", {"decision": "confirmed"})
        self.client.post(f"/tracing/cases/{case.pk}/f2/")
        self.assertGreater(Contact.objects.filter(case=case).count(), 2)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(f"/tracing/cases/{case.pk}/")
        inserts = [
            q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"] and "auditevent" in q["sql"]
        ]
        self.assertEqual(len(inserts), 2)  # the case view, and all the contacts together

    def test_gate_lookups_name_the_venue_and_offices_are_named(self) -> None:
        from ravao.privacy.services import audit_record, audit_record_many

        audit_record_many(
            actor=self.sam,
            action="gate.lookup",
            entries=[(self.visitor.pk, None, {"venue_id": self.venue_a.pk})],
        )
        audit_record(actor=self.carol, action="oversight.view", person_id=self.visitor.pk)
        client = self.device_client()
        client.cookies["django_language"] = "en"
        page = client.get("/me/")
        self.assertContains(page, "Staff of Công ty May Hạ Bằng checked your status at the gate")
        self.assertContains(page, "Xã Hạ Bằng")


class SearchLeavesNoTraceTests(PurposeTestCase):
    def test_finding_6_nothing_personal_in_urls_or_logs(self) -> None:
        """issue 9, finding 6: the search was a GET, so phone, ID number and name were in every access log."""
        secrets = [
            "0912000001",
            "912000001",
            "001092012345",
            "Nguyễn Văn An",
            "nguyen",
            "Nguy",
            str(self.f0.public_id),
        ]
        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        handler = Collect(level=logging.DEBUG)
        loggers = [logging.getLogger(n) for n in ("", "django", "django.request", "django.server", "ravao")]
        levels = [lg.level for lg in loggers]
        for lg in loggers:
            lg.addHandler(handler)
            lg.setLevel(logging.DEBUG)
        paths: list[str] = []
        try:
            self.login(self.hana)
            for query in ("0912 000 001", "001092012345", "Nguyễn Văn An", "x"):
                response = self.search(query)
                paths.append(response.wsgi_request.get_full_path())
            page = self.search("0912000001").content.decode()
            links = re.findall(r'(?:href|action|src)="([^"]*)"', page)
            url = self.new_case_url("0912000001")
            created = self.client.post(
                url, {"onset_date": self.yesterday(), "unit": self.units["district"].pk, "reason": "XN-1"}
            )
            links.append(created["Location"])
            case_page = self.client.get(created["Location"])
            paths.append(case_page.wsgi_request.get_full_path())
            links += re.findall(r'(?:href|action|src)="([^"]*)"', case_page.content.decode())
            paths.append(self.client.get(url).wsgi_request.get_full_path())
            paths.append(self.client.get("/tracing/?q=0912000001").wsgi_request.get_full_path())
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.removeHandler(handler)
                lg.setLevel(level)
        logged = "\n".join(r.getMessage() for r in records)
        self.assertTrue(records)  # the handler saw the app's and Django's logs (e.g. the 400)
        for secret in secrets:
            self.assertNotIn(secret, logged)
            for link in links + paths[:-1]:
                self.assertNotIn(secret.casefold(), link.casefold(), link)
        # A GET with the old query string searches nothing and records nothing.
        self.assertEqual(AuditEvent.objects.filter(action="person.search").count(), 5)


class SearchAndOpenViewTests(PurposeTestCase):
    def test_search_anonymous_wrong_role_wrong_method_retry(self) -> None:
        response = self.client.post("/tracing/", {"q": "0912000001"})
        self.assertIn("/accounts/login/", response["Location"])
        self.login(self.carol)
        self.assertEqual(self.client.post("/tracing/", {"q": "0912000001"}).status_code, 403)
        self.login(self.hana)
        self.assertEqual(self.client.put("/tracing/").status_code, 405)
        first, again = self.search("0912000001"), self.search("0912000001")  # a retried search: same answer
        self.assertContains(first, "Nguyễn Văn An")
        self.assertContains(again, "Nguyễn Văn An")
        self.assertEqual(AuditEvent.objects.filter(action="person.search").count(), 2)

    def test_a_token_works_only_in_its_session(self) -> None:
        self.login(self.hana)
        url = self.new_case_url("0912000001")
        self.assertEqual(self.client.get(url).status_code, 200)
        self.login(self.hoa)  # a new session
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.put(url).status_code, 405)

    def test_a_retried_opening_opens_one_case(self) -> None:
        self.login(self.hana)
        url = self.new_case_url("0912000001")
        data = {"onset_date": self.yesterday(), "unit": self.units["district"].pk, "reason": "XN-1"}
        first, again = self.client.post(url, data), self.client.post(url, data)
        case = Case.objects.get()
        self.assertRedirects(first, f"/tracing/cases/{case.pk}/")
        self.assertRedirects(again, f"/tracing/cases/{case.pk}/")
