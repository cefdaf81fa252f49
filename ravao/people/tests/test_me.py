from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.selectors import persons_named
from ravao.people.services import device_register
from ravao.test import RavaoTestCase

ANSWERS = {
    "places_visited": "",
    "fever": "False",
    "cough": "True",
    "shortness_of_breath": "False",
    "pneumonia": "False",
    "sore_throat": "False",
    "fatigue": "False",
    "contact_case": "False",
    "contact_abroad": "False",
    "contact_symptomatic": "False",
    "vaccine_doses": "",
    "last_dose_date": "",
    "consent": "on",
}


class MyPageTests(RavaoTestCase):
    def test_it_shows_visits_and_status(self):
        CheckIn.objects.create(
            person=self.visitor,
            venue=self.venue_a,
            checked_in_at=timezone.now(),
            method="self",
            device=self.visitor_device,
        )
        response = self.device_client().get(reverse("people:me"))
        self.assertContains(response, "Công ty May Hạ Bằng")
        self.assertContains(response, "status-green")

    def test_without_a_device(self):
        response = Client().get(reverse("people:me"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Nguyễn Văn An")

    def test_a_second_device_sees_only_its_own_visits(self):
        CheckIn.objects.create(
            person=self.visitor,
            venue=self.venue_a,
            checked_in_at=timezone.now(),
            method="self",
            device=self.visitor_device,
        )
        stranger = device_register(person=self.visitor, owner=False)
        response = self.device_client(stranger).get(reverse("people:me"))
        self.assertNotContains(response, "Công ty May Hạ Bằng")
        # ... and may not edit the person's details or delete them.
        self.assertEqual(self.device_client(stranger).get(reverse("people:profile_edit")).status_code, 403)
        self.assertEqual(
            self.device_client(stranger)
            .post(reverse("people:delete_profile"), {"confirm": "yes"})
            .status_code,
            403,
        )

    def test_wrong_method(self):
        self.assertEqual(self.device_client().post(reverse("people:me")).status_code, 405)
        self.assertEqual(self.device_client().get(reverse("people:forget_device")).status_code, 405)


class DeclarationEditTests(RavaoTestCase):
    def test_it_records_a_new_declaration(self):
        response = self.device_client().post(reverse("people:declaration_edit"), ANSWERS)
        self.assertRedirects(response, reverse("people:me"))
        latest = HealthDeclaration.objects.filter(person=self.visitor).first()
        self.assertTrue(latest.cough)
        self.assertEqual(latest.status, "yellow")

    def test_bad_input(self):
        response = self.device_client().post(
            reverse("people:declaration_edit"), {**ANSWERS, "consent": "", "last_dose_date": "2999-01-01"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(HealthDeclaration.objects.filter(person=self.visitor).count(), 1)

    def test_anonymous(self):
        response = Client().post(reverse("people:declaration_edit"), ANSWERS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(HealthDeclaration.objects.filter(person=self.visitor).count(), 1)


class ProfileTests(RavaoTestCase):
    def test_edit_profile(self):
        data = {
            "full_name": "Nguyễn Văn Ân",
            "phone": "0912345678",
            "id_number": "001092012345",
            "year_of_birth": "1992",
            "sex": "male",
            "nationality": "Việt Nam",
            "address": "Thôn 4",
            "email": "",
        }
        response = self.device_client().post(reverse("people:profile_edit"), data)
        self.assertRedirects(response, reverse("people:me"))
        self.visitor.refresh_from_db()
        self.assertEqual(self.visitor.full_name, "Nguyễn Văn Ân")
        self.assertEqual(list(persons_named("nguyen van an")), [self.visitor])
        self.assertEqual(self.visitor.id_number, "001092012345")

    def test_bad_profile(self):
        data = {"full_name": "A1", "phone": "x", "year_of_birth": "3000", "sex": "x", "nationality": "VN"}
        response = self.device_client().post(reverse("people:profile_edit"), data)
        self.assertEqual(response.status_code, 400)
        self.visitor.refresh_from_db()
        self.assertEqual(self.visitor.full_name, "Nguyễn Văn An")


class ForgetAndDeleteTests(RavaoTestCase):
    def test_forget_device(self):
        client = self.device_client()
        client.post(reverse("people:forget_device"))
        self.assertIsNotNone(Device.objects.get(pk=self.visitor_device.pk).forgotten_at)
        self.assertNotContains(self.device_client().get(reverse("people:me")), "Nguyễn Văn An")

    def test_delete_needs_confirmation(self):
        response = self.device_client().post(reverse("people:delete_profile"), {})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(Person.objects.filter(pk=self.visitor.pk).exists())

    def test_delete_everything(self):
        CheckIn.objects.create(
            person=self.visitor, venue=self.venue_a, checked_in_at=timezone.now(), method="self"
        )
        self.device_client().post(reverse("people:delete_profile"), {"confirm": "yes"})
        self.assertFalse(Person.objects.filter(pk=self.visitor.pk).exists())
        self.assertEqual(CheckIn.objects.count(), 0)
        self.assertEqual(HealthDeclaration.objects.count(), 0)


class MyPageTracingAndAuditTests(RavaoTestCase):
    def test_owner_sees_who_accessed_their_data(self):
        from ravao.privacy.services import audit_record

        audit_record(
            actor=self.hana,
            action="case.view",
            person_id=self.visitor.pk,
            reason="case:3",
            office="TTYT Thạch Thất",
        )
        response = self.device_client().get(reverse("people:me"))
        self.assertContains(response, "TTYT Thạch Thất")
        stranger = device_register(person=self.visitor, owner=False)
        self.assertNotContains(self.device_client(stranger).get(reverse("people:me")), "TTYT Thạch Thất")
