"""The visitor's own page (J8): where I have been, my status, my declaration, forget me; the personal QR
shown at a gate, a printable wallet card, and declarations for a family member ("khai hộ", J5), who
becomes a member of this phone's household (issue 9)."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ravao.checkins import conf as gate_conf
from ravao.checkins.selectors import household_visits, latest_declarations, person_visits
from ravao.lib.qr import qr_svg_inline
from ravao.lib.text import mask_name
from ravao.lib.tokens import issue_token
from ravao.people.devices import device_from_request, forget_device_cookie
from ravao.people.forms import DeclarationForm, HouseholdMemberForm, ProfileForm
from ravao.people.models import Device, Person
from ravao.people.selectors import (
    access_household_member,
    declaration_is_fresh,
    household_members,
    person_latest_declaration,
    person_status,
)
from ravao.people.services import (
    AlreadyRegistered,
    Answers,
    declaration_submit,
    device_forget,
    household_member_add,
    household_member_remove,
    household_member_update,
    person_delete,
    person_update_profile,
)
from ravao.privacy.selectors import person_accesses
from ravao.tracing.selectors import exposures_for_person


def _personal_qr(person: Person, *, now: datetime, ttl: timedelta) -> dict[str, object]:
    """An inline SVG of the person's signed token (opaque: no name or ID number in it) and its expiry."""
    token = issue_token(person.public_id, now=now, ttl=ttl)
    # segno writes the SVG itself from a base64url token: nothing user-typed reaches the markup.
    svg: SafeString = mark_safe(qr_svg_inline(token))  # noqa: S308
    return {"qr_svg": svg, "qr_expires": now + ttl, "qr_token": token}


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
        # Household members are the owner phone's business only: another phone sees nothing of them.
        "household": _household_sections(person, now=now) if device.is_owner else [],
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
    form = ProfileForm(request.POST or None, initial=initial, near=near, keep=person.commune)
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
    member = access_household_member(device_from_request(request), public_id)
    return _card_response(request, member)


# --- Households (issue 9): khai hộ adds a member; the holder's owner phone edits and removes them ------


def _household_sections(holder: Person, *, now: datetime) -> list[dict[str, object]]:
    """Each member with their own status, latest declaration, visits and personal QR, for the holder's
    owner phone: a constant number of queries for the whole household (plus the QR drawings)."""
    members = household_members(holder)
    if not members:
        return []
    declarations = latest_declarations({m.pk for m in members})
    visits = household_visits([m.pk for m in members], per_member=50)
    ttl = gate_conf.personal_qr_ttl()
    sections: list[dict[str, object]] = []
    for member in members:
        declaration = declarations.get(member.pk)
        sections.append(
            {
                "member": member,
                "declaration": declaration,
                "fresh": declaration_is_fresh(declaration, now=now),
                "status": person_status(member, declaration, now=now),
                "visits": visits.get(member.pk, []),
                **_personal_qr(member, now=now, ttl=ttl),
            }
        )
    return sections


def _no_device(request: HttpRequest, device: Device | None) -> HttpResponse:
    return render(request, "people/no_device.html", status=403 if device else 200)


@require_http_methods(["GET", "POST"])
def family_declare(request: HttpRequest) -> HttpResponse:
    """Declare for a family member (khai hộ): a member of this phone's household (a new one, or the one of
    that name, phone or ID number), their own profile and declaration. Never merges into someone else."""
    device = device_from_request(request)
    if device is None or not device.is_owner:
        return _no_device(request, device)
    holder = device.person
    initial: dict[str, object] = {}
    if request.method == "GET" and request.GET.get("member"):
        # "New declaration" of a member: their details filled in (404 for anyone else's member).
        member = access_household_member(device, request.GET["member"])
        initial = {"full_name": member.full_name, "year_of_birth": member.year_of_birth, "sex": member.sex}
    profile_form = HouseholdMemberForm(request.POST or None, initial=initial)
    declaration_form = DeclarationForm(request.POST or None)
    if request.method == "POST" and profile_form.is_valid() and declaration_form.is_valid():
        try:
            with transaction.atomic():
                member, _created = household_member_add(
                    holder=holder, member=profile_form.member(holder_phone=holder.phone), request=request
                )
                declaration_submit(
                    person=member, answers=declaration_form.answers(), now=timezone.now(), declared_by=holder
                )
        except AlreadyRegistered:
            # Someone outside the household has that phone or ID number: nothing is recorded, nothing
            # about them is shown (not even a masked name), and no pass is handed out.
            return render(request, "people/family_known.html", status=409)
        return redirect(reverse("people:me") + f"#member-{member.public_id}")
    context = {"profile_form": profile_form, "form": declaration_form}
    status = 400 if request.method == "POST" else 200
    return render(request, "people/family_declare.html", context, status=status)


@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The holder corrects a member's details (owner phone only; 404 for anything else)."""
    member = access_household_member(device_from_request(request), public_id)
    initial = {
        "full_name": member.full_name,
        "id_number": member.id_number,
        "year_of_birth": member.year_of_birth,
        "sex": member.sex,
    }
    form = HouseholdMemberForm(request.POST or None, initial=initial, with_phone=False)
    if request.method == "POST" and form.is_valid():
        try:
            household_member_update(member=member, profile=form.member())
        except AlreadyRegistered:
            form.add_error("id_number", _("This ID number is already registered."))
        else:
            return redirect(reverse("people:me") + f"#member-{member.public_id}")
    context = {"form": form, "member": member}
    return render(request, "people/family_edit.html", context, status=400 if form.errors else 200)


@require_POST
def family_remove(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Remove a member and their data (owner phone only; asks for an explicit confirmation)."""
    member = access_household_member(device_from_request(request), public_id)
    if request.POST.get("confirm") != "yes":
        return render(request, "people/family_remove.html", {"member": member}, status=400)
    household_member_remove(member=member)
    return redirect("people:me")
