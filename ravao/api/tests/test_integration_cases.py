"""Case and contact lists for a health office's other systems (issue 10, item 6: the tracing endpoints)."""

import uuid
from datetime import timedelta
from typing import Any

import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from ravao.accounts.models import Role
from ravao.api.tests.test_integration import TokenTestCase
from ravao.checkins.models import CheckIn
from ravao.people.models import Person
from ravao.privacy.models import AuditEvent
from ravao.privacy.selectors import person_accesses
from ravao.security.models import ApiToken
from ravao.security.services import api_token_revoke
from ravao.test import make_person
from ravao.tracing.models import Case, Contact
from ravao.tracing.services import case_open


class CaseApiTestCase(TokenTestCase):
    case: Case
    contact: Contact
    member: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A case who shared venue A (Hạ Bằng) with the visitor: the visitor is an F1.
        now = timezone.now() - timedelta(hours=3)
        CheckIn.objects.create(
            person=cls.visitor, venue=cls.venue_a, checked_in_at=now, method="self", client_id=uuid.uuid4()
        )
        f0 = make_person(name="Phạm Văn Ca", phone="0966000111")
        CheckIn.objects.create(person=f0, venue=cls.venue_a, checked_in_at=now, method="self")
        cls.case = case_open(
            person=f0,
            unit=cls.units["ha_bang"],
            onset_date=timezone.localdate(),
            sample_date=None,
            isolated_on=None,
            acting_user=cls.hana,
            reason="XN-2026-0042",
        )
        cls.contact = Contact.objects.get(case=cls.case, person=cls.visitor)
        # A child of the visitor's household, without a phone of their own, also a contact.
        cls.member = Person(
            full_name="Nguyễn Bé Na", year_of_birth=2018, sex="female", household_of=cls.visitor
        )
        cls.member.save()
        twin = Contact.objects.get(pk=cls.contact.pk)
        twin.pk, twin.person = None, cls.member
        twin.save()

    def officer_token(self, unit: str = "district") -> str:
        return self.make_token(role=Role.HEALTH_OFFICER, unit=unit)

    def contacts(self, secret: str | None, case_id: int | None = None, **kwargs: Any) -> Any:
        return self.api("get", f"/cases/{case_id or self.case.pk}/contacts", secret, **kwargs)


