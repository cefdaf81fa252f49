"""Reads of oversight: compliance and statistics of a unit (district, commune) and of one venue.

Where the numbers come from. Past days are read from the daily roll-ups (`DailyVenueStats`,
`DailyCommuneStats`) that `ravao rollup_stats` writes; everything after the last roll-up of a day
(`RollupRun.computed_through`) is counted live from `CheckIn` through the (checked_in_at) and
(venue, checked_in_at) indexes. So the figures are exact whether the command ran five minutes ago or never
(then every day is counted live, which is only slow on a big table), and a page at 10 M check-ins reads a
few thousand roll-up rows plus the last minutes of check-ins.

Days are local days (settings.TIME_ZONE). "Registered" means an approved (active) venue; a venue "scans"
on a day when at least one check-in was recorded there that day, whatever the method.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.utils import timezone

from ravao.accounts.models import Membership, Role
from ravao.checkins.models import CheckIn
from ravao.db.replica import replica_reads_in  # issue 13 item 5
from ravao.lib.text import name_initials
from ravao.oversight import conf
from ravao.oversight.models import DailyCommuneStats, Reminder, RollupRun, VenueActivity
from ravao.places.models import AdminUnit, Venue, VenueKind

FLAGGED = ("yellow", "red")
METHOD_FIELDS = {
    CheckIn.Method.SELF_SCAN: "self_scans",
    CheckIn.Method.GATE: "gate_scans",
    CheckIn.Method.MANUAL: "manual",
    CheckIn.Method.IMPORT: "imported",
}
# An entry with no real exit: still open, or closed at an estimated end.
NO_EXIT = Q(checked_out_at__isnull=True) | Q(checked_out_estimated=True)


# --- Time -----------------------------------------------------------------------------------------------


def local_today(now: datetime) -> date:
    return timezone.localtime(now).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local day as aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def last_days(now: datetime, count: int) -> list[date]:
    """The `count` local days ending with today, oldest first."""
    today = local_today(now)
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class Coverage:
    """Which days are read from the roll-ups, and from when on check-ins are counted live."""

    rolled: tuple[date, ...]
    live_from: datetime


def coverage(days: list[date]) -> Coverage:
    """Roll-ups are used for consecutive days from the first one while they are complete; the first day
    that is incomplete (today, or a day the command missed) is read from its roll-up up to
    `computed_through`, and everything after that instant live."""
    runs = dict(RollupRun.objects.filter(day__in=days).values_list("day", "computed_through"))
    rolled: list[date] = []
    live_from = day_bounds(days[-1])[1]
    for day in sorted(days):
        start, end = day_bounds(day)
        through = runs.get(day)
        if through is None:
            live_from = start
            break
        rolled.append(day)
        if through < end:
            live_from = through
            break
    return Coverage(rolled=tuple(rolled), live_from=live_from)


# --- Scope -----------------------------------------------------------------------------------------------


def units_under(unit: AdminUnit) -> QuerySet[AdminUnit]:
    """The unit and every unit below it (materialised path prefix)."""
    return AdminUnit.objects.filter(path__startswith=unit.path)


def _unit_ids(units: AdminUnit | Iterable[int] | QuerySet[Any]) -> Any:
    if isinstance(units, AdminUnit):
        return units_under(units).values("pk")
    return units


# --- Figures of a unit -----------------------------------------------------------------------------------


@dataclass
class Counts:
    checkins: int = 0
    self_scans: int = 0
    gate_scans: int = 0
    manual: int = 0
    imported: int = 0
    yellow: int = 0
    red: int = 0
    no_exit: int = 0

    def add(self, other: Any) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + (getattr(other, f.name, None) or 0))

    def add_row(self, row: dict[str, Any]) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + (row.get(f.name) or 0))


COUNT_NAMES = tuple(f.name for f in fields(Counts))


@dataclass
class Activity:
    registered: int = 0
    pending: int = 0
    active_today: int = 0
    active_week: int = 0

    @property
    def share_today(self) -> float | None:
        return self.active_today / self.registered if self.registered else None

    @property
    def share_week(self) -> float | None:
        return self.active_week / self.registered if self.registered else None

    def add(self, other: Activity) -> None:
        self.registered += other.registered
        self.pending += other.pending
        self.active_today += other.active_today
        self.active_week += other.active_week


@dataclass
class UnitFigures:
    unit: AdminUnit
    now: datetime
    chart_days: list[date]
    week_days: list[date]
    per_day: dict[date, Counts]
    hours: list[int]
    total: Activity
    # (commune id, kind) → activity; summed into children and kinds by the helpers below.
    by_commune_kind: dict[tuple[int, str], Activity]
    children: list[tuple[AdminUnit, Activity]] = field(default_factory=list)
    kinds: list[tuple[str, str, Activity]] = field(default_factory=list)
    rolled_through: datetime | None = None

    @property
    def week(self) -> Counts:
        total = Counts()
        for day in self.week_days:
            total.add(self.per_day[day])
        return total

    @property
    def completed_week(self) -> Counts:
        """The week's days before today: a visit of today without an exit yet is not a missing exit."""
        total = Counts()
        for day in self.week_days[:-1]:
            total.add(self.per_day[day])
        return total


