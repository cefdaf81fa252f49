"""Who may trace, and the one way to fetch a case or a contact for a user.

Purpose limitation (BRIEF §4): only health officers (a membership with the health_officer role on a commune
or district unit) see tracing pages; an officer sees the cases of their own unit and of the units below it
(a commune station its commune, the district office the whole district). Missing and forbidden objects
both raise Http404, so a guessed id reveals nothing.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import user_roles, user_units
from ravao.places.models import AdminUnit
from ravao.tracing.models import Case, Contact

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