class CaseListTests(CaseApiTestCase):
    def test_an_officer_token_lists_the_cases_of_its_unit_with_counts_and_no_case_person(self) -> None:
        body = self.api("get", "/cases", self.officer_token()).json()
        self.assertEqual(body["count"], 1)
        row = body["cases"][0]
        self.assertEqual((row["id"], row["status"], row["reference"]), (self.case.pk, "open", "XN-2026-0042"))
        self.assertEqual((row["unit"], row["unit_code"]), ("Xã Hạ Bằng", "t-10009"))
        self.assertEqual(row["contacts"]["total"], 2)
        self.assertEqual(row["contacts"]["f1"], 2)
        self.assertEqual(sum(row["contacts"]["by_tier"].values()), 2)
        self.assertEqual(row["contacts"]["by_decision"]["candidate"], 2)
        self.assertNotIn("Phạm", str(body))
        self.assertNotIn("0966000111", str(body))
        self.assertTrue(AuditEvent.objects.filter(action="api.cases", details__returned=1).exists())

    def test_filters_and_paging(self) -> None:
        secret = self.officer_token()
        self.assertEqual(self.api("get", "/cases?status=closed", secret).json()["count"], 0)
        self.assertEqual(self.api("get", "/cases?status=open", secret).json()["count"], 1)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        self.assertEqual(self.api("get", f"/cases?opened_since={tomorrow}", secret).json()["count"], 0)
        today = timezone.localdate().isoformat()
        self.assertEqual(self.api("get", f"/cases?opened_since={today}", secret).json()["count"], 1)
        body = self.api("get", "/cases?offset=1", secret).json()
        self.assertEqual((body["count"], body["cases"]), (1, []))

    def test_a_token_of_another_commune_sees_no_case(self) -> None:
        body = self.api("get", "/cases", self.officer_token(unit="lien_quan")).json()
        self.assertEqual((body["count"], body["cases"]), (0, []))
        self.assertEqual(self.api("get", "/cases", self.officer_token(unit="ha_bang")).json()["count"], 1)

    def test_other_roles_get_a_403_in_the_request_language(self) -> None:
        for role in (Role.DISTRICT_ADMIN, Role.COMMUNE_OFFICIAL):
            secret = self.make_token(role=role)
            with self.subTest(role=role):
                response = self.api("get", "/cases", secret, HTTP_ACCEPT_LANGUAGE="en")
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json()["code"], "forbidden")
                self.assertIn("health officer", response.json()["message"])
                response = self.contacts(secret, HTTP_ACCEPT_LANGUAGE="vi")
                self.assertEqual(response.status_code, 403)
                self.assertIn("cán bộ y tế", response.json()["message"])
        self.assertFalse(AuditEvent.objects.filter(action="tracing.contact_export").exists())

    def test_bad_parameters_are_a_422_with_a_code_and_a_message(self) -> None:
        secret = self.officer_token()
        for query in ("status=lost", "opened_since=yesterday", "limit=0", "limit=100000", "offset=-1"):
            with self.subTest(query=query):
                response = self.api("get", f"/cases?{query}", secret, HTTP_ACCEPT_LANGUAGE="vi")
                self.assertEqual(response.status_code, 422)
                body = response.json()
                self.assertEqual(body["code"], "invalid")
                self.assertIn("không hợp lệ", body["message"])
                self.assertTrue(body["errors"])
        response = self.contacts(secret, QUERY_STRING="limit=abc", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["message"], "The request is not valid.")
        self.assertEqual(self.api("get", "/cases/x/contacts", secret).status_code, 422)

    def test_no_token_a_revoked_token_or_a_session_is_a_401(self) -> None:
        secret = self.officer_token()
        self.assertEqual(self.api("get", "/cases", secret).status_code, 200)
        api_token_revoke(token=ApiToken.objects.get(), by=self.dan)
        for candidate in (secret, None):
            with self.subTest(candidate=candidate):
                self.assertEqual(self.api("get", "/cases", candidate).status_code, 401)
                self.assertEqual(self.contacts(candidate).status_code, 401)
        self.login(self.hana)  # an officer's session is not a token
        self.assertEqual(self.client.get("/api/v1/cases").status_code, 401)

    def test_wrong_method(self) -> None:
        secret = self.officer_token()
        self.assertEqual(self.api("post", "/cases", secret).status_code, 405)
        self.assertEqual(self.api("delete", f"/cases/{self.case.pk}/contacts", secret).status_code, 405)


