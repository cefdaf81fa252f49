"""Visits from paper sign-in sheets or another system: rows checked one by one, good rows kept.

One importer serves `ravao import_checkins FILE.csv` and the integration API (`POST /api/v1/import/checkins`):
columns venue_code, area, full_name, phone, id_number, checked_in_at, checked_out_at (ISO 8601 with an offset;
area, id_number and checked_out_at may be empty). People are matched by ID number, then phone; an unknown
person is created (year of birth and sex from a 12-digit CCCD number when there is one, else unknown: 0 and
"other"). A bad row is reported with its line and reason (in the reader's language) and the good ones are
kept; a row imported twice is stored once (its check-in id is derived from venue, person and time).
An importer may be limited to the venues of some units: a venue outside them reads as unknown.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ravao.lib.ids import normalise_id_number
from ravao.lib.phone import normalise_phone
from ravao.people.models import Person
from ravao.people.selectors import person_by_phone_or_id
from ravao.people.services import Profile, person_register
from ravao.places.models import Area, Venue
from ravao.tracing.services import ImportRow, checkins_import, import_client_id

COLUMNS = ["venue_code", "area", "full_name", "phone", "id_number", "checked_in_at", "checked_out_at"]
BATCH = 1000


class BadRow(ValueError):
    """A row that cannot be imported; the message says why, for the person who fixes the sheet."""


@dataclass
class ImportResult:
    read: int = 0
    new: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line or row number, reason)

    @property
    def repeated(self) -> int:
        return self.read - len(self.bad) - self.new


def _when(value: str, column: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadRow(
            _("%(column)s: not an ISO 8601 time: %(value)r") % {"column": column, "value": value}
        ) from exc
    if moment.tzinfo is None:
        raise BadRow(
            _("%(column)s: the time needs an offset (e.g. +07:00): %(value)r")
            % {"column": column, "value": value}
        )
    return moment


def _born(id_number: str | None) -> tuple[int, str]:
    """Year of birth and sex from a CCCD number (century/sex digit + 2 digits of the year), else unknown."""
    if id_number and len(id_number) == 12 and id_number.isdigit() and id_number[3] in "0123":
        digit = int(id_number[3])
        return (1900 if digit < 2 else 2000) + int(id_number[4:6]), "male" if digit % 2 == 0 else "female"
    return 0, "other"


class CheckinImporter:
    """Parses rows (caching venues, areas and persons across them) and stores the good ones in batches."""

    def __init__(self, *, now: datetime, venues: QuerySet[Venue] | None = None) -> None:
        self.now = now
        self.venue_scope = venues if venues is not None else Venue.objects.all()
        self.venues: dict[str, Venue | None] = {}
        self.areas: dict[tuple[int, str], Area | None] = {}
        self.persons: dict[str, Person] = {}
        self.dry_run = False

    def check(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportResult:
        """The same verdicts as `run` without writing anything (a preview): `bad` lists the rows `run`
        would refuse; `new` counts the rows it would accept (some may turn out to be already there)."""
        result = ImportResult()
        self.dry_run = True
        try:
            for line, row in rows:
                result.read += 1
                try:
                    self.parse(row)
                    result.new += 1
                except BadRow as exc:
                    result.bad.append((line, str(exc)))
        finally:
            self.dry_run = False
            self.persons.clear()  # placeholders of unknown persons must not reach a real import
        return result

    def run(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> ImportResult:
        """Import (line, row) pairs. Returns the counts and the bad rows with their reasons."""
        result = ImportResult()
        good: list[tuple[Any, ImportRow]] = []
        for line, row in rows:
            result.read += 1
            try:
                good.append(self.parse(row))
            except BadRow as exc:
                result.bad.append((line, str(exc)))
            if len(good) >= BATCH:
                result.new += checkins_import(rows=good, now=self.now)
                good = []
        result.new += checkins_import(rows=good, now=self.now)
        return result

    def parse(self, row: Mapping[str, Any]) -> tuple[Any, ImportRow]:
        if None in row or any(row.get(column) is None for column in COLUMNS):
            raise BadRow(_("wrong number of columns"))
        values = {column: str(row[column]).strip() for column in COLUMNS}
        code = values["venue_code"]
        if code not in self.venues:
            self.venues[code] = self.venue_scope.filter(code=code).first()
        venue = self.venues[code]
        if venue is None:
            raise BadRow(_("unknown venue code %(code)r") % {"code": code})
        area = None
        if values["area"]:
            key = (venue.pk, values["area"])
            if key not in self.areas:
                self.areas[key] = Area.objects.filter(venue=venue, name=key[1]).first()
            area = self.areas[key]
            if area is None:
                raise BadRow(_("venue %(code)s has no area %(area)r") % {"code": code, "area": key[1]})
        phone = normalise_phone(values["phone"]) if values["phone"] else None
        if values["phone"] and phone is None:
            raise BadRow(_("not a Vietnamese phone number: %(value)r") % {"value": values["phone"]})
        id_number = normalise_id_number(values["id_number"]) if values["id_number"] else None
        if values["id_number"] and id_number is None:
            raise BadRow(_("not an ID number: %(value)r") % {"value": values["id_number"]})
        if not phone and not id_number:
            raise BadRow(_("a phone or an ID number is needed to match the person"))
        checked_in = _when(values["checked_in_at"], "checked_in_at")
        checked_out = _when(values["checked_out_at"], "checked_out_at") if values["checked_out_at"] else None
        if checked_out is not None and checked_out < checked_in:
            raise BadRow(_("checked_out_at is before checked_in_at"))
        if checked_in > self.now:
            raise BadRow(_("checked_in_at is in the future"))
        person = self.person(values["full_name"], phone, id_number)
        client_id = import_client_id(
            venue_code=code, person_key=id_number or phone or "", checked_in_at=checked_in
        )
        return client_id, ImportRow(venue, area, person, checked_in, checked_out)

    def person(self, name: str, phone: str | None, id_number: str | None) -> Person:
        key = f"{id_number}|{phone}"
        if key in self.persons:
            return self.persons[key]
        person = person_by_phone_or_id(phone=phone, id_number=id_number)
        if person is None:
            if not name:
                raise BadRow(_("full_name is needed for a person not yet known"))
            if self.dry_run:
                return Person(full_name=name)  # a placeholder: nothing is created by a preview
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
