"""The notification queue: claimed once, sent, retried with back-off, recorded (issue 10, item 5)."""

import io
from datetime import timedelta
from typing import Any
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from ravao.lib.sms import LoggingSmsSender, SmsError
from ravao.notifications.models import Notification
from ravao.notifications.services import (
    _claim,
    backoff,
    notification_queue,
    notification_send_now,
    notifications_send_due,
)
from ravao.test import RavaoTestCase


class QueueTests(RavaoTestCase):
    def setUp(self) -> None:
        super().setUp()
        LoggingSmsSender.outbox = []

    def queue_sms(self, **kwargs: Any) -> Notification:
        return notification_queue(
            channel="sms", address="0912345678", body="Mã xác minh 123456", topic="people.otp", **kwargs
        )

    def test_email_and_sms_are_sent_once_and_recorded(self) -> None:
        sms = self.queue_sms()
        email = notification_queue(
            channel="email",
            address="a@example.vn",
            subject="Nhắc",
            body="Xin chào",
            topic="oversight.reminder",
            venue=self.venue_a,
        )
        self.assertEqual(notifications_send_due(), {"sent": 2, "retry": 0, "failed": 0})
        self.assertEqual(notifications_send_due(), {"sent": 0, "retry": 0, "failed": 0})
        self.assertEqual(len(LoggingSmsSender.outbox), 1)
        self.assertEqual(len(mail.outbox), 1)
        for row in (sms, email):
            row.refresh_from_db()
            self.assertEqual((row.status, row.attempts), ("sent", 1))
            self.assertIsNotNone(row.sent_at)

    def test_a_failure_is_retried_with_backoff_then_given_up(self) -> None:
        row = self.queue_sms()
        now = timezone.now()
        with mock.patch.object(
            LoggingSmsSender, "send", side_effect=SmsError("the SMS gateway answered HTTP 503")
        ):
            for attempt in range(1, 9):
                counts = notifications_send_due(now=now)
                row.refresh_from_db()
                self.assertEqual(row.attempts, attempt)
                if attempt < 8:
                    self.assertEqual(counts["retry"], 1)
                    self.assertEqual(row.next_attempt_at, now + backoff(attempt))
                    self.assertEqual(notifications_send_due(now=now), {"sent": 0, "retry": 0, "failed": 0})
                    now = row.next_attempt_at
            self.assertEqual(row.status, "failed")
            self.assertIn("HTTP 503", row.last_error)
        self.assertEqual(backoff(1), timedelta(minutes=1))
        self.assertEqual(backoff(30), timedelta(minutes=360))

    def test_the_error_recorded_holds_no_number(self) -> None:
        row = self.queue_sms()
        with mock.patch.object(LoggingSmsSender, "send", side_effect=RuntimeError("cannot reach 0912345678")):
            notifications_send_due()
        row.refresh_from_db()
        self.assertNotIn("0912345678", row.last_error)

    def test_two_runners_never_claim_the_same_row(self) -> None:
        rows = [self.queue_sms() for _ in range(5)]
        now = timezone.now()
        first = _claim(Q(), now=now, limit=3)
        second = _claim(Q(), now=now, limit=10)
        self.assertEqual(len(first), 3)
        self.assertEqual(len(second), 2)
        self.assertFalse({r.pk for r in first} & {r.pk for r in second})
        self.assertEqual(len(rows), 5)

    def test_a_row_left_sending_by_a_dead_runner_is_taken_back_later(self) -> None:
        row = self.queue_sms()
        now = timezone.now()
        self.assertEqual(len(_claim(Q(), now=now, limit=10)), 1)  # the runner dies here
        self.assertEqual(
            notifications_send_due(now=now + timedelta(minutes=5)), {"sent": 0, "retry": 0, "failed": 0}
        )
        self.assertEqual(notifications_send_due(now=now + timedelta(minutes=11))["sent"], 1)
        row.refresh_from_db()
        self.assertEqual(row.status, "sent")

    def test_send_now_then_the_runner_does_not_send_again(self) -> None:
        row = self.queue_sms()
        self.assertTrue(notification_send_now(row))
        self.assertEqual(notifications_send_due()["sent"], 0)
        self.assertEqual(len(LoggingSmsSender.outbox), 1)

    def test_send_now_failure_stays_queued(self) -> None:
        row = self.queue_sms()
        with mock.patch.object(LoggingSmsSender, "send", side_effect=SmsError("down")):
            self.assertFalse(notification_send_now(row))
        self.assertEqual(row.status, "pending")
        self.assertEqual(notifications_send_due(now=timezone.now() + timedelta(minutes=2))["sent"], 1)

    def test_in_app_messages_are_delivered_by_being_stored(self) -> None:
        row = notification_queue(
            channel="in_app", address="", body="Ca bệnh mới", topic="tracing.alert", user=self.hana
        )
        self.assertEqual(row.status, "sent")
        self.assertEqual(notifications_send_due()["sent"], 0)

    def test_address_and_text_are_encrypted(self) -> None:
        from django.db import connection

        self.queue_sms()
        with connection.cursor() as cursor:
            cursor.execute("SELECT address, body FROM notifications_notification")
            raw = " ".join(cursor.fetchone())
        self.assertNotIn("0912345678", raw)
        self.assertNotIn("123456", raw)

    def test_the_command(self) -> None:
        self.queue_sms()
        out = io.StringIO()
        call_command("send_notifications", stdout=out)
        self.assertIn("1 sent", out.getvalue())
