"""Officer pages for tracing (J6) and the venue managers' alerts page.

Every page that shows personal data writes an audit event whose reason is the case ("case:<id>"); the
person search is audited with a keyed hash of the query, never its text.
"""

import secrets
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

from ravao.accounts.models import Role, User
from ravao.lib.ids import mask_id_number
from ravao.lib.phone import mask_phone
from ravao.notifications.selectors import deliveries
from ravao.people.models import Person
from ravao.privacy.crypto import lookup_hash
from ravao.privacy.services import audit_record, audit_record_daily
from ravao.tracing import selectors
from ravao.tracing.access import (
    ROLE,
    access_case,
    access_case_request,
    access_contact,
    cases_in_scope,
    in_jurisdiction,
    is_tracer,
    lookback,
    may_decide_requests,
    persons_in_jurisdiction,
    requests_to_decide,
    tracer_units,
)
from ravao.tracing.forms import (
    CaseForm,
    DecisionForm,
    FollowUpForm,
    RequestDecisionForm,
    SearchForm,
    WindowForm,
)
from ravao.tracing.models import Alert, Case, CaseRequest, Contact
from ravao.tracing.services import (
    alert_mark_read,
    case_close,
    case_edit_window,
    case_expand_f2,
    case_open,
    case_request_create,
    case_request_decide,
    case_send_alerts,
    case_trace,
    contact_decide,
    contact_set_followup,
)
from ravao.tracing.windows import proposed_window


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
# Search results are kept in the session under random tokens: the links of the result page carry a token,
# never a phone, an ID number, a name or a person's stable id (issue 9, finding 6).
RESULTS_KEY = "tracing_results"
RESULTS_KEPT = 60


def _remember(request: HttpRequest, persons: list[Person]) -> dict[int, str]:
    kept: dict[str, int] = dict(request.session.get(RESULTS_KEY, {}))
    tokens = {p.pk: secrets.token_urlsafe(12) for p in persons}
    kept.update({token: pk for pk, token in tokens.items()})
    request.session[RESULTS_KEY] = dict(list(kept.items())[-RESULTS_KEPT:])
    return tokens


@tracer_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """The search posts: what the officer typed never reaches a URL or an access log."""
    user = _user(request)
    form = SearchForm(request.POST if request.method == "POST" else None)
    results: list[dict[str, Any]] | None = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            query = form.cleaned_data["q"]
            persons = selectors.search_persons(query)
            _audit(
                request,
                "person.search",
                case=None,
                details={"query_hash": lookup_hash(query.casefold()), "results": len(persons)},
            )
            results = _results(request, user, persons)
        else:
            status = 400
    cases = cases_in_scope(user).filter(status=Case.Status.OPEN)
    context = {"form": form, "results": results, "cases": selectors.case_summary(cases)}
    return render(request, "tracing/home.html", context, status=status)


def _results(request: HttpRequest, user: User, persons: list[Person]) -> list[dict[str, Any]]:
    """Inside the jurisdiction (lives there, or a visit there still kept): name, year, masked phone and ID,
    the open case if the officer's office holds it. Outside: the masked name and a request link only."""
    paths = list(tracer_units(user).values_list("path", flat=True))
    start, end = lookback(timezone.now())
    inside = persons_in_jurisdiction(persons, paths, start=start, end=end)
    open_cases = dict(
        cases_in_scope(user)
        .filter(person__in=[p for p in persons if p.pk in inside], status=Case.Status.OPEN)
        .values_list("person_id", "pk")
    )
    tokens = _remember(request, persons)
    results = []
    for p in persons:
        row: dict[str, Any] = {"token": tokens[p.pk], "inside": p.pk in inside}
        if p.pk in inside:
            row.update(
                name=p.full_name,
                year_of_birth=p.year_of_birth,
                phone=mask_phone(p.phone or p.claimed_phone or ""),
                unverified=p.is_provisional,
                id_number=mask_id_number(p.id_number) if p.id_number else "",
                case_id=open_cases.get(p.pk),
            )
        else:
            row["name"] = selectors.masked_name(p.full_name)
        results.append(row)
    return results


def _person_from(request: HttpRequest) -> Person:
    """The person behind a search result's token, in this session only (404 otherwise)."""
    token = request.POST.get("r") or request.GET.get("r") or ""
    person_id = request.session.get(RESULTS_KEY, {}).get(token) if token else None
    person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
    if person is None:
        raise Http404
    return person


