"""Teams, work lists and the daily follow-up (issue 11, items 2–3): field workers' "my calls today" on a
phone, the one-tap record of a day's call, team pages and the indicators.

The record form works as a plain form (a redirect back to the list) and, from `tracing-followup.js`, as a
fetch that gets JSON and updates the row in place. Every object is fetched through an `access_*` function
(404 outside the user's teams).
"""

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ravao.accounts.models import User
from ravao.people.forms import DeclarationForm
from ravao.tracing import conf, followup
from ravao.tracing.access import is_tracer
from ravao.tracing.followup import FollowUpError, VisitInput
from ravao.tracing.models import Contact, FollowUpVisit, Team, TeamMember
from ravao.tracing.views import tracer_required


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def team_manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Health officers and administrators (administrators staff teams; they never see contacts)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not followup.may_manage_teams(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- forms -------------------------------------------------------------------------------------------
class VisitForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUpVisit.Status.choices)
    call = forms.IntegerField(min_value=1, required=False)
    symptoms = forms.MultipleChoiceField(
        choices=[(name, DeclarationForm.base_fields[name].label) for name in followup.SYMPTOMS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Symptoms"),
    )
    temperature = forms.DecimalField(
        label=gettext_lazy("Temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "34", "max": "43", "inputmode": "decimal"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def visit(self) -> VisitInput:
        data = self.cleaned_data
        temperature: Decimal | None = data.get("temperature")
        return VisitInput(
            status=data["status"],
            symptoms=tuple(data.get("symptoms") or ()),
            temperature=temperature,
            note=data.get("note") or "",
            call=data.get("call") or 1,
        )


def _form_error(form: forms.Form) -> str:
    if "status" in form.errors:
        return _("Choose how the call went.")
    if "temperature" in form.errors:
        return _("The temperature must be between 34 and 43 °C.")
    if "note" in form.errors:
        return _("The note is too long (at most 1000 characters).")
    return _("Check the form and try again.")


# --- my calls today ----------------------------------------------------------------------------------
@tracer_required
@require_GET
def my_calls(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    work = followup.my_calls(user)
    return render(
        request,
        "tracing/followup/my_calls.html",
        {
            "work": work,
            # The labels once per page (each row repeats them).
            "symptoms": [(name, str(DeclarationForm.base_fields[name].label)) for name in followup.SYMPTOMS],
            "today": timezone.localdate(),
            "calls_per_day": conf.FOLLOWUP_CALLS_PER_DAY,
        },
    )


@tracer_required
@require_POST
def visit_record(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = _user(request)
    contact = followup.access_followup_contact(user, contact_id)
    form = VisitForm(request.POST)
    error = ""
    visit = None
    if not form.is_valid():
        error = _form_error(form)
    else:
        try:
            visit = followup.followup_visit_record(
                contact=contact, data=form.visit(), acting_user=user, request=request
            )
        except FollowUpError as exc:
            error = str(exc)
    if _wants_json(request):
        if visit is None:
            return JsonResponse({"ok": False, "error": error}, status=400)
        contact.refresh_from_db(fields=["followup"])
        return JsonResponse(
            {
                "ok": True,
                "status": visit.status,
                "followup": contact.followup,
                "message": _saved_message(contact, visit),
            }
        )
    if visit is None:
        messages.error(request, f"{contact.person.full_name}: {error}")
        return redirect("tracing:my_calls")
    messages.success(request, _saved_message(contact, visit))
    return redirect("tracing:my_calls")


def _saved_message(contact: Contact, visit: FollowUpVisit) -> str:
    if visit.status == FollowUpVisit.Status.SEEN_NOT_OK:
        return _("%(name)s: saved, with symptoms. Suspected: propose a test.") % {
            "name": contact.person.full_name
        }
    return _("%(name)s: saved (%(status)s).") % {
        "name": contact.person.full_name,
        "status": visit.get_status_display(),
    }


# --- indicators --------------------------------------------------------------------------------------
@tracer_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = followup.dashboard(_user(request))
    return render(request, "tracing/followup/dashboard.html", {"rows": rows})


# --- teams -------------------------------------------------------------------------------------------
@team_manager_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    units = list(followup.manageable_units(user).select_related("health_team"))
    sizes = dict(
        TeamMember.objects.filter(team__unit__in=[u.pk for u in units])
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    rows: list[dict[str, Any]] = []
    shown: list[int] = []
    for unit in units:
        team: Team | None = getattr(unit, "health_team", None)
        rows.append({"unit": unit, "team": team, "members": sizes.get(team.pk, 0) if team else 0})
        if team is not None:
            shown.append(team.pk)
    member_of = Team.objects.filter(members__user=user).exclude(pk__in=shown)
    return render(
        request,
        "tracing/followup/teams.html",
        {"rows": rows, "member_of": member_of.select_related("unit")},
    )


@team_manager_required
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        unit_id = int(request.POST.get("unit", ""))
    except ValueError:
        raise Http404 from None
    unit = followup.manageable_units(user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    team = followup.team_create(unit=unit, acting_user=user, request=request)
    return redirect("tracing:team", team_id=team.pk)


def _team_for(request: HttpRequest, team_id: int, *, manage: bool = False) -> Team:
    user = _user(request)
    team = followup.access_team(user, team_id)
    if manage and not followup.may_manage_team(user, team):
        raise PermissionDenied
    return team


@team_manager_required
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    user = _user(request)
    team = _team_for(request, team_id)
    members = list(team.members.select_related("user").order_by("-is_lead", "user__full_name"))
    manage = followup.may_manage_team(user, team)
    assign = followup.may_assign(user, team)
    member_ids = {m.user_id for m in members}
    candidates = [u for u in followup.eligible_members(team) if u.pk not in member_ids] if manage else []
    rows = []
    if is_tracer(user) and (assign or user.pk in member_ids):
        today = timezone.localdate()
        visible = followup.followup_contacts(user).filter(team=team)
        rows = followup.call_rows(visible, today, due_only=False, limit=500)
    return render(
        request,
        "tracing/followup/team.html",
        {
            "team": team,
            "members": members,
            "manage": manage,
            "assign": assign,
            "candidates": candidates,
            "rows": rows,
            "unassigned": sum(1 for r in rows if r.contact.assignee_id is None),
        },
    )


def _member_user(request: HttpRequest, team: Team) -> User:
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        raise Http404 from None
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise Http404
    return found


@team_manager_required
@require_POST
def team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team_for(request, team_id, manage=True)
    member = _member_user(request, team)
    try:
        followup.team_member_add(
            team=team,
            user=member,
            is_lead=request.POST.get("lead") == "1",
            acting_user=_user(request),
            request=request,
        )
    except FollowUpError as exc:
        messages.error(request, str(exc))
        return redirect("tracing:team", team_id=team.pk)
    messages.success(request, _("%(name)s joined the team.") % {"name": member.full_name or member.username})
    return redirect("tracing:team", team_id=team.pk)


@team_manager_required
@require_POST
def team_member_remove(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team_for(request, team_id, manage=True)
    member = _member_user(request, team)
    handed_back = followup.team_member_remove(
        team=team, user=member, acting_user=_user(request), request=request
    )
    messages.success(
        request,
        _("%(name)s left the team; %(n)d contacts are back in the team's list.")
        % {"name": member.full_name or member.username, "n": handed_back},
    )
    return redirect("tracing:team", team_id=team.pk)


@team_manager_required
@require_POST
def team_member_lead(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team_for(request, team_id, manage=True)
    member_user = _member_user(request, team)
    member = TeamMember.objects.filter(team=team, user=member_user).select_related("team").first()
    if member is None:
        raise Http404
    followup.team_member_set_lead(
        member=member, is_lead=request.POST.get("lead") == "1", acting_user=_user(request), request=request
    )
    return redirect("tracing:team", team_id=team.pk)


def _selected_contacts(request: HttpRequest, team: Team) -> list[Contact]:
    ids = []
    for value in request.POST.getlist("contact"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return list(followup.followup_contacts(_user(request)).filter(team=team, pk__in=ids))


@tracer_required
@require_POST
def team_assign(request: HttpRequest, team_id: int) -> HttpResponse:
    """Give the ticked contacts to a field worker of the team ("" = back to the team's list), or deal them
    out evenly (`split`)."""
    user = _user(request)
    team = _team_for(request, team_id)
    if not followup.may_assign(user, team):
        raise PermissionDenied
    contacts = _selected_contacts(request, team)
    if not contacts:
        messages.error(request, _("Tick at least one contact."))
        return redirect("tracing:team", team_id=team.pk)
    try:
        if request.POST.get("action") == "split":
            given = followup.contacts_split_evenly(
                team=team, contacts=contacts, acting_user=user, request=request
            )
            messages.success(
                request,
                _("%(n)d contacts shared among %(m)d field workers.") % {"n": len(contacts), "m": len(given)},
            )
        else:
            assignee = None
            if request.POST.get("assignee"):
                assignee = _member_user_from(request.POST["assignee"], team)
            followup.contacts_assign(contacts=contacts, assignee=assignee, acting_user=user, request=request)
            messages.success(request, _("%(n)d contacts assigned.") % {"n": len(contacts)})
    except FollowUpError as exc:
        messages.error(request, str(exc))
    return redirect("tracing:team", team_id=team.pk)


def _member_user_from(value: str, team: Team) -> User:
    try:
        user_id = int(value)
    except ValueError:
        raise FollowUpError(_("This field worker is not a member of the contact's team.")) from None
    member = TeamMember.objects.filter(team=team, user_id=user_id).select_related("user").first()
    if member is None:
        raise FollowUpError(_("This field worker is not a member of the contact's team."))
    return member.user
