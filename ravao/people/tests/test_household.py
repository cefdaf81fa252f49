"""Households (issue 9, build item 3): one phone holds several people, each with their own profile,
declaration, personal QR and visits; khai hộ adds a member, the holder's owner phone manages them."""


from django.urls import reverse

from ravao.people.models import HealthDeclaration, Person
from ravao.people.tests.test_me import ANSWERS
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase

CHILD = {
    "full_name": "Nguyễn Văn Bé",
    "phone": "",
    "id_number": "",
    "year_of_birth": "2015",
    "sex": "male",
}


class KhaiHoTests(RavaoTestCase):
    def test_declaring_with_my_own_phone_adds_a_household_member(self) -> None:
        """Issue 9, finding 9: a khai hộ with the declarer's own phone was refused (409)."""
        response = self.device_client().post(
            reverse("people:family_declare"),
            {**CHILD, **ANSWERS, "phone": "0912 345 678", "nationality": "Việt Nam"},
        )
        self.assertEqual(response.status_code, 302)
        member = Person.objects.get(household_of=self.visitor)
        self.assertRedirects(response, reverse("people:me") + f"#member-{member.public_id}")
        self.assertEqual(member.full_name, "Nguyễn Văn Bé")
        self.assertIsNone(member.phone)
        self.assertEqual(member.year_of_birth, 2015)
        declaration = HealthDeclaration.objects.get(person=member)
        self.assertEqual(declaration.declared_by, self.visitor)
        self.assertEqual(declaration.status, "yellow")  # ANSWERS has a cough
        # The holder is untouched: name, declaration and status are their own.
        self.visitor.refresh_from_db()
        self.assertEqual(self.visitor.full_name, "Nguyễn Văn An")
        self.assertEqual(HealthDeclaration.objects.filter(person=self.visitor).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="household.add", person_id=member.pk).exists())
