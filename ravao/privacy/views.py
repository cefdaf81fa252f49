"""The audit log review for administrators (role key `district_admin`, a province's or a 2021 district's)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ravao.accounts.models import Role
from ravao.accounts.selectors import user_roles
from ravao.people.selectors import person_by_phone_or_id
from ravao.privacy.forms import AuditFilterForm
from ravao.privacy.selectors import audit_search, recent_purges
from ravao.privacy.services import audit_record


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    # Only administrators review the trail (404 for others: the page's existence is no secret,
    # but a uniform answer keeps the access matrix simple).
    if Role.DISTRICT_ADMIN not in user_roles(request.user):  # type: ignore[arg-type]
        raise Http404
    form = AuditFilterForm(request.GET or None)
    events = audit_search()
    person_missing = False
    if form.is_valid():
        data = form.cleaned_data
        person_id = None
        if data.get("person_phone"):
            person = person_by_phone_or_id(phone=data["person_phone"], id_number=None)
            person_missing = person is None
            person_id = person.pk if person else -1
            # Looking a person up in the audit log is itself a read of personal data.
            audit_record(
                actor=request.user,
                action="audit.person_filter",
                person_id=person.pk if person else None,
                request=request,
                role=Role.DISTRICT_ADMIN,
            )
        events = audit_search(
            action=data.get("action") or "",
            actor_login=data.get("actor") or "",
            person_id=person_id,
            since=data.get("since"),
            until=data.get("until"),
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "person_missing": person_missing, "purges": recent_purges(5)}
    return render(request, "privacy/audit_log.html", context, status=400 if form.errors else 200)
