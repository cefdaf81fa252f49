"""Oversight pages (J7): a unit's compliance and statistics, a venue's figures, reminders and downloads.

The pages show numbers, not people; the one list of people (yellow/red admitted) shows masked names and
every row shown is audited.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import user_roles, venues_in_scope_of
from ravao.checkins.models import CheckIn
from ravao.lib.exports import CONTENT_TYPES, write_csv, write_xlsx
from ravao.lib.text import nfc
from ravao.oversight import conf
from ravao.oversight.access import (
    access_oversight_unit,
    access_oversight_venue,
    access_remind_venue,
    oversight_home_target,
)
from ravao.oversight.selectors import (
    Activity,
    IdleVenueRow,
    UnitFigures,
    VenueFigures,
    chart_units,
    flagged_checkins,
    idle_venue_rows,
    idle_venues,
    masked_name,
    unit_figures,
    unit_venues,
    venue_figures,
    venue_reminders,
)
from ravao.oversight.services import reminded_recently, venue_remind
from ravao.places.access import OFFICIAL_ROLES
from ravao.places.models import AdminUnit
from ravao.privacy.services import audit_record

EXPORT_TYPES = CONTENT_TYPES


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


def _day_label(day: Any) -> str:
    return formats.date_format(day, "d/m")


# --- Tables (each shown on a page and downloadable as CSV and XLSX) ---------------------------------------

Table = tuple[list[str], list[list[Any]]]


def _activity_headers(first: str) -> list[str]:
    return [
        first,
        _("Registered venues"),
        _("Waiting for approval"),
        _("Scanned today"),
        _("Share today"),
        _("Scanned in the last %(days)d days") % {"days": conf.WEEK_DAYS},
        _("Share in the last %(days)d days") % {"days": conf.WEEK_DAYS},
    ]


def _activity_row(label: str, a: Any) -> list[Any]:
    return [
        label,
        a.registered,
        a.pending,
        a.active_today,
        _percent(a.share_today),
        a.active_week,
        _percent(a.share_week),
    ]


def _unit_tables(figures: UnitFigures) -> dict[str, Callable[[], Table]]:
    def areas() -> Table:
        return _activity_headers(_("Unit")), [_activity_row(u.name, a) for u, a in figures.children]

    def kinds() -> Table:
        return _activity_headers(_("Kind of venue")), [
            _activity_row(label, a) for _k, label, a in figures.kinds
        ]

    def days() -> Table:
        headers = [
            _("Day"),
            _("Check-ins"),
            _("Self-scan"),
            _("Gate scan"),
            _("Entered by staff"),
            _("Imported"),
            _("Yellow at entry"),
            _("Red at entry"),
            _("Entries without an exit"),
        ]
        rows = []
        for day in reversed(figures.chart_days):
            c = figures.per_day[day]
            rows.append(
                [
                    day.isoformat(),
                    c.checkins,
                    c.self_scans,
                    c.gate_scans,
                    c.manual,
                    c.imported,
                    c.yellow,
                    c.red,
                    c.no_exit,
                ]
            )
        return headers, rows

    def hours() -> Table:
        return [_("Hour"), _("Check-ins")], [[f"{h:02d}:00", n] for h, n in enumerate(figures.hours)]

    def methods() -> Table:
        week = figures.week
        total = week.checkins or 1
        return [_("How"), _("Check-ins"), _("Share")], [
            [str(label), n, f"{n * 100 / total:.0f} %"] for label, n in _method_counts(week)
        ]

    def idle() -> Table:
        venues = idle_venues(figures.unit, now=figures.now, idle_days=conf.IDLE_DAYS).order_by(
            "commune__name", "name"
        )
        rows = [_idle_row(r) for r in idle_venue_rows(venues)]
        return [
            _("Venue code"),
            _("Venue"),
            _("Kind"),
            _("Commune"),
            _("Address"),
            _("Last check-in"),
            _("Manager"),
            _("Manager's phone"),
            _("Reminders"),
            _("Last reminder"),
        ], rows

    return {"areas": areas, "kinds": kinds, "days": days, "hours": hours, "methods": methods, "idle": idle}


def _method_counts(week: Any) -> list[tuple[str, int]]:
    return [
        (str(CheckIn.Method.SELF_SCAN.label), week.self_scans),
        (str(CheckIn.Method.GATE.label), week.gate_scans),
        (str(CheckIn.Method.MANUAL.label), week.manual),
        (str(CheckIn.Method.IMPORT.label), week.imported),
    ]


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _idle_row(row: IdleVenueRow) -> list[Any]:
    v = row.venue
    return [
        v.code,
        v.name,
        v.get_kind_display(),
        v.commune.name,
        v.address,
        _local(row.last_scan),
        "; ".join(name for name, _c in row.managers),
        "; ".join(c for _n, c in row.managers),
        row.reminders,
        _local(row.last_reminder),
    ]


def _venue_tables(figures: VenueFigures) -> dict[str, Callable[[], Table]]:
    def days() -> Table:
        return [
            _("Day"),
            _("Check-ins"),
            _("Visitors"),
            _("Entries without an exit"),
            _("Still inside at closing time (%(time)s)") % {"time": figures.closing_label},
        ], [
            [d.day.isoformat(), d.checkins, d.visitors, d.no_exit, d.open_at_close]
            for d in reversed(figures.days)
        ]

    def hours() -> Table:
        return [_("Hour"), _("Check-ins today"), _("Average of the days before")], [
            [f"{h:02d}:00", figures.hours_today[h], figures.hours_average[h]] for h in range(24)
        ]

    return {"days": days, "hours": hours}


def _download(table: Table, *, fmt: str, name: str, title: str) -> HttpResponse:
    headers, rows = table
    content = write_csv(rows, headers) if fmt == "csv" else write_xlsx(rows, headers, sheet_title=title)
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- Pages -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    target = oversight_home_target(_user(request))
    if isinstance(target, list):
        return render(request, "oversight/index.html", {"units": target})
    kind, pk = target
    return redirect(f"oversight:{kind}", pk)


def _unit_chart(figures: UnitFigures) -> dict[str, Any]:
    return {
        "days": {
            "labels": [_day_label(d) for d in figures.chart_days],
            "values": [figures.per_day[d].checkins for d in figures.chart_days],
            "label": _("Check-ins per day"),
        },
        "hours": {
            "labels": [f"{h:02d}" for h in range(24)],
            "values": figures.hours,
            "label": _("Check-ins by hour of day, last %(days)d days") % {"days": conf.WEEK_DAYS},
        },
        "methods": {
            "labels": [label for label, _n in _method_counts(figures.week)],
            "values": [n for _label, n in _method_counts(figures.week)],
        },
    }


def _activity_series(items: list[tuple[str, Activity]]) -> dict[str, Any]:
    return {
        "labels": [label for label, _a in items],
        "registered": [a.registered for _l, a in items],
        "today": [a.active_today for _l, a in items],
        "week": [a.active_week for _l, a in items],
        "label_registered": _("Registered"),
        "label_today": _("Scanned today"),
        "label_week": _("Scanned in the last %(days)d days") % {"days": conf.WEEK_DAYS},
    }


def _activity_charts(figures: UnitFigures) -> dict[str, Any]:
    """The by-unit chart (by kind when the unit has no children); at province scale the highest and the
    lowest shares only, in two charts, so that every bar keeps its label."""
    if not figures.children:
        return {"activity": _activity_series([(label, a) for _k, label, a in figures.kinds])}
    chosen = chart_units(figures.children, size=conf.CHART_UNITS)
    charts = {"activity": _activity_series([(u.name, a) for u, a in chosen.top])}
    if chosen.bottom:
        charts["activity_low"] = _activity_series([(u.name, a) for u, a in chosen.bottom])
    return charts


@login_required
@require_GET
def unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit_obj = access_oversight_unit(user, unit_id)
    now = timezone.now()
    figures = unit_figures(unit_obj, now=now)
    venues = idle_venues(unit_obj, now=now, idle_days=conf.IDLE_DAYS).order_by("commune__name", "name")
    page: Page[Any] = Paginator(venues, conf.PAGE_SIZE).get_page(_page_number(request))
    rows = idle_venue_rows(page.object_list)  # type: ignore[arg-type]
    week = figures.week
    context = {
        "unit": unit_obj,
        "ancestors": _ancestors_in_scope(user, unit_obj),
        "figures": figures,
        "total": figures.total,
        "share_today": _percent(figures.total.share_today),
        "share_week": _percent(figures.total.share_week),
        "week": week,
        "completed_week": figures.completed_week,
        "methods": [
            (label, n, _percent(n / week.checkins if week.checkins else None))
            for label, n in _method_counts(week)
        ],
        "idle_rows": rows,
        "idle_page": page,
        "idle_days": conf.IDLE_DAYS,
        "week_days": conf.WEEK_DAYS,
        "chart_days": len(figures.chart_days),
        "chart": _unit_chart(figures) | _activity_charts(figures),
        "chart_split": chart_units(figures.children, size=conf.CHART_UNITS),
        "chart_units": conf.CHART_UNITS,
        "days_table": _unit_tables(figures)["days"](),
        "child_rows": [(u.name, u.pk, a) for u, a in figures.children],
        "kind_rows": [(label, None, a) for _k, label, a in figures.kinds],
    }
    return render(request, "oversight/unit.html", context)


MAX_QUERY = 100  # a venue name is at most 200 characters; a longer search is someone testing the box


@login_required
@require_GET
def unit_venue_list(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Every venue of a unit (a ward, or a province through its wards), searchable by name or code, each
    with its last check-in, leading to the venue's page. Numbers only: no person is shown."""
    user = _user(request)
    unit_obj = access_oversight_unit(user, unit_id)
    # NUL and other control characters cannot be in a name (PostgreSQL refuses NUL in a query: a 500).
    raw = "".join(ch if ch.isprintable() else " " for ch in request.GET.get("q", "")[: MAX_QUERY * 4])
    query = nfc(" ".join(raw.split()))[:MAX_QUERY]
    venues = unit_venues(unit_obj, query=query)
    page: Page[Any] = Paginator(venues, conf.PAGE_SIZE).get_page(_page_number(request))
    context = {
        "unit": unit_obj,
        "ancestors": _ancestors_in_scope(user, unit_obj),
        "page": page,
        "query": query,
        "idle_days": conf.IDLE_DAYS,
    }
    return render(request, "oversight/unit_venues.html", context)


