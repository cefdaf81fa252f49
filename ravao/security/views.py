"""Pages of the security app: an administrator's API tokens."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import user_units
from ravao.places.models import AdminUnit
from ravao.places.units import under_paths
from ravao.security.forms import ApiTokenForm
from ravao.security.models import ApiToken
from ravao.security.services import api_token_create, api_token_revoke


def _admin(request: HttpRequest) -> User:
    """An administrator (`district_admin`), or 404 (as for a page that does not exist)."""
    user = request.user
    if not isinstance(user, User) or not user_units(user, roles=(Role.DISTRICT_ADMIN,)).exists():
        raise Http404
    return user


def _units_of(user: User) -> QuerySet[AdminUnit]:
    """The administrator's units and every unit below them."""
    paths = user_units(user, roles=(Role.DISTRICT_ADMIN,)).values_list("path", flat=True)
    return AdminUnit.objects.filter(under_paths(paths))


def access_api_token(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, unit__in=_units_of(user)).first()
    if token is None:
        raise Http404
    return token


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The tokens of the administrator's units; a new one is shown once, right after it is made."""
    user = _admin(request)
    units = _units_of(user)
    form = ApiTokenForm(request.POST or None, units=units)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            token, secret = api_token_create(
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                unit=form.cleaned_data["unit"],
                expires_at=form.expires_at(),
                created_by=user,
                request=request,
            )
            context.update(new_token=token, secret=secret, form=ApiTokenForm(units=units))
        else:
            status = 400
    context["tokens"] = ApiToken.objects.filter(unit__in=units).select_related("unit", "created_by")[:200]
    response = render(request, "security/api_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a secret shown once
    return response


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _admin(request)
    token = access_api_token(user, token_id)
    api_token_revoke(token=token, by=user, request=request)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("security:api_tokens")
