"""The visitor's own page (J8): where I have been, my status, my declaration, forget me; the personal QR
shown at a gate, a printable wallet card, and declarations for a family member ("khai hộ", J5)."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ravao.checkins import conf as gate_conf
from ravao.checkins.gate import mask_name
from ravao.checkins.selectors import person_visits
from ravao.lib.qr import make_qr
from ravao.lib.tokens import issue_token
from ravao.people.devices import device_from_request, forget_device_cookie
from ravao.people.forms import DeclarationForm, ProfileForm
from ravao.people.models import HealthDeclaration, Person
from ravao.people.selectors import declaration_is_fresh, person_latest_declaration, person_status
from ravao.people.services import (
    Answers,
    declaration_submit,
    device_forget,
    person_delete,
    person_register,
    person_update_profile,
)
from ravao.privacy.selectors import person_accesses
from ravao.tracing.selectors import exposures_for_person


def _personal_qr(person: Person, *, now: datetime, ttl: timedelta) -> dict[str, object]:
    """An inline SVG of the person's signed token (opaque: no name or ID number in it) and its expiry."""
    token = issue_token(person.public_id, now=now, ttl=ttl)
    # segno writes the SVG itself from a base64url token: nothing user-typed reaches the markup.
    svg: SafeString = mark_safe(make_qr(token).svg_inline(scale=6, border=4))  # noqa: S308
    return {"qr_svg": svg, "qr_expires": now + ttl, "qr_token": token}


def _family_members(person: Person) -> list[Person]:
    """Persons this person declared for (khai hộ). A read of declarations; kept here because it serves
    only these pages (people.selectors is the place if another page needs it)."""
    ids = HealthDeclaration.objects.filter(declared_by=person).values("person_id")
    return list(Person.objects.filter(pk__in=ids).exclude(pk=person.pk).order_by("created_at"))


@require_http_methods(["GET"])
def me(request: HttpRequest) -> HttpResponse:
    device = device_from_request(request)
    if device is None:
        return render(request, "people/no_device.html")
    person = device.person
    declaration = person_latest_declaration(person)
    now = timezone.now()
    context: dict[str, object] = {
        "person": person,
        "device": device,
        "declaration": declaration,
        "fresh": declaration_is_fresh(declaration, now=now),
        "status": person_status(person, declaration, now=now),
        "visits": person_visits(person, device=device)[:200],
        "retention_days": settings.RAVAO_RETENTION_DAYS,
        "family": _family_members(person) if device.is_owner else [],
    }
    if device.is_owner:
        # Exposures and who accessed the data are the person's own business: the owner phone only.
        context["exposures"] = exposures_for_person(person)
        context["accesses"] = person_accesses(person.pk, limit=50)
        # Only the phone that created the person shows their QR: a phone that merely typed a known
        # number must not be able to print someone else's pass.
        context.update(_personal_qr(person, now=now, ttl=gate_conf.personal_qr_ttl()))
    return render(request, "people/me.html", context)


