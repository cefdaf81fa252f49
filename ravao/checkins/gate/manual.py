"""A visitor without a smartphone, entered at the gate by staff."""

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from ravao.checkins.models import CheckIn
from ravao.checkins.visits import checkin_create
from ravao.people.models import Person
from ravao.people.selectors import (
    person_by_phone_or_id,
    person_latest_declaration,
    person_status,
)
from ravao.people.services import (
    MemberProfile,
    Profile,
    declaration_submit,
    household_member_add,
    person_register,
)
from ravao.places.models import Area, Venue
from ravao.privacy.crypto import name_index
from ravao.privacy.services import audit_record


@transaction.atomic
def gate_manual_entry(
    *,
    venue: Venue,
    area: Area | None,
    staff: Any,
    role: str,
    profile: Any,
    answers: Any | None,
    client_id: uuid.UUID,
    now: datetime,
    request: HttpRequest | None = None,
) -> tuple[CheckIn, Person, bool]:
    """A visitor without a smartphone, entered by staff (name, phone, optional ID number, and the
    declaration when the visitor answered the questions). Returns (check-in, person, person created).
    An existing person (same phone or ID number) is used as they are; their profile is not rewritten.
    A phone that belongs to someone of another name (a relative's, as the form allows) adds the visitor
    to that person's household (issue 9): their own person and history, never merged into the relative.

    A retried form (same `client_id`, issue 12 finding 8) writes nothing: no second declaration, no
    second audit row. A retry seen after the first committed returns the stored entry; one racing with it
    loses on the check-in's unique client_id and everything it wrote is rolled back."""
    stored = _manual_entry_stored(client_id=client_id, venue=venue)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            return _manual_entry_write(
                venue=venue, area=area, staff=staff, role=role, profile=profile, answers=answers,
                client_id=client_id, now=now, request=request,
            )  # fmt: skip
    except _ManualEntryReplayed:
        stored = _manual_entry_stored(client_id=client_id, venue=venue)
        if stored is not None:
            return stored
    # The id is another check-in's (not a manual entry of this venue): nothing of it is shown, the
    # visitor is entered under a fresh id.
    return gate_manual_entry(
        venue=venue, area=area, staff=staff, role=role, profile=profile, answers=answers,
        client_id=uuid.uuid4(), now=now, request=request,
    )  # fmt: skip


class _ManualEntryReplayed(Exception):
    """The client_id was recorded by a concurrent request: this attempt's writes are rolled back."""


def _manual_entry_stored(*, client_id: uuid.UUID, venue: Venue) -> tuple[CheckIn, Person, bool] | None:
    checkin = (
        CheckIn.objects.select_related("person")
        .filter(client_id=client_id, venue=venue, method=CheckIn.Method.MANUAL)
        .first()
    )
    return None if checkin is None else (checkin, checkin.person, False)


def _manual_entry_write(
    *,
    venue: Venue,
    area: Area | None,
    staff: Any,
    role: str,
    profile: Any,
    answers: Any | None,
    client_id: uuid.UUID,
    now: datetime,
    request: HttpRequest | None,
) -> tuple[CheckIn, Person, bool]:
    person, created, household = _manual_entry_person(
        profile=profile, staff=staff, role=role, request=request
    )
    if answers is not None:
        declaration_submit(person=person, answers=answers, now=now)
    status = person_status(person, person_latest_declaration(person), now=now)
    checkin, checkin_created = checkin_create(
        person=person,
        venue=venue,
        area=area,
        method=CheckIn.Method.MANUAL,
        at=now,
        client_id=client_id,
        status_at_entry=status,
    )
    if not checkin_created:
        raise _ManualEntryReplayed
    audit_record(
        actor=staff,
        action="gate.manual",
        person_id=person.pk,
        obj=checkin,
        request=request,
        role=role,
        details={
            "venue_id": venue.pk,
            "person_created": created,
            "declared": answers is not None,
            "household_member": household,
        },
    )
    return checkin, person, created


def _manual_entry_person(
    *, profile: Profile, staff: Any, role: str, request: HttpRequest | None
) -> tuple[Person, bool, bool]:
    """The person a manual entry designates: (person, created, household member). An ID number that is
    known decides as before; otherwise a phone held by someone whose name differs from the typed one is a
    relative's phone: the visitor is (or becomes) a member of that person's household, by their own name."""
    known_id = profile.id_number and person_by_phone_or_id(phone=None, id_number=profile.id_number)
    if profile.phone and not known_id:
        relative = person_by_phone_or_id(phone=profile.phone, id_number=None)
        if relative is not None and relative.name_index != name_index(profile.full_name):
            # A member's own phone belongs to their holder's household: no households of households.
            holder = relative.household_of if relative.household_of_id else relative
            assert holder is not None
            member, created = household_member_add(
                holder=holder,
                member=MemberProfile(
                    full_name=profile.full_name,
                    year_of_birth=profile.year_of_birth,
                    sex=profile.sex,
                    id_number=profile.id_number,
                ),
                actor=staff,
                role=role,
                request=request,
                via="gate",
            )
            return member, created, True
    person, created = person_register(profile=profile)
    return person, created, False
