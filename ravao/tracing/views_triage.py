"""The case page's contact list (filters, pages) and its bulk actions (issue 11, item 1).

One form posts the action, the selected ids (or "all matching this filter") and the filters as hidden
fields. With JavaScript (`ravao/static/ravao/triage.js`) it is posted with `fetch` and the answer is JSON:
the affected rows re-rendered by the server, the counters and a sentence for the live region; without it the
same form posts normally and the officer is sent back to the same filtered page.
"""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import get_template, render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from ravao.accounts.models import User
from ravao.tracing import followup, selectors, triage
from ravao.tracing.models import Case, Contact, Team, TeamMember
from ravao.tracing.services import contacts_audit_shown
from ravao.tracing.views import _open_case, _user, tracer_required

ACTIONS = [
    ("confirmed", gettext_lazy("Confirm")),
    ("dismissed", gettext_lazy("Dismiss")),
    ("candidate", gettext_lazy("Back to candidate")),
    ("assign", gettext_lazy("Assign")),
]


class IdListField(forms.Field):
    """Repeated `name=<id>` fields as a list of ints. Which ids belong to the case is the service's check."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = [str(v).strip() for v in (value or [])]
        if any(not v.isdecimal() or len(v) > 18 for v in values):
            raise forms.ValidationError(_("Select contacts from the list."))
        return [int(v) for v in values]


class BulkForm(forms.Form):
    """What to do, and to which contacts: the ticked rows, or every row matching the filters."""

    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
    scope = forms.ChoiceField(
        choices=[("selected", gettext_lazy("Selected")), ("all", gettext_lazy("All matching"))],
        required=False,
    )
    contact = IdListField(required=False)
    shown = IdListField(required=False)
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), coerce=int, required=False, empty_value=None)
    assignee = forms.TypedChoiceField(
        label=gettext_lazy("Field worker"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, data: Any, *, teams: list[Team], workers: list[TeamMember]) -> None:
        super().__init__(data)
        self.teams = {t.pk: t for t in teams}
        self.workers = workers
        team, assignee = self.fields["team"], self.fields["assignee"]
        assert isinstance(team, forms.ChoiceField) and isinstance(assignee, forms.ChoiceField)
        team.choices = [("", "—"), *((t.pk, t.name) for t in teams)]
        # A worker in two teams is offered once.
        assignee.choices = [("", "—"), *{m.user_id: (m.user_id, str(m.user)) for m in workers}.values()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") != "assign":
            return data
        team_id, user_id = data.get("team"), data.get("assignee")
        if team_id is None and user_id is None:
            raise forms.ValidationError(_("Choose a team or a field worker."))
        if user_id is not None:
            teams_of_worker = [m.team_id for m in self.workers if m.user_id == user_id]
            if team_id is not None and team_id not in teams_of_worker:
                raise forms.ValidationError(_("This field worker is not in that team."))
            if team_id is None:
                team_id = teams_of_worker[0]
            data["worker"] = next(m.user for m in self.workers if m.user_id == user_id)
        data["team_obj"] = self.teams[team_id] if team_id is not None else None
        return data


def message_url(case: Case) -> str | None:
    """The bulk message compose page (issue 11, item 8) if this build has it; the button is hidden if not."""
    try:
        return reverse("tracing:contacts_message", args=[case.pk])
    except NoReverseMatch:
        return None


def row_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What every row needs, computed once for the page (no `reverse()` per row)."""
    return {"case": case, "contact_base": reverse("tracing:home") + "contacts/"}


def _followup_menus() -> dict[str, SafeString]:
    """The follow-up menu's options, rendered once per page for each selected value: 50 rows × 9 options
    through the template engine were a third of the page's time."""
    choices = Contact.FollowUp.choices
    return {
        selected: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, mark_safe(" selected") if value == selected else "", label) for value, label in choices),
        )
        for selected, _label in choices
    }


def _prepare(rows: list[Contact]) -> list[Contact]:
    """Explain only the rows shown, and give each its follow-up menu."""
    menus = _followup_menus()
    for contact in rows:
        contact.reason = selectors.contact_reason(contact)  # type: ignore[attr-defined]
        contact.followup_options = menus.get(contact.followup, "")  # type: ignore[attr-defined]
    return rows


