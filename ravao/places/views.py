"""Venue pages for managers and staff (J1) and venue approval for communes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import (
    user_roles,
    user_unit_memberships,
    user_units,
    venues_in_scope_of,
    venues_served_by,
)
from ravao.accounts.services import staff_invite
from ravao.lib.qr import checkin_url, qr_png, qr_svg
from ravao.places.access import (
    OFFICIAL_ROLES,
    access_area,
    access_split_decision,
    access_unit,
    access_venue,
    access_venue_as_official,
    may_choose,
    split_decisions_in_scope,
)
from ravao.places.forms import AreaForm, InviteForm, ShiftForm, VenueForm
from ravao.places.models import AdminUnit, Shift, Venue
from ravao.places.posters import commune_posters_pdf, venue_poster_pdf
from ravao.places.selectors import venue_areas
from ravao.places.services import (
    area_create,
    area_delete,
    area_rotate_code,
    shift_create,
    shift_delete,
    venue_register,
    venue_rotate_code,
    venue_set_status,
    venue_update,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context: dict[str, object] = {
        "venues": venues_served_by(user).select_related("commune").order_by("name"),
        "units": user_units(user, roles=OFFICIAL_ROLES),
        "roles": user_roles(user),
        # Each role named by its unit ("Quản trị viên cấp tỉnh · UBND Thành phố Hà Nội").
        "memberships": user_unit_memberships(user),
    }
    if Role.DISTRICT_ADMIN in user_roles(user):
        # After `remap_units`: what the move to the 2025 map left for an administrator to decide.
        context["open_decisions"] = split_decisions_in_scope(user).filter(decided_at__isnull=True).count()
    return render(request, "places/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def venue_new(request: HttpRequest) -> HttpResponse:
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        venue = venue_register(manager=_user(request), **form.cleaned_data)
        if venue.status == Venue.Status.PENDING:
            messages.info(request, _("Your venue is registered. The commune will approve it soon."))
        return redirect("places:venue", venue_id=venue.pk)
    return render(request, "places/venue_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    user = _user(request)
    venue = access_venue(user, venue_id)
    can_manage = venues_served_by(user, roles=(Role.VENUE_MANAGER,)).filter(pk=venue.pk).exists()
    context = {
        "venue": venue,
        "areas": venue_areas(venue),
        "shifts": venue.shifts.all(),
        "can_manage": can_manage,
        "staff_here": venues_served_by(user).filter(pk=venue.pk).exists(),
        "can_approve": venues_in_scope_of(user, roles=OFFICIAL_ROLES).filter(pk=venue.pk).exists(),
        "checkin_url": checkin_url(venue.qr_code),
        "area_form": AreaForm(venue=venue, auto_id="area_%s"),
        "shift_form": ShiftForm(venue=venue, auto_id="shift_%s"),
        "invite_form": InviteForm(auto_id="invite_%s"),
        "invitations": venue.invitations.filter(accepted_at__isnull=True) if can_manage else [],
        "staff": venue.memberships.select_related("user").order_by("role"),
    }
    return render(request, "places/venue_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = access_venue(_user(request), venue_id, manage=True)
    form = VenueForm(request.POST or None, initial=VenueForm.initial_from(venue), keep=venue.commune)
    if request.method == "POST" and form.is_valid():
        was_active = venue.status == Venue.Status.ACTIVE
        venue_update(venue=venue, by=_user(request), **form.cleaned_data)
        if was_active and venue.status == Venue.Status.PENDING:
            messages.warning(
                request,
                _(
                    "The venue moved to %(commune)s: it waits for that commune's approval. Check-ins "
                    "resume once it is approved."
                )
                % {"commune": venue.commune.name},
            )
        return redirect("places:venue", venue_id=venue.pk)
    return render(
        request, "places/venue_form.html", {"form": form, "venue": venue}, status=400 if form.errors else 200
    )


def _form_error(request: HttpRequest, form: Form, venue: Venue, title: str) -> HttpResponse:
    """A form posted from the venue page came back invalid: show it alone with its errors."""
    return render(
        request, "places/simple_form.html", {"form": form, "venue": venue, "title": title}, status=400
    )


@login_required
@require_POST
def area_add(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = access_venue(_user(request), venue_id, manage=True)
    form = AreaForm(request.POST, venue=venue)
    if not form.is_valid():
        return _form_error(request, form, venue, _("Add an area"))
    area_create(venue=venue, by=_user(request), **form.cleaned_data)
    return redirect("places:venue", venue_id=venue.pk)


@login_required
@require_POST
def area_remove(request: HttpRequest, area_id: int) -> HttpResponse:
    area = access_area(_user(request), area_id, manage=True)
    area_delete(area=area, by=_user(request))
    return redirect("places:venue", venue_id=area.venue_id)


@login_required
@require_POST
def shift_add(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = access_venue(_user(request), venue_id, manage=True)
    form = ShiftForm(request.POST, venue=venue)
    if not form.is_valid():
        return _form_error(request, form, venue, _("Add a shift"))
    shift_create(venue=venue, by=_user(request), **form.cleaned_data)
    return redirect("places:venue", venue_id=venue.pk)


@login_required
@require_POST
def shift_remove(request: HttpRequest, venue_id: int, shift_id: int) -> HttpResponse:
    venue = access_venue(_user(request), venue_id, manage=True)
    shift = Shift.objects.filter(venue=venue, pk=shift_id).first()
    if shift is None:
        raise Http404
    shift_delete(shift=shift, by=_user(request))
    return redirect("places:venue", venue_id=venue.pk)


@login_required
@require_POST
def rotate_code(request: HttpRequest, venue_id: int) -> HttpResponse:
    """ "Đổi mã": a new poster code for the venue or one of its areas. The button only asks; the change
    is made by the confirm step's own form (issue 12, finding 7), so a stray tap breaks no poster."""
    venue = access_venue(_user(request), venue_id, manage=True)
    area_id = request.POST.get("area")
    area = None
    if area_id:
        area = access_area(_user(request), int(area_id) if area_id.isdecimal() else 0, manage=True)
        if area.venue_id != venue.pk:
            raise Http404
    if request.POST.get("confirm") != "yes":
        return render(request, "places/rotate_confirm.html", {"venue": venue, "area": area})
    shown = request.POST.get("current")
    if shown is not None and shown != (area or venue).qr_code:
        # The confirm step sent twice (a double tap, a retry): the code it asked about is already replaced.
        return redirect("places:venue", venue_id=venue.pk)
    if area is not None:
        area_rotate_code(area=area, by=_user(request))
    else:
        venue_rotate_code(venue=venue, now=timezone.now(), by=_user(request))
    messages.success(request, _("A new code was made. Print the new poster: the old one no longer works."))
    return redirect("places:venue", venue_id=venue.pk)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def poster(request: HttpRequest, venue_id: int, fmt: str) -> HttpResponse:
    venue = access_venue(_user(request), venue_id)
    name = slugify(venue.code)
    if fmt == "pdf":
        return _download(
            venue_poster_pdf(venue, areas=venue_areas(venue)), "application/pdf", f"poster-{name}.pdf"
        )
    if fmt == "png":
        return _download(qr_png(checkin_url(venue.qr_code)), "image/png", f"qr-{name}.png")
    if fmt == "svg":
        return _download(qr_svg(checkin_url(venue.qr_code)), "image/svg+xml", f"qr-{name}.svg")
    raise Http404


