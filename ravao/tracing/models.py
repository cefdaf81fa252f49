"""Cases (F0), their contacts (F1, F2) with follow-up, and alerts to venues.

A contact row keeps the best exposure of one person to one case (tier, overlap, both intervals) plus the
others in `exposures` (JSON), so the case page and exports need no re-computation; the engine is re-run
when the window changes, and keeps the officer's decisions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ravao.privacy.fields import EncryptedJSONField, EncryptedTextField


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    # PROTECT: a person is never deleted from under a kept case (ravao.tracing.retention, issue 9).
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    # The unit whose health office owns the case: scope of access (a commune/ward station, or a district's
    # or province's office).
    unit = models.ForeignKey("places.AdminUnit", on_delete=models.PROTECT, related_name="cases")
    onset_date = models.DateField(_("symptom onset"), null=True, blank=True)
    sample_date = models.DateField(_("positive sample taken"), null=True, blank=True)
    isolated_on = models.DateField(_("isolated on"), null=True, blank=True)
    window_start = models.DateTimeField(_("infectious from"))
    window_end = models.DateTimeField(_("infectious until"))
    # The purpose of the case: the lab notification number or a similar reference, required when an officer
    # opens a case (issue 9); filled by the service for a case opened by a positive follow-up.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Why the officer changed the proposed window (empty while it is the proposed one).
    window_reason = models.CharField(_("reason for the window"), max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # The contact whose "positive" follow-up opened this case, if any.
    source_contact = models.ForeignKey(
        "Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    traced_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["unit", "status"], name="case_unit_status"),
            # retention purge: closed cases by closing date
            models.Index(fields=["closed_at"], name="case_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_window_order", condition=Q(window_end__gte=models.F("window_start"))
            )
        ]

    def __str__(self) -> str:
        return f"F0 #{self.pk}"


class Contact(models.Model):
    class Tier(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Decision(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    class FollowUp(models.TextChoices):
        TO_CALL = "to_call", _("To call")
        REACHED = "reached", _("Reached")
        QUARANTINED = "quarantined", _("Quarantined")
        TESTED = "tested", _("Tested")
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")
        # Symptoms on a daily follow-up: a test is proposed (issue 11).
        SUSPECTED = "suspected", _("Suspected")
        # The follow-up period ended without symptoms, or the contact could not be reached any more.
        COMPLETED = "completed", _("Follow-up completed")
        LOST = "lost", _("Lost to follow-up")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    # PROTECT: the contact list of a kept case keeps its persons (ravao.tracing.retention).
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    generation = models.PositiveSmallIntegerField()  # 1 = F1, 2 = F2
    # For an F2: the confirmed F1 they met.
    via = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="f2s")
    # The best exposure
    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.CharField(max_length=6, choices=Tier.choices)
    overlap_minutes = models.PositiveIntegerField()
    source_start = models.DateTimeField()  # the index person's presence (window-clipped, + buffer)
    source_end = models.DateTimeField()
    source_estimated = models.BooleanField(default=False)
    contact_start = models.DateTimeField()
    contact_end = models.DateTimeField()
    contact_estimated = models.BooleanField(default=False)
    # Both areas known and equal ("same production line"); else the venue is what they shared.
    same_area = models.BooleanField(default=False)
    exposed_at = models.DateTimeField()
    # Every exposure of this person to this source: [{venue, area, tier, minutes, start, end, ...}]
    exposures = models.JSONField(default=list)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.CANDIDATE)
    followup = models.CharField(max_length=12, choices=FollowUp.choices, default=FollowUp.TO_CALL)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    # Work lists (issue 11): the health team that follows the contact up (by the contact's commune of
    # residence, or by hand) and, within it, the field worker who calls them.
    team = models.ForeignKey(
        "Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The follow-up period, opened when the contact is confirmed: from the day after the last exposure
    # for RAVAO_FOLLOWUP_DAYS days (both dates inclusive, in the deployment's time zone).
    followup_start = models.DateField(_("follow-up from"), null=True, blank=True)
    followup_until = models.DateField(_("follow-up until"), null=True, blank=True)
    # The day the period was opened (the contact confirmed): calls are due from then, so a contact found
    # late is not shown days "missed" before anyone knew of them (empty on rows opened before it existed:
    # the period's start counts).
    followup_opened_on = models.DateField(_("follow-up opened on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["generation", "-overlap_minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "generation"], name="contact_once_per_case_generation"
            ),
            models.CheckConstraint(name="contact_generation", condition=Q(generation__in=[1, 2])),
        ]
        indexes = [
            models.Index(fields=["person", "decision"], name="contact_person_decision"),
            # Work lists: a team's (or a worker's) contacts under follow-up.
            models.Index(fields=["team", "followup_until"], name="contact_team_until"),
            models.Index(fields=["assignee", "followup_until"], name="contact_assignee_until"),
        ]

    def __str__(self) -> str:
        return f"F{self.generation} of case #{self.case_id}"


class Alert(models.Model):
    """A venue was in a case's timeline: its managers are told when (never who)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="tracing_alerts")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["case", "venue"], name="alert_once_per_case_venue")]

    def __str__(self) -> str:
        return f"alert {self.venue_id} case {self.case_id}"