def contact_list(request: HttpRequest, case: Case, *, user: User) -> dict[str, Any]:
    """The filtered, ranked page of contacts of the case page, audited as shown (only the rows shown)."""
    filter_form = triage.TriageFilterForm(request.GET, case=case)
    filters = filter_form.filters()
    # The page's ids are ranked on the contact table alone (a narrow sort); only those 50 rows are then
    # read with their person, venue and area.
    ranked = triage.contacts_filtered(case, filters).values_list("pk", flat=True)
    page = Paginator(ranked, triage.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _prepare(triage.contacts_by_ids(list(page.object_list)))
    contacts_audit_shown(
        case=case, contacts=rows, action="tracing.contact_view", acting_user=user, request=request
    )
    teams = triage.teams_for_case(case)
    return {
        **row_context(request, case),
        "filter_form": filter_form,
        "filters": filters,
        "filter_query": urlencode(filters),
        "filtered": bool(filters),
        "page": page,
        "rows": rows,
        "groups": selectors.grouped_contacts(rows),
        "counts": triage.contact_counts(case),
        "bulk_form": BulkForm(None, teams=teams, workers=triage.workers_for_case(case) if teams else []),
        "message_url": message_url(case),
    }


def _done(action: str, n: int) -> str:
    """The sentence the live region reads ("Đã xác nhận 37 người")."""
    if action == "confirmed":
        return ngettext("Confirmed %(n)d person.", "Confirmed %(n)d people.", n) % {"n": n}
    if action == "dismissed":
        return ngettext("Dismissed %(n)d person.", "Dismissed %(n)d people.", n) % {"n": n}
    if action == "candidate":
        return ngettext("%(n)d person back to candidate.", "%(n)d people back to candidate.", n) % {"n": n}
    return ngettext("Assigned %(n)d person.", "Assigned %(n)d people.", n) % {"n": n}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(case: Case, request: HttpRequest, filters: dict[str, str]) -> HttpResponse:
    query = dict(filters)
    page = request.POST.get("page", "")
    if page.isdecimal():
        query["page"] = page
    suffix = f"?{urlencode(query)}" if query else ""
    return redirect(reverse("tracing:case", args=[case.pk]) + suffix + "#contacts")


def _refused(request: HttpRequest, case: Case, filters: dict[str, str], error: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": error}, status=400)
    messages.error(request, error)
    return _back(case, request, filters)


@tracer_required
@require_POST
def case_contacts_bulk(request: HttpRequest, case_id: int) -> HttpResponse:
    """Apply one action to the selected contacts (or all matching the filters) of an open case."""
    user = _user(request)
    case = _open_case(request, case_id)
    filters = triage.TriageFilterForm(request.POST, case=case).filters()
    teams = triage.teams_for_case(case)
    form = BulkForm(request.POST, teams=teams, workers=triage.workers_for_case(case) if teams else [])
    if not form.is_valid():
        errors = [str(e) for e in form.non_field_errors()]
        return _refused(request, case, filters, " ".join(errors) or _("Choose an action and contacts."))
    data = form.cleaned_data
    action = data["action"]
    ids = triage.matching_ids(case, filters) if data.get("scope") == "all" else data["contact"]
    if not ids:
        return _refused(request, case, filters, _("Select at least one contact."))
    if action == "assign":
        team = data["team_obj"]
        if not followup.may_assign(user, team):
            return _refused(request, case, filters, _("You may not hand out this team's contacts."))
        try:
            result = triage.contact_assign(
                case=case,
                contact_ids=ids,
                team=team,
                assignee=data.get("worker"),
                acting_user=user,
                request=request,
            )
        except followup.FollowUpError as error:
            return _refused(request, case, filters, str(error))
    else:
        result = triage.contacts_decide(
            case=case, contact_ids=ids, decision=action, acting_user=user, request=request
        )
    matched = set(result.matched)
    message = _done(action, len(matched))
    if not _wants_json(request):
        messages.success(request, message)
        return _back(case, request, filters)
    return JsonResponse(
        {
            "message": message,
            "changed": len(result.changed),
            "rows": _rows_html(request, case, [pk for pk in data["shown"] if pk in matched], user),
            "counts": render_to_string(
                "tracing/_triage_counts.html", {"counts": triage.contact_counts(case)}, request=request
            ),
        }
    )


def _rows_html(request: HttpRequest, case: Case, ids: list[int], user: User) -> dict[str, str]:
    """The affected rows that are on the officer's page, rendered as the page renders them."""
    rows = _prepare(list(triage.contact_rows(Contact.objects.filter(case=case, pk__in=ids))))
    contacts_audit_shown(
        case=case, contacts=rows, action="tracing.contact_view", acting_user=user, request=request
    )
    template = get_template("tracing/_contact_row.html")
    context = row_context(request, case)
    out = {}
    for contact in rows:
        out[f"contact-{contact.pk}"] = template.render({**context, "c": contact}, request)
    return out
