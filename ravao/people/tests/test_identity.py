"""Phone possession (issue 9): what a device that typed someone else's phone may see and change."""

import re
import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.checkins.tests.test_scan import FIRST_VISIT
from ravao.lib.sms import LoggingSmsSender, SmsError
from ravao.people.models import Device, Person, PhoneVerification, PhoneVerificationEvent
from ravao.people.selectors import person_latest_declaration, person_status, persons_for_phone
from ravao.people.services import Profile, device_register, person_create_provisional
from ravao.people.verification import person_verify_phone
from ravao.privacy.crypto import lookup_hash
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase


class StrangerTypesAKnownPhoneTests(RavaoTestCase):
    """Issue 9, finding 1: on a new phone, the first-visit form with someone else's phone number and any
    name showed the other person's full name, made the stranger's declaration theirs, and put the visit
    in their history."""

    def _stranger_visit(self, **extra: str) -> tuple[Client, object]:
        client = Client()
        data = {
            **FIRST_VISIT,
            "phone": self.visitor.phone,
            "full_name": "Kẻ Mạo Danh",
            "cough": "True",
            "client_id": self.new_client_id(),
            **extra,
        }
        response = client.post(reverse("checkins:scan", args=[self.venue_a.qr_code]), data)
        return client, response

    def test_the_confirmation_does_not_show_the_persons_name(self):
        """Issue 9, finding 1 (name shown)."""
        _client, response = self._stranger_visit()
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Nguyễn Văn An")
        self.assertContains(response, "Kẻ Mạo Danh")

    def test_the_persons_status_and_declaration_do_not_change(self):
        """Issue 9, finding 1 (status turned from green to yellow: the declaration became theirs)."""
        before = person_latest_declaration(self.visitor)
        self.assertEqual(person_status(self.visitor, before, now=timezone.now()), "green")
        self._stranger_visit()
        self.visitor.refresh_from_db()
        after = person_latest_declaration(self.visitor)
        self.assertEqual(after, before)
        self.assertEqual(person_status(self.visitor, after, now=timezone.now()), "green")
        self.assertEqual(self.visitor.full_name, "Nguyễn Văn An")

    def test_the_visit_is_not_in_the_persons_history(self):
        """Issue 9, finding 1 (the visit landed in their history, and so in tracing)."""
        self._stranger_visit()
        self.assertFalse(CheckIn.objects.filter(person=self.visitor).exists())
        response = self.device_client().get(reverse("people:me"))
        self.assertNotContains(response, "Công ty May Hạ Bằng")
        # The stranger's visit is kept (tracing needs it), on a person of its own.
        stranger_device = Device.objects.exclude(pk=self.visitor_device.pk).get()
        self.assertNotEqual(stranger_device.person_id, self.visitor.pk)
        self.assertEqual(CheckIn.objects.get().person_id, stranger_device.person_id)

    def test_the_strangers_own_page_shows_only_what_it_typed(self):
        """Issue 9, finding 1: the stranger's personal page shows its own name and visit, nothing else."""
        client, _response = self._stranger_visit()
        page = client.get(reverse("people:me"))
        self.assertContains(page, "Kẻ Mạo Danh")
        self.assertNotContains(page, "Nguyễn Văn An")
        self.assertContains(page, "Công ty May Hạ Bằng")


def _code_of(phone: str) -> str:
    """The last code the logging sender 'sent' to this phone (its outbox, like mail.outbox)."""
    message = [m for m in LoggingSmsSender.outbox if m.to == phone and m.kind == "otp"][-1]
    return re.search(r"\b(\d{6})\b", message.text).group(1)  # type: ignore[union-attr]


class VerificationTestCase(RavaoTestCase):
    def setUp(self) -> None:
        super().setUp()
        LoggingSmsSender.outbox = []

    def later(self, seconds: int = 61) -> None:
        """Past the resend cooldown: move the clock (codes, limits and cooldowns read timezone.now)."""
        traveller = time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)
        traveller.start()
        self.addCleanup(traveller.stop)

    def stranger(self, name: str = "Kẻ Mạo Danh", phone: str | None = None, **extra: str) -> Client:
        client = Client()
        data = {**FIRST_VISIT, "phone": phone or self.visitor.phone, "full_name": name, **extra}
        data["client_id"] = self.new_client_id()
        client.post(reverse("checkins:scan", args=[self.venue_a.qr_code]), data)
        return client

    def ask_code(self, client: Client) -> str:
        response = client.post(reverse("people:verify"))
        self.assertEqual(response.status_code, 302, response.content[:2000])
        return response["Location"]

    def verify(self, client: Client) -> Any:
        code_url = self.ask_code(client)
        phone = LoggingSmsSender.outbox[-1].to
        return client.post(code_url, {"code": _code_of(phone)})


