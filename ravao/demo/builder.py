"""The builder: users, venues, people, declarations and devices, check-ins, in one pass each."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.accounts.services import membership_grant, user_create
from ravao.demo.area import (
    demo_communes,
    demo_top,
)
from ravao.demo.data import (
    DEMO_MAPS,
    DEMO_PASSWORD,
    WARD_OF_2021,
)
from ravao.demo.options import (
    DemoOptions,
    Progress,
)
from ravao.demo.people import PeopleMaker
from ravao.demo.venues import VenueMaker
from ravao.demo.visits import VisitMaker


class Builder(VenueMaker, PeopleMaker, VisitMaker):
    def __init__(self, *, options: DemoOptions, now: datetime, report: Progress) -> None:
        self.o = options
        self.now = now
        self.report = report
        self.rng = random.Random(options.seed)  # noqa: S311 -- demo data, reproducible on purpose
        self.tz = timezone.get_default_timezone()
        today = timezone.localtime(now, self.tz).date()
        self.dates: list[date] = [today - timedelta(days=n) for n in range(options.days - 1, -1, -1)]
        self.window_start = self._at(self.dates[0], 0)

    def build(self) -> None:
        scheme = self.o.scheme
        top = demo_top(scheme)
        assert top is not None, "load_units ran first"
        self.district = top  # the administrator's unit: the district (2021) or the province (2025)
        self.logins = DEMO_MAPS[scheme].logins
        self.communes = list(demo_communes(scheme))
        self.by_name = {c.name: c for c in self.communes}
        if scheme == "2025":  # the builder's 2021 names → the wards that took those communes over
            for old, new in WARD_OF_2021.items():
                self.by_name.setdefault(old, self.by_name[new])
        self.users = self._users()
        self._venues()
        plans = self._people()
        self._jobs(plans)
        self._declarations_and_devices(plans)
        self._checkins(plans)

    # --- users ------------------------------------------------------------------------------------------

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for demo in self.logins:
            user = User.objects.filter(username=demo.login).first()
            if user is None:  # An existing account is left as it is (idempotent; its password may differ).
                user = user_create(login=demo.login, password=DEMO_PASSWORD, full_name=demo.full_name)
            users[demo.login] = user
            if demo.scope == "district":
                membership_grant(user=user, role=demo.role, unit=self.district)
            elif demo.role in (Role.COMMUNE_OFFICIAL, Role.HEALTH_OFFICER):
                membership_grant(user=user, role=demo.role, unit=self.by_name[demo.scope])
        self.report("users", 1, 1)
        return users

    # --- venues -----------------------------------------------------------------------------------------
