"""Persons, their devices and their health declarations.

Every read and write of a personal field goes through `people.services` and `people.selectors`, so the
encryption of these columns (a later change) stays inside this app.
"""

import uuid
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ravao.privacy.crypto import lookup_hash, name_index
from ravao.privacy.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class StatusColour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    GREY = "grey", _("Grey (unknown)")


class Person(models.Model):
    """One real person, de-duplicated by ID number or phone (their keyed hashes are unique).

    Name, phone, ID number, date of birth, address and email are encrypted at rest (ravao.privacy);
    look persons up through `people.selectors`, never by filtering on those fields.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = EncryptedTextField(_("full name"))
    # Blind index of the folded words of the name: "nguyen van an" finds "Nguyễn Văn An".
    name_index = models.CharField(max_length=400, editable=False)
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    # NULL, not "", when absent: the unique index must ignore persons without one.
    phone_hash = models.CharField(max_length=64, null=True, unique=True, editable=False)  # noqa: DJ001
    id_number = EncryptedTextField(_("ID number"), null=True, blank=True)
    id_hash = models.CharField(max_length=64, null=True, unique=True, editable=False)  # noqa: DJ001
    # Year of birth stays in clear: age bands for statistics; the full date (from a CCCD) is encrypted.
    year_of_birth = models.PositiveSmallIntegerField(_("year of birth"))
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    nationality = models.CharField(_("nationality"), max_length=60, default="Việt Nam")
    commune = models.ForeignKey(
        "places.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("commune / ward"),
    )
    address = EncryptedTextField(_("street address"), blank=True)
    email = EncryptedTextField(_("email"), blank=True)
    # Set by the tracing work ("case" → red, "contact" → yellow); declarations set the rest.
    case_status = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # --- Households (issue 9): one phone, several people --------------------------------------------
    # A member (a child, an elderly parent) is managed from the holder's owner phone: khai hộ, or staff
    # entry at a gate with the holder's phone. A member has no phone of their own (found through the
    # holder's), may have an ID number, and has their own declarations, visits and personal QR.
    # PROTECT: a member is never removed as a side effect of deleting the holder; `person_delete`
    # removes the members explicitly and the purge keeps a holder whose members are still kept.
    household_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="household_members",
        verbose_name=_("household of"),
    )
    # --- Identity (issue 9): phone possession and provisional persons (docs/privacy.md, "Identity") ---
    # Set when a one-time code sent to `phone` was typed back: the person holds the phone.
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    # A provisional person: a device typed a phone that another person already holds. It carries the
    # claimed phone (encrypted, and a NON-unique keyed hash so tracing finds it), what it typed and its
    # visits; it never sees or changes the holder. Verifying the phone merges it into the holder.
    claimed_phone = EncryptedTextField(null=True, blank=True)
    claimed_phone_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    # Once merged, the (emptied) provisional row points to the person it was merged into.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="person_has_phone_or_id",
                condition=Q(phone_hash__isnull=False)
                | Q(id_hash__isnull=False)
                | Q(household_of__isnull=False)
                | Q(claimed_phone_hash__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_lookup_keys()
        super().save(*args, **kwargs)

    @property
    def contact_phone(self) -> str | None:
        """The number that reaches this person: their own, else their household holder's (issue 9). Tracing
        should call and text a household member (a child, a grandparent) through it. One query for a member
        unless `household_of` was selected with them."""
        if self.phone:
            return self.phone
        return self.household_of.phone if self.household_of_id and self.household_of else None

    def refresh_lookup_keys(self) -> None:
        """Recompute the keyed hashes from the clear values (also call it before bulk_create)."""
        self.phone_hash = lookup_hash(self.phone) if self.phone else None
        self.id_hash = lookup_hash(self.id_number) if self.id_number else None
        self.name_index = name_index(self.full_name)
        self.claimed_phone_hash = lookup_hash(self.claimed_phone) if self.claimed_phone else None

    @property
    def is_provisional(self) -> bool:
        """Typed a phone someone else holds; sees only itself until the phone is verified."""
        return self.phone_hash is None and self.claimed_phone_hash is not None

    @property
    def is_verified(self) -> bool:
        return self.phone_verified_at is not None


class Device(models.Model):
    """A browser that checked in. Its cookie holds a signed `key`; nothing personal lives in the cookie."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="devices")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    forgotten_at = models.DateTimeField(null=True, blank=True)
    # True for the device that created the person; only it sees the person's whole history.
    is_owner = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="device_created")]

    def __str__(self) -> str:
        return str(self.key)


