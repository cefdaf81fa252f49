"""`ravao import_checkins FILE.csv`: visits from paper sign-in sheets or another system.

Columns: venue_code,area,full_name,phone,id_number,checked_in_at,checked_out_at (ISO 8601 with an offset;
area, id_number and checked_out_at may be empty). People are matched by ID number, then phone; an unknown
person is created (year of birth and sex from a 12-digit CCCD number when there is one, else unknown:
0 and "other"). Bad rows are reported with their line numbers and the good ones kept; a row imported twice
is stored once (its check-in id is derived from venue, person and time).
"""

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ravao.lib.ids import normalise_id_number
from ravao.lib.phone import normalise_phone
from ravao.people.models import Person
from ravao.people.services import Profile, person_register
from ravao.places.models import Area, Venue
from ravao.tracing.services import ImportRow, checkins_import, import_client_id

COLUMNS = ["venue_code", "area", "full_name", "phone", "id_number", "checked_in_at", "checked_out_at"]
BATCH = 1000


class BadRow(ValueError):
    pass


def _when(value: str, column: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadRow(f"{column}: not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise BadRow(f"{column}: the time needs an offset (e.g. +07:00): {value!r}")
    return moment


def _born(id_number: str | None) -> tuple[int, str]:
    """Year of birth and sex from a CCCD number (century/sex digit + 2 digits of the year), else unknown."""
    if id_number and len(id_number) == 12 and id_number.isdigit() and id_number[3] in "0123":
        digit = int(id_number[3])
        return (1900 if digit < 2 else 2000) + int(id_number[4:6]), "male" if digit % 2 == 0 else "female"
    return 0, "other"


class Command(BaseCommand):
    help = "Import visits from a CSV file (paper sign-in sheets, another system)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            handle = path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        self.venues: dict[str, Venue] = {}
        self.areas: dict[tuple[int, str], Area | None] = {}
        self.persons: dict[str, Person] = {}
        now = timezone.now()
        good: list[Any] = []
        bad = new = read = 0
        with handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
                raise CommandError(f"the header must be: {','.join(COLUMNS)}")
            for row in reader:
                read += 1
                try:
                    good.append(self.parse(row))
                except BadRow as exc:
                    bad += 1
                    self.stderr.write(f"line {reader.line_num}: {exc}")
                if len(good) >= BATCH:
                    new += checkins_import(rows=good, now=now)
                    good = []
        new += checkins_import(rows=good, now=now)
        self.stdout.write(
            f"{read} rows read: {new} new visits, {read - bad - new} already there, {bad} bad rows."
        )

    def parse(self, row: dict[str, Any]) -> Any:
        if None in row or any(v is None for v in row.values()):
            raise BadRow("wrong number of columns")
        code = row["venue_code"].strip()
        venue = self.venues.get(code) or Venue.objects.filter(code=code).first()
        if venue is None:
            raise BadRow(f"unknown venue code {code!r}")
        self.venues[code] = venue
        area = None
        if row["area"].strip():
            key = (venue.pk, row["area"].strip())
            if key not in self.areas:
                self.areas[key] = Area.objects.filter(venue=venue, name=key[1]).first()
            area = self.areas[key]
            if area is None:
                raise BadRow(f"venue {code} has no area {key[1]!r}")
        phone = normalise_phone(row["phone"]) if row["phone"].strip() else None
        if row["phone"].strip() and phone is None:
            raise BadRow(f"not a Vietnamese phone number: {row['phone']!r}")
        id_number = normalise_id_number(row["id_number"]) if row["id_number"].strip() else None
        if row["id_number"].strip() and id_number is None:
            raise BadRow(f"not an ID number: {row['id_number']!r}")
        if not phone and not id_number:
            raise BadRow("a phone or an ID number is needed to match the person")
        checked_in = _when(row["checked_in_at"], "checked_in_at")
        checked_out = (
            _when(row["checked_out_at"], "checked_out_at") if row["checked_out_at"].strip() else None
        )
        if checked_out is not None and checked_out < checked_in:
            raise BadRow("checked_out_at is before checked_in_at")
        person = self.person(row["full_name"].strip(), phone, id_number)
        person_key = id_number or phone or ""
        client_id = import_client_id(venue_code=code, person_key=person_key, checked_in_at=checked_in)
        return client_id, ImportRow(venue, area, person, checked_in, checked_out)

    def person(self, name: str, phone: str | None, id_number: str | None) -> Person:
        key = f"{id_number}|{phone}"
        if key in self.persons:
            return self.persons[key]
        from ravao.people.selectors import person_by_phone_or_id

        person = person_by_phone_or_id(phone=phone, id_number=id_number)
        if person is None:
            if not name:
                raise BadRow("full_name is needed for a person not yet known")
            year, sex = _born(id_number)
            person, _created = person_register(
                profile=Profile(
                    full_name=name,
                    phone=phone,
                    id_number=id_number,
                    year_of_birth=year,
                    sex=sex,
                    nationality="Việt Nam",
                    commune=None,
                    address="",
                    email="",
                )
            )
        self.persons[key] = person
        return person