def _official_role(user: User) -> str:
    return Role.DISTRICT_ADMIN if Role.DISTRICT_ADMIN in user_roles(user) else Role.COMMUNE_OFFICIAL


def _ancestors_in_scope(user: User, unit_obj: AdminUnit) -> list[AdminUnit]:
    """The breadcrumb: the units above this one that the user may open."""
    from ravao.accounts.selectors import user_units

    roots = list(user_units(user, roles=OFFICIAL_ROLES).values_list("path", flat=True))
    chain: list[AdminUnit] = []
    parent = unit_obj.parent
    while parent is not None and any(parent.path.startswith(root) for root in roots):
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def _table_download(
    tables: dict[str, Callable[[], Table]], *, table: str, fmt: str, label: str, fallback: str
) -> HttpResponse:
    """One table of a page as CSV or XLSX; an unknown table or format is a 404 like any bad URL."""
    if table not in tables or fmt not in EXPORT_TYPES:
        raise Http404
    name = f"{slugify(label) or fallback}-{table}-{timezone.localdate():%Y%m%d}"
    return _download(tables[table](), fmt=fmt, name=name, title=f"{label} {table}")


@login_required
@require_GET
def unit_export(request: HttpRequest, unit_id: int, table: str, fmt: str) -> HttpResponse:
    unit_obj = access_oversight_unit(_user(request), unit_id)
    tables = _unit_tables(unit_figures(unit_obj, now=timezone.now()))
    return _table_download(tables, table=table, fmt=fmt, label=unit_obj.name, fallback=str(unit_obj.pk))


