"""Import files for the outbreak systems health offices already run (issue 11, item 6): SORMAS, Go.Data and
the DHIS2 COVID-19 contact tracker. Each builder takes a case and its contacts and returns rows or JSON in
that system's own field names; where each list comes from (repository, file, commit) is written down in
docs/interop.md, and the tests check the names against those lists.

None of these systems knows *when* a person was at a venue: the presence of the contact and of the case,
and their overlap, go into the free-text field each import accepts (SORMAS `involvementDescription`,
Go.Data `relationship.comment`), and the day of the last contact into the dated field each has.
"""

import hashlib
import string
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ravao.people.models import Person
from ravao.places.models import AdminUnit, Venue, VenueKind
from ravao.tracing import conf
from ravao.tracing.exports import contact_phone, local_time, unit_names_above
from ravao.tracing.models import Case, Cluster, Contact, FollowUpVisit


# --- names -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SplitName:
    """A Vietnamese name is family name, middle name(s), given name: "Nguyễn Văn An" → family "Nguyễn",
    middle "Văn", given "An". The given name is what SORMAS and Go.Data call the first name."""

    first: str
    middle: str
    last: str

    @property
    def last_with_middle(self) -> str:
        return " ".join(x for x in (self.last, self.middle) if x)


def split_name(full_name: str) -> SplitName:
    words = full_name.split()
    if not words:
        return SplitName("", "", "")
    if len(words) == 1:
        return SplitName(words[0], "", "")
    return SplitName(words[-1], " ".join(words[1:-1]), words[0])


def presence_text(contact: Contact) -> str:
    """The exact co-presence, in words: what the other systems have no field for."""
    area = f" ({contact.area.name})" if contact.area else ""
    return _(
        "At %(venue)s%(area)s from %(start)s to %(end)s; the case was there from %(case_start)s to"
        " %(case_end)s; overlap %(minutes)d min; tier %(tier)s; F%(generation)d."
    ) % {
        "venue": contact.venue.name,
        "area": area,
        "start": local_time(contact.contact_start),
        "end": local_time(contact.contact_end),
        "case_start": local_time(contact.source_start),
        "case_end": local_time(contact.source_end),
        "minutes": contact.overlap_minutes,
        "tier": contact.get_tier_display(),
        "generation": contact.generation,
    }


def _age(person: Person, on: date) -> int | None:
    return on.year - person.year_of_birth if person.year_of_birth else None


# --- SORMAS ------------------------------------------------------------------------------------------
# (entity class row, column row) of the event import (ImportFacadeEjb.generateEventImportTemplateFile)
# and of the event participant import (generateEventParticipantImportTemplateFile): a subset, in the
# order of the templates. docs/interop.md says where each name comes from.
SORMAS_EVENT_COLUMNS: list[tuple[str, str]] = [
    ("Event", "eventStatus"),
    ("Event", "externalId"),
    ("Event", "eventTitle"),
    ("Event", "eventDesc"),
    ("Event", "startDate"),
    ("Event", "endDate"),
    ("Location", "eventLocation.city"),
    ("Location", "eventLocation.street"),
    ("Location", "eventLocation.additionalInformation"),
    ("Event", "typeOfPlace"),
    ("Event", "disease"),
    ("Event", "typeOfPlaceText"),
]
SORMAS_PARTICIPANT_COLUMNS: list[tuple[str, str]] = [
    ("EventParticipant", "involvementDescription"),
    ("Person", "person.firstName"),
    ("Person", "person.lastName"),
    ("Person", "person.sex"),
    ("Person", "person.birthdateYYYY"),
    ("Location", "person.address.city"),
    ("Location", "person.address.street"),
    ("Location", "person.address.additionalInformation"),
    ("Person", "person.externalId"),
    ("Person", "person.phone"),
]
# ravao venue kinds → SORMAS TypeOfPlace; the rest is OTHER with the kind in typeOfPlaceText.
SORMAS_TYPE_OF_PLACE = {
    VenueKind.HEALTH: "FACILITY",
    VenueKind.SCHOOL: "SCHOOL",
    VenueKind.MARKET: "PUBLIC_PLACE",
    VenueKind.PUBLIC: "PUBLIC_PLACE",
}
SORMAS_SEX = {"male": "MALE", "female": "FEMALE", "other": "OTHER"}


