"""Entry points: build the demo (or summarise the one already there), reset it."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ravao.accounts.models import User
from ravao.checkins.models import CheckIn
from ravao.demo.area import (
    demo_communes,
    demo_is_loaded,
    demo_top,
    demo_venues,
)
from ravao.demo.builder import Builder
from ravao.demo.data import (
    ALL_DEMO_LOGINS,
    DEMO_MAPS,
    MARKET_NAME,
    PROVINCE_GSO_CODE,
)
from ravao.demo.options import (
    DemoConflict,
    DemoOptions,
    DemoSummary,
    Progress,
    no_progress,
)
from ravao.lib.qr import checkin_url
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.places.models import Area, Shift, Venue
from ravao.places.units import load_units
from ravao.tracing.followup import DEMO_FIELD_WORKERS
from ravao.tracing.models import Case
from ravao.tracing.retention import delete_cases


def demo_build(
    *,
    options: DemoOptions | None = None,
    now: datetime | None = None,
    reset: bool = False,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo unless it is there already (then only summarise). `reset` deletes it first."""
    options = options or DemoOptions()
    now = now or timezone.now()
    report = progress or no_progress
    scheme = options.scheme
    if reset:
        demo_reset()
    if demo_is_loaded(scheme):
        return demo_summary(created=False, scheme=scheme)
    other = next((s for s in DEMO_MAPS if s != scheme and demo_is_loaded(s)), None)
    if other is not None:
        raise DemoConflict(f"The {other} demo is loaded; rebuild with --reset to switch to the {scheme} map.")
    report("units", 0, 1)
    load_units(scheme=scheme, province_codes=[PROVINCE_GSO_CODE])
    report("units", 1, 1)
    with transaction.atomic():
        Builder(options=options, now=now, report=report).build()
    return demo_summary(created=True, scheme=scheme)


@transaction.atomic
def demo_reset() -> None:
    """Delete the demo: check-ins, people and venues of the district, and the demo users.

    Everything living in the district goes, including rows someone added by hand while trying the demo:
    on a demo database that is what "start again" means. Check-ins and declarations are deleted first,
    in bulk, so Django's deletion collector does not load 100,000 rows to cascade them one by one."""
    for scheme in DEMO_MAPS:
        _reset_area(scheme)
    field_workers = [login for login, _name in DEMO_FIELD_WORKERS]  # made by tracing.followup.demo_teams
    User.objects.filter(username__in=[*ALL_DEMO_LOGINS, *field_workers]).delete()


def _reset_area(scheme: str) -> None:
    communes = demo_communes(scheme)
    if communes.exists():
        venues = demo_venues(scheme)
        people = Person.objects.filter(commune__in=communes)
        CheckIn.objects.filter(venue__in=venues).delete()
        CheckIn.objects.filter(person__in=people).delete()
        HealthDeclaration.objects.filter(person__in=people).delete()
        Device.objects.filter(person__in=people).delete()
        # Cases tried on the demo: their persons are PROTECTed (tracing keeps them), so the cases go first.
        case_ids = Case.objects.filter(Q(person__in=people) | Q(contacts__person__in=people)).values_list(
            "pk", flat=True
        )
        delete_cases(list(case_ids.distinct()))
        people.delete()
        venues.delete()


def demo_summary(*, created: bool, scheme: str = "2021") -> DemoSummary:
    summary = DemoSummary(created=created, scheme=scheme, site_url=settings.SITE_URL + "/")
    top = demo_top(scheme)
    if top is None:
        return summary
    summary.area = top.name
    logins = DEMO_MAPS[scheme].logins
    communes = demo_communes(scheme)
    venues = demo_venues(scheme)
    checkins = CheckIn.objects.filter(venue__in=venues)
    people = Person.objects.filter(commune__in=communes)
    summary.counts = [
        ("Communes" if scheme == "2021" else "Wards", communes.count()),
        ("Venues", venues.count()),
        ("  active", venues.filter(status=Venue.Status.ACTIVE).count()),
        ("  pending", venues.filter(status=Venue.Status.PENDING).count()),
        ("  suspended", venues.filter(status=Venue.Status.SUSPENDED).count()),
        ("Areas", Area.objects.filter(venue__in=venues).count()),
        ("Shifts", Shift.objects.filter(venue__in=venues).count()),
        ("People", people.count()),
        ("Health declarations", HealthDeclaration.objects.filter(person__in=people).count()),
        ("Devices", Device.objects.filter(person__in=people).count()),
        ("Check-ins", checkins.count()),
        ("  open now", checkins.filter(checked_out_at__isnull=True).count()),
        ("  estimated exit", checkins.filter(checked_out_estimated=True).count()),
    ]
    existing = set(
        User.objects.filter(username__in=[d.login for d in logins]).values_list("username", flat=True)
    )
    summary.logins = [(d, d.login in existing) for d in logins]
    market = venues.filter(name=MARKET_NAME, status=Venue.Status.ACTIVE).first()
    if market is not None:
        summary.poster_venue = market.name
        summary.poster_url = checkin_url(market.qr_code)
    return summary
