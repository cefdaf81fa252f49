"""Check-ins: one row per visit, from entry to exit.

A visit with no check-out gets an estimated end (next check-in elsewhere, closing time, the shift, or
the kind's typical stay) with `checked_out_estimated` set, so tracing can show it as estimated.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CheckIn(models.Model):
    class Method(models.TextChoices):
        SELF_SCAN = "self", _("Self-scan")
        GATE = "gate", _("Gate scan")
        MANUAL = "manual", _("Entered by staff")
        IMPORT = "import", _("Imported")

    # Supplied by the client (or by the page that offers the check-in) so that a retried or replayed
    # submission is recorded once: the unique constraint is the idempotency guarantee.
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="checkins")
    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="checkins")
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_out_estimated = models.BooleanField(default=False)
    method = models.CharField(max_length=8, choices=Method.choices)
    device = models.ForeignKey(
        "people.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    # The colour shown at the door, kept for oversight ("yellow/red admitted").
    status_at_entry = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # "who was at venue V between t1 and t2" (tracing, inside-now, oversight)
            models.Index(fields=["venue", "checked_in_at"], name="checkin_venue_time"),
            # "where was person P between t1 and t2" (tracing, personal page)
            models.Index(fields=["person", "checked_in_at"], name="checkin_person_time"),
            # retention purge and daily statistics
            models.Index(fields=["checked_in_at"], name="checkin_time"),
            # open visits of a person: closed when they check in elsewhere
            models.Index(fields=["person"], condition=Q(checked_out_at__isnull=True), name="checkin_open"),
        ]
        constraints = [
            models.CheckConstraint(
                name="checkin_out_after_in",
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=models.F("checked_in_at")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.venue_id} {self.checked_in_at:%Y-%m-%d %H:%M}"
