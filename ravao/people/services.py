"""Writes of personal data: persons, devices, declarations. Each service is one transaction."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from ravao.lib.text import nfc
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.selectors import person_by_phone_or_id, person_status
from ravao.places.models import AdminUnit
from ravao.privacy.retention import Hold, person_holds, person_release
from ravao.privacy.services import audit_record


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
def person_update_profile(*, person: Person, profile: Profile) -> Person:
    _apply_profile(person, profile)
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
    declaration = HealthDeclaration(person=person, declared_by=declared_by, created_at=now, consent=True)
    # The answers are properties over one encrypted JSON column (people.models.HealthDeclaration).
    for name, value in answers.__dict__.items():
        setattr(declaration, name, value)
    declaration.places_visited = nfc(answers.places_visited)
    declaration.status = person_status(person, declaration, now=now)
    declaration.save()
    return declaration


@dataclass(frozen=True)
class PersonDeletion:
    """What `person_delete` did: deleted (with per-model counts), or refused because of `holds`."""

    deleted: bool
    holds: tuple[Hold, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def person_delete(*, person: Person, now: datetime | None = None) -> PersonDeletion:
    """The person asked to be forgotten: their check-ins, declarations and devices go with them.

    Refused while a record another app must keep names them (a tracing case of theirs, or a contact row
    of theirs in a case still kept: ravao.privacy.retention.person_holds); allowed once that record's
    own retention has passed, and then the expired records naming them go first. Audited either way,
    with counts and dates only (the person is the actor: no official, no name)."""
    now = now or timezone.now()
    # Lock the person's row: an insert that would refer to them (a new case or contact row takes a key
    # lock on it) waits for this decision instead of racing it.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    holds = tuple(person_holds(person=person, now=now))
    if not holds:
        try:
            # A savepoint: if a PROTECT reference appeared after the check, nothing is half-deleted.
            with transaction.atomic():
                counts = person_release(person=person, now=now)
                person_id = person.pk
                for label, count in person.delete()[1].items():
                    counts[label] = counts.get(label, 0) + count
        except ProtectedError:
            holds = tuple(person_holds(person=person, now=now))
        else:
            audit_record(actor=None, action="profile.delete", person_id=person_id, details={"counts": counts})
            return PersonDeletion(deleted=True, counts=counts)
    audit_record(
        actor=None,
        action="profile.delete_refused",
        person_id=person.pk,
        details={
            "holds": [
                {"kind": hold.kind, "until": hold.kept_until.isoformat() if hold.kept_until else None}
                for hold in holds
            ]
        },
    )
    return PersonDeletion(deleted=False, holds=holds)


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
