"""Many contacts for one case, fast: persons and contacts inserted in bulk (the engine is tested elsewhere;
these rows stand for what it stores). Used by the triage tests and `bench/tracing/triage.py`."""

import itertools
from datetime import datetime, timedelta

from ravao.people.models import Person
from ravao.places.models import AdminUnit, Area, Venue
from ravao.tracing.models import Case, Contact

TIERS = [Contact.Tier.HIGH, Contact.Tier.MEDIUM, Contact.Tier.LOW]
_serial = itertools.count(1)


def make_contacts(
    case: Case,
    n: int,
    *,
    venue: Venue,
    area: Area | None = None,
    tiers: list[str] | None = None,
    communes: list[AdminUnit | None] | None = None,
    generation: int = 1,
    at: datetime | None = None,
    batch: int = 1000,
) -> list[Contact]:
    """`n` contacts of `case` at `venue` (and `area`), tiers and communes of residence taken in turn, each
    a distinct person with a phone of their own."""
    tier_cycle: list[str] = list(tiers or TIERS)
    commune_cycle: list[AdminUnit | None] = communes or [None]
    at = at or case.window_start
    made: list[Contact] = []
    for first in range(0, n, batch):
        persons = []
        for i in range(first, min(n, first + batch)):
            k = next(_serial)
            person = Person(
                full_name=f"Người thử {k:05d}",
                phone=f"0938{k:06d}",
                year_of_birth=1980 + k % 30,
                sex="female" if k % 2 else "male",
                commune=commune_cycle[i % len(commune_cycle)],
            )
            person.refresh_lookup_keys()
            persons.append(person)
        Person.objects.bulk_create(persons)
        rows = []
        for j, person in enumerate(persons):
            i = first + j
            tier = tier_cycle[i % len(tier_cycle)]
            minutes = {"high": 60 + i % 300, "medium": 1 + i % 14, "low": 0}[tier]
            start = at + timedelta(minutes=i % 600)
            rows.append(
                Contact(
                    case=case,
                    person=person,
                    generation=generation,
                    venue=venue,
                    area=area,
                    same_area=area is not None,
                    tier=tier,
                    overlap_minutes=minutes,
                    source_start=at,
                    source_end=at + timedelta(hours=8),
                    contact_start=start,
                    contact_end=start + timedelta(minutes=max(minutes, 10)),
                    exposed_at=start,
                    exposures=[],
                )
            )
        made += Contact.objects.bulk_create(rows)
    return made
