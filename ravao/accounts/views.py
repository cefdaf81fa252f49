import base64
import logging

import segno
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.forms import AcceptInvitationForm, LoginForm, OTPTokenForm, SignupForm
from ravao.accounts.models import Invitation, User
from ravao.accounts.services import invitation_accept, user_create
from ravao.privacy.services import audit_record
from ravao.security.otp import (
    PENDING_KEY,
    confirmed_device,
    is_verified,
    may_use_otp,
    otp_required,
    url_with_next,
)
from ravao.security.services import otp_device_confirm, otp_device_start, otp_devices_remove

logger = logging.getLogger("ravao.security")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        user = self.request.user
        if self.request.session.get(PENDING_KEY):
            return url_with_next("accounts:otp_verify", url)
        if otp_required(user) and confirmed_device(user) is None:  # type: ignore[arg-type]
            # A health officer sets up two-factor login before anything else.
            return url_with_next("accounts:otp_enrol", url)
        return url


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A venue manager creates an account, then registers the venue."""
    if request.user.is_authenticated:
        return redirect("places:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            login=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("places:venue_new")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("venue").filter(token=token, accepted_at__isnull=True).first()
    )
    if invitation is None:
        raise Http404
    existing = User.objects.filter(username=invitation.login).first()
    if existing is not None:
        # An existing account joins by logging in as itself, never by a link alone.
        if request.user != existing:
            return render(request, "accounts/invitation_login.html", {"invitation": invitation})
        if request.method == "POST":
            invitation_accept(invitation=invitation, password="")
            return redirect("places:dashboard")
        return render(request, "accounts/invitation.html", {"invitation": invitation, "form": None})
    form = AcceptInvitationForm(request.POST or None, login=invitation.login)
    if request.method == "POST" and form.is_valid():
        user = invitation_accept(invitation=invitation, password=form.cleaned_data["password"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("places:dashboard")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


def _next_url(request: HttpRequest, default: str = "accounts:security") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    """The account's security page: password and two-factor login."""
    user = _user(request)
    return render(
        request,
        "accounts/security.html",
        {
            "may_use_otp": may_use_otp(user),
            "otp_device": confirmed_device(user),
            "otp_required": otp_required(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        # Other sessions of this account end (their auth hash no longer matches); this one stays.
        update_session_auth_hash(request, user)
        audit_record(actor=user, action="account.password_change", obj=user, request=request)
        messages.success(request, _("Your password was changed."))
        return redirect("accounts:security")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


def _secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up two-factor login: scan the QR code (or type the secret), then confirm with a code."""
    user = _user(request)
    if not may_use_otp(user):
        raise Http404
    if confirmed_device(user) is not None:
        # Replacing a device needs the current one: a stolen password alone must not swap it.
        if not is_verified(user):
            return redirect(url_with_next("accounts:otp_verify", request.get_full_path()))
        messages.info(request, _("Two-factor login is already on."))
        return redirect("accounts:security")
    device = otp_device_start(user=user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_device_confirm(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            request.session[PENDING_KEY] = False
            audit_record(actor=user, action="account.otp_enable", obj=user, request=request)
            messages.success(request, _("Two-factor login is on. Keep the app on your phone."))
            return redirect(_next_url(request))
        form.add_error("token", _("This code is wrong or expired. Try the newest one."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
            "secret": _secret_text(device),
            "required": otp_required(user),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of the login: the code from the authenticator app."""
    user = _user(request)
    device = confirmed_device(user)
    if device is None or is_verified(user):
        request.session[PENDING_KEY] = False
        return redirect(_next_url(request, default="home"))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            request.session[PENDING_KEY] = False
            return redirect(_next_url(request, default="home"))
        logger.warning("wrong one-time code for user %s", user.pk)
        form.add_error(
            "token",
            _("This code is wrong or expired. Try the newest one.")
            if allowed
            else _("Too many wrong codes. Wait a minute, then try again."),
        )
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    device = confirmed_device(user)
    if not may_use_otp(user) or device is None:
        raise Http404
    if not is_verified(user):
        return redirect(url_with_next("accounts:otp_verify", request.get_full_path()))
    required = otp_required(user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and not required and form.is_valid():
        if device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["token"]):
            otp_devices_remove(user=user)
            audit_record(actor=user, action="account.otp_disable", obj=user, request=request)
            messages.success(request, _("Two-factor login is off."))
            return redirect("accounts:security")
        form.add_error("token", _("This code is wrong or expired. Try the newest one."))
    status = 200
    if request.method == "POST" and (required or form.errors):
        status = 400
    return render(request, "accounts/otp_disable.html", {"form": form, "required": required}, status=status)