@login_required
@require_GET
def area_poster(request: HttpRequest, area_id: int) -> HttpResponse:
    area = access_area(_user(request), area_id)
    return _download(
        venue_poster_pdf(area.venue, areas=[area], include_entrance=False),
        "application/pdf",
        f"poster-{slugify(area.venue.code)}-{area.pk}.pdf",
    )


@login_required
@require_POST
def invite(request: HttpRequest, venue_id: int) -> HttpResponse:
    user = _user(request)
    venue = access_venue(user, venue_id, manage=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form, venue, _("Invite staff"))
    invitation = staff_invite(venue=venue, invited_by=user, **form.cleaned_data)
    link = request.build_absolute_uri(reverse("accounts:invitation", args=[invitation.token]))
    messages.success(
        request, _("Send this link to %(name)s: %(link)s") % {"name": invitation.full_name, "link": link}
    )
    return redirect("places:venue", venue_id=venue.pk)


@login_required
@require_GET
def unit_venues(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A commune's (or a district's) venues, pending ones first, with approve and suspend actions."""
    unit = access_unit(_user(request), unit_id)
    venues = (
        Venue.objects.filter(commune__path__startswith=unit.path)
        .select_related("commune")
        .order_by("status", "name")
    )
    status = request.GET.get("status")
    if status in Venue.Status.values:
        venues = venues.filter(status=status)
    return render(
        request, "places/unit_venues.html", {"unit": unit, "venues": venues[:500], "status": status}
    )


@login_required
@require_POST
def venue_status(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = access_venue_as_official(_user(request), venue_id)
    status = request.POST.get("status", "")
    if status not in Venue.Status.values:
        messages.error(request, _("Unknown status."))
    else:
        venue_set_status(venue=venue, status=status, by=_user(request), now=timezone.now())
        messages.success(
            request, _("%(venue)s: %(status)s") % {"venue": venue.name, "status": venue.get_status_display()}
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("places:venue", args=[venue.pk])
    return redirect(target)


@login_required
@require_GET
def unit_posters(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_unit(_user(request), unit_id)
    venues = (
        Venue.objects.filter(commune__path__startswith=unit.path, status=Venue.Status.ACTIVE)
        .select_related("commune")
        .order_by("name")
    )
    if not venues.exists():
        messages.info(request, _("No active venue to print a poster for."))
        return redirect("places:unit_venues", unit_id=unit.pk)
    return _download(commune_posters_pdf(venues), "application/pdf", f"posters-{slugify(unit.name)}.pdf")


@login_required
@require_GET
def unit_decisions(request: HttpRequest) -> HttpResponse:
    """The remap queue (issue 14): venues, people, roles, cases and tokens the 2021 → 2025 move could not
    place by itself (split communes, old districts), for a province or district administrator."""
    from ravao.places.remap import split_decision_groups

    user = _user(request)
    if Role.DISTRICT_ADMIN not in user_roles(user):
        raise Http404
    decisions = split_decisions_in_scope(user)
    return render(
        request,
        "places/unit_decisions.html",
        {
            "groups": split_decision_groups(decisions),
            "decided": decisions.filter(decided_at__isnull=False).count(),
        },
    )


@login_required
@require_POST
def unit_decide(request: HttpRequest) -> HttpResponse:
    """Place the ticked queued objects on the chosen unit: one object or many at once, each decision its own
    transaction and audit row. Any id outside the user's scope refuses the whole request (404)."""
    from ravao.places.remap import DecisionError, split_decision_decide

    user = _user(request)
    raw_ids = request.POST.getlist("decision")
    raw_unit = request.POST.get("unit", "")
    if not raw_ids or not all(v.isdecimal() for v in raw_ids) or not raw_unit.isdecimal():
        messages.error(request, _("Tick at least one line and choose a unit."))
        return redirect("places:unit_decisions")
    decisions = [access_split_decision(user, int(v)) for v in dict.fromkeys(raw_ids)]
    unit = AdminUnit.objects.filter(pk=int(raw_unit)).first()
    if unit is None:
        messages.error(request, _("Tick at least one line and choose a unit."))
        return redirect("places:unit_decisions")
    done, refused = 0, 0
    for decision in decisions:
        if not may_choose(user, decision, unit):
            refused += 1
            continue
        try:
            split_decision_decide(decision=decision, unit=unit, acting_user=user, request=request)
            done += 1
        except DecisionError:
            refused += 1
    if done:
        messages.success(request, _("%(count)s moved to %(unit)s.") % {"count": done, "unit": unit.name})
    if refused:
        messages.error(
            request,
            _(
                "%(count)s not moved: the unit is not one of their choices, they were already decided, "
                "or the choice is not yours to make."
            )
            % {"count": refused},
        )
    return redirect("places:unit_decisions")