def _live_checkins(unit_ids: Any, since: datetime, until: datetime) -> QuerySet[CheckIn]:
    # `until` is the end of today: a check-in dated tomorrow (a wrong device clock) is in no window.
    return CheckIn.objects.filter(
        checked_in_at__gte=since, checked_in_at__lt=until, venue__commune_id__in=unit_ids
    )


def unit_figures(unit: AdminUnit, *, now: datetime) -> UnitFigures:
    """Every figure of the unit page, in a fixed number of queries whatever the size of the unit."""
    tz = timezone.get_current_timezone()
    unit_ids = _unit_ids(unit)
    chart_days = last_days(now, max(conf.CHART_DAYS, conf.WEEK_DAYS))
    week_days = chart_days[-conf.WEEK_DAYS :]
    today = chart_days[-1]
    cover = coverage(chart_days)

    # 1. Check-ins per day and per hour: commune roll-ups, then the live tail.
    per_day = {day: Counts() for day in chart_days}
    hours = [0] * 24
    week_set = set(week_days)
    rolled_stats = DailyCommuneStats.objects.filter(day__in=cover.rolled, commune_id__in=unit_ids)
    for row in rolled_stats.values("day").annotate(**{n: Sum(n) for n in COUNT_NAMES}).order_by():
        per_day[row["day"]].add_row(row)
    for day_hours in rolled_stats.filter(day__in=week_days).values_list("hours", flat=True):
        hours = [a + b for a, b in zip(hours, day_hours or [0] * 24, strict=True)]
    no_exit = Case(When(NO_EXIT, then=Value(1)), default=Value(0), output_field=IntegerField())
    live = (
        _live_checkins(unit_ids, cover.live_from, day_bounds(today)[1])
        .annotate(
            day=TruncDate("checked_in_at", tzinfo=tz),
            hour=ExtractHour("checked_in_at", tzinfo=tz),
            missing_exit=no_exit,
        )
        .values(
            "venue_id",
            "venue__commune_id",
            "venue__kind",
            "venue__status",
            "day",
            "hour",
            "method",
            "status_at_entry",
            "missing_exit",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    live_venues: dict[int, tuple[int, str, set[date]]] = {}
    for row in live:
        day, n = row["day"], row["n"]
        if day not in per_day:
            continue  # a check-in dated in the future (a wrong clock): not part of any window
        counts = per_day[day]
        counts.checkins += n
        method_field = METHOD_FIELDS.get(row["method"])
        if method_field:
            setattr(counts, method_field, getattr(counts, method_field) + n)
        if row["status_at_entry"] == "yellow":
            counts.yellow += n
        elif row["status_at_entry"] == "red":
            counts.red += n
        counts.no_exit += row["missing_exit"] * n
        if day in week_set:
            hours[row["hour"]] += n
        if row["venue__status"] == Venue.Status.ACTIVE:
            entry = live_venues.setdefault(
                row["venue_id"], (row["venue__commune_id"], row["venue__kind"], set())
            )
            entry[2].add(day)

    # 2. Registered venues and venues that scanned, by (commune, kind).
    by_ck: dict[tuple[int, str], Activity] = defaultdict(Activity)
    registered = (
        Venue.objects.filter(commune_id__in=unit_ids, status__in=[Venue.Status.ACTIVE, Venue.Status.PENDING])
        .values("commune_id", "kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in registered:
        activity = by_ck[(row["commune_id"], row["kind"])]
        if row["status"] == Venue.Status.ACTIVE:
            activity.registered += row["n"]
        else:
            activity.pending += row["n"]
    # Venues that scanned: the roll-ups' last day per venue, then the venues seen live and not yet counted.
    rolled_active = VenueActivity.objects.filter(
        last_day__gte=week_days[0], venue__commune_id__in=unit_ids, venue__status=Venue.Status.ACTIVE
    )
    for row in (
        rolled_active.values("venue__commune_id", "venue__kind")
        .annotate(week=Count("pk"), today=Count("pk", filter=Q(last_day__gte=today)))
        .order_by()
    ):
        activity = by_ck[(row["venue__commune_id"], row["venue__kind"])]
        activity.active_week += row["week"]
        activity.active_today += row["today"]
    if live_venues:
        last = dict(
            VenueActivity.objects.filter(
                venue_id__in=list(live_venues), last_day__gte=week_days[0]
            ).values_list("venue_id", "last_day")
        )
        for vid, (commune_id, kind, seen) in live_venues.items():
            activity = by_ck[(commune_id, kind)]
            if vid not in last:
                activity.active_week += 1
            if today in seen and last.get(vid) != today:
                activity.active_today += 1

    total = Activity()
    for activity in by_ck.values():
        total.add(activity)
    runs = [
        RollupRun.objects.filter(day=d).values_list("computed_through", flat=True).first()
        for d in cover.rolled[-1:]
    ]
    figures = UnitFigures(
        unit=unit,
        now=now,
        chart_days=chart_days,
        week_days=week_days,
        per_day=per_day,
        hours=hours,
        total=total,
        by_commune_kind=dict(by_ck),
        rolled_through=runs[0] if runs else None,
    )
    figures.children = _by_child(unit, figures.by_commune_kind)
    figures.kinds = _by_kind(figures.by_commune_kind)
    return figures


def _by_child(unit: AdminUnit, by_ck: dict[tuple[int, str], Activity]) -> list[tuple[AdminUnit, Activity]]:
    """Sum the figures into the unit's direct children (district → communes, province → districts)."""
    children = list(AdminUnit.objects.filter(parent=unit).order_by("name"))
    if not children:
        return []
    paths = dict(units_under(unit).values_list("pk", "path"))
    result = {child.pk: Activity() for child in children}
    for (commune_id, _kind), activity in by_ck.items():
        path = paths.get(commune_id, "")
        for child in children:
            if path.startswith(child.path):
                result[child.pk].add(activity)
                break
    return [(child, result[child.pk]) for child in children]


def _by_kind(by_ck: dict[tuple[int, str], Activity]) -> list[tuple[str, str, Activity]]:
    kinds: dict[str, Activity] = defaultdict(Activity)
    for (_commune, kind), activity in by_ck.items():
        kinds[kind].add(activity)
    labels = dict(VenueKind.choices)
    return [(kind, str(labels.get(kind, kind)), kinds[kind]) for kind in VenueKind.values if kind in kinds]


# --- Venues that do not scan ------------------------------------------------------------------------------


def idle_venues(
    units: AdminUnit | Iterable[int] | QuerySet[Any], *, now: datetime, idle_days: int
) -> QuerySet[Venue]:
    """Active venues with no check-in today nor on the `idle_days - 1` days before, that were registered
    (approved) before that window began: a venue approved yesterday is not yet "not scanning"."""
    unit_ids = _unit_ids(units)
    days = last_days(now, idle_days)
    window_start = day_bounds(days[0])[0]
    cover = coverage(days)
    # NOT EXISTS, not NOT IN: PostgreSQL hashes a NOT IN list only if it expects it to fit in work_mem; right
    # after a roll-up (50,000 updated VenueActivity rows, statistics not yet refreshed) it expected 500,000
    # and compared every venue against the whole list: the province page took 49 s at 50,000 venues
    # (issue 13 item 3). An anti-join per venue is one primary-key look-up whatever the estimates.
    scanned_rolled = VenueActivity.objects.filter(venue_id=OuterRef("pk"), last_day__gte=days[0])
    scanned_live = CheckIn.objects.filter(
        venue_id=OuterRef("pk"),
        checked_in_at__gte=max(cover.live_from, window_start),
        checked_in_at__lt=day_bounds(days[-1])[1],
    )
    return (
        Venue.objects.filter(commune_id__in=unit_ids, status=Venue.Status.ACTIVE)
        .annotate(registered_at=Coalesce("approved_at", "created_at"))
        .filter(registered_at__lt=window_start)
        .exclude(Exists(scanned_rolled))
        .exclude(Exists(scanned_live))
    )


@dataclass
class IdleVenueRow:
    venue: Venue
    last_scan: datetime | None
    managers: list[tuple[str, str]]
    last_reminder: datetime | None
    reminders: int


def idle_venue_rows(venues: QuerySet[Venue]) -> list[IdleVenueRow]:
    """Last scan, manager contact and reminders of a page of venues (a few indexed look-ups per venue)."""
    last_scan = (
        CheckIn.objects.filter(venue=OuterRef("pk")).order_by("-checked_in_at").values("checked_in_at")[:1]
    )
    page = list(
        venues.select_related("commune").annotate(last_scan=Subquery(last_scan, output_field=DateTimeField()))
    )
    ids = [v.pk for v in page]
    managers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for m in (
        Membership.objects.filter(venue_id__in=ids, role=Role.VENUE_MANAGER)
        .select_related("user")
        .order_by("pk")
    ):
        contact = m.user.phone or m.user.username
        managers[m.venue_id or 0].append((m.user.full_name or m.user.username, contact))
    reminders = {
        row["venue_id"]: (row["last"], row["n"])
        for row in Reminder.objects.filter(venue_id__in=ids, kind=Reminder.Kind.VENUE)
        .values("venue_id")
        .annotate(last=Max("sent_at"), n=Count("id"))
        .order_by()
    }
    return [
        IdleVenueRow(
            venue=v,
            last_scan=v.last_scan,
            managers=managers.get(v.pk, []),
            last_reminder=reminders.get(v.pk, (None, 0))[0],
            reminders=reminders.get(v.pk, (None, 0))[1],
        )
        for v in page
    ]


# --- People with a yellow or red status who were admitted -------------------------------------------------


def flagged_checkins(unit: AdminUnit, *, now: datetime) -> QuerySet[CheckIn]:
    """Check-ins of the week at which the person's colour was yellow or red, newest first."""
    start = day_bounds(last_days(now, conf.WEEK_DAYS)[0])[0]
    return (
        CheckIn.objects.filter(
            checked_in_at__gte=start,
            venue__commune_id__in=_unit_ids(unit),
            status_at_entry__in=FLAGGED,
        )
        .select_related("venue", "person")
        .order_by("-checked_in_at")
    )


def masked_name(name: str) -> str:
    """ "Nguyễn Văn An" → "N. V. A.": enough to tell two rows apart, not to identify anybody."""
    return name_initials(name) or "—"


# --- The venue page ----------------------------------------------------------------------------------------


@dataclass
class VenueDay:
    day: date
    checkins: int
    visitors: int
    no_exit: int
    open_at_close: int


@dataclass
class VenueFigures:
    venue: Venue
    now: datetime
    checkins_today: int
    visitors_today: int
    inside_now: int
    hours_today: list[int]
    hours_average: list[float]
    days: list[VenueDay]
    closing_label: str


def _closing(venue: Venue, day: date) -> datetime:
    """When the venue closes on `day`: its closing time (the next day when it closes after midnight), or
    the end of the day when it has none."""
    if venue.closes_at is None:
        return day_bounds(day)[1]
    closing_day = day
    if venue.opens_at is not None and venue.closes_at <= venue.opens_at:
        closing_day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(closing_day, venue.closes_at))


def venue_figures(venue: Venue, *, now: datetime) -> VenueFigures:
    """The manager's page: today live, and the last days, from the (venue, checked_in_at) index."""
    tz = timezone.get_current_timezone()
    days = last_days(now, conf.WEEK_DAYS)
    start = day_bounds(days[0])[0]
    checkins = CheckIn.objects.filter(venue=venue, checked_in_at__gte=start)
    closing_counts: dict[str, Any] = {}
    for day in days:
        day_start, _ = day_bounds(day)
        closing = _closing(venue, day)
        closing_counts[f"c{day:%Y%m%d}"] = Count(
            "id",
            filter=Q(checked_in_at__gte=day_start, checked_in_at__lt=min(closing, day_bounds(day)[1]))
            & (
                Q(checked_out_at__isnull=True) | Q(checked_out_estimated=True) | Q(checked_out_at__gt=closing)
            ),
        )
    open_at_close = checkins.aggregate(**closing_counts) if closing_counts else {}
    per_day = {
        row["day"]: row
        for row in checkins.annotate(day=TruncDate("checked_in_at", tzinfo=tz))
        .values("day")
        .annotate(
            n=Count("id"),
            people=Count("person_id", distinct=True),
            missing=Count("id", filter=NO_EXIT),
        )
        .order_by()
    }
    by_hour = (
        checkins.annotate(
            day=TruncDate("checked_in_at", tzinfo=tz), hour=ExtractHour("checked_in_at", tzinfo=tz)
        )
        .values("day", "hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    hours_today = [0] * 24
    hours_before = [0] * 24
    for row in by_hour:
        if row["day"] == days[-1]:
            hours_today[row["hour"]] += row["n"]
        elif row["day"] in days:
            hours_before[row["hour"]] += row["n"]
    previous = max(len(days) - 1, 1)
    inside = CheckIn.objects.filter(
        venue=venue,
        checked_out_at__isnull=True,
        checked_in_at__gte=now - timedelta(hours=24),
        checked_in_at__lte=now,
    ).count()
    rows = [
        VenueDay(
            day=day,
            checkins=per_day.get(day, {}).get("n", 0),
            visitors=per_day.get(day, {}).get("people", 0),
            no_exit=per_day.get(day, {}).get("missing", 0) if day != days[-1] else 0,
            open_at_close=open_at_close.get(f"c{day:%Y%m%d}") or 0,
        )
        for day in days
    ]
    today = per_day.get(days[-1], {})
    return VenueFigures(
        venue=venue,
        now=now,
        checkins_today=today.get("n", 0),
        visitors_today=today.get("people", 0),
        inside_now=inside,
        hours_today=hours_today,
        hours_average=[round(n / previous, 1) for n in hours_before],
        days=rows,
        closing_label=venue.closes_at.strftime("%H:%M") if venue.closes_at else "24:00",
    )


def venue_reminders(venue: Venue, *, limit: int = 10) -> QuerySet[Reminder]:
    """The reminders sent to a venue, newest first (shown on the venue's page)."""
    return (
        Reminder.objects.filter(venue=venue, kind=Reminder.Kind.VENUE)
        .select_related("sent_by")
        .order_by("-sent_at")[:limit]
    )


# --- Every venue of a unit (a ward's venues, not only the idle ones) ----------------------------------------


def unit_venues(unit: AdminUnit, *, query: str = "") -> QuerySet[Venue]:
    """The venues registered in the unit and below it (active, pending and suspended), optionally those
    whose name contains `query` or whose code is `query`, by commune then name. Rows are annotated with
    their last check-in through the (venue, checked_in_at) index, one look-up per venue of the page."""
    last_scan = (
        CheckIn.objects.filter(venue=OuterRef("pk")).order_by("-checked_in_at").values("checked_in_at")[:1]
    )
    venues = Venue.objects.filter(commune_id__in=_unit_ids(unit))
    query = query.strip()
    if query:
        venues = venues.filter(Q(name__icontains=query) | Q(code__iexact=query))
    return (
        venues.select_related("commune")
        .annotate(last_scan=Subquery(last_scan, output_field=DateTimeField()))
        .order_by("commune__name", "name", "pk")
    )


# --- The by-unit chart at province scale ----------------------------------------------------------------


@dataclass(frozen=True)
class ChartUnits:
    """Which children the by-unit chart shows: all of them when few; otherwise the `size` with the highest
    share of venues scanning in the week and the `size` with the lowest (the rest are in the table)."""

    top: list[tuple[AdminUnit, Activity]]
    bottom: list[tuple[AdminUnit, Activity]]
    left_out: int

    @property
    def split(self) -> bool:
        """Some units are not charted: the page says so and points to the table."""
        return bool(self.bottom) or self.left_out > 0


def chart_units(children: list[tuple[AdminUnit, Activity]], *, size: int) -> ChartUnits:
    """126 wards of Hà Nội in one bar chart label one in ten; `size` a side stays readable on a phone.

    Units with no registered venue are not charted when there are too many units (a bar of zeros says
    nothing; the table, sortable by registered venues, lists them); the highest and lowest are disjoint."""
    if len(children) <= 2 * size:
        return ChartUnits(top=list(children), bottom=[], left_out=0)
    with_venues = [(u, a) for u, a in children if a.registered]
    ranked = sorted(
        with_venues, key=lambda item: (-(item[1].share_week or 0.0), -item[1].registered, item[0].name)
    )
    top = ranked[:size]
    bottom = ranked[size:][-size:][::-1]  # the lowest first
    return ChartUnits(top=top, bottom=bottom, left_out=len(children) - len(top) - len(bottom))


# issue 13 item 5: the figures of the oversight pages may read from the replica.
replica_reads_in(globals(), "unit_figures", "venue_figures", "idle_venue_rows")
