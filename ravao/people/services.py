"""Writes of personal data: persons, devices, declarations. Each service is one transaction."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone

from ravao.lib.text import nfc
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.selectors import household_member_named, person_by_phone_or_id, person_status
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
    """The person asked to be forgotten: their check-ins, declarations and devices go with them, and so
    do the household members only their phone manages (explicitly: `household_of` is PROTECT).

    Refused while a record another app must keep names them (a tracing case of theirs, or a contact row
    of theirs in a case still kept: ravao.privacy.retention.person_holds); allowed once that record's
    own retention has passed, and then the expired records naming them go first. Audited either way,
    with counts and dates only (the person is the actor: no official, no name)."""
    now = now or timezone.now()
    # Lock the person's row: an insert that would refer to them (a new case or contact row takes a key
    # lock on it) waits for this decision instead of racing it.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    members = list(Person.objects.filter(household_of=person))
    holds = tuple(hold for who in (person, *members) for hold in person_holds(person=who, now=now))
    if not holds:
        try:
            # A savepoint: if a PROTECT reference appeared after the check, nothing is half-deleted.
            with transaction.atomic():
                counts: dict[str, int] = {}
                person_id = person.pk
                for who in (*members, person):  # members first: their link to the holder is PROTECT
                    for label, count in person_release(person=who, now=now).items():
                        counts[label] = counts.get(label, 0) + count
                    for label, count in who.delete()[1].items():
                        counts[label] = counts.get(label, 0) + count
        except ProtectedError:
            holds = tuple(hold for who in (person, *members) for hold in person_holds(person=who, now=now))
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


def persons_set_case_status(*, person_ids: list[int], case_status: str) -> int:
    """`person_set_case_status` for many persons in one UPDATE (a bulk triage of hundreds of contacts);
    rows already in that status are left alone. Returns how many changed."""
    if case_status not in ("", "case", "contact"):
        raise ValueError(f"unknown case status {case_status!r}")
    if not person_ids:
        return 0
    return (
        Person.objects.filter(pk__in=person_ids)
        .exclude(case_status=case_status)
        .update(case_status=case_status)
    )


@transaction.atomic
def person_set_date_of_birth(*, person: Person, date_of_birth: date) -> Person:
    """The full date of birth, read from a chip ID card at a gate (encrypted at rest; the year of birth
    stays in clear for statistics and follows the card)."""
    person.date_of_birth = date_of_birth
    person.year_of_birth = date_of_birth.year
    person.save(update_fields=["date_of_birth", "year_of_birth"])
    return person


# --- Households (issue 9): one phone, several people ---------------------------------------------------


@dataclass(frozen=True)
class MemberProfile:
    """What a household member is known by. Usually no phone of their own (they are found through the
    holder's); one they do have is kept, so that a gate finds them by it."""

    full_name: str
    year_of_birth: int
    sex: str
    id_number: str | None = None
    phone: str | None = None


@transaction.atomic
def household_member_add(
    *,
    holder: Person,
    member: MemberProfile,
    actor: Any = None,
    role: str = "",
    request: HttpRequest | None = None,
    via: str = "khai_ho",
) -> tuple[Person, bool]:
    """A member of the holder's household: the holder's existing member of that name (declaring again
    for grandma is not a second grandma), or a new person. Returns (member, created).

    A phone or ID number already held by someone else is refused with `AlreadyRegistered`: nobody is
    merged into an existing person, and nothing tells the holder whose number it is. The holder's own
    member with that phone or ID number is that member."""
    known = person_by_phone_or_id(phone=member.phone, id_number=member.id_number)
    if known is not None:
        if known.household_of_id != holder.pk:
            raise AlreadyRegistered
        return known, False
    existing = household_member_named(holder, member.full_name)
    if existing is not None:
        return existing, False
    person = Person(
        full_name=nfc(member.full_name),
        phone=member.phone,
        id_number=member.id_number or None,
        year_of_birth=member.year_of_birth,
        sex=member.sex,
        nationality=holder.nationality,
        commune=holder.commune,
        household_of=holder,
    )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise AlreadyRegistered from None  # the same phone or ID number registered a moment ago
    audit_record(
        actor=actor,
        action="household.add",
        person_id=person.pk,
        obj=person,
        request=request,
        role=role,
        details={"holder_id": holder.pk, "via": via},
    )
    return person, True


class AlreadyRegistered(Exception):
    """The phone or ID number typed for a household member belongs to a person outside the household."""


@transaction.atomic
def household_member_update(*, member: Person, profile: MemberProfile) -> Person:
    """The holder corrects a member's name, year of birth, sex or ID number (never a phone: a member has
    none of their own). An ID number held by another person is refused with `AlreadyRegistered`."""
    if profile.id_number:
        other = person_by_phone_or_id(phone=None, id_number=profile.id_number)
        if other is not None and other.pk != member.pk:
            raise AlreadyRegistered
    member.full_name = nfc(profile.full_name)
    member.year_of_birth = profile.year_of_birth
    member.sex = profile.sex
    member.id_number = profile.id_number or member.id_number
    member.save()
    audit_record(
        actor=None,
        action="household.update",
        person_id=member.pk,
        obj=member,
        details={"holder_id": member.household_of_id},
    )
    return member


@transaction.atomic
def household_member_remove(*, member: Person) -> None:
    """The holder removes a member: the member's own data (visits, declarations) goes, as when a person
    deletes their own profile. The audit row keeps only the holder and the member's row id."""
    holder_id, member_id = member.household_of_id, member.pk
    member.delete()
    audit_record(
        actor=None,
        action="household.remove",
        person_id=holder_id,
        details={"holder_id": holder_id, "member_id": member_id},
    )