def _sormas_date(value: datetime) -> str:
    return timezone.localtime(value).strftime(conf.SORMAS_DATE_FORMAT)


def venues_of(contacts: list[Contact]) -> list[Venue]:
    """The venues of the contacts, in the order they first appear (the riskiest contact's first)."""
    seen: dict[int, Venue] = {}
    for c in contacts:
        seen.setdefault(c.venue_id, c.venue)
    return list(seen.values())


def sormas_event_rows(case: Case, contacts: list[Contact]) -> tuple[list[str], list[list[Any]]]:
    """One SORMAS event per venue of the case's contacts (a CLUSTER when an officer confirmed a cluster
    there): from the case's first arrival to its last departure among the contacts' exposures."""
    by_venue: dict[int, list[Contact]] = defaultdict(list)
    for c in contacts:
        by_venue[c.venue_id].append(c)
    clustered = set(
        Cluster.objects.filter(
            cases=case, status=Cluster.Status.CONFIRMED, venue_id__in=list(by_venue)
        ).values_list("venue_id", flat=True)
    )
    rows: list[list[Any]] = [[field for _entity, field in SORMAS_EVENT_COLUMNS]]
    for venue in venues_of(contacts):
        group = by_venue[venue.pk]
        commune = venue.commune
        rows.append(
            [
                "CLUSTER" if venue.pk in clustered else "EVENT",
                f"ravao-venue-{venue.code}-case-{case.pk}",
                venue.name,
                _("Venue in the timeline of case F0 #%(case)d (ravao); %(n)d contacts.")
                % {"case": case.pk, "n": len(group)},
                _sormas_date(min(c.source_start for c in group)),
                _sormas_date(max(c.source_end for c in group)),
                commune.name if commune else "",
                venue.address,
                unit_names_above(commune),
                SORMAS_TYPE_OF_PLACE.get(venue.kind, "OTHER"),  # type: ignore[call-overload]
                "CORONAVIRUS",
                "" if venue.kind in SORMAS_TYPE_OF_PLACE else venue.get_kind_display(),
            ]
        )
    return [entity for entity, _field in SORMAS_EVENT_COLUMNS], rows


def sormas_participant_rows(contacts: list[Contact]) -> tuple[list[str], list[list[Any]]]:
    """The participants of one event (import them from that event's page in SORMAS); the presence
    times go into involvementDescription, SORMAS's participant having no arrival/departure fields."""
    rows: list[list[Any]] = [[field for _entity, field in SORMAS_PARTICIPANT_COLUMNS]]
    for c in contacts:
        person = c.person
        name = split_name(person.full_name)
        rows.append(
            [
                presence_text(c),
                name.first,
                name.last_with_middle,
                SORMAS_SEX.get(person.sex, "UNKNOWN"),
                person.year_of_birth or "",
                person.commune.name if person.commune else "",
                person.address or "",
                unit_names_above(person.commune),
                f"ravao-{person.public_id}",
                contact_phone(c),
            ]
        )
    return [entity for entity, _field in SORMAS_PARTICIPANT_COLUMNS], rows


