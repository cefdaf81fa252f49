"""Who may trace, and the one way to fetch a case or a contact for a user.

Purpose limitation (BRIEF §4, issue 9): only health officers (a membership with the health_officer role on a
commune or district unit) see tracing pages; an officer sees the cases of their own unit and of the units
below it (a commune station its commune, the office of a province or district everything below it).
Missing and forbidden objects both raise Http404, so a guessed id reveals nothing.

Jurisdiction (who may open a case on whom): a person is in the jurisdiction of a unit when their commune is
under it, or when they were at a venue under it during the period asked about (the proposed infectious
window). Outside it, an officer files a `CaseRequest` that an officer of the person's units, or an
administrator, decides.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import user_roles, user_units
from ravao.checkins.models import CheckIn
from ravao.people.models import Person
from ravao.places.models import AdminUnit
from ravao.places.units import under_paths
from ravao.tracing import conf
from ravao.tracing.models import Case, CaseRequest, Contact

TRACER_ROLES = (Role.HEALTH_OFFICER,)
ROLE = Role.HEALTH_OFFICER.value  # written into audit events


def is_tracer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Role.HEALTH_OFFICER in user_roles(user)


def tracer_units(user: User) -> QuerySet[AdminUnit]:
    return user_units(user, roles=TRACER_ROLES).order_by("path")


def cases_in_scope(user: User) -> QuerySet[Case]:
    if not is_tracer(user):
        return Case.objects.none()
    paths = list(tracer_units(user).values_list("path", flat=True))
    if not paths:
        return Case.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return Case.objects.filter(condition)


def access_case(user: User, case_id: int) -> Case:
    case = cases_in_scope(user).select_related("person", "unit").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def access_contact(user: User, contact_id: int) -> Contact:
    contact = (
        Contact.objects.filter(pk=contact_id, case__in=cases_in_scope(user))
        .select_related("case", "case__person", "case__unit", "person", "venue", "area")
        .first()
    )
    if contact is None:
        raise Http404
    return contact


# --- jurisdiction ------------------------------------------------------------------------------------
def visits_between(start: datetime, end: datetime) -> Q:
    """Check-ins that overlap [start, end]; a visit without an exit counts from its entry for at most the
    longest stay the engine assumes."""
    return Q(checked_in_at__lt=end) & (
        Q(checked_out_at__gt=start)
        | Q(checked_out_at__isnull=True, checked_in_at__gte=start - conf.max_stay())
    )


def persons_in_jurisdiction(
    persons: Iterable[Person], paths: Iterable[str], *, start: datetime, end: datetime
) -> set[int]:
    """The ids of `persons` who live under one of the unit `paths` or visited a venue under one of them
    between `start` and `end`. Two queries whatever the number of persons."""
    persons, paths = list(persons), list(paths)
    if not persons or not paths:
        return set()
    communes = AdminUnit.objects.in_bulk({p.commune_id for p in persons if p.commune_id})
    inside = {
        p.pk
        for p in persons
        if p.commune_id in communes and any(communes[p.commune_id].path.startswith(x) for x in paths)
    }
    rest = [p.pk for p in persons if p.pk not in inside]
    if rest:
        inside |= set(
            CheckIn.objects.filter(visits_between(start, end), person_id__in=rest)
            .filter(under_paths(paths, "venue__commune__path"))
            .values_list("person_id", flat=True)
            .distinct()
        )
    return inside


def in_jurisdiction(person: Person, unit: AdminUnit, *, start: datetime, end: datetime) -> bool:
    return person.pk in persons_in_jurisdiction([person], [unit.path], start=start, end=end)


def lookback(now: datetime) -> tuple[datetime, datetime]:
    """The period a search result is judged on, before any window is known: the visits still kept."""
    from django.conf import settings

    return now - timedelta(days=settings.RAVAO_RETENTION_DAYS), now


def units_of_person(person: Person, *, start: datetime, end: datetime) -> list[AdminUnit]:
    """The communes a person belongs to for a request: where they live, where they were in the window."""
    ids = set(
        CheckIn.objects.filter(visits_between(start, end), person=person, venue__commune__isnull=False)
        .values_list("venue__commune_id", flat=True)
        .distinct()
    )
    if person.commune_id:
        ids.add(person.commune_id)
    return list(AdminUnit.objects.filter(pk__in=ids))


# --- case requests -----------------------------------------------------------------------------------
def may_decide_requests(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        {Role.HEALTH_OFFICER, Role.DISTRICT_ADMIN} & user_roles(user)
    )


def requests_to_decide(user: User) -> QuerySet[CaseRequest]:
    """Requests a user may decide: a health officer those of the units under theirs (the person's commune,
    or a commune the person visited in the window); an administrator those too and those filed by an
    office below them. Never the user's own."""
    if not may_decide_requests(user):
        return CaseRequest.objects.none()
    officer_paths = list(tracer_units(user).values_list("path", flat=True))
    admin_paths = list(user_units(user, roles=(Role.DISTRICT_ADMIN,)).values_list("path", flat=True))
    condition = under_paths(officer_paths + admin_paths, "units__path")
    condition |= under_paths(admin_paths, "unit__path")
    ids = CaseRequest.objects.filter(condition).values("pk")
    return CaseRequest.objects.filter(pk__in=ids).exclude(requester=user)


def access_case_request(user: User, request_id: int) -> CaseRequest:
    found = (
        requests_to_decide(user)
        .select_related("person", "unit", "requester", "decided_by")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found
