"""Messages in bulk to the contacts of a case (issue 11, item 8)."""

import io
from datetime import timedelta
from typing import Any

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ravao.lib.sms import LoggingSmsSender
from ravao.notifications.models import Notification
from ravao.people.models import Person
from ravao.people.services import Profile, person_register
from ravao.privacy.models import AuditEvent
from ravao.tracing.messages import sms_parts, without_diacritics
from ravao.tracing.models import Case, Contact, ContactMessage, MessageBatch
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase


class ContactMessageTest(TracingTestCase):
    no_phone: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A worker on the same line known only by a CCCD scan: no phone to text.
        cls.no_phone, _ = person_register(
            profile=Profile(
                full_name="Vũ Thị Hạnh",
                phone=None,
                id_number="001190000555",
                year_of_birth=1990,
                sex="female",
                nationality="Việt Nam",
                commune=None,
                address="",
                email="hanh@example.com",
            )
        )
        cls.visit(cls.no_phone, cls.venue_a, cls.line1, 30, 6 * 60)

    def setUp(self) -> None:
        super().setUp()
        self.case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        self.coworker_c = Contact.objects.get(case=self.case, person=self.coworker)
        self.shopper_c = Contact.objects.get(case=self.case, person=self.shopper)
        self.no_phone_c = Contact.objects.get(case=self.case, person=self.no_phone)
        self.url = f"/tracing/cases/{self.case.pk}/contacts/message/"
        self.login(self.hana)
        LoggingSmsSender.outbox = []

    def compose(self, contacts: list[Contact]) -> str:
        """What the triage list's "Gửi tin nhắn" button posts; returns the compose form's token."""
        response = self.client.post(self.url, {"contact": [c.pk for c in contacts], "action": "confirm"})
        self.assertEqual(response.status_code, 200)
        token = response.context["form"].initial["token"]
        assert isinstance(token, str)
        return token

    def send(self, contacts: list[Contact], token: str, **fields: Any) -> Any:
        data: dict[str, Any] = {
            "contact": [c.pk for c in contacts],
            "template": "quarantine",
            "channels": ["sms"],
            "token": token,
            "step": "send",
        }
        follow = bool(fields.pop("follow", False))
        data.update(fields)
        return self.client.post(self.url, data, follow=follow)

    def test_compose_from_the_triage_list_lists_who_has_no_phone(self) -> None:
        response = self.client.post(
            self.url, {"contact": [self.coworker_c.pk, self.no_phone_c.pk], "action": "confirm"}
        )
        self.assertContains(response, "Trần Thị Bình")
        self.assertContains(response, 'id="no-phone"')
        self.assertContains(response, "1 người nhận không có số điện thoại")
        self.assertContains(response, "Vũ Thị Hạnh")
        self.assertContains(response, "•••••••002")
        self.assertNotContains(response, "0912000002")

    def test_send_queues_one_notification_per_recipient_in_their_language(self) -> None:
        token = self.compose([self.coworker_c, self.shopper_c, self.no_phone_c])
        response = self.send(
            [self.coworker_c, self.shopper_c, self.no_phone_c],
            token,
            **{f"lang-{self.shopper_c.pk}": "en", "channels": ["sms", "email"]},
        )
        self.assertRedirects(response, f"/tracing/cases/{self.case.pk}/messages/")
        sms = Notification.objects.filter(topic="tracing.message", channel="sms")
        self.assertEqual(
            sorted(n.ref_id for n in sms), sorted([str(self.coworker_c.pk), str(self.shopper_c.pk)])
        )
        vi = sms.get(ref_id=str(self.coworker_c.pk))
        self.assertEqual(vi.address, "0912000002")
        self.assertIn("Trần Thị Bình, bạn đã tiếp xúc gần", vi.body)
        self.assertIn("Trung tâm Y tế Huyện Thạch Thất", vi.body)
        en = sms.get(ref_id=str(self.shopper_c.pk))
        self.assertIn("Phạm Thị Dung, you were in close contact", en.body)
        self.assertIn("Health centre of Huyện Thạch Thất", en.body)
        # The contact without a phone gets the email, and only that.
        email = Notification.objects.get(topic="tracing.message", channel="email")
        self.assertEqual((email.ref_id, email.address), (str(self.no_phone_c.pk), "hanh@example.com"))
        self.assertEqual(email.subject, "Hướng dẫn cách ly")
        self.assertEqual(ContactMessage.objects.count(), 3)
        self.assertEqual(AuditEvent.objects.filter(action="contact.message").count(), 3)
        self.assertTrue(AuditEvent.objects.filter(action="case.message").exists())

    def test_a_retried_send_does_not_queue_twice(self) -> None:
        token = self.compose([self.coworker_c])
        self.send([self.coworker_c], token)
        response = self.send([self.coworker_c], token, follow=True)
        self.assertContains(response, "không xếp hàng lại")
        self.assertEqual(Notification.objects.filter(topic="tracing.message").count(), 1)
        self.assertEqual(MessageBatch.objects.count(), 1)
        self.send([self.coworker_c], self.compose([self.coworker_c]))  # a new form: a new message
        self.assertEqual(Notification.objects.filter(topic="tracing.message").count(), 2)

    def test_appointment_and_free_text_and_preview(self) -> None:
        token = self.compose([self.coworker_c])
        day = timezone.localdate() + timedelta(days=1)
        fields = {
            "template": "appointment",
            "day": day.isoformat(),
            "at": "08:30",
            "place": "Trạm Y tế xã Hạ Bằng",
            "ascii_sms": "on",
        }
        preview = self.client.post(
            self.url,
            {
                "contact": [self.coworker_c.pk],
                "token": token,
                "channels": ["sms"],
                "step": "preview",
                **fields,
            },
        )
        self.assertContains(preview, "Tran Thi Binh, moi ban den xet nghiem COVID-19 ngay")
        self.assertContains(preview, "175 ký tự: 2 tin SMS")  # GSM-7 without diacritics: 153 a part
        self.assertEqual(Notification.objects.count(), 0)  # a preview sends nothing
        self.send([self.coworker_c], token, **fields)
        body = Notification.objects.get(topic="tracing.message").body
        self.assertIn(f"{day:%d/%m/%Y} luc 08:30, tai Tram Y te xa Ha Bang", body)
        self.send([self.coworker_c], self.compose([self.coworker_c]), template="free", text="Xin  chào\n bạn")
        free = Notification.objects.filter(topic="tracing.message").order_by("-pk").first()
        assert free is not None
        self.assertTrue(free.body.endswith(": Xin chào bạn"))

    def test_bad_input_is_refused_in_vietnamese(self) -> None:
        token = self.compose([self.coworker_c])
        response = self.send([self.coworker_c], token, template="appointment")
        self.assertContains(response, "Cần cho lịch hẹn xét nghiệm.", status_code=400)
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        response = self.send(
            [self.coworker_c], token, template="appointment", day=yesterday, at="08:00", place="Trạm"
        )
        self.assertContains(response, "Lịch hẹn đã ở trong quá khứ.", status_code=400)
        response = self.send([self.coworker_c], token, template="free", text="")
        self.assertContains(response, "Hãy viết nội dung tin nhắn.", status_code=400)
        response = self.send([self.coworker_c], token, channels=[])
        self.assertEqual(response.status_code, 400)
        response = self.send([], token)
        self.assertContains(response, "Chưa chọn người tiếp xúc nào.", status_code=400)
        response = self.send([self.coworker_c], token, template="nope")
        self.assertEqual(response.status_code, 400)
        response = self.send([self.coworker_c], "short")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.client.post(self.url, {"contact": "abc"}).status_code, 404)
        self.assertEqual(Notification.objects.filter(topic="tracing.message").count(), 0)

    def test_access(self) -> None:
        # A contact of another case is not this case's: 404 like any guessed id.
        other = case_open(
            person=self.coworker,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        foreign = Contact.objects.filter(case=other).first()
        assert foreign is not None
        self.assertEqual(self.client.post(self.url, {"contact": [foreign.pk]}).status_code, 404)
        self.assertEqual(self.client.get("/tracing/cases/999999/contacts/message/").status_code, 404)
        self.assertEqual(self.client.put(self.url).status_code, 405)
        self.assertEqual(self.client.post(f"/tracing/cases/{self.case.pk}/messages/").status_code, 405)
        self.login(self.hoa)  # the commune station does not see the district's case
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get(f"/tracing/cases/{self.case.pk}/messages/").status_code, 404)
        self.assertEqual(self.send([self.coworker_c], "x" * 20).status_code, 404)
        for user in (self.alice, self.carol, self.dan):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)
            self.assertEqual(self.client.get(f"/tracing/cases/{self.case.pk}/messages/").status_code, 403)
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.login(self.hana)
        Case.objects.filter(pk=self.case.pk).update(status=Case.Status.CLOSED)
        self.assertEqual(self.client.get(self.url).status_code, 404)  # a closed case sends nothing
        self.assertEqual(self.client.get(f"/tracing/cases/{self.case.pk}/messages/").status_code, 200)
        self.assertEqual(Notification.objects.filter(topic="tracing.message").count(), 0)

    def test_a_filter_instead_of_ids(self) -> None:
        response = self.client.get(self.url)  # the confirmed contacts: none yet
        self.assertContains(response, "Chưa chọn người tiếp xúc nào.")
        response = self.client.get(self.url + "?who=all")
        self.assertEqual(len(response.context["recipients"]), self.case.contacts.count())
        self.assertEqual(self.client.get(self.url + "?who=nope").status_code, 404)

    def test_the_messages_page_shows_the_delivery_outcome(self) -> None:
        self.send(
            [self.coworker_c, self.no_phone_c], self.compose([self.coworker_c]), channels=["sms", "email"]
        )
        page = self.client.get(f"/tracing/cases/{self.case.pk}/messages/")
        self.assertContains(page, "delivery-pending")
        call_command("send_notifications", stdout=io.StringIO())
        self.assertEqual(LoggingSmsSender.outbox[-1].to, "0912000002")
        self.assertEqual(len(mail.outbox), 1)
        page = self.client.get(f"/tracing/cases/{self.case.pk}/messages/")
        self.assertContains(page, "delivery-sent", count=2)
        self.assertContains(page, "Hướng dẫn cách ly")
        self.assertNotContains(page, "delivery-pending")
        self.assertTrue(AuditEvent.objects.filter(action="case.messages_view").exists())


class SmsTextTest(TracingTestCase):
    def test_sms_length_and_diacritics(self) -> None:
        self.assertEqual(without_diacritics("Trạm Y tế Đông Hưng"), "Tram Y te Dong Hung")
        self.assertEqual(sms_parts("a" * 160), (160, 1))
        self.assertEqual(sms_parts("a" * 161), (161, 2))
        self.assertEqual(sms_parts("ạ" * 70), (70, 1))
        self.assertEqual(sms_parts("ạ" * 71), (71, 2))