@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest) -> HttpResponse:
    device = device_from_request(request)
    if device is None:
        return render(request, "people/no_device.html")
    person = device.person
    latest = person_latest_declaration(person)
    initial = dict(Answers.from_declaration(latest).__dict__) if latest else {}
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        declaration_submit(person=person, answers=form.answers(), now=timezone.now())
        return redirect("people:me")
    return render(request, "people/declaration_edit.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    device = device_from_request(request)
    if device is None or not device.is_owner:
        # Only the device that created the person may change who they are.
        return render(request, "people/no_device.html", status=403 if device else 200)
    person = device.person
    near = person.commune.parent if person.commune else None
    initial = {
        "full_name": person.full_name,
        "phone": person.phone,
        "id_number": person.id_number,
        "year_of_birth": person.year_of_birth,
        "sex": person.sex,
        "nationality": person.nationality,
        "commune": person.commune,
        "address": person.address,
        "email": person.email,
    }
    form = ProfileForm(request.POST or None, initial=initial, near=near)
    if request.method == "POST" and form.is_valid():
        person_update_profile(person=person, profile=form.profile())
        return redirect("people:me")
    return render(request, "people/profile_edit.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def forget_device(request: HttpRequest) -> HttpResponse:
    device = device_from_request(request)
    if device is not None:
        device_forget(device=device)
    response = redirect("people:me")
    forget_device_cookie(response)
    return response


@require_http_methods(["GET", "POST"])
def delete_profile(request: HttpRequest) -> HttpResponse:
    device = device_from_request(request)
    if device is None or not device.is_owner:
        return render(request, "people/no_device.html", status=403 if device else 200)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return render(request, "people/delete_profile.html", {"error": True}, status=400)
        result = person_delete(person=device.person)
        if not result.deleted:
            # 409: the profile exists and stays; the page says what remains and until when, in the same
            # words for a case and a contact (a candidate contact is not told they are one).
            dates = [hold.kept_until for hold in result.holds if hold.kept_until is not None]
            context = {
                "refused": True,
                "still_open": not dates or any(hold.kept_until is None for hold in result.holds),
                "kept_until": max(dates) if dates else None,
                "days_after_close": max((hold.days_after_close for hold in result.holds), default=0),
                "retention_days": settings.RAVAO_RETENTION_DAYS,
            }
            return render(request, "people/delete_profile.html", context, status=409)
        response = render(request, "people/deleted.html")
        forget_device_cookie(response)
        return response
    return render(request, "people/delete_profile.html")


def _card_response(request: HttpRequest, person: Person) -> HttpResponse:
    now = timezone.now()
    context = {
        **_personal_qr(person, now=now, ttl=gate_conf.wallet_card_ttl()),
        "masked_name": mask_name(person.full_name),
        "year_of_birth": person.year_of_birth,
    }
    return render(request, "people/wallet_card.html", context)


@never_cache
@require_http_methods(["GET"])
def wallet_card(request: HttpRequest) -> HttpResponse:
    """A printable personal QR (long-lived) for someone who shows a card instead of a phone."""
    device = device_from_request(request)
    if device is None or not device.is_owner:
        return render(request, "people/no_device.html", status=403 if device else 200)
    return _card_response(request, device.person)


@never_cache
@require_http_methods(["GET"])
def family_card(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    device = device_from_request(request)
    if device is None or not device.is_owner:
        raise Http404
    member = next((p for p in _family_members(device.person) if p.public_id == public_id), None)
    if member is None:
        raise Http404
    return _card_response(request, member)


@require_http_methods(["GET", "POST"])
def family_declare(request: HttpRequest) -> HttpResponse:
    """Declare for a family member (khai hộ): their profile and declaration, then their printable QR."""
    device = device_from_request(request)
    if device is None or not device.is_owner:
        return render(request, "people/no_device.html", status=403 if device else 200)
    me = device.person
    near = me.commune.parent if me.commune else None
    profile_form = ProfileForm(request.POST or None, near=near)
    declaration_form = DeclarationForm(request.POST or None)
    if request.method == "POST" and profile_form.is_valid() and declaration_form.is_valid():
        profile = profile_form.profile()
        known_members = {p.pk for p in _family_members(me)}
        with transaction.atomic():
            member, created = person_register(profile=profile)
            if not created and member.pk not in known_members:
                # Someone else's existing profile (same phone or ID number), or this person's own: nothing
                # is recorded and no pass is handed out, or whoever knows a phone number could print one.
                return render(
                    request,
                    "people/family_known.html",
                    {"masked_name": mask_name(member.full_name), "own": member.pk == me.pk},
                    status=409,
                )
            declaration_submit(
                person=member, answers=declaration_form.answers(), now=timezone.now(), declared_by=me
            )
        return redirect("people:family_card", public_id=member.public_id)
    context = {"profile_form": profile_form, "form": declaration_form}
    status = 400 if request.method == "POST" else 200
    return render(request, "people/family_declare.html", context, status=status)
