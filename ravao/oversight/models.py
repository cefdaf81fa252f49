"""Oversight's own tables: daily roll-ups of check-ins and the reminders sent to venues.

STYLE says oversight reads and owns no models. Two exceptions, on purpose:
* the roll-ups (`DailyVenueStats`, `DailyCommuneStats`, `RollupRun`) are derived data, rebuilt at any
  time from `checkins.CheckIn` by `ravao rollup_stats` (idempotent); they hold counts only, no personal
  data, and let the district pages answer in milliseconds at 10 M check-ins instead of scanning the table;
* `Reminder` records every reminder sent to a venue or a commune (who, when, how, to whom), because the
  reminder is an official's act that must be shown on the venue's page and be accountable.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class _DayCounts(models.Model):
    """The figures of one day, shared by the venue and the commune roll-ups."""

    day = models.DateField()
    checkins = models.PositiveIntegerField(default=0)
    self_scans = models.PositiveIntegerField(default=0)
    gate_scans = models.PositiveIntegerField(default=0)
    manual = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    yellow = models.PositiveIntegerField(default=0)
    red = models.PositiveIntegerField(default=0)
    # Entries with no real exit: still open when computed, or closed with an estimated end.
    no_exit = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyVenueStats(_DayCounts):
    """The check-ins of one venue on one local day. Only days with at least one check-in have a row."""

    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="+")
    # The venue's commune, copied so that a district's figures filter on this table alone.
    commune = models.ForeignKey("places.AdminUnit", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "day"], name="dailyvenuestats_unique")]
        # The unique index (venue, day) serves "last active day of these venues"; this one serves
        # "which venues of these communes scanned since day D".
        indexes = [models.Index(fields=["day", "commune"], name="dailyvenuestats_day")]

    def __str__(self) -> str:
        return f"venue {self.venue_id} {self.day}: {self.checkins}"


class DailyCommuneStats(_DayCounts):
    """The check-ins of one commune on one local day, with the hour-of-day profile."""

    commune = models.ForeignKey("places.AdminUnit", on_delete=models.CASCADE, related_name="+")
    # 24 integers: check-ins that started in each local hour.
    hours = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commune", "day"], name="dailycommunestats_unique")]
        indexes = [models.Index(fields=["day"], name="dailycommunestats_day")]

    def __str__(self) -> str:
        return f"commune {self.commune_id} {self.day}: {self.checkins}"


class VenueActivity(models.Model):
    """The last local day with a check-in at a venue, as far as the roll-ups know.

    "Venues that scanned this week" is then a count over at most one row per venue instead of a distinct
    count over seven days of `DailyVenueStats` (the difference at 50,000 venues: 15 ms against 130 ms).
    """

    venue = models.OneToOneField("places.Venue", on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"venue {self.venue_id}: {self.last_day}"


class RollupRun(models.Model):
    """How far the roll-up of a day got: check-ins after `computed_through` are counted live."""

    day = models.DateField(unique=True)
    computed_through = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} through {self.computed_through:%H:%M}"


class Reminder(models.Model):
    class Kind(models.TextChoices):
        VENUE = "venue", _("Reminder to the venue")
        SUMMARY = "summary", _("Summary to the commune")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        EMAIL_SMS = "email+sms", _("Email and SMS")
        NONE = "none", _("No contact on file")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VENUE)
    venue = models.ForeignKey(
        "places.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    commune = models.ForeignKey("places.AdminUnit", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()
    # Null when the daily command sent it.
    sent_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipients = models.PositiveSmallIntegerField(default=0)
    idle_days = models.PositiveSmallIntegerField(null=True, blank=True)
    venues_listed = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["venue", "sent_at"], name="reminder_venue_time")]
        constraints = [
            models.CheckConstraint(
                name="reminder_venue_matches_kind",
                condition=models.Q(kind="venue", venue__isnull=False)
                | models.Q(kind="summary", venue__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.venue_id or self.commune_id} {self.sent_at:%Y-%m-%d %H:%M}"