@tracer_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case (with a reason) on a person in the officer's jurisdiction; for anyone else the same form
    files a request to the person's units. The "request sent" answer is the same whoever the person is."""
    user = _user(request)
    person = _person_from(request)
    units = tracer_units(user)
    start, end = lookback(timezone.now())
    inside = bool(
        persons_in_jurisdiction([person], units.values_list("path", flat=True), start=start, end=end)
    )
    form = CaseForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        dates = {k: data[k] for k in ("onset_date", "sample_date", "isolated_on")}
        window_start, window_end = proposed_window(**dates, now=timezone.now())
        if in_jurisdiction(person, data["unit"], start=window_start, end=window_end):
            case = case_open(
                person=person,
                unit=data["unit"],
                **dates,
                reason=data["reason"],
                acting_user=user,
                request=request,
            )
            if not cases_in_scope(user).filter(pk=case.pk).exists():
                # An open case held by another office: the officer is told, not shown it.
                messages.info(request, _("This person already has an open case held by another office."))
                return redirect("tracing:home")
            messages.success(request, _("Case recorded. The contacts below are ranked by risk."))
            return redirect("tracing:case", case_id=case.pk)
        case_request_create(
            person=person,
            unit=data["unit"],
            reason=data["reason"],
            **dates,
            acting_user=user,
            request=request,
        )
        messages.success(
            request,
            _(
                "Request sent. The person is outside your jurisdiction for this window: an officer of"
                " their unit or an administrator above it will decide."
            ),
        )
        return redirect("tracing:requests")
    _audit(request, "person.view", case=None, person_id=person.pk, obj=person, details={"inside": inside})
    context = {
        "form": form,
        "person": person,
        "inside": inside,
        "name": person.full_name if inside else selectors.masked_name(person.full_name),
        "token": request.POST.get("r") or request.GET.get("r"),
    }
    return render(request, "tracing/case_new.html", context, status=400 if form.errors else 200)


# --- requests to open a case outside the jurisdiction ------------------------------------------------
def decider_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in and a health officer or an administrator (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_decide_requests(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@decider_required
@require_GET
def case_requests(request: HttpRequest) -> HttpResponse:
    """Pending requests the user may decide, and the user's own requests with their outcome."""
    user = _user(request)
    pending = list(
        requests_to_decide(user)
        .filter(status=CaseRequest.Status.PENDING)
        .select_related("person", "unit", "requester")
        .order_by("created_at")
    )
    mine = list(
        CaseRequest.objects.filter(requester=user)
        .select_related("person", "unit")
        .order_by("-created_at")[:50]
    )
    for r in mine:
        r.masked_name = selectors.masked_name(r.person.full_name)  # type: ignore[attr-defined]
    if pending:
        # Deciding means reading who the request is about: recorded once a day per person and officer.
        audit_record_daily(
            actor=user,
            action="case.request_view",
            scope="requests",
            entries=[(r.person_id, r, {"request_id": r.pk}) for r in pending],
            request=request,
            role=ROLE if is_tracer(user) else Role.DISTRICT_ADMIN.value,
        )
    return render(request, "tracing/requests.html", {"pending": pending, "mine": mine})


@decider_required
@require_POST
def case_request_decision(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    found = access_case_request(user, request_id)
    form = RequestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("tracing:requests")
    if found.status != CaseRequest.Status.PENDING:
        messages.info(request, _("This request was already decided."))
        return redirect("tracing:requests")
    approve = form.cleaned_data["decision"] == "approve"
    case_request_decide(case_request=found, approve=approve, acting_user=user, request=request)
    messages.success(request, _("Request approved: the case is open.") if approve else _("Request rejected."))
    return redirect("tracing:requests")


# --- the case page -----------------------------------------------------------------------------------
@tracer_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case: window, timeline (the case's own check-ins, never a re-trace), and one page of its
    contacts, filtered and ranked by the database (issue 11 item 1, issue 13 item 3): the number of
    queries does not grow with the number of contacts, and only the rows shown are explained and audited."""
    # Imported here: views_triage builds on this module's decorators.
    from ravao.tracing.views_triage import contact_list

    user = _user(request)
    case = access_case(user, case_id)
    listing = contact_list(request, case, user=user)
    counts = listing["counts"]
    _audit(
        request,
        "case.view",
        case=case,
        person_id=case.person_id,
        details={"contacts": counts.f1 + counts.f2, "shown": len(listing["rows"])},
    )
    local = timezone.localtime
    context = {
        **listing,
        "timeline": selectors.case_timeline(case),
        "window_form": WindowForm(initial={"start": local(case.window_start), "end": local(case.window_end)}),
        "alerts": _with_deliveries(list(case.alerts.select_related("venue"))),
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
    return _back(case, "contacts")


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


def _with_deliveries(alerts: list[Alert]) -> list[tuple[Alert, list[Any]]]:
    """Each alert with its emails and SMS and whether they were delivered (one query)."""
    sent = deliveries("tracing.alert", [a.pk for a in alerts])
    return [(a, sent.get(str(a.pk), [])) for a in alerts]


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