class CaseRequest(models.Model):
    """An officer asks to open a case on a person outside their jurisdiction (neither living in their unit
    nor seen at a venue of it during the proposed window). An officer of a unit the person belongs to (their
    commune, the communes of the venues they visited in the window) or an administrator above those
    units or the requester's unit decides; approval opens the case under the requester's unit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The health office that would own the case (one of the requester's units).
    unit = models.ForeignKey("places.AdminUnit", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    onset_date = models.DateField(null=True, blank=True)
    sample_date = models.DateField(null=True, blank=True)
    isolated_on = models.DateField(null=True, blank=True)
    # The units whose officers may decide (the person's commune and the communes of the venues visited in
    # the proposed window), fixed when the request is made.
    units = models.ManyToManyField("places.AdminUnit", related_name="+", blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A retried "send" does not file a second request for the same person.
            models.UniqueConstraint(
                fields=["requester", "person"],
                condition=Q(status="pending"),
                name="case_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"case request #{self.pk} ({self.status})"


class Team(models.Model):
    """A health team (issue 11): the health office of a district or province, or a commune/ward health
    station — one per administrative unit. Contacts living in a unit go to the team of that unit (or of
    the nearest unit above it that has one); its members are field workers, its leads assign work."""

    unit = models.OneToOneField("places.AdminUnit", on_delete=models.PROTECT, related_name="health_team")
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_teams")
    is_lead = models.BooleanField(_("team lead"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in team {self.team_id}"


class FollowUpVisit(models.Model):
    """One day's follow-up call (or visit) of a contact under follow-up (issue 11; SORMAS "visit",
    Go.Data "follow-up"): reached or not, symptoms from the declaration's list, temperature, a note."""

    class Status(models.TextChoices):
        SEEN_OK = "seen_ok", _("Reached, well")
        SEEN_NOT_OK = "seen_not_ok", _("Reached, with symptoms")
        NOT_REACHED = "not_reached", _("Not reached")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField(_("day"))
    # 1..RAVAO_FOLLOWUP_CALLS_PER_DAY: the call of that day.
    call = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices)
    symptoms = models.JSONField(default=list, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "call"]
        constraints = [
            # A retried "save" (same day and call) updates the record instead of adding a second one.
            models.UniqueConstraint(fields=["contact", "day", "call"], name="followup_visit_once")
        ]
        indexes = [models.Index(fields=["day", "status"], name="followup_visit_day")]

    def __str__(self) -> str:
        return f"follow-up {self.contact_id} {self.day} #{self.call}"


class Cluster(models.Model):
    """Two or more cases present at one venue (or area, production line) in overlapping windows
    (issue 11; SORMAS "event" of type cluster). Proposed by the system, confirmed by an officer."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        CLOSED = "closed", _("Closed")

    # The health office that owns it (the venue's commune's office, or the first case's unit).
    unit = models.ForeignKey("places.AdminUnit", on_delete=models.PROTECT, related_name="+")
    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="clusters")
    # Set when the cases shared an area (a production line, a classroom): the cluster is that area.
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    cases = models.ManyToManyField(Case, related_name="clusters", blank=True)
    # The span in which the cases were present together.
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["venue", "status"], name="cluster_venue_status")]

    def __str__(self) -> str:
        return f"cluster #{self.pk} ({self.status})"


class LabImport(models.Model):
    """A list of positive lab results (CSV or XLSX) uploaded by an officer (issue 11, item 7): read and
    matched to persons at the preview, then opened as cases in one action.

    The parsed rows (names, phones, ID numbers, the candidates of ambiguous rows) are personal data: one
    encrypted JSON value, kept until `ravao purge` removes the import (a preview nobody confirmed after a
    day, any import after RAVAO_RETENTION_DAYS). The file's hash stays in clear so the same file uploaded
    again is recognised."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        IMPORTED = "imported", _("Cases opened")

    sha256 = models.CharField(max_length=64, db_index=True)
    filename = models.CharField(max_length=200)
    # The health office the cases are opened under (one of the uploader's units).
    unit = models.ForeignKey("places.AdminUnit", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    # [{line, values, outcome, reason, person, candidates, ...}] for every row, then their results.
    rows = EncryptedJSONField(blank=True)
    read = models.PositiveIntegerField(default=0)
    # After the import: cases opened, requests filed, rows skipped (already opened, not picked, bad).
    opened = models.PositiveIntegerField(default=0)
    requested = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["uploaded_at"], name="lab_import_uploaded")]

    def __str__(self) -> str:
        return f"lab list {self.filename} ({self.status})"


class MessageBatch(models.Model):
    """One "send" of the bulk message form (issue 11, item 8): which template, to which contacts of a case.
    Its `token` comes from the form, so a retried request (a double click, a reload) finds the batch
    instead of queueing the messages twice."""

    class Template(models.TextChoices):
        QUARANTINE = "quarantine", _("Quarantine instructions")
        APPOINTMENT = "appointment", _("Test appointment")
        FREE = "free", _("Free text")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="message_batches")
    token = models.CharField(max_length=64, unique=True)
    template = models.CharField(max_length=12, choices=Template.choices)
    channels = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"messages {self.template} case {self.case_id}"


class ContactMessage(models.Model):
    """One message (one channel) to one contact of a batch, with the notification that carries it (its
    delivery status and attempts). The notification is purged after RAVAO_RETENTION_DAYS; this row stays
    with the case (without text or address) and is deleted with it."""

    batch = models.ForeignKey(MessageBatch, on_delete=models.CASCADE, related_name="messages")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=8)
    language = models.CharField(max_length=8)
    notification = models.ForeignKey(
        "notifications.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-batch__created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "contact", "channel"], name="contact_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel} to contact {self.contact_id}"
