"""The contact line list that field teams open in a spreadsheet (issue 11, item 6).

One row per contact: who (name, year of birth, sex, masked ID, phone, address, commune), how exposed
(tier, overlap, venue and area, both presences in local time) and where the follow-up stands (decision,
status, period, team, field worker). Headers are in the officer's language (Vietnamese first), and an
unknown value is an empty cell, never "None". The list is built for one case, or for the open cases in an
officer's scope narrowed to a team or a commune of residence.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ravao.lib.ids import mask_id_number
from ravao.people.models import Sex
from ravao.places.models import AdminUnit
from ravao.tracing.models import Case, Contact, Team
from ravao.tracing.selectors import contact_reason, rank_key

# (key, header): keys are stable (tests, docs); headers are translated when the file is written.
LINE_LIST_COLUMNS: list[tuple[str, Any]] = [
    ("case", gettext_lazy("Case no.")),
    ("generation", gettext_lazy("Generation")),
    ("full_name", gettext_lazy("Full name")),
    ("year_of_birth", gettext_lazy("Year of birth")),
    ("sex", gettext_lazy("Sex")),
    ("id_masked", gettext_lazy("ID number (last 4 digits)")),
    ("phone", gettext_lazy("Phone")),
    ("address", gettext_lazy("Address")),
    ("commune", gettext_lazy("Commune / ward")),
    ("district_province", gettext_lazy("Higher administrative units")),
    ("tier", gettext_lazy("Risk tier")),
    ("overlap_minutes", gettext_lazy("Overlap (minutes)")),
    ("venue", gettext_lazy("Venue")),
    ("area", gettext_lazy("Area / production line")),
    ("contact_start", gettext_lazy("Contact from")),
    ("contact_end", gettext_lazy("Contact until")),
    ("source_presence", gettext_lazy("Case present")),
    ("decision", gettext_lazy("Decision")),
    ("followup", gettext_lazy("Follow-up status")),
    ("followup_start", gettext_lazy("Follow-up from")),
    ("followup_until", gettext_lazy("Follow-up until")),
    ("team", gettext_lazy("Team")),
    ("assignee", gettext_lazy("Field worker")),
]
LINE_LIST_KEYS = [key for key, _label in LINE_LIST_COLUMNS]

CONTACT_RELATED = (
    "case",
    "person",
    "person__commune",
    "person__commune__parent",
    "person__commune__parent__parent",
    "venue",
    "area",
    "team",
    "assignee",
)


def line_list_headers() -> list[str]:
    """The headers in the active language (the request's, set by the locale middleware)."""
    return [str(label) for _key, label in LINE_LIST_COLUMNS]


def local_time(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def contact_phone(contact: Contact) -> str:
    """The verified phone, else the claimed one (issue 9: unverified); empty when only a CCCD is known."""
    return contact.person.phone or contact.person.claimed_phone or ""


def unit_names_above(unit: AdminUnit | None) -> str:
    """ "Huyện Thạch Thất, Hà Nội": the district and province above a commune (or the province alone on
    the two-level map)."""
    names: list[str] = []
    parent = unit.parent if unit is not None else None
    while parent is not None and len(names) < 2:
        names.append(parent.name)
        parent = parent.parent
    return ", ".join(names)


# Fields of the person never written to an export: not read, so not decrypted (a few ms per row).
PERSON_NOT_EXPORTED = ("person__email", "person__date_of_birth")


class Labels:
    """The display labels of the choices, translated once per file: `get_FOO_display` translates every
    choice of the field on each call, which was most of the time of a 2,000-row list."""

    def __init__(self) -> None:
        self.tier = {k: str(v) for k, v in Contact.Tier.choices}
        self.decision = {k: str(v) for k, v in Contact.Decision.choices}
        self.followup = {k: str(v) for k, v in Contact.FollowUp.choices}
        self.sex = {k: str(v) for k, v in Sex.choices}
        self.estimated = " " + _("(estimated)")


def line_list_row(contact: Contact, labels: Labels | None = None) -> list[Any]:
    labels = labels or Labels()
    person = contact.person
    presence = f"{local_time(contact.source_start)} – {local_time(contact.source_end)}"
    return [
        f"F0 #{contact.case_id}",
        f"F{contact.generation}",
        person.full_name,
        person.year_of_birth or "",
        labels.sex.get(person.sex, ""),
        mask_id_number(person.id_number) if person.id_number else "",
        contact_phone(contact),
        person.address or "",
        person.commune.name if person.commune else "",
        unit_names_above(person.commune),
        labels.tier.get(contact.tier, contact.tier),
        contact.overlap_minutes,
        contact.venue.name,
        contact.area.name if contact.area else "",
        local_time(contact.contact_start) + (labels.estimated if contact.contact_estimated else ""),
        local_time(contact.contact_end),
        presence + (labels.estimated if contact.source_estimated else ""),
        labels.decision.get(contact.decision, contact.decision),
        labels.followup.get(contact.followup, contact.followup),
        iso_date(contact.followup_start),
        iso_date(contact.followup_until),
        contact.team.name if contact.team else "",
        str(contact.assignee) if contact.assignee else "",
    ]


def line_list_rows(contacts: Iterable[Contact]) -> list[list[Any]]:
    labels = Labels()
    return [line_list_row(c, labels) for c in contacts]


def filter_contacts(
    contacts: QuerySet[Contact], *, team: Team | None = None, commune: AdminUnit | None = None
) -> QuerySet[Contact]:
    """Narrow to a health team's contacts, or to those living in a commune (or a unit above communes)."""
    if team is not None:
        contacts = contacts.filter(team=team)
    if commune is not None:
        contacts = contacts.filter(person__commune__path__startswith=commune.path)
    return contacts


def case_line_list(
    case: Case, *, team: Team | None = None, commune: AdminUnit | None = None
) -> list[Contact]:
    """A case's contacts in the case page's order (`selectors.case_contacts`), narrowed by team or commune
    if asked: one query, each person read (and decrypted) once."""
    contacts = list(
        filter_contacts(Contact.objects.filter(case=case), team=team, commune=commune)
        .select_related(*CONTACT_RELATED, "via")
        .defer(*PERSON_NOT_EXPORTED)
    )
    for contact in contacts:
        contact.reason = contact_reason(contact)  # type: ignore[attr-defined]
    return sorted(contacts, key=lambda c: (c.generation, *(-x for x in rank_key(c))))


def scope_line_list(
    cases: QuerySet[Case], *, team: Team | None = None, commune: AdminUnit | None = None
) -> list[Contact]:
    """The contacts of the given (open) cases, narrowed by team or commune: case by case, F1 before F2,
    the riskiest first."""
    contacts = filter_contacts(
        Contact.objects.filter(case__in=cases).exclude(decision=Contact.Decision.DISMISSED),
        team=team,
        commune=commune,
    )
    return list(
        contacts.select_related(*CONTACT_RELATED)
        .defer(*PERSON_NOT_EXPORTED)
        .order_by("case_id", "generation", "-overlap_minutes", "contact_start", "pk")
    )
