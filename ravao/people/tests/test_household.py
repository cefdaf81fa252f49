"""Households (issue 9, build item 3): one phone holds several people, each with their own profile,
declaration, personal QR and visits; khai hộ adds a member, the holder's owner phone manages them."""

import importlib
import uuid
from datetime import timedelta

from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.lib.tokens import verify_token
from ravao.people.models import HealthDeclaration, Person
from ravao.people.services import (
    Answers,
    MemberProfile,
    declaration_submit,
    device_register,
    household_member_add,
)
from ravao.people.tests.test_me import ANSWERS
from ravao.privacy.models import AuditEvent
from ravao.privacy.retention import retention_purge
from ravao.test import RavaoTestCase, make_person

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

    def test_declaring_again_for_the_same_member_is_not_a_second_member(self) -> None:
        client = self.device_client()
        client.post(reverse("people:family_declare"), {**CHILD, **ANSWERS})
        client.post(reverse("people:family_declare"), {**CHILD, **ANSWERS, "full_name": "nguyen van be"})
        member = Person.objects.get(household_of=self.visitor)
        self.assertEqual(HealthDeclaration.objects.filter(person=member).count(), 2)

    def test_a_new_declaration_starts_from_the_members_details(self) -> None:
        member = add_member(self.visitor)
        url = reverse("people:family_declare") + f"?member={member.public_id}"
        self.assertContains(self.device_client().get(url), 'value="Nguyễn Văn Bé"')
        self.assertEqual(
            self.device_client().get(reverse("people:family_declare") + "?member=x").status_code, 404
        )
        other = add_member(make_person(name="Phạm Văn Khác", phone="0987000999"), "Phạm Thị Nhỏ")
        url = reverse("people:family_declare") + f"?member={other.public_id}"
        self.assertEqual(self.device_client().get(url).status_code, 404)

    def test_someone_elses_phone_or_id_number_is_refused_and_not_revealed(self) -> None:
        make_person(name="Lê Văn Khách", phone="0912777888", id_number="001092099999")
        for extra in ({"phone": "0912777888"}, {"id_number": "001092099999"}):
            response = self.device_client().post(
                reverse("people:family_declare"), {**CHILD, **ANSWERS, **extra}
            )
            self.assertEqual(response.status_code, 409)
            self.assertNotContains(response, "Lê V. K.", status_code=409)
            self.assertNotContains(response, "Khách", status_code=409)
        self.assertFalse(Person.objects.filter(household_of=self.visitor).exists())

    def test_access_bad_input_and_method(self) -> None:
        url = reverse("people:family_declare")
        self.assertTemplateUsed(self.client.post(url, {**CHILD, **ANSWERS}), "people/no_device.html")
        other = self.device_client(device_register(person=self.visitor, owner=False))
        self.assertEqual(other.post(url, {**CHILD, **ANSWERS}).status_code, 403)
        self.assertEqual(self.device_client().put(url).status_code, 405)
        bad = self.device_client().post(url, {**CHILD, **ANSWERS, "year_of_birth": "2999", "phone": "12"})
        self.assertEqual(bad.status_code, 400)
        self.assertFalse(Person.objects.filter(household_of=self.visitor).exists())


def add_member(holder: Person, name: str = "Nguyễn Văn Bé", *, declared: bool = True) -> Person:
    member, _created = household_member_add(
        holder=holder, member=MemberProfile(full_name=name, year_of_birth=2015, sex="male")
    )
    if declared:
        declaration_submit(person=member, answers=Answers(), now=timezone.now(), declared_by=holder)
    return member


