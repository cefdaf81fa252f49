"""Exports (issue 11, item 6): the contact line list for field teams (CSV/XLSX, per case, per team, per
commune) and the import files for SORMAS, Go.Data and DHIS2, with a page per case and one for the
officer's teams and communes that says what each file is for.

Every download is audited twice, as the case page is: one event for the export itself and one row per
contact whose data left the system (`contacts_audit_shown`, coalesced per case, officer and day).
"""

import json
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ravao.accounts.models import User
from ravao.lib.exports import CONTENT_TYPES, write_csv, write_xlsx
from ravao.places.models import AdminUnit
from ravao.places.units import under_paths
from ravao.privacy.services import audit_record
from ravao.tracing import exports, interop
from ravao.tracing.access import ROLE, access_case, cases_in_scope, tracer_units
from ravao.tracing.models import Case, Contact, Team
from ravao.tracing.services import contacts_audit_shown
from ravao.tracing.views import tracer_required

FORMATS = ("csv", "xlsx")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class BadFilter(Exception):
    pass


def _paths(user: User) -> list[str]:
    return list(tracer_units(user).values_list("path", flat=True))


def teams_in_scope(user: User) -> QuerySet[Team]:
    return Team.objects.filter(under_paths(_paths(user), "unit__path")).select_related("unit")


def communes_in_scope(user: User) -> QuerySet[AdminUnit]:
    return AdminUnit.objects.filter(under_paths(_paths(user)), level=AdminUnit.Level.COMMUNE).order_by("name")


def _filters(request: HttpRequest) -> tuple[Team | None, AdminUnit | None]:
    """`?team=` and `?commune=`: a number (else BadFilter → 400), of a team or commune in the officer's
    scope (else 404, as for a case of another district)."""
    user = _user(request)
    found: list[Any] = []
    for key, queryset in (("team", teams_in_scope(user)), ("commune", communes_in_scope(user))):
        raw = request.GET.get(key, "").strip()
        if not raw:
            found.append(None)
            continue
        if not raw.isdecimal():
            raise BadFilter(key)
        obj = queryset.filter(pk=int(raw)).first()
        if obj is None:
            raise Http404
        found.append(obj)
    return found[0], found[1]


