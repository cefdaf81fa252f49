"""Officer pages for tracing (J6) and the venue managers' alerts page.

Every page that shows personal data writes an audit event whose reason is the case ("case:<id>"); the
person search is audited with a keyed hash of the query, never its text.
"""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ravao.accounts.models import User
from ravao.lib.exports import write_csv, write_xlsx
from ravao.lib.ids import mask_id_number, normalise_id_number
from ravao.lib.phone import mask_phone, normalise_phone
from ravao.people.models import Person
from ravao.people.selectors import person_by_phone_or_id, persons_for_phone, persons_named
from ravao.privacy.crypto import lookup_hash
from ravao.privacy.services import audit_record
from ravao.tracing import selectors
from ravao.tracing.access import ROLE, access_case, access_contact, cases_in_scope, is_tracer, tracer_units
from ravao.tracing.forms import CaseForm, DecisionForm, FollowUpForm, SearchForm, WindowForm
from ravao.tracing.models import Alert, Case, Contact
from ravao.tracing.services import (
    alert_mark_read,
    case_close,
    case_edit_window,
    case_expand_f2,
    case_open,
    case_send_alerts,
    case_trace,
    contact_decide,
    contact_set_followup,
)

SEARCH_LIMIT = 20


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def tracer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else the login page) and a health officer (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_tracer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _audit(
    request: HttpRequest,
    action: str,
    *,
    case: Case | None,
    person_id: int | None = None,
    obj: Any = None,
    details: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=request.user,
        action=action,
        person_id=person_id,
        obj=obj if obj is not None else case,
        reason=f"case:{case.pk}" if case else "case:new",
        request=request,
        role=ROLE,
        details=details,
    )


# --- search and new case -----------------------------------------------------------------------------
def _search(query: str) -> list[Person]:
    phone = normalise_phone(query)
    id_number = normalise_id_number(query)
    if phone or id_number:
        person = person_by_phone_or_id(phone=phone, id_number=id_number)
        # A phone also finds the provisional persons claiming it, marked "unverified" (issue 9).
        claims = [p for p in persons_for_phone(phone) if p.pk != getattr(person, "pk", None)] if phone else []
        if person is not None or claims:
            return ([person] if person is not None else []) + claims
        if any(c.isdigit() for c in query):
            return []
    return list(persons_named(query).order_by("pk")[:SEARCH_LIMIT])


@tracer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SearchForm(request.GET if "q" in request.GET else None)
    results: list[dict[str, Any]] | None = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            query = form.cleaned_data["q"]
            persons = _search(query)
            _audit(
                request,
                "person.search",
                case=None,
                details={"query_hash": lookup_hash(query.casefold()), "results": len(persons)},
            )
            open_cases = dict(
                Case.objects.filter(person__in=persons, status=Case.Status.OPEN).values_list(
                    "person_id", "pk"
                )
            )
            results = [
                {
                    "person": p,
                    "phone": mask_phone(p.phone or p.claimed_phone or ""),
                    "unverified": p.is_provisional,
                    "id_number": mask_id_number(p.id_number) if p.id_number else "",
                    "case_id": open_cases.get(p.pk),
                }
                for p in persons
            ]
        else:
            status = 400
    cases = cases_in_scope(user).filter(status=Case.Status.OPEN)
    context = {"form": form, "results": results, "cases": selectors.case_summary(cases)}
    return render(request, "tracing/home.html", context, status=status)


def _person_from(request: HttpRequest) -> Person:
    raw = request.GET.get("person") or request.POST.get("person") or ""
    try:
        public_id = uuid.UUID(raw)
    except ValueError as exc:
        raise Http404 from exc
    person = Person.objects.filter(public_id=public_id).first()
    if person is None:
        raise Http404
    return person


@tracer_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    person = _person_from(request)
    form = CaseForm(request.POST or None, units=tracer_units(user))
    if request.method == "POST" and form.is_valid():
        case = case_open(
            person=person,
            unit=form.cleaned_data["unit"],
            onset_date=form.cleaned_data["onset_date"],
            sample_date=form.cleaned_data["sample_date"],
            isolated_on=form.cleaned_data["isolated_on"],
            acting_user=user,
            request=request,
        )
        messages.success(request, _("Case recorded. The contacts below are ranked by risk."))
        return redirect("tracing:case", case_id=case.pk)
    _audit(request, "person.view", case=None, person_id=person.pk, obj=person)
    return render(
        request, "tracing/case_new.html", {"form": form, "person": person}, status=400 if form.errors else 200
    )


# --- the case page -----------------------------------------------------------------------------------
@tracer_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(_user(request), case_id)
    contacts = selectors.case_contacts(case)
    f1 = [c for c in contacts if c.generation == 1]
    f2 = [c for c in contacts if c.generation == 2]
    _audit(request, "case.view", case=case, person_id=case.person_id, details={"contacts": len(contacts)})
    local = timezone.localtime
    context = {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "groups": selectors.grouped_contacts(f1),
        "f1_count": len(f1),
        "f1_confirmed": sum(1 for c in f1 if c.decision == Contact.Decision.CONFIRMED),
        "f2": f2,
        "window_form": WindowForm(initial={"start": local(case.window_start), "end": local(case.window_end)}),
        "followups": Contact.FollowUp.choices,
        "alerts": case.alerts.select_related("venue"),
    }
    return render(request, "tracing/case_detail.html", context)


def _back(case: Case, anchor: str = "") -> HttpResponse:
    return redirect(reverse("tracing:case", args=[case.pk]) + (f"#{anchor}" if anchor else ""))


def _open_case(request: HttpRequest, case_id: int) -> Case:
    case = access_case(_user(request), case_id)
    if case.status != Case.Status.OPEN:
        raise Http404
    return case


@tracer_required
@require_POST
def case_window(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _open_case(request, case_id)
    form = WindowForm(request.POST)
    if not form.is_valid():
        for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]:
            messages.error(request, error)
        return _back(case, "window")
    case_edit_window(
        case=case,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        reason=form.cleaned_data["reason"],
        acting_user=_user(request),
        request=request,
    )
    messages.success(request, _("Window changed; contacts traced again."))
    return _back(case, "window")


@tracer_required
@require_POST
def case_retrace(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _open_case(request, case_id)
    counts = case_trace(case=case, acting_user=_user(request), request=request)
    messages.success(request, _("Traced again: %(created)d new, %(removed)d removed.") % counts)
    return _back(case, "f1")


@tracer_required
@require_POST
def case_f2(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _open_case(request, case_id)
    counts = case_expand_f2(case=case, acting_user=_user(request), request=request)
    messages.success(request, _("F2 candidates: %(created)d new, %(updated)d updated.") % counts)
    return _back(case, "f2")


@tracer_required
@require_POST
def case_alerts(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _open_case(request, case_id)
    created = case_send_alerts(case=case, acting_user=_user(request), request=request)
    messages.success(request, _("%(n)d venues alerted.") % {"n": created})
    return _back(case, "alerts")


@tracer_required
@require_POST
def case_close_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _open_case(request, case_id)
    case_close(case=case, acting_user=_user(request), request=request)
    messages.success(request, _("Case closed."))
    return redirect("tracing:home")


@tracer_required
@require_GET
def case_graph(request: HttpRequest, case_id: int) -> JsonResponse:
    case = access_case(_user(request), case_id)
    _audit(request, "case.graph", case=case, person_id=case.person_id)
    return JsonResponse(selectors.graph_data(case))


@tracer_required
@require_GET
def case_export(request: HttpRequest, case_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    case = access_case(_user(request), case_id)
    rows = selectors.export_rows(case)
    headers = selectors.EXPORT_HEADERS
    _audit(request, f"export.{fmt}", case=case, person_id=case.person_id, details={"rows": len(rows)})
    name = f"ravao-case-{case.pk}-contacts-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(write_csv(rows, headers), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            write_xlsx(rows, headers, sheet_title=f"F0 {case.pk}"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- contacts ----------------------------------------------------------------------------------------
def _open_contact(request: HttpRequest, contact_id: int) -> Contact:
    contact = access_contact(_user(request), contact_id)
    if contact.case.status != Case.Status.OPEN:
        raise Http404
    return contact


@tracer_required
@require_POST
def contact_decision(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _open_contact(request, contact_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose confirm or dismiss."))
    else:
        contact_decide(
            contact=contact,
            decision=form.cleaned_data["decision"],
            acting_user=_user(request),
            request=request,
        )
    return _back(contact.case, f"contact-{contact.pk}")


@tracer_required
@require_POST
def contact_followup(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _open_contact(request, contact_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a follow-up status."))
        return _back(contact.case, f"contact-{contact.pk}")
    result = contact_set_followup(
        contact=contact, followup=form.cleaned_data["followup"], acting_user=_user(request), request=request
    )
    if result.new_case is not None:
        messages.success(request, _("Positive: a case was opened for this contact."))
        return redirect("tracing:case", case_id=result.new_case.pk)
    return _back(contact.case, f"contact-{contact.pk}")


# --- venue managers' alerts --------------------------------------------------------------------------
@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    return render(request, "tracing/alerts.html", {"alerts": selectors.alerts_for_user(_user(request))})


@login_required
@require_POST
def alert_read(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert: Alert | None = selectors.alerts_for_user(_user(request)).filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    alert_mark_read(alert=alert)
    return redirect("tracing:alerts")