# --- Go.Data -----------------------------------------------------------------------------------------
# Reference data ids as Go.Data stores them (defaultReferenceData.json: category + value, upper snake).
GODATA_GENDER = {
    "male": "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE",
    "female": "LNG_REFERENCE_DATA_CATEGORY_GENDER_FEMALE",
}
GODATA_RISK = {
    Contact.Tier.HIGH: "LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL_3_HIGH",
    Contact.Tier.MEDIUM: "LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL_2_MEDIUM",
    Contact.Tier.LOW: "LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL_1_LOW",
}
GODATA_CERTAINTY = {
    Contact.Tier.HIGH: "LNG_REFERENCE_DATA_CATEGORY_CERTAINTY_LEVEL_3_HIGH",
    Contact.Tier.MEDIUM: "LNG_REFERENCE_DATA_CATEGORY_CERTAINTY_LEVEL_2_MEDIUM",
    Contact.Tier.LOW: "LNG_REFERENCE_DATA_CATEGORY_CERTAINTY_LEVEL_1_LOW",
}
GODATA_FOLLOWUP = {
    Contact.FollowUp.COMPLETED: "LNG_REFERENCE_DATA_CONTACT_FINAL_FOLLOW_UP_STATUS_TYPE_FOLLOW_UP_COMPLETED",
    Contact.FollowUp.LOST: "LNG_REFERENCE_DATA_CONTACT_FINAL_FOLLOW_UP_STATUS_TYPE_LOST_TO_FOLLOW_UP",
}
GODATA_UNDER_FOLLOWUP = "LNG_REFERENCE_DATA_CONTACT_FINAL_FOLLOW_UP_STATUS_TYPE_UNDER_FOLLOW_UP"
GODATA_PERSON_CASE = "LNG_REFERENCE_DATA_CATEGORY_PERSON_TYPE_CASE"
GODATA_PERSON_CONTACT = "LNG_REFERENCE_DATA_CATEGORY_PERSON_TYPE_CONTACT"
GODATA_PERSON_CONTACT_OF_CONTACT = "LNG_REFERENCE_DATA_CATEGORY_PERSON_TYPE_CONTACT_OF_CONTACT"
GODATA_CONFIRMED = "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_CONFIRMED"
GODATA_USUAL_RESIDENCE = "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_USUAL_PLACE_OF_RESIDENCE"
# Co-presence at a venue is neither touch nor household: "other (see comment)", the times in the comment.
GODATA_EXPOSURE_TYPE = "LNG_REFERENCE_DATA_CATEGORY_EXPOSURE_TYPE_OTHER_PLEASE_SPECIFY_IN_COMMENT_FIELD"
GODATA_DURATION_MINUTES = "LNG_REFERENCE_DATA_CATEGORY_EXPOSURE_DURATION_SHORT_MINUTES"
GODATA_DURATION_HOURS = "LNG_REFERENCE_DATA_CATEGORY_EXPOSURE_DURATION_MEDIUM_HOURS"
GODATA_DURATION_DAYS = "LNG_REFERENCE_DATA_CATEGORY_EXPOSURE_DURATION_LONG_DAYS"


def godata_id(person: Person) -> str:
    """The person's stable public id: the same person in two files (or two exports) is one record."""
    return str(person.public_id)


def _godata_person(person: Person, phone: str, on: date) -> dict[str, Any]:
    name = split_name(person.full_name)
    age = _age(person, on)
    return {
        "id": godata_id(person),
        "firstName": name.first,
        "middleName": name.middle,
        "lastName": name.last,
        "gender": GODATA_GENDER.get(person.sex, ""),
        "age": {"years": age, "months": 0} if age is not None else None,
        "dob": None,
        "addresses": [
            {
                "typeId": GODATA_USUAL_RESIDENCE,
                "addressLine1": person.address or "",
                "city": person.commune.name if person.commune else "",
                "country": person.nationality or "",
                "phoneNumber": phone,
                "date": on.isoformat(),
            }
        ],
    }


def _duration_id(minutes: int) -> str:
    if minutes < 60:
        return GODATA_DURATION_MINUTES
    return GODATA_DURATION_HOURS if minutes < 24 * 60 else GODATA_DURATION_DAYS


def godata_cases(case: Case) -> list[dict[str, Any]]:
    person = case.person
    today = timezone.localdate()
    record = _godata_person(person, person.phone or person.claimed_phone or "", today)
    record.update(
        {
            "visualId": f"F0-{case.pk}",
            "classification": GODATA_CONFIRMED,
            "dateOfReporting": timezone.localdate(case.created_at).isoformat(),
            "isDateOfReportingApproximate": False,
            "dateOfOnset": case.onset_date.isoformat() if case.onset_date else None,
            "isDateOfOnsetApproximate": False,
            "dateBecomeCase": timezone.localdate(case.created_at).isoformat(),
        }
    )
    return [record]


def _relationship(contact: Contact, source: Person, source_type: str, target_type: str) -> dict[str, Any]:
    return {
        "persons": [
            {"id": godata_id(source), "type": source_type, "source": True},
            {"id": godata_id(contact.person), "type": target_type, "target": True},
        ],
        "contactDate": timezone.localdate(contact.contact_end).isoformat(),
        "contactDateEstimated": contact.contact_estimated or contact.source_estimated,
        "certaintyLevelId": GODATA_CERTAINTY[contact.tier],  # type: ignore[index]
        "exposureTypeId": GODATA_EXPOSURE_TYPE,
        "exposureDurationId": _duration_id(contact.overlap_minutes),
        "comment": presence_text(contact),
    }


