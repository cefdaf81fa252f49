"""Gate pages for a venue's staff (J4, J5): scan, sync the offline queue, inside now, close the day,
enter a visitor by hand, and screen mode (plus the screen-mode guard in front of the check-in page)."""

import functools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ravao.accounts.models import Membership, Role
from ravao.checkins import conf, views
from ravao.checkins.gate.access import VenueNotActive, access_gate, access_gate_manager, access_gate_venues
from ravao.checkins.gate.limits import GateBudget, GateLimitExceeded
from ravao.checkins.gate.manual import gate_manual_entry
from ravao.checkins.gate.output import item_error_json, outcome_json
from ravao.checkins.gate.parsing import ItemError, SyncBody, parse_body, parse_scan
from ravao.checkins.gate.scans import GateOutcome
from ravao.checkins.gate.screen import (
    PRESENCE_COOKIE,
    is_screen_code,
    presence_cookie_value,
    presence_is_valid,
    screen_code_is_fresh,
    screen_url,
)
from ravao.checkins.gate.sync import gate_sync
from ravao.checkins.selectors import (
    card_mismatches_for_venues,
    inside_count,
    inside_now,
    late_flags_for_venues,
    venue_flags,
)
from ravao.checkins.visits import checkins_close_venue_day
from ravao.lib.qr import make_qr
from ravao.lib.text import mask_name
from ravao.lib.tokens import public_keys
from ravao.people.forms import DeclarationForm, GateVisitorForm
from ravao.people.selectors import person_latest_declaration, person_status
from ravao.places.services import venue_set_screen_mode
from ravao.privacy.services import audit_record


