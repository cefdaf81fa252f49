"""Reads of tracing data: timelines, ranked contacts, export rows, graph, exposures, alerts."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import venues_served_by
from ravao.db.replica import replica_reads_in  # issue 13 item 5
from ravao.lib.ids import normalise_id_number
from ravao.lib.phone import normalise_phone
from ravao.lib.text import name_initials
from ravao.people.models import Person
from ravao.people.selectors import person_by_phone_or_id, persons_for_phone, persons_named
from ravao.places.models import Area, Venue
from ravao.tracing.engine import (
    TIER_RANK,
    Exposure,
    IndexCase,
    TraceResult,
    Visit,
    best_by_person,
    visits_in_window,
)
from ravao.tracing.explain import reason
from ravao.tracing.models import Alert, Case, Contact

SEARCH_LIMIT = 20


def search_persons(query: str) -> list[Person]:
    """The persons an officer's search finds: by phone or ID number (exact), else by name (every word).
    The one place tracing finds persons from what an officer typed; jurisdiction is judged by the caller."""
    phone = normalise_phone(query)
    id_number = normalise_id_number(query)
    if phone or id_number:
        person = person_by_phone_or_id(phone=phone, id_number=id_number)
        # A phone also finds the provisional persons claiming it, marked "unverified" (issue 9).
        claims = [p for p in persons_for_phone(phone) if p.pk != getattr(person, "pk", None)] if phone else []
        if person is not None or claims:
            return ([person] if person is not None else []) + claims
        if any(c.isdigit() for c in query):
            return []
    return list(persons_named(query).order_by("pk")[:SEARCH_LIMIT])


def masked_name(name: str) -> str:
    """ "Nguyễn Văn An" → "N. V. A.": enough to tell two results apart, not to identify anyone (the one
    rule of `ravao.lib.text`, issue 12)."""
    return name_initials(name) or "?"


@dataclass(frozen=True)
class TimelineVisit:
    venue: Venue
    area: Area | None
    start: datetime
    end: datetime
    estimated: bool


def case_timeline(case: Case) -> list[TimelineVisit]:
    """The case's visits in the window, oldest first, with the estimated ends marked: the case person's own
    check-ins, never a co-presence search (the page does not re-run `trace()`, issue 13 item 3)."""
    visits: list[Visit] = visits_in_window(
        IndexCase(case.pk, case.person_id, case.window_start, case.window_end)
    )
    venues = Venue.objects.in_bulk({v.venue_id for v in visits})
    areas = Area.objects.in_bulk({v.area_id for v in visits if v.area_id})
    return [
        TimelineVisit(
            venues[v.venue_id], areas.get(v.area_id) if v.area_id else None, v.start, v.end, v.estimated
        )
        for v in visits
    ]


def contact_reason(contact: Contact) -> str:
    return reason(
        tier=contact.tier,
        overlap_minutes=contact.overlap_minutes,
        area_kind=contact.area.kind if contact.area_id and contact.area else None,
        same_area=contact.same_area,
        source_start=contact.source_start,
        source_end=contact.source_end,
        contact_start=contact.contact_start,
        estimated=contact.source_estimated or contact.contact_estimated,
    )


def rank_key(contact: Contact) -> tuple[int, int, int, float]:
    decided = {Contact.Decision.CONFIRMED: 2, Contact.Decision.CANDIDATE: 1}.get(contact.decision, 0)  # type: ignore[call-overload]
    return (decided, TIER_RANK[contact.tier], contact.overlap_minutes, -contact.contact_start.timestamp())


def case_contacts(case: Case, *, generation: int | None = None) -> list[Contact]:
    """Contacts ranked: confirmed and candidates before dismissed; then tier, overlap, earliest."""
    qs = Contact.objects.filter(case=case).select_related("person", "venue", "area", "via")
    if generation is not None:
        qs = qs.filter(generation=generation)
    contacts = list(qs)
    for contact in contacts:
        contact.reason = contact_reason(contact)  # type: ignore[attr-defined]
    return sorted(contacts, key=lambda c: (c.generation, *(-x for x in rank_key(c))))


@dataclass
class ContactGroup:
    venue: Venue
    area: Area | None
    contacts: list[Contact]


def grouped_contacts(contacts: list[Contact]) -> list[ContactGroup]:
    """Contacts grouped by venue and area, groups in the order of their best contact."""
    groups: dict[tuple[int, int | None], ContactGroup] = {}
    for contact in contacts:
        key = (contact.venue_id, contact.area_id if contact.same_area else None)
        if key not in groups:
            groups[key] = ContactGroup(contact.venue, contact.area if contact.same_area else None, [])
        groups[key].contacts.append(contact)
    return list(groups.values())


def graph_data(case: Case) -> dict[str, Any]:
    """F0 → F1 → F2 of one case for the contact graph, laid out by generation (see
    `ravao.tracing.clusters.chains_graph`); labels are initials, never full names."""
    from ravao.tracing.clusters import chains_graph

    return chains_graph(Case.objects.filter(pk=case.pk))


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word)[:4].upper() or "?"


@dataclass(frozen=True)
class PersonExposure:
    venue_name: str
    area_name: str
    start: datetime
    end: datetime
    tier: str
    tier_label: str
    estimated: bool
    followup: str


def exposures_for_person(person: Person) -> list[PersonExposure]:
    """What a visitor sees on their page: where and when they were exposed (confirmed contacts of open
    cases), never who the case is."""
    contacts = (
        Contact.objects.filter(
            person=person, decision=Contact.Decision.CONFIRMED, case__status=Case.Status.OPEN
        )
        .select_related("venue", "area")
        .order_by("-exposed_at")
    )
    return [
        PersonExposure(
            c.venue.name,
            c.area.name if c.area else "",
            c.contact_start,
            c.contact_end,
            c.tier,
            str(c.get_tier_display()),
            c.contact_estimated,
            c.followup,
        )
        for c in contacts
    ]


def alerts_for_user(user: User) -> QuerySet[Alert]:
    """Alerts of the venues the user manages."""
    venues = venues_served_by(user, roles=(Role.VENUE_MANAGER,))
    return Alert.objects.filter(venue__in=venues).select_related("venue").order_by("-created_at")


def case_summary(cases: QuerySet[Case]) -> list[dict[str, Any]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case_id, generation, decision in Contact.objects.filter(case__in=cases).values_list(
        "case_id", "generation", "decision"
    ):
        counts[case_id][f"f{generation}"] += 1
        counts[case_id][decision] += 1
    return [{"case": c, "counts": counts[c.pk]} for c in cases.select_related("person", "unit")]


@dataclass(frozen=True)
class RankedContact:
    """One exposed person's best exposure, with the reason, ready to print or serialise."""

    person_id: int
    generation: int
    via_person_id: int | None
    exposure: Exposure
    venue: Venue
    area: Area | None
    reason: str