def godata_contacts(case: Case, contacts: list[Contact]) -> list[dict[str, Any]]:
    """The F1s as Go.Data contacts, each with the relationship to the case that its contact import
    creates with it (`relationship.persons` holds the case; Go.Data adds the contact)."""
    today = timezone.localdate()
    out = []
    for c in contacts:
        if c.generation != 1:
            continue
        record = _godata_person(c.person, contact_phone(c), today)
        relationship = _relationship(c, case.person, GODATA_PERSON_CASE, GODATA_PERSON_CONTACT)
        relationship["persons"] = relationship["persons"][:1]
        record.update(
            {
                "visualId": f"F1-{c.pk}",
                "dateOfReporting": timezone.localdate(c.exposed_at).isoformat(),
                "isDateOfReportingApproximate": False,
                "dateOfLastContact": timezone.localdate(c.contact_end).isoformat(),
                "riskLevel": GODATA_RISK[c.tier],  # type: ignore[index]
                "riskReason": getattr(c, "reason", ""),
                "followUp": {
                    "startDate": c.followup_start.isoformat() if c.followup_start else None,
                    "endDate": c.followup_until.isoformat() if c.followup_until else None,
                    "status": GODATA_FOLLOWUP.get(c.followup, GODATA_UNDER_FOLLOWUP),  # type: ignore[call-overload]
                },
                "relationship": relationship,
            }
        )
        out.append(record)
    return out


def godata_relationships(case: Case, contacts: list[Contact]) -> list[dict[str, Any]]:
    """Case → F1 and F1 → F2 (contact of contact), for contacts already in Go.Data."""
    by_id = {c.pk: c for c in contacts}
    out = []
    for c in contacts:
        if c.generation == 1:
            out.append(_relationship(c, case.person, GODATA_PERSON_CASE, GODATA_PERSON_CONTACT))
        elif c.via_id in by_id:
            via = by_id[c.via_id]
            out.append(_relationship(c, via.person, GODATA_PERSON_CONTACT, GODATA_PERSON_CONTACT_OF_CONTACT))
    return out


# --- DHIS2 -------------------------------------------------------------------------------------------
DHIS2_REQUIRED = (
    ("RAVAO_DHIS2_PROGRAM", "DHIS2_PROGRAM"),
    ("RAVAO_DHIS2_TRACKED_ENTITY_TYPE", "DHIS2_TRACKED_ENTITY_TYPE"),
    ("RAVAO_DHIS2_STAGE_SYMPTOMS", "DHIS2_STAGE_SYMPTOMS"),
    ("RAVAO_DHIS2_ATTR_FIRST_NAME", "DHIS2_ATTR_FIRST_NAME"),
    ("RAVAO_DHIS2_ATTR_LAST_NAME", "DHIS2_ATTR_LAST_NAME"),
)
UID_ALPHABET = string.ascii_letters + string.digits


def dhis2_missing_settings() -> list[str]:
    """The settings the DHIS2 file cannot be built without."""
    return [name for name, attr in DHIS2_REQUIRED if not getattr(conf, attr)]


def dhis2_uid(key: str) -> str:
    """A DHIS2-shaped UID (a letter, then 10 letters or digits) derived from `key`: the same contact
    exported twice updates the same tracked entity, enrollment and events (CREATE_AND_UPDATE)."""
    digest = hashlib.sha256(f"ravao:{key}".encode()).digest()
    chars = [string.ascii_letters[digest[0] % 52]]
    chars += [UID_ALPHABET[b % len(UID_ALPHABET)] for b in digest[1:11]]
    return "".join(chars)


def dhis2_org_unit(unit: AdminUnit | None) -> str:
    """The contact's commune as a DHIS2 org unit: its code (scheme CODE), or the UID mapped to it or to
    the nearest unit above it (scheme UID). Empty when nothing maps."""
    while unit is not None:
        if conf.DHIS2_ORG_UNIT_SCHEME == "CODE":
            return unit.code
        if unit.code in conf.DHIS2_ORG_UNITS:
            return conf.DHIS2_ORG_UNITS[unit.code]
        unit = unit.parent
    return ""


def _dhis2_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def _values(pairs: list[tuple[str, Any]], key: str) -> list[dict[str, Any]]:
    """[{key: uid, value: v}] for the configured uids with a known value."""
    return [{key: uid, "value": value} for uid, value in pairs if uid and value not in ("", None)]


