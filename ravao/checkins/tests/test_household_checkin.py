"""One tap checks in the chosen household members together (issue 9, build item 3)."""

import uuid
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import HealthDeclaration, Person
from ravao.people.services import (
    Answers,
    MemberProfile,
    declaration_submit,
    device_register,
    household_member_add,
)
from ravao.test import RavaoTestCase


def add_member(
    holder: Person,
    name: str,
    *,
    year: int = 2015,
    declared_days_ago: float | None = 0,
    answers: Answers | None = None,
) -> Person:
    member, _ = household_member_add(
        holder=holder, member=MemberProfile(full_name=name, year_of_birth=year, sex="female")
    )
    if declared_days_ago is not None:
        declaration_submit(
            person=member,
            answers=answers or Answers(),
            now=timezone.now() - timedelta(days=declared_days_ago),
            declared_by=holder,
        )
    return member


class HouseholdCheckInTests(RavaoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.child = add_member(self.visitor, "Nguyễn Thị Con", answers=Answers(cough=True))
        self.grandma = add_member(self.visitor, "Trần Thị Bà", year=1940, declared_days_ago=2)

    def url(self) -> str:
        return reverse("checkins:scan", args=[self.venue_a.qr_code])

    def tap(self, client_id: str, *who: str, action: str = "checkin", client: Client | None = None) -> Any:
        data = {"action": action, "client_id": client_id, "household": "1", "who": list(who)}
        return (client or self.device_client()).post(self.url(), data)

    def test_the_page_offers_the_household_with_the_holder_checked(self) -> None:
        page = self.device_client().get(self.url())
        self.assertContains(page, 'name="who" value="self" checked')
        self.assertContains(page, f'name="who" value="{self.child.public_id}">')
        self.assertContains(page, "Nguyễn Thị Con")
        # Grandma's declaration is two days old: the page says the tap re-confirms it.
        self.assertContains(page, f'value="{self.grandma.public_id}">')
        self.assertContains(page, "được xác nhận lại")

    def test_one_tap_checks_in_each_chosen_member_with_their_own_status(self) -> None:
        client_id = self.new_client_id()
        response = self.tap(client_id, "self", str(self.child.public_id), str(self.grandma.public_id))
        self.assertEqual(response.status_code, 200)
        rows = {c.person_id: c for c in CheckIn.objects.filter(venue=self.venue_a)}
        self.assertEqual(set(rows), {self.visitor.pk, self.child.pk, self.grandma.pk})
        self.assertEqual(str(rows[self.visitor.pk].client_id), client_id)
        self.assertEqual(
            rows[self.child.pk].client_id, uuid.uuid5(uuid.UUID(client_id), str(self.child.public_id))
        )
        self.assertEqual(rows[self.visitor.pk].status_at_entry, "green")
        self.assertEqual(rows[self.child.pk].status_at_entry, "yellow")  # her own cough
        self.assertEqual(rows[self.grandma.pk].status_at_entry, "green")  # re-confirmed now
        self.assertTrue(all(c.device_id == self.visitor_device.pk for c in rows.values()))
        # Grandma's re-confirmation is her own declaration, made by the holder.
        latest = HealthDeclaration.objects.filter(person=self.grandma).order_by("-created_at").first()
        assert latest is not None
        self.assertEqual(latest.declared_by, self.visitor)
        self.assertEqual(HealthDeclaration.objects.filter(person=self.grandma).count(), 2)
        # The confirmation lists each member with their own colour.
        self.assertContains(response, 'class="household-entries"')
        self.assertContains(
            response, '<li class="status-yellow"><span class="dot status-yellow"></span> Nguyễn Thị Con'
        )
        self.assertContains(
            response, '<li class="status-green"><span class="dot status-green"></span> Trần Thị Bà'
        )

    def test_a_retried_tap_records_nothing_twice(self) -> None:
        client_id = self.new_client_id()
        who = ("self", str(self.child.public_id), str(self.grandma.public_id))
        self.tap(client_id, *who)
        again = self.tap(client_id, *who)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(CheckIn.objects.count(), 3)
        self.assertEqual(HealthDeclaration.objects.filter(person=self.grandma).count(), 2)
        self.assertContains(again, "Trần Thị Bà")

    def test_the_confirmation_address_lists_the_household_and_one_checkout_closes_it(self) -> None:
        client_id = self.new_client_id()
        self.tap(client_id, "self", str(self.child.public_id), str(self.grandma.public_id))
        page = self.device_client().get(reverse("checkins:confirmation", args=[client_id]))
        self.assertContains(page, "Nguyễn Thị Con")
        self.assertContains(page, "Trần Thị Bà")
        member_id = uuid.uuid5(uuid.UUID(client_id), str(self.child.public_id))
        member_page = self.device_client().get(reverse("checkins:confirmation", args=[member_id]))
        self.assertContains(member_page, "Nguyễn Thị Con")
        # Another device of the holder, or nobody, finds neither.
        other = self.device_client(device_register(person=self.visitor, owner=False))
        self.assertEqual(other.get(reverse("checkins:confirmation", args=[member_id])).status_code, 404)
        self.assertEqual(other.post(reverse("checkins:checkout", args=[member_id])).status_code, 404)
        self.assertEqual(self.client.get(reverse("checkins:confirmation", args=[member_id])).status_code, 404)
        # The household leaves with one tap (and a retried check-out changes nothing).
        for _attempt in range(2):
            response = self.device_client().post(reverse("checkins:checkout", args=[client_id]))
            self.assertEqual(response.status_code, 200)
        self.assertFalse(CheckIn.objects.filter(checked_out_at__isnull=True).exists())
        self.assertFalse(CheckIn.objects.filter(checked_out_estimated=True).exists())

    def test_a_household_tap_is_one_tap_for_the_burst_flag(self) -> None:
        from ravao.checkins.models import CheckInFlag
        from ravao.checkins.plausibility import checkins_flag_implausible

        more = [add_member(self.visitor, f"Nguyễn Văn Cháu {n}") for n in ("Một", "Hai", "Ba", "Bốn")]
        members = [self.child, self.grandma, *more]
        self.tap(self.new_client_id(), "self", *(str(m.public_id) for m in members))
        self.assertEqual(CheckIn.objects.count(), 7)
        now = timezone.now()
        self.assertEqual(checkins_flag_implausible(since=now - timedelta(minutes=15), now=now), 0)
        self.assertFalse(CheckInFlag.objects.exists())

    def test_scanning_again_checks_the_household_out_together(self) -> None:
        self.tap(self.new_client_id(), "self", str(self.child.public_id))
        # Grandma was checked in here by another phone: she is not this phone's to check out.
        other = device_register(person=self.visitor, owner=False)
        CheckIn.objects.create(
            person=self.grandma, venue=self.venue_a, checked_in_at=timezone.now(), method="self", device=other
        )
        response = self.device_client().post(self.url(), {"action": "checkout"})
        self.assertEqual(response.status_code, 200)
        open_ids = set(
            CheckIn.objects.filter(checked_out_at__isnull=True).values_list("person_id", flat=True)
        )
        self.assertEqual(open_ids, {self.grandma.pk})

    def test_members_without_the_holder(self) -> None:
        self.tap(self.new_client_id(), str(self.child.public_id))
        self.assertEqual(list(CheckIn.objects.values_list("person_id", flat=True)), [self.child.pk])

    def test_the_holder_alone_with_a_stale_declaration_reconfirms(self) -> None:
        HealthDeclaration.objects.filter(person=self.visitor).update(
            created_at=timezone.now() - timedelta(days=2)
        )
        # The plain "Check in" with a stale declaration shows the page again, as without a household.
        self.assertEqual(self.tap(self.new_client_id(), "self").status_code, 200)
        self.assertFalse(CheckIn.objects.exists())
        self.tap(self.new_client_id(), "self", action="reconfirm")
        self.assertEqual(CheckIn.objects.get().person, self.visitor)

    def test_bad_input_records_nothing(self) -> None:
        for who in ([], [str(uuid.uuid4())], ["self", "not-a-uuid"]):
            response = self.tap(self.new_client_id(), *who)
            self.assertEqual(response.status_code, 400, who)
            self.assertContains(response, 'role="alert"', status_code=400)
        # A member with no declaration at all must be declared for first.
        baby = add_member(self.visitor, "Nguyễn Văn Bé", declared_days_ago=None)
        page = self.device_client().get(self.url())
        self.assertContains(page, f'value="{baby.public_id}" disabled')
        self.assertEqual(self.tap(self.new_client_id(), "self", str(baby.public_id)).status_code, 400)
        self.assertFalse(CheckIn.objects.exists())

    def test_another_households_member_cannot_be_checked_in(self) -> None:
        from ravao.test import make_person

        other = make_person(name="Phạm Văn Khác", phone="0987000999")
        stranger_member = add_member(other, "Phạm Thị Nhỏ")
        response = self.tap(self.new_client_id(), "self", str(stranger_member.public_id))
        self.assertEqual(response.status_code, 400)
        self.assertNotContains(response, "Phạm Thị Nhỏ", status_code=400)
        self.assertFalse(CheckIn.objects.exists())

    def test_a_non_owner_device_sees_and_checks_in_no_member(self) -> None:
        other = self.device_client(device_register(person=self.visitor, owner=False))
        page = other.get(self.url())
        self.assertNotContains(page, "Nguyễn Thị Con")
        self.assertNotContains(page, 'name="who"')
        self.tap(self.new_client_id(), "self", str(self.child.public_id), client=other)
        self.assertEqual(list(CheckIn.objects.values_list("person_id", flat=True)), [self.visitor.pk])

    def test_anonymous_and_wrong_method(self) -> None:
        response = self.client.post(
            self.url(), {"action": "checkin", "household": "1", "who": [str(self.child.public_id)]}
        )
        self.assertEqual(response.status_code, 400)  # the first-visit form, incomplete
        self.assertFalse(CheckIn.objects.exists())
        self.assertEqual(self.device_client().put(self.url()).status_code, 405)

    def test_one_tap_costs_a_constant_number_of_queries_per_member(self) -> None:
        HealthDeclaration.objects.filter(person=self.grandma).update(created_at=timezone.now())
        members = [self.child, self.grandma]
        members += [add_member(self.visitor, f"Nguyễn Văn Cháu {n}") for n in ("Một", "Hai", "Ba")]
        client = self.device_client()

        def tap(client_id: str, count: int) -> int:
            who = ["self", *(str(m.public_id) for m in members[:count])]
            data = {"action": "checkin", "client_id": client_id, "household": "1", "who": who}
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.post(self.url(), data).status_code, 200)
            return len(queries)

        costs = {}
        for count in (1, 3, 5):
            CheckIn.objects.all().delete()
            costs[count] = tap(self.new_client_id(), count)
        # A fixed base (venue, device, visit inside, declarations, household, replay check) and a fixed
        # cost per new check-in (savepoint, person lock, open visits, insert, release): nothing grows
        # beyond that.
        per_person = (costs[5] - costs[3]) // 2
        self.assertEqual(costs[3] - costs[1], 2 * per_person)
        self.assertLessEqual(per_person, 5)
        self.assertLessEqual(costs[1] - 2 * per_person, 9)
        # A retried tap costs no query per member at all.
        client_id = self.new_client_id()
        CheckIn.objects.all().delete()
        tap(client_id, 5)
        with self.assertNumQueries(costs[1] - 2 * per_person):
            client.post(
                self.url(),
                {
                    "action": "checkin",
                    "client_id": client_id,
                    "household": "1",
                    "who": ["self", *(str(m.public_id) for m in members)],
                },
            )
