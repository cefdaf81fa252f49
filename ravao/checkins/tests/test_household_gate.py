"""Staff entry at the gate with a relative's phone (issue 9, finding 9): a household member, never a merge."""

import json
import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.lib.tokens import issue_token
from ravao.people.models import Person
from ravao.people.services import MemberProfile, household_member_add
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase

GRANDMA = {
    "full_name": "Bà Nguyễn Thị Tư",
    "phone": "0912 345 678",  # the visitor's (her grandson's) phone, as the form's hint allows
    "id_number": "",
    "year_of_birth": "1941",
    "sex": "female",
}


class GateHouseholdEntryTests(RavaoTestCase):
    def url(self) -> str:
        return reverse("checkins:gate_visitor", args=[self.venue_a.pk])

    def test_a_relatives_phone_adds_a_household_member_not_a_merge(self) -> None:
        """Issue 9, finding 9: the visitor typed with a relative's phone was merged into the relative
        (the visit landed in the relative's history under the relative's name)."""
        self.login(self.sam)
        response = self.client.post(self.url(), {**GRANDMA, "client_id": str(uuid.uuid4())})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(CheckIn.objects.filter(person=self.visitor).exists())
        member = Person.objects.get(household_of=self.visitor)
        self.assertEqual(member.full_name, "Bà Nguyễn Thị Tư")
        self.assertEqual(member.year_of_birth, 1941)
        self.assertIsNone(member.phone)
        self.assertEqual(CheckIn.objects.get().person, member)
        # Staff see whose name was recorded (masked) and that a household member was added.
        self.assertContains(response, "Bà N. T. T.")
        self.assertNotContains(response, "Nguyễn V. A.")
        self.assertContains(response, 'id="household-added"')
        event = AuditEvent.objects.get(action="gate.manual")
        self.assertEqual(event.person_id, member.pk)
        self.assertTrue(event.details["household_member"])

    def test_the_same_relative_again_is_the_same_member(self) -> None:
        self.login(self.sam)
        self.client.post(self.url(), {**GRANDMA, "client_id": str(uuid.uuid4())})
        again = self.client.post(
            self.url(), {**GRANDMA, "full_name": "ba nguyen thi tu", "client_id": str(uuid.uuid4())}
        )
        self.assertContains(again, 'id="household-added"')
        self.assertEqual(Person.objects.filter(household_of=self.visitor).count(), 1)
        self.assertEqual(CheckIn.objects.filter(person__household_of=self.visitor).count(), 2)
        # A retried post (same client id) is one check-in, and no second member.
        client_id = str(uuid.uuid4())
        self.client.post(self.url(), {**GRANDMA, "client_id": client_id})
        self.client.post(self.url(), {**GRANDMA, "client_id": client_id})
        self.assertEqual(CheckIn.objects.filter(person__household_of=self.visitor).count(), 3)

    def test_the_phones_own_person_is_still_themselves(self) -> None:
        self.login(self.sam)
        response = self.client.post(
            self.url(), {**GRANDMA, "full_name": "Nguyễn Văn An", "client_id": str(uuid.uuid4())}
        )
        self.assertNotContains(response, 'id="household-added"')
        self.assertEqual(CheckIn.objects.get().person, self.visitor)
        self.assertFalse(Person.objects.filter(household_of__isnull=False).exists())

    def test_wrong_role_and_bad_input_add_nobody(self) -> None:
        self.login(self.carol)
        self.assertEqual(self.client.post(self.url(), GRANDMA).status_code, 404)
        self.login(self.sam)
        self.assertEqual(self.client.post(self.url(), {**GRANDMA, "year_of_birth": "x"}).status_code, 400)
        self.assertFalse(Person.objects.filter(household_of__isnull=False).exists())

    def test_a_members_personal_qr_checks_in_the_member_not_the_holder(self) -> None:
        member, _created = household_member_add(
            holder=self.visitor,
            member=MemberProfile(full_name="Nguyễn Văn Bé", year_of_birth=2015, sex="male"),
        )
        token = issue_token(member.public_id, now=timezone.now(), ttl=timedelta(hours=1))
        self.login(self.sam)
        item = {
            "client_id": str(uuid.uuid4()),
            "kind": "token",
            "payload": token,
            "direction": "in",
            "area": None,
            "scanned_at": timezone.now().isoformat(),
        }
        url = reverse("checkins:gate_sync", args=[self.venue_a.pk])
        response = self.client.post(url, json.dumps({"scans": [item]}), content_type="application/json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(CheckIn.objects.get().person, member)
        self.assertNotIn("Nguyễn V. A.", response.content.decode())