class ContactListTests(CaseApiTestCase):
    def test_the_contact_list_as_the_export_has_it(self) -> None:
        body = self.contacts(self.officer_token(), HTTP_ACCEPT_LANGUAGE="vi").json()
        self.assertEqual((body["case_id"], body["count"]), (self.case.pk, 2))
        rows = {row["full_name"]: row for row in body["contacts"]}
        visitor = rows["Nguyễn Văn An"]
        self.assertEqual((visitor["phone"], visitor["phone_kind"]), ("0912345678", "own"))
        self.assertEqual((visitor["generation"], visitor["venue_code"]), (1, self.venue_a.code))
        self.assertEqual((visitor["decision"], visitor["followup"]), ("candidate", "to_call"))
        self.assertEqual(visitor["year_of_birth"], 1990)
        self.assertTrue(visitor["reason"])
        self.assertIsNotNone(visitor["exposure_start"])
        # A household member is reached through the holder's phone.
        child = rows["Nguyễn Bé Na"]
        self.assertEqual((child["phone"], child["phone_kind"]), ("0912345678", "household"))
        self.assertNotIn("0966000111", str(body))  # never the case person

    def test_a_case_of_another_unit_or_a_missing_one_is_the_same_404(self) -> None:
        other = self.officer_token(unit="lien_quan")
        missing = self.contacts(self.officer_token(), case_id=self.case.pk + 1000, HTTP_ACCEPT_LANGUAGE="en")
        outside = self.contacts(other, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual((missing.status_code, outside.status_code), (404, 404))
        self.assertEqual(missing.json(), outside.json())
        self.assertEqual(outside.json()["code"], "not_found")
        self.assertFalse(AuditEvent.objects.filter(action="tracing.contact_export").exists())

    def test_each_contact_is_audited_once_a_day_per_token(self) -> None:
        secret = self.officer_token()
        self.contacts(secret)
        self.contacts(secret)  # a retried request: nothing more
        events = AuditEvent.objects.filter(action="tracing.contact_export")
        self.assertEqual(events.count(), 2)
        token = ApiToken.objects.get()
        event = events.get(person_id=self.visitor.pk)
        self.assertIsNone(event.actor)
        self.assertEqual(
            (event.actor_role, event.actor_office), (Role.HEALTH_OFFICER, "Trung tâm Y tế Huyện Thạch Thất")
        )
        self.assertEqual(event.details["token"], token.prefix)
        self.assertEqual(event.reason, f"case:{self.case.pk}")
        self.assertIn(token.prefix, event.coalesce_key or "")
        # Another system (another token) is recorded on its own.
        self.contacts(self.officer_token(unit="ha_bang"))
        self.assertEqual(events.count(), 4)
        # A paged read records only the contacts returned.
        with time_machine.travel(timezone.now() + timedelta(days=1)):
            body = self.contacts(secret, QUERY_STRING="limit=1").json()
            self.assertEqual((body["count"], len(body["contacts"])), (2, 1))
        self.assertEqual(events.count(), 5)

    def test_the_contact_sees_the_access_in_words(self) -> None:
        self.contacts(self.officer_token())
        with translation.override("vi"):
            lines = [line.text for line in person_accesses(self.visitor.pk)]
        self.assertTrue(
            any("Hệ thống “Hệ thống báo cáo” của Trung tâm Y tế Huyện Thạch Thất" in line for line in lines),
            lines,
        )
        self.assertTrue(any("F1" in line for line in lines), lines)
        page = self.device_client().get(reverse("people:me"), HTTP_ACCEPT_LANGUAGE="vi")
        self.assertContains(page, "Hệ thống báo cáo")

    def test_a_revoked_token_reads_nothing(self) -> None:
        secret = self.officer_token()
        api_token_revoke(token=ApiToken.objects.get(), by=self.dan)
        self.assertEqual(self.contacts(secret).status_code, 401)
        self.assertFalse(AuditEvent.objects.filter(action="tracing.contact_export").exists())


class ImportSeenByThePersonTests(CaseApiTestCase):
    def test_a_person_whose_visits_a_system_imported_sees_it_in_words(self) -> None:
        row = {
            "venue_code": self.venue_a.code,
            "full_name": "Nguyễn Văn An",
            "phone": "0912345678",
            "checked_in_at": (timezone.now() - timedelta(days=1)).isoformat(),
        }
        secret = self.make_token(role=Role.COMMUNE_OFFICIAL, unit="ha_bang")
        response = self.api(
            "post", "/import/checkins", secret, data={"rows": [row]}, content_type="application/json"
        )
        self.assertEqual(response.json()["new"], 1)
        event = AuditEvent.objects.get(action="api.import_person")
        self.assertEqual((event.person_id, event.actor_office), (self.visitor.pk, "UBND Xã Hạ Bằng"))
        with translation.override("vi"):
            lines = [line.text for line in person_accesses(self.visitor.pk)]
        self.assertIn(
            "Hệ thống “Hệ thống báo cáo” của UBND Xã Hạ Bằng đã ghi các lượt ra vào của bạn", lines[0]
        )