def _answer(name: str, default: Any, *, is_date: bool = False) -> Any:
    """A property reading and writing one key of `HealthDeclaration.answers` (dates as ISO text)."""

    def get(declaration: "HealthDeclaration") -> Any:
        value = declaration.answers.get(name, default)
        return date.fromisoformat(value) if is_date and value else value

    def set_(declaration: "HealthDeclaration", value: Any) -> None:
        if declaration.answers is None:
            declaration.answers = {}
        declaration.answers[name] = value.isoformat() if isinstance(value, date) else value

    return property(get, set_)


class HealthDeclaration(models.Model):
    """The Ministry of Health domestic form (2021). Answers cover the look-back period in settings."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="declarations")
    # Set when someone declares for a family member ("khai hộ").
    declared_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="declarations_for_others"
    )
    created_at = models.DateTimeField(db_index=True)
    # Places visited and every answer (symptoms, contacts, vaccine doses, date of the last dose) sealed
    # together as one encrypted JSON object (ravao.privacy.fields): one decryption per row, and a dump
    # shows no answer. Read and write them through the properties below, as if they were columns; they
    # cannot be filtered on in SQL (the status colour, computed when declaring, stays in clear for that).
    answers = EncryptedJSONField(default=dict, editable=False)
    consent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=StatusColour.choices)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "-created_at"], name="declaration_person_latest")]
        constraints = [models.CheckConstraint(name="declaration_has_consent", condition=Q(consent=True))]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    SYMPTOM_FIELDS = ("fever", "cough", "shortness_of_breath", "pneumonia", "sore_throat", "fatigue")
    CONTACT_FIELDS = ("contact_case", "contact_abroad", "contact_symptomatic")
    ANSWER_FIELDS = ("places_visited", *SYMPTOM_FIELDS, *CONTACT_FIELDS, "vaccine_doses", "last_dose_date")

    # Real `property` objects (not another descriptor): Django's Model.__init__ accepts property names as
    # keyword arguments, so HealthDeclaration(fever=True, ...) and bulk_create keep working.
    places_visited: str = _answer("places_visited", "")
    fever: bool = _answer("fever", False)
    cough: bool = _answer("cough", False)
    shortness_of_breath: bool = _answer("shortness_of_breath", False)
    pneumonia: bool = _answer("pneumonia", False)
    sore_throat: bool = _answer("sore_throat", False)
    fatigue: bool = _answer("fatigue", False)
    contact_case: bool = _answer("contact_case", False)
    contact_abroad: bool = _answer("contact_abroad", False)
    contact_symptomatic: bool = _answer("contact_symptomatic", False)
    vaccine_doses: int | None = _answer("vaccine_doses", None)
    last_dose_date: date | None = _answer("last_dose_date", None, is_date=True)


class PhoneVerification(models.Model):
    """One code sent to one phone (issue 9). The code itself is never stored: only its keyed hash.

    `device` is the device that asked (None while a first visit waits for its code under
    RAVAO_REQUIRE_PHONE_VERIFICATION; the typed visit waits, encrypted, in `pending`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    phone = EncryptedTextField()
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    # A first visit held until the code is typed back (JSON, encrypted), when verification is required.
    pending = EncryptedTextField(blank=True)

    def __str__(self) -> str:
        return f"verification {self.public_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_hash = lookup_hash(self.phone)
        super().save(*args, **kwargs)


class PhoneVerificationEvent(models.Model):
    """Every code sent (or refused) and every code typed, for the limits and for the record: the phone
    and the client's address as keyed hashes, never the code or the phone in clear."""

    class Kind(models.TextChoices):
        SEND = "send", _("Code sent")
        ATTEMPT = "attempt", _("Code typed")

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        SEND_FAILED = "send_failed", _("Sending failed")
        TOO_MANY = "too_many", _("Refused: too many codes")
        COOLDOWN = "cooldown", _("Refused: asked again too soon")
        VERIFIED = "verified", _("Verified")
        WRONG = "wrong", _("Wrong code")
        EXPIRED = "expired", _("Code expired")
        LOCKED = "locked", _("Too many wrong codes")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    phone_hash = models.CharField(max_length=64, editable=False)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client_hash = models.CharField(max_length=64, editable=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["phone_hash", "at"], name="otp_event_phone_time"),
            models.Index(fields=["client_hash", "at"], name="otp_event_client_time"),
            models.Index(fields=["device", "at"], name="otp_event_device_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} @ {self.at:%Y-%m-%d %H:%M}"
