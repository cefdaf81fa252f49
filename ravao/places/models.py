"""Administrative units, venues, their areas and shifts.

The poster of a venue or an area carries `qr_code`: a short random code, not the primary key, so that
rotating it (a leaked photo of the poster) invalidates the old poster without touching history.
"""

import secrets
from datetime import time

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Poster codes avoid look-alike characters so a person can also type one from the poster.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_qr_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class AdminUnitQuerySet(models.QuerySet["AdminUnit"]):
    def active(self) -> "AdminUnitQuerySet":
        """Units in force, not retired by `ravao remap_units`: forms offer only these; history keeps all."""
        return self.filter(retired_at__isnull=True)


class AdminUnit(models.Model):
    """A node of the administrative tree. Levels are data so that the 2021 three-level map (province →
    district → commune) and the 2025 two-level map (province → commune) both fit."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # The unit's own word for itself ("Xã", "Thị trấn", "Huyện", "Thành phố"), as the data package gives it.
    unit_type = models.CharField(_("type"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path ("01/276/09955/") so "every unit under this district" is one indexed prefix query.
    path = models.CharField(max_length=120, db_index=True)
    # Set by `ravao remap_units` when the unit's territory has moved to the 2025 map: the unit is kept (cases,
    # audit rows and roll-ups still name it) but no longer offered in forms (`AdminUnit.objects.active()`).
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = AdminUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class VenueKind(models.TextChoices):
    AGENCY = "agency", _("Agency / office")
    BUSINESS = "business", _("Business")
    FACTORY = "factory", _("Factory / industrial-park enterprise")
    HEALTH = "health", _("Health facility")
    SCHOOL = "school", _("School")
    MARKET = "market", _("Market")
    SHOP = "shop", _("Shop")
    RESTAURANT = "restaurant", _("Restaurant / café")
    CRAFT = "craft", _("Craft-village workshop")
    PUBLIC = "public", _("Public place")
    OTHER = "other", _("Other")


class Venue(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    # A stable, human-readable code for operators (imports, exports): "TT-00042".
    code = models.CharField(_("venue code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=VenueKind.choices)
    commune = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="venues", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=250)
    phone = models.CharField(_("phone"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    typical_stay_minutes = models.PositiveIntegerField(
        _("typical stay (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Used to estimate the end of a visit with no check-out. Empty: the default for the kind."
        ),
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    qr_code = models.CharField(max_length=16, unique=True, default=new_qr_code)
    qr_rotated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Screen mode (proof of presence): the venue shows a code that changes every 30 s on a screen instead
    # of a paper poster; a check-in with an old code is refused (checkins.screen).
    screen_mode = models.BooleanField(_("screen mode"), default=False)

    class Meta:
        indexes = [models.Index(fields=["commune", "status"], name="venue_commune_status")]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A part of a venue that is traced on its own: building, floor, room or production line."""

    class Kind(models.TextChoices):
        BUILDING = "building", _("Building")
        FLOOR = "floor", _("Floor")
        ROOM = "room", _("Room")
        LINE = "line", _("Production line")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROOM)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("inside"),
    )
    qr_code = models.CharField(max_length=16, unique=True, default=new_qr_code)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="area_unique_name_per_venue")]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """A work shift; a visit with no check-out that starts in a shift is estimated to end with it."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("name"), max_length=60)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"), help_text=_("May be after midnight (a night shift)."))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "name"], name="shift_unique_name_per_venue"),
            models.CheckConstraint(name="shift_not_empty", condition=~Q(starts_at=models.F("ends_at"))),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_at:%H:%M}–{self.ends_at:%H:%M})"

    def contains(self, moment: time) -> bool:
        if self.starts_at < self.ends_at:
            return self.starts_at <= moment < self.ends_at
        return moment >= self.starts_at or moment < self.ends_at  # crosses midnight


class UnitSplitDecision(models.Model):
    """Something `ravao remap_units` could not move by itself, waiting for an administrator's choice.

    Two cases: an old commune split between several 2025 wards (the converter lists the candidates; its
    "default" ward is shown as a suggestion, never applied), and an object on an old district (the 2025
    map has none; a district administrator does not become a province administrator unless chosen). Until
    decided the object keeps its old unit. One row per object; for people one row per old commune (the
    persons of that commune, decided in bulk: a person may also pick their ward in their own profile).
    """

    class Kind(models.TextChoices):
        VENUE = "venue", _("Venue")
        PEOPLE = "people", _("People of the commune")
        MEMBERSHIP = "membership", _("Official's role")
        CASE = "case", _("Case")
        CASE_REQUEST = "case_request", _("Case request")
        API_TOKEN = "api_token", _("API token")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    # The id of the venue, membership, case, request or token; NULL for the people of `old_unit`.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    candidates = models.ManyToManyField(AdminUnit, related_name="+")
    suggested = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_unit__path", "kind", "object_id"]
        constraints = [
            # A second run of the command queues nothing twice.
            models.UniqueConstraint(fields=["kind", "old_unit", "object_id"], name="split_decision_unique"),
            models.UniqueConstraint(
                fields=["kind", "old_unit"],
                condition=Q(object_id__isnull=True),
                name="split_decision_unique_group",
            ),
        ]
        indexes = [models.Index(fields=["decided_at", "old_unit"], name="split_decision_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id or ''} on {self.old_unit_id}"