def _refuse_inactive(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A gate page of a venue pending approval or suspended: the 404 of a missing venue, whose page tells
    the venue's own people why (they know their venue exists; nobody else learns anything)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except VenueNotActive as refusal:
            return render(request, "checkins/gate_inactive.html", {"venue": refusal.venue}, status=404)

    return wrapped


def _inactive_message(venue: Any) -> str:
    if venue.status == "pending":
        return _("Your venue is awaiting approval by the commune: its gate cannot scan anyone yet.")
    return _("Your venue is suspended by the commune: its gate cannot scan anyone.")


@login_required
@require_GET
def gate_index(request: HttpRequest) -> HttpResponse:
    venues = access_gate_venues(request.user)  # type: ignore[arg-type]
    if len(venues) == 1:
        return redirect("checkins:gate", venue_id=venues[0].pk)
    return render(request, "checkins/gate_index.html", {"venues": venues})


@login_required
@require_GET
@_refuse_inactive
def gate_page(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue, role = access_gate(request.user, venue_id)
    vendor = static("vendor/@zxing/browser/umd/zxing-browser.min.js")
    context = {
        "venue": venue,
        "role": role,
        "areas": list(venue.areas.all()),
        "inside": inside_count(venue),
        "gate_config": {
            "venueId": venue.pk,
            "syncUrl": reverse("checkins:gate_sync", args=[venue.pk]),
            "publicKeys": public_keys(),
            "maxBatch": min(conf.gate_sync_max_batch(), 200),
            "repeatMs": int(conf.gate_repeat_ignore().total_seconds() * 1000),
            "vendor": vendor,
            # Scans (masked names) are pruned from the device's IndexedDB past the retention (issue 12).
            "retentionDays": settings.RAVAO_RETENTION_DAYS,
            # What the service worker keeps so the gate reopens offline (the page itself is added by gate.js).
            "offlineUrls": [
                static("ravao/gate-mask.js"), static("ravao/gate.js"), static("ravao/gate.css"), vendor
            ],
        },
    }
    return render(request, "checkins/gate.html", context)


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def _outage_json(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """A database outage anywhere in the sync (the session, the venue, the batch, the count) answers the
    documented 503 JSON, never the HTML 500 page: the device keeps its queue and sends it again later."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except DatabaseError:
            response = _json_error(
                "server_error", _("The server could not record the scans now; try again."), 503
            )
            response["Retry-After"] = "10"
            return response

    return wrapped


@require_http_methods(["POST"])
@_outage_json
def gate_sync_view(request: HttpRequest, venue_id: int) -> JsonResponse:
    """The gate's queue, in batches: {"scans": [{client_id, kind, payload, direction, area, scanned_at}]}
    → {"results": [...], "inside": n} in the same order. Each scan is processed exactly once (see
    gate_sync). `inside`: the visits open at the venue after the batch, for the gate's "inside now"."""
    if not request.user.is_authenticated:
        # JSON, not a redirect to the login page: the gate keeps the scans and asks staff to log in again.
        return _json_error("login", _("Log in again to send the waiting scans."), 401)
    try:
        venue, role = access_gate(request.user, venue_id)
    except VenueNotActive as refusal:
        return _json_error("not_active", _inactive_message(refusal.venue), 404)
    except Http404:
        return _json_error("not_found", _("This gate does not exist or is not yours."), 404)
    body = parse_body(request.body)
    if body == "bad_json":
        return _json_error("bad_json", _("The request is not valid JSON."), 400)
    if not isinstance(body, SyncBody):
        return _json_error("bad_json", _("The request must hold a list of scans."), 400)
    scans = body.scans
    limit = conf.gate_sync_max_batch()
    if len(scans) > limit:
        return _json_error(
            "batch_too_large",
            _("Too many scans in one request (at most %(limit)d); send them in smaller batches.")
            % {"limit": limit},
            413,
        )
    areas = {area.pk: area for area in venue.areas.all()}
    parsed = [parse_scan(item, areas=areas, index=i) for i, item in enumerate(scans)]
    good = [p for p in parsed if not isinstance(p, ItemError)]
    now = timezone.now()
    budget = GateBudget(venue_id=venue.pk, staff_id=request.user.pk)
    try:
        outcomes = iter(
            gate_sync(
                venue=venue,
                staff=request.user,
                role=role,
                scans=good,
                now=now,
                request=request,
                budget=budget,
            )
        )
    except GateLimitExceeded as refusal:
        # Nothing was written: the device keeps the whole batch and sends it again later.
        unknown = refusal.bucket.startswith("gate-unknown")
        message = (
            _(
                "Too many look-ups of phone numbers that nobody has: "
                "the scans are kept on this device and sent again later."
            )
            if unknown
            else _(
                "Too many scans from this gate for now: they are kept on this device and sent again later."
            )
        )
        response = _json_error("limit", message, 429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    except DatabaseError:
        # Nothing is lost: a batch commits whole or not at all, the device keeps what was not acknowledged.
        return _json_error("server_error", _("The server could not record the scans now; try again."), 503)
    results: list[dict[str, Any]] = []
    for item in parsed:
        if isinstance(item, ItemError):
            results.append(item_error_json(item))
        else:
            outcome: GateOutcome = next(outcomes)
            results.append(outcome_json(outcome))
    return JsonResponse({"results": results, "server_time": now.isoformat(), "inside": inside_count(venue)})


@login_required
@require_GET
@_refuse_inactive
def inside_page(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue, role = access_gate(request.user, venue_id)
    now = timezone.now()
    visits = list(inside_now(venue))
    groups: dict[str, list[dict[str, Any]]] = {}
    for visit in visits:
        groups.setdefault(visit.area.name if visit.area else "", []).append(
            {"name": mask_name(visit.person.full_name), "since": visit.checked_in_at, "visit": visit}
        )
    flags = list(venue_flags(venue, since=now - timedelta(days=1)))
    # Reading who is inside (even masked) is a read of personal data by staff: one event per page view.
    audit_record(
        actor=request.user,
        action="gate.inside",
        obj=venue,
        request=request,
        role=role,
        details={"count": len(visits), "venue_id": venue.pk},
    )
    context = {
        "venue": venue,
        "role": role,
        "total": len(visits),
        "groups": sorted(groups.items()),
        "flags": flags,
    }
    return render(request, "checkins/gate_inside.html", context)


@login_required
@require_POST
@_refuse_inactive
def close_day(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue, role = access_gate(request.user, venue_id)
    closed = checkins_close_venue_day(venue=venue, now=timezone.now(), staff=request.user, role=role)
    messages.success(
        request,
        _("%(count)d open visits were closed with an estimated check-out.") % {"count": closed},
    )
    return redirect("checkins:gate_inside", venue_id=venue.pk)


@login_required
@require_http_methods(["GET", "POST"])
@_refuse_inactive
def visitor_entry(request: HttpRequest, venue_id: int) -> HttpResponse:
    """A visitor without a smartphone, entered by staff; the declaration is optional (asked aloud)."""
    venue, role = access_gate(request.user, venue_id)
    areas = list(venue.areas.all())
    if request.method == "POST":
        form = GateVisitorForm(request.POST, areas=areas)
        declared = request.POST.get("declared") == "yes"
        declaration = DeclarationForm(request.POST if declared else None)
        valid = form.is_valid() and (not declared or declaration.is_valid())
        # A manual entry is a look-up too (it answers with a masked name and a colour): it counts as a scan.
        refused = (
            GateBudget(venue_id=venue.pk, staff_id=request.user.pk or 0).take(scans=1, unknown=0)
            if valid
            else None
        )
        if refused is not None:
            form.add_error(None, _("Too many scans from this gate for now: try again in a few minutes."))
            context = {"venue": venue, "form": form, "declaration": declaration, "declared": declared}
            return render(request, "checkins/gate_visitor.html", context, status=429)
        if valid:
            checkin, person, created = gate_manual_entry(
                venue=venue,
                area=form.chosen_area(),
                staff=request.user,
                role=role,
                profile=form.profile(),
                answers=declaration.answers() if declared else None,
                client_id=form.cleaned_data["client_id"] or uuid.uuid4(),
                now=timezone.now(),
                request=request,
            )
            colour = person_status(person, person_latest_declaration(person), now=timezone.now())
            done = {
                "venue": venue,
                "checkin": checkin,
                "masked_name": mask_name(person.full_name),
                "status": colour,
                "created": created,
                # Entered with a relative's phone: a member of that phone's household (issue 9).
                "household": person.household_of_id is not None,
            }
            return render(request, "checkins/gate_visitor_done.html", done)
        status = 400
    else:
        form, declaration, declared, status = (
            GateVisitorForm(areas=areas, initial={"client_id": uuid.uuid4()}),
            DeclarationForm(),
            False,
            200,
        )
    context = {"venue": venue, "form": form, "declaration": declaration, "declared": declared}
    return render(request, "checkins/gate_visitor.html", context, status=status)


# --- what officers see of the gates -------------------------------------------------------------------

# Officers who oversee venues or trace: their scope is the venues under the units they serve.
FLAG_READERS = (Role.COMMUNE_OFFICIAL, Role.DISTRICT_ADMIN, Role.HEALTH_OFFICER)
FLAG_DAYS = 14
FLAG_ROWS = 200


@login_required
@require_GET
def gate_flags(request: HttpRequest) -> HttpResponse:
    """Gate scans officers should know about, in their scope, the last FLAG_DAYS days: entries and exits
    sent late (the device's claimed time against the server's receive time) and ID cards refused because
    they disagree with the person of their number. No person is named: the flag says what happened
    where and by which staff account; officers trace people through the tracing pages (audited there)."""
    from ravao.accounts.selectors import venues_in_scope_of

    user: Any = request.user
    if not Membership.objects.filter(user=user, role__in=FLAG_READERS).exists():
        raise Http404
    venues = venues_in_scope_of(user, roles=FLAG_READERS)
    since = timezone.now() - timedelta(days=FLAG_DAYS)
    context = {
        "late": list(late_flags_for_venues(venues, since=since)[:FLAG_ROWS]),
        "mismatches": list(card_mismatches_for_venues(venues, since=since)[:FLAG_ROWS]),
        "days": FLAG_DAYS,
    }
    return render(request, "checkins/gate_flags.html", context)


# --- screen mode ---------------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
@_refuse_inactive
def screen_page(request: HttpRequest, venue_id: int) -> HttpResponse:
    """The venue's rotating code, full screen, for a tablet or a TV at the entrance."""
    venue, role = access_gate(request.user, venue_id)
    context: dict[str, Any] = {"venue": venue, "role": role, "manager": role == Role.VENUE_MANAGER}
    if venue.screen_mode:
        now = timezone.now()
        context["svg"] = make_qr(screen_url(venue.qr_code, now=now)).svg_inline(scale=8, border=4)
        context["seconds"] = int(conf.screen_rotation().total_seconds())
        context["code_url"] = reverse("checkins:screen_code", args=[venue.pk])
    return render(request, "checkins/screen.html", context)


@login_required
@never_cache
@require_GET
def screen_code(request: HttpRequest, venue_id: int) -> JsonResponse:
    try:
        venue, _role = access_gate(request.user, venue_id)
    except VenueNotActive as refusal:
        return _json_error("not_active", _inactive_message(refusal.venue), 404)
    if not venue.screen_mode:
        return _json_error("off", _("Screen mode is off for this venue."), 409)
    now = timezone.now()
    rotation = conf.screen_rotation().total_seconds()
    return JsonResponse(
        {
            "svg": make_qr(screen_url(venue.qr_code, now=now)).svg_inline(scale=8, border=4),
            "next_in": rotation - (now.timestamp() % rotation),
        }
    )


@login_required
@require_POST
@_refuse_inactive
def screen_mode_set(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = access_gate_manager(request.user, venue_id)
    on = request.POST.get("screen_mode") == "on"
    venue_set_screen_mode(venue=venue, on=on, actor=request.user, request=request)
    return redirect("checkins:screen", venue_id=venue.pk)


@require_GET
def screen_scan(request: HttpRequest, code: str, rotating: str) -> HttpResponse:
    """What a visitor's phone opens from the screen: a fresh code gives a short-lived proof of presence
    (a signed cookie) and leads to the usual check-in page; an old code (a photo) is refused."""
    now = timezone.now()
    if not is_screen_code(code) or not screen_code_is_fresh(code, rotating, now=now):
        return render(request, "checkins/screen_refused.html", {"expired": True}, status=403)
    response = redirect("checkins:scan", code=code)
    response.set_cookie(
        PRESENCE_COOKIE,
        presence_cookie_value(code),
        max_age=int(conf.screen_presence().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """The poster's check-in page, behind the screen-mode guard. Ordinary codes go straight through (no
    query added: the prefix tells a screen-mode code apart)."""
    if is_screen_code(code) and not presence_is_valid(request, code):
        return render(request, "checkins/screen_refused.html", {"expired": False}, status=403)
    return views.scan(request, code)
