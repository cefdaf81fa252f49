"""The visitor's own page (J8): where I have been, my status, my declaration, forget me."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ravao.checkins.selectors import person_visits
from ravao.people.devices import device_from_request, forget_device_cookie
from ravao.people.forms import DeclarationForm, ProfileForm
from ravao.people.selectors import declaration_is_fresh, person_latest_declaration, person_status
from ravao.people.services import (
    Answers,
    declaration_submit,
    device_forget,
    person_delete,
    person_update_profile,
)


@require_http_methods(["GET"])
def me(request: HttpRequest) -> HttpResponse:
    device = device_from_request(request)
    if device is None:
        return render(request, "people/no_device.html")
    person = device.person
    declaration = person_latest_declaration(person)
    now = timezone.now()
    context = {
        "person": person,
        "device": device,
        "declaration": declaration,
        "fresh": declaration_is_fresh(declaration, now=now),
        "status": person_status(person, declaration, now=now),
        "visits": person_visits(person, device=device)[:200],
        "retention_days": settings.RAVAO_RETENTION_DAYS,
    }
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
        person_delete(person=device.person)
        response = render(request, "people/deleted.html")
        forget_device_cookie(response)
        return response
    return render(request, "people/delete_profile.html")
