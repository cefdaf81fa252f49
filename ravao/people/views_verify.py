"""Verify this phone (issue 9): ask for a code by SMS, type it back. From the personal page, after a first
visit with a known phone, and (RAVAO_REQUIRE_PHONE_VERIFICATION) before a first check-in is acknowledged.

Refusals (too many codes, too soon, expired, wrong) are pages in words, never an error 500; a code page
of another device answers like a missing one (404)."""

import uuid
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ravao.lib.phone import mask_phone
from ravao.people.devices import device_from_request, remember_device
from ravao.people.models import PhoneVerification
from ravao.people.verification import (
    VerificationRefused,
    person_verify_phone,
    phone_to_verify,
    verification_check,
    verification_send,
)
from ravao.security.ratelimit import client_key

PENDING_SESSION_KEY = "ravao_pending_verification"


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code received by SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": gettext_lazy("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def refusal_message(refusal: VerificationRefused) -> str:
    """The refusal in words for the visitor (Vietnamese first)."""
    if refusal.reason == "cooldown":
        return _("A code was sent a moment ago. You can ask for a new one in %(seconds)d seconds.") % {
            "seconds": refusal.retry_after
        }
    if refusal.reason == "too_many":
        minutes = max(1, (refusal.retry_after + 59) // 60)
        return _("Too many codes were asked for. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if refusal.reason == "send_failed":
        return _("The SMS could not be sent just now. Please try again in a few minutes.")
    if refusal.reason == "expired":
        return _("This code has expired. Ask for a new one.")
    if refusal.reason == "locked":
        return _("Too many wrong codes. Ask for a new code.")
    return _("Wrong code. %(left)d tries left.") % {"left": refusal.attempts_left}


@never_cache
@require_http_methods(["GET", "POST"])
def verify_start(request: HttpRequest) -> HttpResponse:
    """The device's own phone (or the one it claims): a button that sends the code."""
    device = device_from_request(request)
    if device is None:
        return render(request, "people/no_device.html")
    person = device.person
    phone = phone_to_verify(person)
    context: dict[str, Any] = {
        "person": person,
        "masked_phone": mask_phone(phone) if phone else "",
        "verified": person.is_verified and not person.is_provisional,
    }
    if phone is None or context["verified"]:
        return render(request, "people/verify_start.html", context)
    if request.method == "POST":
        try:
            verification = verification_send(
                phone=phone, device=device, client_address=client_key(request), now=timezone.now()
            )
        except VerificationRefused as refusal:
            context["error"] = refusal_message(refusal)
            return render(request, "people/verify_start.html", context, status=429)
        return redirect("people:verify_code", public_id=verification.public_id)
    return render(request, "people/verify_start.html", context)


def _verification_for(request: HttpRequest, public_id: uuid.UUID) -> PhoneVerification:
    """This device's verification, or the first visit waiting in this browser's session; 404 otherwise."""
    device = device_from_request(request)
    verification = PhoneVerification.objects.filter(public_id=public_id).select_related("device").first()
    if verification is None:
        raise Http404
    if verification.device_id is not None and device is not None and verification.device_id == device.pk:
        return verification
    pending = request.session.get(PENDING_SESSION_KEY) or {}
    if verification.pending and pending.get("id") == str(verification.public_id):
        return verification
    raise Http404


@never_cache
@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    verification = _verification_for(request, public_id)
    form = CodeForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "form": form,
        "masked_phone": mask_phone(verification.phone),
        "pending": bool(verification.pending),
    }
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        device = device_from_request(request)
        try:
            verification = verification_check(
                verification=verification,
                code=form.cleaned_data["code"],
                device=device,
                client_address=client_key(request),
                now=now,
            )
        except VerificationRefused as refusal:
            context["error"] = refusal_message(refusal)
            context["dead"] = refusal.reason in ("expired", "locked")
            return render(request, "people/verify_code.html", context, status=400)
        if verification.pending:
            from ravao.checkins.views import complete_pending_first_visit

            return complete_pending_first_visit(request, verification)
        assert device is not None  # a device's own verification (checked by _verification_for)
        person_verify_phone(device=device, phone=verification.phone, now=now)
        response = redirect("people:me")
        remember_device(response, device)
        return response
    return render(request, "people/verify_code.html", context, status=400 if form.errors else 200)