@login_required
@require_GET
def flagged(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Yellow/red people admitted in the week: masked names, and each row shown is audited."""
    user = _user(request)
    unit_obj = access_oversight_unit(user, unit_id)
    # No total count: at province scale counting a week of flagged check-ins costs more than the page.
    number = _page_number(request)
    offset = (number - 1) * conf.PAGE_SIZE
    checkins = list(flagged_checkins(unit_obj, now=timezone.now())[offset : offset + conf.PAGE_SIZE + 1])
    has_next = len(checkins) > conf.PAGE_SIZE
    rows = []
    role = _official_role(user)
    for checkin in checkins[: conf.PAGE_SIZE]:
        rows.append({"checkin": checkin, "name": masked_name(checkin.person.full_name)})
        audit_record(
            actor=user,
            action="oversight.flagged_people",
            person_id=checkin.person_id,
            obj=checkin.venue,
            request=request,
            role=role,
            details={"checkin": checkin.pk, "unit": unit_obj.pk},
        )
    context = {
        "unit": unit_obj,
        "rows": rows,
        "number": number,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if has_next else None,
        "week_days": conf.WEEK_DAYS,
    }
    return render(request, "oversight/flagged.html", context)


def _venue_chart(figures: VenueFigures) -> dict[str, Any]:
    return {
        "hours": {
            "labels": [f"{h:02d}" for h in range(24)],
            "today": figures.hours_today,
            "average": figures.hours_average,
            "label_today": _("Today"),
            "label_average": _("Average of the %(days)d days before") % {"days": conf.WEEK_DAYS - 1},
        },
        "days": {
            "labels": [_day_label(d.day) for d in figures.days],
            "values": [d.checkins for d in figures.days],
            "label": _("Check-ins per day"),
        },
    }


@login_required
@require_GET
def venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    user = _user(request)
    venue_obj = access_oversight_venue(user, venue_id)
    figures = venue_figures(venue_obj, now=timezone.now())
    can_remind = venues_in_scope_of(user, roles=OFFICIAL_ROLES).filter(pk=venue_obj.pk).exists()
    context = {
        "venue": venue_obj,
        "figures": figures,
        "chart": _venue_chart(figures),
        "can_remind": can_remind,
        "reminders": venue_reminders(venue_obj),
        "week_days": conf.WEEK_DAYS,
        "peak": max(range(24), key=lambda h: figures.hours_today[h]) if any(figures.hours_today) else None,
    }
    return render(request, "oversight/venue.html", context)


@login_required
@require_GET
def venue_export(request: HttpRequest, venue_id: int, table: str, fmt: str) -> HttpResponse:
    venue_obj = access_oversight_venue(_user(request), venue_id)
    tables = _venue_tables(venue_figures(venue_obj, now=timezone.now()))
    return _table_download(tables, table=table, fmt=fmt, label=venue_obj.code, fallback=str(venue_obj.pk))


@login_required
@require_POST
def remind(request: HttpRequest, venue_id: int) -> HttpResponse:
    """One click on a venue that does not scan: its managers get an email (and SMS), the commune a record."""
    user = _user(request)
    venue_obj = access_remind_venue(user, venue_id)
    now = timezone.now()
    previous = reminded_recently(venue_obj, now=now)
    if previous is not None:
        messages.info(
            request,
            _("%(venue)s was already reminded at %(time)s.")
            % {"venue": venue_obj.name, "time": _local(previous.sent_at)},
        )
    else:
        reminder = venue_remind(
            venue=venue_obj,
            by=user,
            now=now,
            idle_days=conf.IDLE_DAYS,
            request=request,
            role=_official_role(user),
        )
        if reminder.recipients:
            messages.success(request, _("%(venue)s was reminded.") % {"venue": venue_obj.name})
        else:
            messages.error(
                request,
                _(
                    "%(venue)s has no manager with an email or phone: the reminder is recorded; "
                    "call the venue."
                )
                % {"venue": venue_obj.name},
            )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("oversight:venue", args=[venue_obj.pk])
    return redirect(target)
