"""Every message ravao sends (email, SMS) or shows in the app, as a row with its delivery status.

Design: a service queues a `Notification` in the transaction of the event that causes it (an alert, a
reminder), so a message exists if and only if its event committed. `ravao send_notifications` (cron, every
minute) claims due rows with a conditional UPDATE — two runners never send the same row — sends them, and
records the outcome: sent, or a retry with back-off, or failed after the last attempt. A one-time code is
sent at once by the request that asks for it (`notification_send_now`) and falls back to the queue.

The address and the text are personal data (a phone number, a code, a venue's name): encrypted, and erased
by `ravao purge` with the rest after the retention period. The status, times, attempts and the error's kind
stay for the venue's and the officer's pages.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ravao.privacy.fields import EncryptedTextField


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("In the app")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    # What it is about ("tracing.alert", "oversight.reminder", "people.otp", ...) and which object: the pages
    # that show deliveries look them up by these.
    topic = models.CharField(max_length=40)
    ref_id = models.CharField(max_length=40, blank=True)
    venue = models.ForeignKey(
        "places.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Phone number or email address (the in-app channel has none).
    address = EncryptedTextField(blank=True)
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The kind of the last error and the provider's short message, never the address or the text.
    last_error = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # in-app messages

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The runner's claim: due rows in order.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["topic", "ref_id"], name="notification_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.topic}:{self.ref_id} ({self.status})"
