"""Writes of personal data: persons, devices, declarations. Each service is one transaction."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ravao.lib.text import nfc
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.selectors import person_by_phone_or_id, person_status
from ravao.places.models import AdminUnit


@dataclass(frozen=True)
class Profile:
    full_name: str
    phone: str | None
    id_number: str | None
    year_of_birth: int
    sex: str
    nationality: str
    commune: AdminUnit | None
    address: str
    email: str


@dataclass(frozen=True)
class Answers:
    places_visited: str = ""
    fever: bool = False
    cough: bool = False
    shortness_of_breath: bool = False
    pneumonia: bool = False
    sore_throat: bool = False
    fatigue: bool = False
    contact_case: bool = False
    contact_abroad: bool = False
    contact_symptomatic: bool = False
    vaccine_doses: int | None = None
    last_dose_date: date | None = None

    @classmethod
    def from_declaration(cls, declaration: HealthDeclaration) -> "Answers":
        return cls(**{name: getattr(declaration, name) for name in cls.__dataclass_fields__})


def _apply_profile(person: Person, profile: Profile) -> None:
    person.full_name = nfc(profile.full_name)
    person.phone = profile.phone or person.phone
    person.id_number = profile.id_number or person.id_number
    person.year_of_birth = profile.year_of_birth
    person.sex = profile.sex
    person.nationality = nfc(profile.nationality)
    person.commune = profile.commune
    person.address = nfc(profile.address)
    person.email = profile.email.strip().lower()


@transaction.atomic
def person_register(*, profile: Profile) -> tuple[Person, bool]:
    """Find the person by ID number or phone, or create them. Returns (person, created).

    An existing person's profile is not overwritten here: whoever types a known phone number on a new
    phone must not be able to rewrite that person's record (see device_register's `owner`).
    """
    existing = person_by_phone_or_id(phone=profile.phone, id_number=profile.id_number)
    if existing is not None:
        return existing, False
    person = Person()
    _apply_profile(person, profile)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Two first visits with the same phone raced; the other one won, use its row.
        existing = person_by_phone_or_id(phone=profile.phone, id_number=profile.id_number)
        if existing is None:
            raise
        return existing, False
    return person, True


@transaction.atomic
def person_register_self(*, profile: Profile) -> Person:
    """A visitor's own first visit on a new device (issue 9): a phone (and ID number) nobody holds creates
    the person, unverified until a code sent to the phone is typed back; a phone or ID number someone
    already holds gets a *provisional* person instead, carrying the claimed phone and what was typed.
    The new device owns the person returned and, for a provisional one, sees nothing of the holder."""
    if person_by_phone_or_id(phone=profile.phone, id_number=profile.id_number) is None:
        person, created = person_register(profile=profile)
        if created:
            return person
    return person_create_provisional(profile=profile)


@transaction.atomic
def person_create_provisional(*, profile: Profile) -> Person:
    """A person for what a device typed with a phone another person holds: the phone goes to
    `claimed_phone` (non-unique keyed hash, so tracing still finds the visit), the ID number is not kept
    (it is unique to its holder, and unproven here)."""
    person = Person()
    _apply_profile(person, profile)
    person.claimed_phone, person.phone, person.id_number = profile.phone, None, None
    person.save()
    return person


@transaction.atomic
def person_update_profile(*, person: Person, profile: Profile) -> Person:
    old_phone, old_claimed = person.phone, person.claimed_phone
    _apply_profile(person, profile)
    if old_claimed and not old_phone:
        # A provisional person edits its own claim; it never takes the holder's phone by a form.
        person.claimed_phone, person.phone, person.id_number = profile.phone or old_claimed, None, None
    elif person.phone != old_phone:
        person.phone_verified_at = None  # a new phone is proven again
    person.save()
    return person


def device_register(*, person: Person, owner: bool) -> Device:
    """A new remembered browser. `owner` is True when this device created the person: only an owner
    device sees the person's whole history; another device sees the visits it made itself."""
    return Device.objects.create(person=person, is_owner=owner)


def device_forget(*, device: Device) -> None:
    device.forgotten_at = timezone.now()
    device.save(update_fields=["forgotten_at"])


def declaration_submit(
    *, person: Person, answers: Answers, now: datetime, declared_by: Person | None = None
) -> HealthDeclaration:
    declaration = HealthDeclaration(
        person=person,
        declared_by=declared_by,
        created_at=now,
        consent=True,
        places_visited=nfc(answers.places_visited),
        **{k: v for k, v in answers.__dict__.items() if k != "places_visited"},
    )
    declaration.status = person_status(person, declaration, now=now)
    declaration.save()
    return declaration


@transaction.atomic
def person_delete(*, person: Person) -> None:
    """The person asked to be forgotten: their check-ins, declarations and devices go with them."""
    person.delete()


@transaction.atomic
def person_set_case_status(*, person: Person, case_status: str) -> Person:
    """Tracing marks a person as a confirmed case ("case" → red) or a contact under follow-up
    ("contact" → yellow); "" clears it. The status colour rules read this field."""
    if case_status not in ("", "case", "contact"):
        raise ValueError(f"unknown case status {case_status!r}")
    person.case_status = case_status
    person.save(update_fields=["case_status"])
    return person


@transaction.atomic
def person_set_date_of_birth(*, person: Person, date_of_birth: date) -> Person:
    """The full date of birth, read from a chip ID card at a gate (encrypted at rest; the year of birth
    stays in clear for statistics and follows the card)."""
    person.date_of_birth = date_of_birth
    person.year_of_birth = date_of_birth.year
    person.save(update_fields=["date_of_birth", "year_of_birth"])
    return person