class HouseholdPageTests(RavaoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.member = add_member(self.visitor)
        self.visit = CheckIn.objects.create(
            person=self.member,
            venue=self.venue_a,
            checked_in_at=timezone.now(),
            method="self",
            device=self.visitor_device,
        )

    def test_the_owner_sees_each_members_status_qr_card_and_visits(self) -> None:
        page = self.device_client().get(reverse("people:me"))
        section = page.context["household"][0]
        self.assertEqual(section["member"], self.member)
        self.assertEqual(section["visits"], [self.visit])
        self.assertContains(page, f'id="member-{self.member.public_id}"')
        self.assertContains(page, reverse("people:family_card", args=[self.member.public_id]))
        self.assertContains(page, f'data-qr-token="{section["qr_token"]}"')
        # The member's QR names the member, not the holder.
        result = verify_token(str(section["qr_token"]), now=timezone.now())
        self.assertEqual(result.person_public_id, self.member.public_id)
        self.assertContains(page, "Công ty May Hạ Bằng")

    def test_a_non_owner_device_sees_nothing_of_the_members(self) -> None:
        other = self.device_client(device_register(person=self.visitor, owner=False))
        page = other.get(reverse("people:me"))
        self.assertNotContains(page, "Nguyễn Văn Bé")
        self.assertNotContains(page, str(self.member.public_id))
        self.assertNotContains(page, "Công ty May Hạ Bằng")
        self.assertEqual(
            other.get(reverse("people:family_card", args=[self.member.public_id])).status_code, 404
        )

    def test_the_members_card(self) -> None:
        url = reverse("people:family_card", args=[self.member.public_id])
        card = self.device_client().get(url)
        self.assertContains(card, "Nguyễn V. B.")
        self.assertEqual(
            verify_token(card.context["qr_token"], now=timezone.now()).person_public_id, self.member.public_id
        )
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.device_client().post(url).status_code, 405)

    def test_edit_a_member(self) -> None:
        url = reverse("people:family_edit", args=[self.member.public_id])
        self.assertContains(self.device_client().get(url), 'value="Nguyễn Văn Bé"')
        data = {"full_name": "Nguyễn Văn Bé Hai", "id_number": "", "year_of_birth": "2016", "sex": "male"}
        for _attempt in range(2):  # a retried POST lands on the same result
            response = self.device_client().post(url, data)
            self.assertRedirects(response, reverse("people:me") + f"#member-{self.member.public_id}")
        self.member.refresh_from_db()
        self.assertEqual((self.member.full_name, self.member.year_of_birth), ("Nguyễn Văn Bé Hai", 2016))
        self.assertIsNone(self.member.phone)
        self.assertEqual(
            AuditEvent.objects.filter(action="household.update", person_id=self.member.pk).count(), 2
        )

    def test_edit_refuses_bad_input_and_a_taken_id_number(self) -> None:
        make_person(name="Lê Văn Khách", phone="0912777888", id_number="001092099999")
        url = reverse("people:family_edit", args=[self.member.public_id])
        data = {
            "full_name": "Nguyễn Văn Bé",
            "id_number": "001092099999",
            "year_of_birth": "2015",
            "sex": "male",
        }
        response = self.device_client().post(url, data)
        self.assertContains(response, "Số giấy tờ này đã được đăng ký.", status_code=400)
        self.assertNotContains(response, "Khách", status_code=400)
        self.assertEqual(
            self.device_client().post(url, {**data, "id_number": "", "year_of_birth": "x"}).status_code, 400
        )
        self.member.refresh_from_db()
        self.assertIsNone(self.member.id_number)

    def test_edit_and_remove_access(self) -> None:
        other_holder = make_person(name="Phạm Văn Khác", phone="0987000999")
        other_device = device_register(person=other_holder, owner=True)
        non_owner = device_register(person=self.visitor, owner=False)
        for name in ("people:family_edit", "people:family_remove"):
            for public_id in (self.member.public_id, uuid.uuid4()):
                url = reverse(name, args=[public_id])
                self.assertEqual(self.client.post(url, {"confirm": "yes"}).status_code, 404)
                self.assertEqual(
                    self.device_client(other_device).post(url, {"confirm": "yes"}).status_code, 404
                )
                self.assertEqual(self.device_client(non_owner).post(url, {"confirm": "yes"}).status_code, 404)
        self.assertEqual(
            self.device_client().put(reverse("people:family_edit", args=[self.member.public_id])).status_code,
            405,
        )
        self.assertEqual(
            self.device_client()
            .get(reverse("people:family_remove", args=[self.member.public_id]))
            .status_code,
            405,
        )
        self.assertTrue(Person.objects.filter(pk=self.member.pk).exists())

    def test_remove_a_member_and_their_data(self) -> None:
        url = reverse("people:family_remove", args=[self.member.public_id])
        self.assertEqual(self.device_client().post(url).status_code, 400)  # not confirmed
        self.assertTrue(Person.objects.filter(pk=self.member.pk).exists())
        self.assertRedirects(self.device_client().post(url, {"confirm": "yes"}), reverse("people:me"))
        self.assertFalse(Person.objects.filter(pk=self.member.pk).exists())
        self.assertFalse(CheckIn.objects.filter(pk=self.visit.pk).exists())
        self.assertTrue(
            AuditEvent.objects.filter(action="household.remove", person_id=self.visitor.pk).exists()
        )
        # Retried: the member is gone, as if it never was.
        self.assertEqual(self.device_client().post(url, {"confirm": "yes"}).status_code, 404)

    def test_deleting_the_holder_deletes_the_members_they_manage(self) -> None:
        response = self.device_client().post(reverse("people:delete_profile"), {"confirm": "yes"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Person.objects.filter(pk__in=[self.visitor.pk, self.member.pk]).exists())

    def test_the_purge_keeps_a_holder_whose_member_is_kept(self) -> None:
        now = timezone.now()
        old = now - timedelta(days=settings.RAVAO_RETENTION_DAYS + 5)
        holder = make_person(name="Vũ Văn Cũ", phone="0911000009", declared_at=old)
        member = add_member(holder, declared=False)
        declaration_submit(person=member, answers=Answers(), now=now, declared_by=holder)
        Person.objects.filter(pk__in=[holder.pk, member.pk]).update(created_at=old)
        retention_purge(now=now)
        self.assertTrue(Person.objects.filter(pk__in=[holder.pk, member.pk]).count() == 2)
        # Once the member has nothing left, both go (the member first, the holder at the next run).
        HealthDeclaration.objects.filter(person=member).delete()
        retention_purge(now=now)
        retention_purge(now=now)
        self.assertFalse(Person.objects.filter(pk__in=[holder.pk, member.pk]).exists())


class HouseholdMigrationTests(RavaoTestCase):
    def test_persons_declared_for_become_household_members_where_that_is_what_they_are(self) -> None:
        """Data migration 0003: the khai hộ members of before households."""
        forwards = importlib.import_module(
            "ravao.people.migrations.0003_household_from_family_declarations"
        ).forwards
        grandma = make_person(name="Trần Thị Bà", phone="0912777888")
        HealthDeclaration.objects.filter(person=grandma).update(declared_by=self.visitor)
        # Someone declared for by two people, or with a phone (device) of their own, is left as they are.
        shared = make_person(name="Lê Thị Chung", phone="0912777889")
        other = make_person(name="Phạm Văn Khác", phone="0987000999")
        declaration_submit(person=shared, answers=Answers(), now=timezone.now(), declared_by=self.visitor)
        declaration_submit(person=shared, answers=Answers(), now=timezone.now(), declared_by=other)
        own_phone = make_person(name="Đỗ Văn Tự", phone="0912777880")
        declaration_submit(person=own_phone, answers=Answers(), now=timezone.now(), declared_by=self.visitor)
        device_register(person=own_phone, owner=True)
        forwards(django_apps, None)
        grandma.refresh_from_db()
        self.assertEqual(grandma.household_of, self.visitor)
        self.assertEqual(grandma.phone, "0912777888")
        self.assertEqual(list(Person.objects.filter(household_of__isnull=False)), [grandma])


class ContactPhoneTests(RavaoTestCase):
    def test_a_member_is_reached_through_the_holders_phone(self) -> None:
        member = add_member(self.visitor)
        self.assertEqual(member.contact_phone, "0912345678")
        self.assertEqual(self.visitor.contact_phone, "0912345678")
