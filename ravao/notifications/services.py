"""Queueing and sending notifications (see models.py for the design)."""

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone

from ravao.lib.sms import sms_sender
from ravao.logs import redact
from ravao.notifications import conf
from ravao.notifications.models import Notification

log = logging.getLogger("ravao.notifications")


def notification_queue(
    *,
    channel: str,
    address: str,
    body: str,
    topic: str,
    subject: str = "",
    ref_id: object = "",
    venue: Any = None,
    user: Any = None,
    now: datetime | None = None,
) -> Notification:
    """A message to send. Call it inside the transaction of the event it announces: if that rolls back, the
    message was never queued. In-app messages are delivered by being stored."""
    now = now or timezone.now()
    in_app = channel == Notification.Channel.IN_APP
    return Notification.objects.create(
        channel=channel,
        address=address,
        subject=subject,
        body=body,
        topic=topic,
        ref_id=str(ref_id),
        venue=venue,
        user=user,
        created_at=now,
        next_attempt_at=now,
        status=Notification.Status.SENT if in_app else Notification.Status.PENDING,
        sent_at=now if in_app else None,
    )


def notification_queue_many(
    *,
    channel: str,
    body: str,
    topic: str,
    recipients: list[tuple[str, object]],
    subject: str = "",
    now: datetime | None = None,
) -> int:
    """`notification_queue` for many recipients of the same message, `(address, ref_id)` each, in one
    INSERT (a bulk triage confirms hundreds of contacts at once). Same rule: call it inside the
    transaction of the event it announces."""
    now = now or timezone.now()
    in_app = channel == Notification.Channel.IN_APP
    Notification.objects.bulk_create(
        [
            Notification(
                channel=channel,
                address=address,
                subject=subject,
                body=body,
                topic=topic,
                ref_id=str(ref_id),
                created_at=now,
                next_attempt_at=now,
                status=Notification.Status.SENT if in_app else Notification.Status.PENDING,
                sent_at=now if in_app else None,
            )
            for address, ref_id in recipients
        ]
    )
    return len(recipients)


def _deliver(notification: Notification) -> None:
    """Hand one message to its channel; raises when the channel refuses it."""
    if notification.channel == Notification.Channel.SMS:
        # The sender's `kind` is the topic's last word: "otp", "alert", "reminder" (ravao.lib.sms).
        kind = notification.topic.rsplit(".", 1)[-1]
        sms_sender().send(to=notification.address, text=notification.body, kind=kind)
    elif notification.channel == Notification.Channel.EMAIL:
        EmailMessage(notification.subject, notification.body, to=[notification.address]).send()


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), conf.MAX_BACKOFF_MINUTES))


def _record(notification: Notification, *, error: Exception | None, now: datetime) -> None:
    notification.attempts += 1
    notification.claim, notification.claimed_at = None, None
    if error is None:
        notification.status, notification.sent_at, notification.last_error = Notification.Status.SENT, now, ""
    else:
        notification.last_error = redact(f"{type(error).__name__}: {error}")[:200]
        if notification.attempts >= conf.MAX_ATTEMPTS:
            notification.status = Notification.Status.FAILED
        else:
            notification.status = Notification.Status.PENDING
            notification.next_attempt_at = now + backoff(notification.attempts)
    notification.save(
        update_fields=[
            "attempts",
            "claim",
            "claimed_at",
            "status",
            "sent_at",
            "last_error",
            "next_attempt_at",
        ]
    )


def _claim(condition: Q, *, now: datetime, limit: int) -> list[Notification]:
    """Mark due rows as ours in one conditional UPDATE, then read back exactly those. A row another runner
    claimed first no longer matches the condition, so it is never sent twice."""
    claim = uuid.uuid4()
    stale = now - timedelta(minutes=conf.CLAIM_TIMEOUT_MINUTES)
    due = Q(status=Notification.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=stale
    )
    ids = list(
        Notification.objects.filter(due & condition)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return []
    Notification.objects.filter(due, pk__in=ids).update(
        status=Notification.Status.SENDING, claim=claim, claimed_at=now
    )
    return list(Notification.objects.filter(claim=claim).order_by("pk"))


def notifications_send_due(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """One round of the runner: claim up to `limit` due messages, send each, record each outcome.
    Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for notification in _claim(Q(), now=now, limit=limit or conf.BATCH):
        error: Exception | None = None
        try:
            _deliver(notification)
        except Exception as exc:  # any channel failure is recorded and retried, never lost
            error = exc
            log.warning(
                "notification %s (%s) not sent: %s", notification.pk, notification.topic, type(exc).__name__
            )
        _record(notification, error=error, now=now)
        counts["sent" if error is None else ("failed" if notification.status == "failed" else "retry")] += 1
    return counts


def notification_send_now(
    notification: Notification, *, now: datetime | None = None, retry: bool = True, erase: bool = False
) -> bool:
    """Try a queued message at once, for someone waiting for it. Returns True when it was handed over.
    On failure it stays queued for the runner (`retry`), or is marked not delivered when a late delivery
    would mislead (a one-time code the person was told did not go). `erase` empties the text once tried
    (a one-time code has no use after that)."""
    now = now or timezone.now()
    claimed = _claim(Q(pk=notification.pk), now=now, limit=1)
    if not claimed:
        notification.refresh_from_db()
        return notification.status == Notification.Status.SENT
    row = claimed[0]
    error: Exception | None = None
    try:
        _deliver(row)
    except Exception as exc:  # recorded below; the caller decides what the person is told
        error = exc
        log.warning("notification %s (%s) not sent: %s", row.pk, row.topic, type(exc).__name__)
    _record(row, error=error, now=now)
    if error is not None and not retry:
        Notification.objects.filter(pk=row.pk).update(status=Notification.Status.FAILED)
    if erase:
        Notification.objects.filter(pk=row.pk).update(body="")
    notification.refresh_from_db()
    return error is None
