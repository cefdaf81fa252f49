"""Reads of personal data. Views and other apps read persons only through these functions."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.status import StatusFacts, colour_for
from ravao.privacy.crypto import lookup_hash, name_index, name_tokens


def device_by_key(key: str) -> Device | None:
    """The remembered device and its person in one query, or None for an unknown or forgotten device."""
    try:
        uuid.UUID(key)
    except ValueError:
        return None
    return Device.objects.select_related("person").filter(key=key, forgotten_at__isnull=True).first()


def person_latest_declaration(person: Person) -> HealthDeclaration | None:
    return HealthDeclaration.objects.filter(person=person).order_by("-created_at").first()


def declaration_is_fresh(declaration: HealthDeclaration | None, *, now: datetime) -> bool:
    if declaration is None:
        return False
    max_age = timedelta(hours=settings.RAVAO_DECLARATION_MAX_AGE_HOURS)
    return now - declaration.created_at < max_age


def person_status(person: Person, declaration: HealthDeclaration | None, *, now: datetime) -> str:
    """The person's colour now: case status from tracing, then the declaration's answers and age."""
    facts = StatusFacts(
        case_confirmed=person.case_status == "case",
        contact_followup=person.case_status == "contact",
        any_symptom=bool(declaration and any(getattr(declaration, f) for f in declaration.SYMPTOM_FIELDS)),
        risky_contact=bool(declaration and any(getattr(declaration, f) for f in declaration.CONTACT_FIELDS)),
        fresh_declaration=declaration_is_fresh(declaration, now=now),
    )
    return colour_for(facts)


def person_by_phone_or_id(*, phone: str | None, id_number: str | None) -> Person | None:
    """De-duplication key of a person: the ID number first (stronger), then the phone."""
    if id_number:
        person = Person.objects.filter(id_hash=lookup_hash(id_number)).first()
        if person:
            return person
    if phone:
        return Person.objects.filter(phone_hash=lookup_hash(phone)).first()
    return None


def persons_for_phone(phone: str) -> list[Person]:
    """For tracing (issue 9): the person holding `phone` first, then the provisional persons claiming it
    (visits made on other devices that typed this number, not yet verified), oldest first."""
    phone_hash = lookup_hash(phone)
    holder = list(Person.objects.filter(phone_hash=phone_hash))
    claims = Person.objects.filter(claimed_phone_hash=phone_hash, merged_into__isnull=True).order_by("pk")
    return holder + list(claims)


def persons_named(words: str, persons: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """Persons whose name holds every word typed (diacritics and case ignored), within `persons`."""
    persons = Person.objects.all() if persons is None else persons
    tokens = name_tokens(words)
    if not tokens:
        return persons.none()
    for token in tokens:
        persons = persons.filter(name_index__contains=f" {token} ")
    return persons


def person_declarations(person: Person) -> QuerySet[HealthDeclaration]:
    return HealthDeclaration.objects.filter(person=person).order_by("-created_at")


# --- Households (issue 9) -------------------------------------------------------------------------------


def household_members(holder: Person) -> list[Person]:
    """The members the holder's phone manages, oldest first."""
    return list(Person.objects.filter(household_of=holder).order_by("created_at", "pk"))


def access_household_member(device: Device | None, public_id: uuid.UUID | str) -> Person:
    """A member of the device's person's household, for the holder's owner device only. Missing,
    someone else's member and a non-owner device are the same 404: nothing tells them apart."""
    if device is None or not device.is_owner:
        raise Http404
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    member = Person.objects.filter(household_of_id=device.person_id, public_id=public_id).first()
    if member is None:
        raise Http404
    return member


def household_member_named(holder: Person, full_name: str) -> Person | None:
    """The holder's member of that name (diacritics, case and spacing ignored by the blind index), so that
    declaring again for grandma, or entering her at a gate again, finds her instead of a second copy."""
    return Person.objects.filter(household_of=holder, name_index=name_index(full_name)).order_by("pk").first()