def ranked_contacts(
    result: TraceResult,
    *,
    generation: int,
    via: dict[int, int] | None = None,
    exclude: set[int] | None = None,
) -> list[RankedContact]:
    """Best exposure per person (across sources), explained, ranked by tier and overlap. Venues and
    areas are read in two queries whatever the number of contacts. `via` maps a source key to the person
    it stands for (F2: the F1)."""
    exclude = exclude or set()
    best: dict[int, Exposure] = {}
    for (_source, person_id), exposures in best_by_person(result.exposures).items():
        if person_id in exclude:
            continue
        if person_id not in best or exposures[0].rank_key() > best[person_id].rank_key():
            best[person_id] = exposures[0]
    venues = Venue.objects.only("id", "code", "name").in_bulk({e.visit.venue_id for e in best.values()})
    area_ids = {e.visit.area_id or e.source_visit.area_id for e in best.values()} - {None}
    areas = Area.objects.only("id", "name", "kind").in_bulk(area_ids) if area_ids else {}
    out = []
    for person_id, e in best.items():
        area_id = e.visit.area_id or e.source_visit.area_id
        area = areas.get(area_id) if area_id else None
        same_area = e.visit.area_id is not None and e.visit.area_id == e.source_visit.area_id
        text = reason(
            tier=e.tier,
            overlap_minutes=e.overlap_minutes,
            area_kind=area.kind if area else None,
            same_area=same_area,
            source_start=e.presence_start,
            source_end=e.presence_end,
            contact_start=e.visit.start,
            estimated=e.visit.estimated or e.source_visit.estimated,
        )
        via_person = (via or {}).get(e.source)
        out.append(RankedContact(person_id, generation, via_person, e, venues[e.visit.venue_id], area, text))
    out.sort(key=lambda c: c.exposure.rank_key(), reverse=True)
    return out


replica_reads_in(globals(), "search_persons")  # issue 13 item 5: the search may read from the replica
