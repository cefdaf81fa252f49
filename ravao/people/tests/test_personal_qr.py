"""Personal QR on the personal page, the printable wallet card, and declaring for a family member."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from ravao.lib.qr import qr_svg_inline
from ravao.lib.tokens import verify_token
from ravao.people.models import HealthDeclaration
from ravao.people.selectors import person_by_phone_or_id
from ravao.people.services import device_register
from ravao.people.tests.test_me import ANSWERS
from ravao.test import RavaoTestCase

MEMBER = {
    "full_name": "Nguyễn Thị Bà",
    "phone": "0912 777 888",
    "id_number": "",
    "year_of_birth": "1940",
    "sex": "female",
    "nationality": "Việt Nam",
    "address": "",
    "email": "",
}


def qr_text(context: object) -> str:
    """The token the page drew, checked against the drawing: the SVG is exactly the QR of that token."""
    token = context["qr_token"]  # type: ignore[index]
    svg = str(context["qr_svg"])  # type: ignore[index]
    assert svg == qr_svg_inline(token)
    assert "viewBox" in svg and "width=" not in svg  # sized by CSS, never cropped (issue 12, finding 4)
    return str(token)


class PersonalQrTests(RavaoTestCase):
    def test_the_owner_sees_a_personal_qr_that_verifies(self) -> None:
        response = self.device_client().get(reverse("people:me"))
        self.assertContains(response, 'id="personal-qr"')
        self.assertNotIn(self.visitor.full_name, str(response.context["qr_svg"]))
        result = verify_token(qr_text(response.context), now=timezone.now())
        self.assertTrue(result.ok)
        self.assertEqual(result.person_public_id, self.visitor.public_id)
        self.assertLess(response.context["qr_expires"], timezone.now() + timedelta(hours=25))

    def test_another_device_of_the_person_gets_no_qr(self) -> None:
        other = device_register(person=self.visitor, owner=False)
        response = self.device_client(other).get(reverse("people:me"))
        self.assertNotContains(response, 'id="personal-qr"')
        self.assertEqual(self.device_client(other).get(reverse("people:wallet_card")).status_code, 403)
        self.assertEqual(self.device_client(other).get(reverse("people:family_declare")).status_code, 403)

    def test_the_wallet_card_is_long_lived(self) -> None:
        response = self.device_client().get(reverse("people:wallet_card"))
        self.assertContains(response, "Nguyễn V. A.")
        self.assertNotContains(response, "Nguyễn Văn An")
        result = verify_token(qr_text(response.context), now=timezone.now() + timedelta(days=300))
        self.assertTrue(result.ok)

    def test_without_a_device(self) -> None:
        self.assertEqual(self.client.get(reverse("people:wallet_card")).status_code, 200)
        self.assertTemplateUsed(self.client.get(reverse("people:wallet_card")), "people/no_device.html")
        self.assertEqual(self.client.get(reverse("people:family_declare")).status_code, 200)
        self.assertEqual(self.client.post(reverse("people:wallet_card")).status_code, 405)


class FamilyTests(RavaoTestCase):
    def test_declare_for_a_family_member_and_print_their_card(self) -> None:
        client = self.device_client()
        self.assertEqual(client.get(reverse("people:family_declare")).status_code, 200)
        response = client.post(reverse("people:family_declare"), {**MEMBER, **ANSWERS})
        member = person_by_phone_or_id(phone="0912777888", id_number=None)
        assert member is not None
        self.assertRedirects(response, reverse("people:me") + f"#member-{member.public_id}")
        self.assertEqual(member.household_of, self.visitor)  # a member with a phone of their own
        declaration = HealthDeclaration.objects.get(person=member)
        self.assertEqual(declaration.declared_by, self.visitor)
        self.assertEqual(declaration.status, "yellow")  # ANSWERS has a cough
        card = client.get(reverse("people:family_card", args=[member.public_id]))
        self.assertContains(card, "Nguyễn T. B.")
        result = verify_token(qr_text(card.context), now=timezone.now())
        self.assertEqual(result.person_public_id, member.public_id)
        page = client.get(reverse("people:me"))
        self.assertContains(page, "Nguyễn Thị Bà")
        # Declaring again for the same member is allowed (a new declaration, the same person).
        again = client.post(reverse("people:family_declare"), {**MEMBER, **ANSWERS})
        self.assertEqual(again.status_code, 302)
        self.assertEqual(HealthDeclaration.objects.filter(person=member).count(), 2)

    def test_an_existing_stranger_is_not_handed_out(self) -> None:
        from ravao.test import make_person

        stranger = make_person(name="Lê Văn Khách", phone="0912777888")
        response = self.device_client().post(reverse("people:family_declare"), {**MEMBER, **ANSWERS})
        self.assertEqual(response.status_code, 409)
        self.assertFalse(HealthDeclaration.objects.filter(person=stranger, declared_by=self.visitor).exists())
        card = self.device_client().get(reverse("people:family_card", args=[stranger.public_id]))
        self.assertEqual(card.status_code, 404)

    def test_my_own_id_number_is_refused(self) -> None:
        # My own phone makes a household member (people/tests/test_household.py); my own ID number is mine.
        self.visitor.id_number = "001092012345"
        self.visitor.save()
        response = self.device_client().post(
            reverse("people:family_declare"), {**MEMBER, **ANSWERS, "id_number": "001092012345"}
        )
        self.assertEqual(response.status_code, 409)
        self.assertNotContains(response, "Nguyễn V. A.", status_code=409)

    def test_bad_input(self) -> None:
        response = self.device_client().post(reverse("people:family_declare"), {**MEMBER, "phone": "1"})
        self.assertEqual(response.status_code, 400)

    def test_someone_elses_member_card_is_404(self) -> None:
        client = self.device_client()
        client.post(reverse("people:family_declare"), {**MEMBER, **ANSWERS})
        member = person_by_phone_or_id(phone="0912777888", id_number=None)
        assert member is not None
        from ravao.test import make_person

        other = make_person(name="Phạm Văn Khác", phone="0987000999")
        other_device = device_register(person=other, owner=True)
        response = self.device_client(other_device).get(
            reverse("people:family_card", args=[member.public_id])
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.client.get(reverse("people:family_card", args=[member.public_id])).status_code, 404
        )
