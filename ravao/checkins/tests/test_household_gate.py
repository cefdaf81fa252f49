"""Staff entry at the gate with a relative's phone (issue 9, finding 9): a household member, never a merge."""

import uuid

from django.urls import reverse

from ravao.checkins.models import CheckIn
from ravao.people.models import Person
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
