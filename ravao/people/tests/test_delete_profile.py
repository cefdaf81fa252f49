"""Deleting one's own profile (/me/delete/) while a tracing case keeps it, and once it no longer does.

Issue 9, finding 8: deleting one's own profile deleted that person's tracing case and its contacts (by
cascade), with no audit row. Time is controlled (time_machine): cases are kept while open and for
RAVAO_CASE_RETENTION_DAYS (90) after they close.
"""

from datetime import timedelta

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ravao.people.models import Person
from ravao.people.services import device_register, person_delete
from ravao.privacy.models import AuditEvent
from ravao.tracing.models import Alert, Case, Contact
from ravao.tracing.services import case_close, case_open, case_send_alerts
from ravao.tracing.tests.base import TracingTestCase

URL = reverse("people:delete_profile")


@override_settings(LANGUAGE_CODE="vi")
class DeleteUnderTracingTests(TracingTestCase):
    def open_case(self) -> Case:
        case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        case_send_alerts(case=case, acting_user=self.hana)
        return case

    def delete_as(self, person: Person):
        device = device_register(person=person, owner=True)
        return self.device_client(device).post(URL, {"confirm": "yes"})

    def test_the_case_themself_is_refused_while_the_case_is_open(self):
        """Issue 9, finding 8: the person's open case and its contacts went with them."""
        case = self.open_case()
        contacts = Contact.objects.filter(case=case).count()
        response = self.delete_as(self.f0)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Chưa thể xoá hồ sơ của bạn", status_code=409)
        self.assertContains(response, "vẫn đang mở", status_code=409)
        self.assertContains(response, "90", status_code=409)
        self.assertTrue(Person.objects.filter(pk=self.f0.pk).exists())
        self.assertEqual(Contact.objects.filter(case=case).count(), contacts)
        event = AuditEvent.objects.get(action="profile.delete_refused")
        self.assertEqual(event.person_id, self.f0.pk)
        self.assertEqual(event.details["holds"], [{"kind": "case", "until": None}])

    def test_a_contact_of_a_kept_case_is_refused_until_its_retention_passes(self):
        """Issue 9, finding 8: a contact's deletion removed their rows from a case still kept."""
        case = self.open_case()
        with time_machine.travel(timezone.now() + timedelta(days=5), tick=False):
            case_close(case=case, acting_user=self.hana)
        kept_until = timezone.localdate(case.closed_at + timedelta(days=90))
        with time_machine.travel(case.closed_at + timedelta(days=89), tick=False):
            response = self.delete_as(self.coworker)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, kept_until.strftime("%d/%m/%Y"), status_code=409)
        # Nothing tells a contact which case or person: the same words as for any record.
        self.assertNotContains(response, "Nguyễn Văn An", status_code=409)
        self.assertTrue(Person.objects.filter(pk=self.coworker.pk).exists())
        self.assertTrue(Contact.objects.filter(case=case, person=self.coworker).exists())

        with time_machine.travel(case.closed_at + timedelta(days=91), tick=False):
            response = self.delete_as(self.coworker)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Person.objects.filter(pk=self.coworker.pk).exists())
        # The expired case went with them: it was past its retention, due for the purge.
        self.assertFalse(Case.objects.filter(pk=case.pk).exists())
        self.assertFalse(Alert.objects.filter(case_id=case.pk).exists())
        event = AuditEvent.objects.get(action="profile.delete")
        self.assertEqual(event.person_id, self.coworker.pk)
        self.assertEqual(event.details["counts"]["tracing.Case"], 1)
        self.assertEqual(event.details["counts"]["people.Person"], 1)

    def test_the_case_themself_may_delete_once_the_closed_case_expired(self):
        case = self.open_case()
        case_close(case=case, acting_user=self.hana)
        with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
            self.assertEqual(self.delete_as(self.f0).status_code, 409)
        with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
            self.assertEqual(self.delete_as(self.f0).status_code, 200)
        self.assertFalse(Person.objects.filter(pk=self.f0.pk).exists())
        self.assertFalse(Case.objects.filter(pk=case.pk).exists())

    def test_a_person_no_case_names_is_deleted_and_audited(self):
        response = self.delete_as(self.stranger)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Person.objects.filter(pk=self.stranger.pk).exists())
        event = AuditEvent.objects.get(action="profile.delete")
        self.assertEqual(event.person_id, self.stranger.pk)
        self.assertIsNone(event.actor)  # the person themself; no name or phone in the row
        self.assertNotIn("Hoàng", str(event.details))

    def test_retried_request_after_refusal_is_refused_again(self):
        self.open_case()
        self.assertEqual(self.delete_as(self.f0).status_code, 409)
        self.assertEqual(self.delete_as(self.f0).status_code, 409)
        self.assertEqual(AuditEvent.objects.filter(action="profile.delete_refused").count(), 2)

    def test_service_reports_the_holds(self):
        self.open_case()
        result = person_delete(person=self.f0, now=timezone.now())
        self.assertFalse(result.deleted)
        self.assertEqual([hold.kind for hold in result.holds], ["case"])