class VerifyPagesTests(VerificationTestCase):
    def test_the_owner_verifies_and_the_strangers_claim_stays_apart(self) -> None:
        """Issue 9, build item 1: the code proves the phone; nothing of a stranger's claim moves."""
        self.stranger()
        owner = self.device_client()
        response = self.verify(owner)
        self.assertRedirects(response, reverse("people:me"), fetch_redirect_response=False)
        self.visitor.refresh_from_db()
        self.assertTrue(self.visitor.is_verified)
        self.assertFalse(CheckIn.objects.filter(person=self.visitor).exists())
        self.assertEqual(PhoneVerification.objects.get().attempts, 0)
        self.assertTrue(
            AuditEvent.objects.filter(action="person.verify_phone", person_id=self.visitor.pk).exists()
        )

    def test_a_new_phone_of_the_owner_merges_its_visits_into_the_verified_person(self) -> None:
        """Issue 9, build item 2: verification merges the provisional person's visits, declarations and
        device into the phone's (verified) person, audited."""
        self.verify(self.device_client())
        new_phone = self.stranger(name="An")
        provisional = Device.objects.exclude(pk=self.visitor_device.pk).get().person
        self.later()
        self.verify(new_phone)
        device = Device.objects.exclude(pk=self.visitor_device.pk).get()
        self.assertEqual(device.person_id, self.visitor.pk)
        self.assertTrue(device.is_owner)
        self.assertEqual(CheckIn.objects.get().person_id, self.visitor.pk)
        self.assertFalse(Person.objects.filter(pk=provisional.pk).exists())
        merge = AuditEvent.objects.get(action="person.merge")
        self.assertEqual((merge.person_id, merge.details["checkins"]), (self.visitor.pk, 1))
        page = new_phone.get(reverse("people:me"))
        self.assertContains(page, "Nguyễn Văn An")
        self.assertContains(page, "Công ty May Hạ Bằng")

    def test_a_verified_claim_demotes_an_unverified_stranger_who_came_first(self) -> None:
        """Issue 9, build item 2: a stranger registered a phone nobody held; the real owner proves it.
        The stranger's record is demoted (its name and declaration never become the owner's)."""
        phone = "0977000111"
        stranger = self.stranger(name="Kẻ Chiếm Số", phone=phone, cough="True")
        squatter = Person.objects.get(phone_hash=lookup_hash(phone))
        owner = self.stranger(name="Chủ Thật", phone=phone)
        owner_person = Device.objects.exclude(person=squatter).exclude(pk=self.visitor_device.pk).get().person
        self.assertTrue(owner_person.is_provisional)
        self.verify(owner)
        squatter.refresh_from_db()
        owner_person.refresh_from_db()
        self.assertTrue(squatter.is_provisional)
        self.assertEqual(owner_person.phone, phone)
        self.assertTrue(owner_person.is_verified)
        self.assertEqual(owner_person.full_name, "Chủ Thật")
        declaration = person_latest_declaration(owner_person)
        assert declaration is not None
        self.assertFalse(declaration.cough)
        self.assertEqual(CheckIn.objects.filter(person=squatter).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="person.demote", person_id=squatter.pk).exists())
        # The stranger still sees only its own record, and cannot take the phone back without the code.
        self.assertContains(stranger.get(reverse("people:me")), "Kẻ Chiếm Số")
        self.assertNotContains(stranger.get(reverse("people:me")), "Chủ Thật")

    def test_wrong_codes_then_locked(self) -> None:
        client = self.device_client()
        code_url = self.ask_code(client)
        for left in (4, 3, 2, 1):
            response = client.post(code_url, {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="en")
            self.assertContains(response, f"Wrong code. {left} tries left.", status_code=400)
        response = client.post(code_url, {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Too many wrong codes", status_code=400)
        # The fifth wrong code locked it: even the right code fails now.
        response = client.post(code_url, {"code": _code_of(self.visitor.phone)})
        self.assertEqual(response.status_code, 400)
        self.visitor.refresh_from_db()
        self.assertFalse(self.visitor.is_verified)
        outcomes = list(
            PhoneVerificationEvent.objects.filter(kind="attempt")
            .order_by("pk")
            .values_list("outcome", flat=True)
        )
        self.assertEqual(outcomes, ["wrong"] * 5 + ["locked"])

    def test_an_expired_code_is_refused_with_a_message(self) -> None:
        client = self.device_client()
        with time_machine.travel(timezone.now(), tick=False) as traveller:
            code_url = self.ask_code(client)
            traveller.shift(timedelta(minutes=11))
            response = client.post(code_url, {"code": _code_of(self.visitor.phone)})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(PhoneVerificationEvent.objects.filter(kind="attempt").get().outcome, "expired")

    def test_cooldown_and_hourly_limit_per_phone(self) -> None:
        client = self.device_client()
        with time_machine.travel(timezone.now(), tick=False) as traveller:
            self.ask_code(client)
            self.assertEqual(client.post(reverse("people:verify")).status_code, 429)  # within 60 s
            traveller.shift(timedelta(seconds=61))
            self.ask_code(client)
            traveller.shift(timedelta(seconds=61))
            self.ask_code(client)
            traveller.shift(timedelta(seconds=61))
            response = client.post(reverse("people:verify"))
            self.assertEqual(response.status_code, 429)  # 3 per phone per hour
            traveller.shift(timedelta(hours=1))
            self.ask_code(client)
        self.assertEqual(len([m for m in LoggingSmsSender.outbox if m.kind == "otp"]), 4)
        refused = PhoneVerificationEvent.objects.filter(kind="send").exclude(outcome="sent")
        self.assertEqual(sorted(refused.values_list("outcome", flat=True)), ["cooldown", "too_many"])

    def test_limit_per_client_address(self) -> None:
        with override_settings(RAVAO_OTP_PER_ADDRESS_PER_HOUR=2):
            self.ask_code(self.stranger(phone="0977000001"))
            self.ask_code(self.stranger(phone="0977000002"))
            response = self.stranger(phone="0977000003").post(reverse("people:verify"))
        self.assertEqual(response.status_code, 429)

    def test_events_hold_no_code_and_no_phone(self) -> None:
        client = self.device_client()
        code_url = self.ask_code(client)
        client.post(code_url, {"code": "123456"})
        code = _code_of(self.visitor.phone)
        for row in PhoneVerificationEvent.objects.values():
            self.assertNotIn(self.visitor.phone, str(row))
            self.assertNotIn(code, str(row))
        verification = PhoneVerification.objects.get()
        self.assertNotIn(code, verification.code_hash)
        self.assertNotEqual(verification.code_hash, lookup_hash(code))

    def test_anonymous_sees_the_no_device_page_and_bad_input_is_a_400(self) -> None:
        self.assertContains(Client().get(reverse("people:verify")), "no_device" if False else "")
        self.assertEqual(Client().post(reverse("people:verify")).status_code, 200)
        client = self.device_client()
        code_url = self.ask_code(client)
        self.assertEqual(client.post(code_url, {"code": "12ab"}).status_code, 400)
        self.assertEqual(client.post(code_url, {"code": "x" * 5000}).status_code, 400)
        self.assertEqual(client.put(code_url).status_code, 405)
        self.assertEqual(client.delete(reverse("people:verify")).status_code, 405)

    def test_another_device_cannot_use_the_code_page(self) -> None:
        code_url = self.ask_code(self.device_client())
        self.assertEqual(self.stranger().get(code_url).status_code, 404)
        self.assertEqual(Client().post(code_url, {"code": _code_of(self.visitor.phone)}).status_code, 404)
        self.assertEqual(
            self.device_client().get(reverse("people:verify_code", args=[uuid.uuid4()])).status_code, 404
        )

    def test_a_retried_right_code_is_harmless(self) -> None:
        client = self.device_client()
        code_url = self.ask_code(client)
        code = _code_of(self.visitor.phone)
        client.post(code_url, {"code": code})
        response = client.post(code_url, {"code": code})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(PhoneVerificationEvent.objects.filter(outcome="verified").count(), 1)

    def test_a_failing_gateway_is_a_message_not_a_500(self) -> None:
        with mock.patch.object(LoggingSmsSender, "send", side_effect=SmsError("down")):
            response = self.device_client().post(reverse("people:verify"))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(PhoneVerificationEvent.objects.get().outcome, "send_failed")

    def test_one_tap_check_in_of_a_known_phone_costs_no_sms(self) -> None:
        client = self.device_client()
        client.post(
            reverse("checkins:scan", args=[self.venue_a.qr_code]),
            {"action": "checkin", "client_id": self.new_client_id()},
        )
        self.assertEqual(CheckIn.objects.filter(person=self.visitor).count(), 1)
        self.assertEqual(LoggingSmsSender.outbox, [])
        self.assertFalse(PhoneVerification.objects.exists())


class RequiredVerificationTests(VerificationTestCase):
    """RAVAO_REQUIRE_PHONE_VERIFICATION: the first check-in waits for the code."""

    def setUp(self) -> None:
        super().setUp()
        overridden = override_settings(RAVAO_REQUIRE_PHONE_VERIFICATION=True)
        overridden.enable()
        self.addCleanup(overridden.disable)

    def test_the_visit_is_recorded_only_after_the_code(self) -> None:
        client = Client()
        client_id = self.new_client_id()
        data = {**FIRST_VISIT, "client_id": client_id}
        url = reverse("checkins:scan", args=[self.venue_a.qr_code])
        response = client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CheckIn.objects.count(), 0)
        self.assertEqual(Person.objects.count(), 1)
        # A double tap on the form sends no second code.
        self.assertEqual(client.post(url, data)["Location"], response["Location"])
        self.assertEqual(len(LoggingSmsSender.outbox), 1)
        # The typed data waits encrypted, not in clear.
        self.assertNotIn("Trần", str(PhoneVerification.objects.values("pending").get()))
        done = client.post(response["Location"], {"code": _code_of("0987654321")})
        self.assertEqual(done.status_code, 200)
        self.assertContains(done, "Trần Thị Bình")
        checkin = CheckIn.objects.get()
        self.assertEqual(str(checkin.client_id), client_id)
        self.assertTrue(checkin.person.is_verified)
        self.assertEqual(checkin.person.phone, "0987654321")
        # The code page sent again shows the same visit, records nothing new.
        again = client.post(response["Location"], {"code": _code_of("0987654321")})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(CheckIn.objects.count(), 1)

    def test_a_known_verified_phone_joins_its_person_after_the_code(self) -> None:
        self.verify(self.device_client())
        client = Client()
        url = reverse("checkins:scan", args=[self.venue_a.qr_code])
        data = {**FIRST_VISIT, "phone": self.visitor.phone, "client_id": self.new_client_id()}
        self.later()
        code_url = client.post(url, data)["Location"]
        done = client.post(code_url, {"code": _code_of(self.visitor.phone)})
        self.assertEqual(done.status_code, 200)
        self.assertEqual(CheckIn.objects.get().person_id, self.visitor.pk)
        self.assertContains(done, "Nguyễn Văn An")

    def test_a_stranger_without_the_code_records_nothing(self) -> None:
        client = Client()
        url = reverse("checkins:scan", args=[self.venue_a.qr_code])
        code_url = client.post(url, {**FIRST_VISIT, "phone": self.visitor.phone})["Location"]
        self.assertEqual(client.post(code_url, {"code": "000000"}).status_code, 400)
        self.assertEqual(CheckIn.objects.count(), 0)
        self.assertEqual(Person.objects.count(), 1)
        # Another browser cannot open the held visit's code page.
        self.assertEqual(Client().get(code_url).status_code, 404)


class TracingFindsClaimsTests(VerificationTestCase):
    """Issue 9, build item 2: tracing still finds visits made under a claimed phone, marked unverified."""

    def test_persons_for_phone_lists_the_holder_then_the_claims(self) -> None:
        self.stranger()
        provisional = Device.objects.exclude(pk=self.visitor_device.pk).get().person
        self.assertEqual(persons_for_phone(self.visitor.phone), [self.visitor, provisional])
        self.assertEqual(persons_for_phone("0999999999"), [])

    def test_the_case_search_lists_claims_too(self) -> None:
        from ravao.tracing.selectors import search_persons as _search

        self.stranger(phone="0977000222")  # a phone nobody holds: a person of its own, unverified
        self.stranger(phone="0977000222", name="Người Thứ Hai")  # the same phone again: a claim
        found = _search("0977 000 222")
        self.assertEqual([p.is_provisional for p in found], [False, True])
        self.assertEqual(found[1].full_name, "Người Thứ Hai")

    def test_merged_claims_are_not_listed_twice(self) -> None:
        self.verify(self.device_client())
        self.later()
        self.verify(self.stranger(name="An"))
        self.assertEqual(persons_for_phone(self.visitor.phone), [self.visitor])


class ClaimByIdNumberTests(VerificationTestCase):
    def test_a_known_id_number_with_a_new_phone_is_provisional_until_the_phone_is_proven(self) -> None:
        """Issue 9: someone else's ID number typed with one's own new phone takes nothing of that person;
        proving the (unheld) phone makes the provisional person the phone's holder."""
        holder = Person.objects.get(pk=self.visitor.pk)
        holder.id_number = "001092099999"
        holder.save()
        client = self.stranger(name="Người Khác", phone="0977000333", id_number="001092099999")
        person = Device.objects.exclude(pk=self.visitor_device.pk).get().person
        self.assertTrue(person.is_provisional)
        self.assertIsNone(person.id_number)
        self.verify(client)
        person.refresh_from_db()
        self.assertEqual((person.phone, person.is_provisional), ("0977000333", False))
        self.assertTrue(person.is_verified)
        holder.refresh_from_db()
        self.assertEqual(holder.full_name, "Nguyễn Văn An")

    def test_a_provisional_person_edits_its_claim_not_the_holders_phone(self) -> None:
        client = self.stranger()
        data = {**FIRST_VISIT, "phone": self.visitor.phone, "full_name": "Tên Mới"}
        response = client.post(reverse("people:profile_edit"), data)
        self.assertEqual(response.status_code, 302)
        person = Device.objects.exclude(pk=self.visitor_device.pk).get().person
        self.assertEqual(
            (person.full_name, person.phone, person.claimed_phone), ("Tên Mới", None, self.visitor.phone)
        )
        self.visitor.refresh_from_db()
        self.assertEqual(self.visitor.full_name, "Nguyễn Văn An")

    def test_the_pending_code_page_offers_no_device_link(self) -> None:
        with override_settings(RAVAO_REQUIRE_PHONE_VERIFICATION=True):
            client = Client()
            url = reverse("checkins:scan", args=[self.venue_a.qr_code])
            code_url = client.post(url, FIRST_VISIT)["Location"]
            page = client.get(code_url)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, f'href="{reverse("people:verify")}"')


class ClaimedContactTests(TracingTestCase):
    def claim_with_case(self) -> tuple[Person, Any]:
        claim = person_create_provisional(
            profile=Profile(
                full_name="Người Mượn Số", phone=self.coworker.phone, id_number=None, year_of_birth=1990,
                sex="male", nationality="Việt Nam", commune=None, address="", email="",
            )
        )  # fmt: skip
        self.visit(claim, self.venue_a, self.line1, 0, 8 * 60)
        case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        self.assertTrue(case.contacts.filter(person=claim).exists())
        return claim, case

    def test_a_provisional_contact_shows_its_claimed_phone_marked_unverified(self) -> None:
        """Issue 9: visits under a claimed phone are still traced; officers see the claim as unverified."""
        _claim, case = self.claim_with_case()
        self.login(self.hana)
        page = self.client.get(f"/tracing/cases/{case.pk}/")
        self.assertContains(page, "Người Mượn Số")
        self.assertContains(page, f'href="tel:{self.coworker.phone}"', count=2)  # the holder and the claim
        self.assertContains(page, "chưa xác minh")

    def test_merging_a_traced_claim_keeps_the_case_rows(self) -> None:
        """Issue 9: the holder already has a contact row in the case: the claim's row stays on the emptied
        provisional person, which points to the holder; its visit moves."""
        claim, case = self.claim_with_case()
        Person.objects.filter(pk=self.coworker.pk).update(phone_verified_at=timezone.now())
        device = device_register(person=claim, owner=True)
        person_verify_phone(device=device, phone=self.coworker.phone, now=timezone.now())
        claim.refresh_from_db()
        self.assertEqual(claim.merged_into_id, self.coworker.pk)
        self.assertEqual(case.contacts.filter(person=claim).count(), 1)
        self.assertFalse(CheckIn.objects.filter(person=claim).exists())
        self.assertEqual(persons_for_phone(self.coworker.phone), [self.coworker])
