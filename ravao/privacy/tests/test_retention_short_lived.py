"""The purge also removes the short-lived rows of identity, gates, sheets, notifications and case requests
(issue 9, build item 7: every row removed, counted; nothing newer touched)."""

import uuid
from datetime import timedelta
from typing import Any

import time_machine
from django.utils import timezone

from ravao.accounts.models import PasswordResetCode
from ravao.checkins.models import CardMismatch, SheetImport
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue
from ravao.people.models import PhoneVerification, PhoneVerificationEvent
from ravao.privacy.retention import retention_purge
from ravao.test import RavaoTestCase
from ravao.tracing.models import CaseRequest


class ShortLivedRowsTests(RavaoTestCase):
    def make_rows(self, at: Any, requester: Any) -> None:
        with time_machine.travel(at, tick=False):
            now = timezone.now()
            PhoneVerification.objects.create(
                phone="0912345678", code_hash="x", created_at=now, expires_at=now + timedelta(minutes=10)
            )
            PasswordResetCode.objects.create(
                user=requester, code_hash="x", created_at=now, expires_at=now + timedelta(minutes=15)
            )
            PhoneVerificationEvent.objects.create(
                kind="send", outcome="sent", phone_hash="h", client_hash="c", at=now
            )
            CardMismatch.objects.create(
                client_id=uuid.uuid4(),
                venue=self.venue_a,
                person=self.visitor,
                scanned_at=now,
                created_at=now,
            )
            SheetImport.objects.create(sha256="a" * 64, filename="a.csv", uploaded_at=now, rows="[]")
            notification_queue(channel="sms", address="0912345678", body="x", topic="t", now=now)
            CaseRequest.objects.create(
                requester=requester, unit=self.units["district"], person=self.visitor, reason="XN-1"
            )

    def test_old_rows_go_and_are_counted_new_rows_stay(self) -> None:
        start = timezone.now()
        self.make_rows(start - timedelta(days=120), self.hana)
        self.make_rows(start - timedelta(hours=1), self.dan)
        with time_machine.travel(start, tick=False):
            run = retention_purge(now=timezone.now())
        expected = {
            "people.PhoneVerification": 1,
            "accounts.PasswordResetCode": 1,
            "people.PhoneVerificationEvent": 1,
            "checkins.CardMismatch": 1,
            "checkins.SheetImport": 1,
            "notifications.Notification": 1,
            "tracing.CaseRequest": 1,
        }
        for label, count in expected.items():
            self.assertEqual(run.counts.get(label), count, label)
        for model in (
            PasswordResetCode,
            PhoneVerification,
            PhoneVerificationEvent,
            CardMismatch,
            SheetImport,
            Notification,
            CaseRequest,
        ):
            self.assertEqual(model.objects.count(), 1, model.__name__)
        self.assertIsNotNone(run.finished_at)

    def test_a_sheet_preview_nobody_confirmed_goes_after_a_day(self) -> None:
        start = timezone.now()
        SheetImport.objects.create(
            sha256="b" * 64, filename="b.csv", uploaded_at=start - timedelta(days=2), rows="[]"
        )
        imported = SheetImport.objects.create(
            sha256="c" * 64, filename="c.csv", uploaded_at=start - timedelta(days=2), status="imported"
        )
        with time_machine.travel(start, tick=False):
            retention_purge(now=timezone.now())
        self.assertEqual(list(SheetImport.objects.all()), [imported])