DHIS2_SEX = {"male": "MALE", "female": "FEMALE", "other": "OTHER"}


def dhis2_tracker(case: Case, contacts: list[Contact]) -> tuple[dict[str, Any], list[Contact]]:
    """The `/api/tracker` payload (nested: trackedEntities → enrollments → events) for the confirmed
    contacts, and the contacts left out because no org unit maps to their commune (or the case's unit).
    Follow-up visits become events of the symptoms stage."""
    visits: dict[int, list[FollowUpVisit]] = defaultdict(list)
    confirmed = [c for c in contacts if c.decision == Contact.Decision.CONFIRMED]
    for visit in FollowUpVisit.objects.filter(contact__in=confirmed).order_by("day", "call"):
        visits[visit.contact_id].append(visit)
    today = timezone.localdate()
    entities, skipped = [], []
    for c in confirmed:
        person = c.person
        org_unit = dhis2_org_unit(person.commune) or dhis2_org_unit(case.unit)
        if not org_unit:
            skipped.append(c)
            continue
        name = split_name(person.full_name)
        exposed = _dhis2_date(c.contact_end)
        events: list[dict[str, Any]] = []
        if conf.DHIS2_STAGE_FOLLOWUP:
            events.append(
                {
                    "event": dhis2_uid(f"followup:{c.pk}"),
                    "programStage": conf.DHIS2_STAGE_FOLLOWUP,
                    "orgUnit": org_unit,
                    "occurredAt": exposed,
                    "status": "COMPLETED",
                    "dataValues": _values([(conf.DHIS2_DE_LAST_CONTACT, exposed)], "dataElement"),
                }
            )
        for visit in visits[c.pk]:
            events.append(
                {
                    "event": dhis2_uid(f"visit:{visit.pk}"),
                    "programStage": conf.DHIS2_STAGE_SYMPTOMS,
                    "orgUnit": org_unit,
                    "occurredAt": visit.day.isoformat(),
                    # A missed call is a scheduled event not done; a reached one is completed.
                    "status": "SKIPPED" if visit.status == FollowUpVisit.Status.NOT_REACHED else "COMPLETED",
                    "dataValues": _values(
                        [
                            (
                                conf.DHIS2_DE_SYMPTOMATIC,
                                None
                                if visit.status == FollowUpVisit.Status.NOT_REACHED
                                else str(visit.status == FollowUpVisit.Status.SEEN_NOT_OK).lower(),
                            ),
                            (
                                conf.DHIS2_DE_TEMPERATURE,
                                str(visit.temperature) if visit.temperature else None,
                            ),
                        ],
                        "dataElement",
                    ),
                }
            )
        finished = c.followup in (Contact.FollowUp.COMPLETED, Contact.FollowUp.LOST)
        entities.append(
            {
                "trackedEntity": dhis2_uid(f"person:{person.public_id}"),
                "trackedEntityType": conf.DHIS2_TRACKED_ENTITY_TYPE,
                "orgUnit": org_unit,
                "attributes": _values(
                    [
                        (conf.DHIS2_ATTR_LOCAL_ID, f"ravao-F{c.generation}-{c.pk}"),
                        (conf.DHIS2_ATTR_FIRST_NAME, name.first),
                        (conf.DHIS2_ATTR_LAST_NAME, name.last_with_middle),
                        (conf.DHIS2_ATTR_SEX, DHIS2_SEX.get(person.sex, "")),
                        (conf.DHIS2_ATTR_AGE, _age(person, today)),
                        (conf.DHIS2_ATTR_PHONE, contact_phone(c)),
                        (
                            conf.DHIS2_ATTR_ADDRESS,
                            ", ".join(
                                x
                                for x in (person.address, person.commune.name if person.commune else "")
                                if x
                            ),
                        ),
                    ],
                    "attribute",
                ),
                "enrollments": [
                    {
                        "enrollment": dhis2_uid(f"enrollment:{c.pk}"),
                        "program": conf.DHIS2_PROGRAM,
                        "orgUnit": org_unit,
                        "enrolledAt": _dhis2_date(c.followup_start or c.exposed_at),
                        "occurredAt": exposed,
                        "status": "COMPLETED" if finished else "ACTIVE",
                        "events": events,
                    }
                ],
            }
        )
    return {"trackedEntities": entities}, skipped
