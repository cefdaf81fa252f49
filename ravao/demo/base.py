"""The builder's shared state and helpers, and the plans it makes for each person before writing rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from ravao.accounts.models import User
from ravao.demo.data import (
    PHONE_PREFIXES,
    DemoLogin,
)
from ravao.demo.options import (
    DemoOptions,
    Progress,
)
from ravao.people.models import Person
from ravao.places.models import AdminUnit, Area, Shift, Venue


@dataclass
class Job:
    """Where a person works and when. Minutes are from the day's midnight; `end` may pass 24:00."""

    venue: Venue
    start: int
    end: int
    weekdays: frozenset[int]
    method: str  # how they usually check in
    line: Area | None = None  # factory workers: their production line
    shift: bool = False  # the factory: arrivals just before the shift, a canteen break


@dataclass
class Visit:
    venue: Venue
    area: Area | None
    start: datetime
    end: datetime  # when the person really left
    method: str
    checkout: bool  # False: left without checking out (the end will be estimated)


@dataclass
class PersonPlan:
    person: Person
    commune_id: int
    elderly: bool
    device_id: int | None = None
    job: Job | None = None
    declarations: list[tuple[datetime, str]] = field(default_factory=list)


class BuilderBase:
    """What every part of the builder shares: the options, the random source, the days, and what the
    earlier steps made (users, then venues, then people). Set by `Builder.build`, in that order."""

    o: DemoOptions
    now: datetime
    report: Progress
    rng: random.Random
    tz: tzinfo
    dates: list[date]
    window_start: datetime
    district: AdminUnit
    logins: tuple[DemoLogin, ...]
    communes: list[AdminUnit]
    by_name: dict[str, AdminUnit]
    users: dict[str, User]
    # Made by the venues step.
    named: dict[str, Venue]
    lines: list[Area]
    canteen: Area
    shifts: list[Shift]
    rooms: list[Area]
    venues: list[Venue]
    scanning: list[Venue]
    suspended_from: datetime
    by_kind: dict[str, list[Venue]]
    by_commune_kind: dict[tuple[int, str], list[Venue]]

    # Local wall-clock minute of a date → aware datetime. Hà Nội has no DST, so this is exact.
    def _at(self, day: date, minutes: int) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.tz) + timedelta(minutes=minutes)

    def _short(self, commune: AdminUnit) -> str:
        return commune.name.removeprefix(commune.unit_type).strip() if commune.unit_type else commune.name

    def _address(self, commune: AdminUnit) -> str:
        if commune.unit_type == "Thị trấn":
            place = self.rng.choice((f"Tổ dân phố {self.rng.randint(1, 8)}", f"Phố {self._short(commune)}"))
        else:
            place = f"Thôn {self.rng.randint(1, 9)}"
        return f"{place}, {self._short(commune)}"

    def _landline(self) -> str:
        return f"02433{self.rng.randint(0, 999999):06d}"

    def _mobile(self) -> str:
        return f"{self.rng.choice(PHONE_PREFIXES)}{self.rng.randint(0, 9999999):07d}"
