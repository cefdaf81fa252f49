"""`ravao trace --phone P | --id-number N --onset YYYY-MM-DD [--isolated YYYY-MM-DD] [--generations 2] --json`

Prints a person's infectious window, visits and ranked contacts, without recording a case (an operator's
or an epidemiologist's look-up; the audit log records it). F2s are traced from the F1s of the high and
medium tiers, as if confirmed.
"""

import json
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ravao.lib.ids import normalise_id_number
from ravao.lib.phone import normalise_phone
from ravao.people.models import Person
from ravao.people.selectors import person_by_phone_or_id
from ravao.privacy.services import audit_record
from ravao.tracing import conf
from ravao.tracing.engine import LOW, IndexCase, trace
from ravao.tracing.selectors import RankedContact, ranked_contacts
from ravao.tracing.windows import proposed_window


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes")


class Command(BaseCommand):
    help = "Trace the contacts of a person who tested positive and print them (JSON with --json)."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--phone")
        who.add_argument("--id-number")
        parser.add_argument(
            "--onset", required=True, help="symptom onset or positive-sample date, YYYY-MM-DD"
        )
        parser.add_argument("--isolated", help="isolation date, YYYY-MM-DD (default: now)")
        parser.add_argument("--generations", type=int, choices=[1, 2], default=1)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        phone = normalise_phone(options["phone"]) if options["phone"] else None
        id_number = normalise_id_number(options["id_number"]) if options["id_number"] else None
        if options["phone"] and not phone:
            raise CommandError("not a Vietnamese phone number")
        if options["id_number"] and not id_number:
            raise CommandError("not an ID number (12 or 9 digits, or a passport number)")
        person = person_by_phone_or_id(phone=phone, id_number=id_number)
        if person is None:
            raise CommandError("nobody with this phone or ID number")
        now = timezone.now()
        isolated = _date(options["isolated"]) if options["isolated"] else None
        start, end = proposed_window(
            onset_date=_date(options["onset"]), sample_date=None, isolated_on=isolated, now=now
        )

        f1_result = trace([IndexCase(0, person.pk, start, end)])
        contacts = ranked_contacts(f1_result, generation=1, exclude={person.pk})
        if options["generations"] == 2:
            sources = [c for c in contacts if c.exposure.tier != LOW]
            index = [
                IndexCase(
                    i,
                    c.person_id,
                    c.exposure.at,
                    min(now, c.exposure.at + timedelta(days=conf.F1_FOLLOWUP_DAYS)),
                )
                for i, c in enumerate(sources)
            ]
            via = {i: c.person_id for i, c in enumerate(sources)}
            # best_only: the ranked list is the same, built from one exposure per (source, person).
            contacts += ranked_contacts(
                trace(index, best_only=True), generation=2, via=via, exclude={person.pk}
            )

        persons = Person.objects.in_bulk(
            {person.pk}
            | {c.person_id for c in contacts}
            | {c.via_person_id for c in contacts if c.via_person_id}
        )
        audit_record(
            actor=None,
            action="trace.cli",
            person_id=person.pk,
            reason="command line",
            details={"contacts": len(contacts), "generations": options["generations"]},
        )
        report: dict[str, Any] = {
            "person": {"phone": person.phone, "id_number": person.id_number},
            "window": {"start": _iso(start), "end": _iso(end)},
            "visits": [
                {
                    "venue_id": v.venue_id,
                    "area_id": v.area_id,
                    "checked_in_at": _iso(v.start),
                    "ends_at": _iso(v.end),
                    "estimated": v.estimated,
                }
                for v in f1_result.visits[0]
            ],
            "contacts": [self.row(c, persons) for c in contacts],
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"window {report['window']['start']} → {report['window']['end']}, "
            f"{len(report['visits'])} visits, {len(contacts)} contacts"
        )
        for row in report["contacts"]:
            self.stdout.write(
                f"F{row['generation']} {row['tier']:<6} {row['overlap_minutes']:>5} min  "
                f"{row['phone'] or '-':<11} {row['venue_code']:<10} {row['reason']}"
            )

    @staticmethod
    def row(c: RankedContact, persons: dict[int, Person]) -> dict[str, Any]:
        e = c.exposure
        return {
            "generation": c.generation,
            "phone": persons[c.person_id].phone,
            "venue_code": c.venue.code,
            "area": c.area.name if c.area else None,
            "contact_interval": {
                "start": _iso(e.visit.start),
                "end": _iso(e.visit.end),
                "estimated": e.visit.estimated,
            },
            "case_interval": {
                "start": _iso(e.presence_start),
                "end": _iso(e.presence_end),
                "estimated": e.source_visit.estimated,
            },
            "overlap_minutes": e.overlap_minutes,
            "tier": e.tier,
            "reason": c.reason,
            "via_phone": persons[c.via_person_id].phone if c.via_person_id in persons else None,
        }