def _bad_filter() -> HttpResponse:
    return HttpResponse(
        _("The team or commune in the address is not valid."),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _audit_export(
    request: HttpRequest, *, action: str, cases: list[Case], contacts: list[Contact], details: dict[str, Any]
) -> None:
    """One event for the export (about the case, or each case of a team/commune list) and one coalesced
    row per contact exported."""
    user = _user(request)
    by_case: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_case[contact.case_id].append(contact)
    for case in cases:
        audit_record(
            actor=user,
            action=action,
            person_id=case.person_id,
            obj=case,
            reason=f"case:{case.pk}",
            request=request,
            role=ROLE,
            details={**details, "rows": len(by_case[case.pk])},
        )
        if by_case[case.pk]:
            contacts_audit_shown(
                case=case,
                contacts=by_case[case.pk],
                action="tracing.contact_export",
                acting_user=user,
                request=request,
            )


def _line_list_response(contacts: list[Contact], fmt: str, name: str, title: str) -> HttpResponse:
    rows = exports.line_list_rows(contacts)
    headers = exports.line_list_headers()
    content = write_csv(rows, headers) if fmt == "csv" else write_xlsx(rows, headers, sheet_title=title)
    return _download(content, CONTENT_TYPES[fmt], f"{name}-{timezone.localdate():%Y%m%d}.{fmt}")


# --- per case ----------------------------------------------------------------------------------------
@tracer_required
@require_GET
def case_contacts_export(request: HttpRequest, case_id: int, fmt: str) -> HttpResponse:
    """The case's contact line list (the old `case_export` URL), narrowed by `?team=` / `?commune=`."""
    if fmt not in FORMATS:
        raise Http404
    case = access_case(_user(request), case_id)
    try:
        team, commune = _filters(request)
    except BadFilter:
        return _bad_filter()
    contacts = exports.case_line_list(case, team=team, commune=commune)
    _audit_export(
        request,
        action=f"export.{fmt}",
        cases=[case],
        contacts=contacts,
        details={"team": team.pk if team else None, "commune": commune.pk if commune else None},
    )
    return _line_list_response(contacts, fmt, f"ravao-case-{case.pk}-contacts", f"F0 {case.pk}")


INTEROP_FILES = {
    "sormas-events.csv": "sormas_events",
    "godata-cases.json": "godata_cases",
    "godata-contacts.json": "godata_contacts",
    "godata-relationships.json": "godata_relationships",
    "dhis2-tracker.json": "dhis2",
}


@tracer_required
@require_GET
def case_interop(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    """One import file for another system (docs/interop.md)."""
    kind = INTEROP_FILES.get(name)
    if kind is None:
        raise Http404
    case = access_case(_user(request), case_id)
    if kind == "dhis2" and interop.dhis2_missing_settings():
        raise Http404  # the exports page says which settings are missing
    contacts = [c for c in exports.case_line_list(case) if c.decision != Contact.Decision.DISMISSED]
    filename = f"ravao-case-{case.pk}-{name}"
    if kind == "sormas_events":
        entities, rows = interop.sormas_event_rows(case, contacts)
        content, content_type = write_csv(rows, entities), CONTENT_TYPES["csv"]
        exported: list[Contact] = []  # venues only: no person leaves the system
    else:
        if kind == "godata_cases":
            data: Any = interop.godata_cases(case)
            exported = []
        elif kind == "godata_contacts":
            data = interop.godata_contacts(case, contacts)
            exported = [c for c in contacts if c.generation == 1]
        elif kind == "godata_relationships":
            data = interop.godata_relationships(case, contacts)
            exported = contacts
        else:
            data, skipped = interop.dhis2_tracker(case, contacts)
            exported = [c for c in contacts if c.decision == Contact.Decision.CONFIRMED and c not in skipped]
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    _audit_export(request, action=f"export.{kind}", cases=[case], contacts=exported, details={"file": name})
    return _download(content, content_type, filename)


@tracer_required
@require_GET
def case_sormas_participants(request: HttpRequest, case_id: int, venue_id: int) -> HttpResponse:
    """The SORMAS event participants of one venue: import it from that event's participant list."""
    case = access_case(_user(request), case_id)
    contacts = [
        c
        for c in exports.case_line_list(case)
        if c.venue_id == venue_id and c.decision != Contact.Decision.DISMISSED
    ]
    if not contacts:
        raise Http404
    entities, rows = interop.sormas_participant_rows(contacts)
    _audit_export(
        request,
        action="export.sormas_participants",
        cases=[case],
        contacts=contacts,
        details={"venue_id": venue_id},
    )
    return _download(
        write_csv(rows, entities),
        CONTENT_TYPES["csv"],
        f"ravao-case-{case.pk}-sormas-participants-{contacts[0].venue.code}.csv",
    )


@tracer_required
@require_GET
def case_exports(request: HttpRequest, case_id: int) -> HttpResponse:
    """What can be exported for this case, and what each file is for."""
    case = access_case(_user(request), case_id)
    contacts = [c for c in exports.case_line_list(case) if c.decision != Contact.Decision.DISMISSED]
    venues = [
        {"venue": v, "count": sum(1 for c in contacts if c.venue_id == v.pk)}
        for v in interop.venues_of(contacts)
    ]
    context = {
        "case": case,
        "contacts": len(contacts),
        "f1": sum(1 for c in contacts if c.generation == 1),
        "confirmed": sum(1 for c in contacts if c.decision == Contact.Decision.CONFIRMED),
        "venues": venues,
        "teams": teams_in_scope(_user(request)).filter(contacts__case=case).distinct(),
        "communes": communes_in_scope(_user(request)).filter(
            pk__in=[c.person.commune_id for c in contacts if c.person.commune_id]
        ),
        "dhis2_missing": interop.dhis2_missing_settings(),
    }
    return render(request, "tracing/exports_case.html", context)


# --- per team / commune ------------------------------------------------------------------------------
@tracer_required
@require_GET
def scope_exports(request: HttpRequest) -> HttpResponse:
    """The officer's teams and communes, each with its line list of the open cases' contacts."""
    user = _user(request)
    open_cases = cases_in_scope(user).filter(status=Case.Status.OPEN)
    counts_team: dict[int | None, int] = defaultdict(int)
    counts_commune: dict[int | None, int] = defaultdict(int)
    rows = (
        Contact.objects.filter(case__in=open_cases)
        .exclude(decision=Contact.Decision.DISMISSED)
        .values_list("team_id", "person__commune_id")
    )
    for team_id, commune_id in rows:
        counts_team[team_id] += 1
        counts_commune[commune_id] += 1
    teams = [(t, counts_team[t.pk]) for t in teams_in_scope(user) if counts_team[t.pk]]
    communes = [(u, counts_commune[u.pk]) for u in communes_in_scope(user) if counts_commune[u.pk]]
    return render(request, "tracing/exports_scope.html", {"teams": teams, "communes": communes})


@tracer_required
@require_GET
def scope_contacts_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The line list of a team (`?team=`) or of the contacts living in a commune (`?commune=`), across
    the open cases of the officer's scope."""
    if fmt not in FORMATS:
        raise Http404
    user = _user(request)
    try:
        team, commune = _filters(request)
    except BadFilter:
        return _bad_filter()
    if team is None and commune is None:
        return _bad_filter()
    open_cases = cases_in_scope(user).filter(status=Case.Status.OPEN)
    contacts = exports.scope_line_list(open_cases, team=team, commune=commune)
    cases = list(open_cases.filter(pk__in={c.case_id for c in contacts}))
    _audit_export(
        request,
        action=f"export.{fmt}",
        cases=cases,
        contacts=contacts,
        details={"team": team.pk if team else None, "commune": commune.pk if commune else None},
    )
    label = f"team-{team.unit.code}" if team else f"commune-{commune.code}"  # type: ignore[union-attr]
    return _line_list_response(contacts, fmt, f"ravao-{label}-contacts", label)
