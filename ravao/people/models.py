"""Persons, their devices and their health declarations.

Every read and write of a personal field goes through `people.services` and `people.selectors`, so the
encryption of these columns (a later change) stays inside this app.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    """One real person, de-duplicated by phone or ID number (each unique when present)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=120)
    # Lower-case, diacritics removed: "nguyen van an" finds "Nguyễn Văn An".
    name_folded = models.CharField(max_length=120, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, unique=True)
    id_number = models.CharField(_("ID number"), max_length=20, null=True, blank=True, unique=True)
    year_of_birth = models.PositiveSmallIntegerField(_("year of birth"))
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
    address = models.CharField(_("street address"), max_length=250, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Set by the tracing work (F0 red, F1 under follow-up yellow); declarations set the rest.
    case_status = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="person_has_phone_or_id",
                condition=Q(phone__isnull=False) | Q(id_number__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.full_name


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


class HealthDeclaration(models.Model):
    """The Ministry of Health domestic form (2021). Answers cover the look-back period in settings."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="declarations")
    # Set when someone declares for a family member ("khai hộ").
    declared_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="declarations_for_others"
    )
    created_at = models.DateTimeField(db_index=True)
    places_visited = models.TextField(_("places visited"), blank=True, max_length=1000)
    fever = models.BooleanField(_("fever"), default=False)
    cough = models.BooleanField(_("cough"), default=False)
    shortness_of_breath = models.BooleanField(_("shortness of breath"), default=False)
    pneumonia = models.BooleanField(_("pneumonia"), default=False)
    sore_throat = models.BooleanField(_("sore throat"), default=False)
    fatigue = models.BooleanField(_("fatigue"), default=False)
    contact_case = models.BooleanField(_("contact with a COVID-19 patient or suspected case"), default=False)
    contact_abroad = models.BooleanField(
        _("contact with a person from a country with COVID-19"), default=False
    )
    contact_symptomatic = models.BooleanField(_("contact with a person with symptoms"), default=False)
    vaccine_doses = models.PositiveSmallIntegerField(_("vaccine doses"), null=True, blank=True)
    last_dose_date = models.DateField(_("date of last dose"), null=True, blank=True)
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
