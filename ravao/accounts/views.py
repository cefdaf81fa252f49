import base64
import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts import conf
from ravao.accounts.access import (
    access_membership,
    access_staff_unit,
    administers,
    grantable_roles,
    staffable_units,
)
from ravao.accounts.forms import (
    AcceptInvitationForm,
    LoginForm,
    MembershipRoleForm,
    OTPOrRecoveryForm,
    OTPTokenForm,
    PasswordResetCodeForm,
    PasswordResetRequestForm,
    SignupForm,
    StaffInviteForm,
)
from ravao.accounts.models import Membership, Role, User
from ravao.accounts.notify import send_email, send_sms
from ravao.accounts.selectors import (
    invitation_by_token,
    role_label,
    unit_pending_invitations,
    unit_staff,
    unit_staffing_history,
)
from ravao.accounts.services import (
    invitation_accept,
    login_digest,
    membership_change_role,
    membership_remove,
    official_invite,
    reset_code_issue,
    reset_code_redeem,
    user_create,
)
from ravao.places.models import AdminUnit
from ravao.places.units import in_territory, staff_unit_choices
from ravao.privacy.models import AuditEvent
from ravao.privacy.services import actor_office, audit_record
from ravao.security.otp import (
    PENDING_KEY,
    confirmed_device,
    is_verified,
    may_use_otp,
    otp_required,
    url_with_next,
)
from ravao.security.ratelimit import client_key, hit
from ravao.security.responses import too_many_requests
from ravao.security.services import (
    otp_device_confirm,
    otp_device_start,
    otp_devices_remove,
    recovery_codes_issue,
    recovery_codes_left,
    recovery_device,
    second_factor_reset,
)

logger = logging.getLogger("ravao.security")
# Recovery codes wait in the session between the POST that makes them and the page that shows them once.
RECOVERY_CODES_KEY = "ravao_recovery_codes"
# The phone number a password reset by SMS is for, between the request page and the code page.
RESET_LOGIN_KEY = "ravao_reset_login"


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

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if user.second_factor_reset_at is not None:
            # Told once, at the first login after an administrator reset the second factor.
            messages.warning(
                self.request,
                _(
                    "Your administrator reset your two-factor login on %(date)s. "
                    "Set it up again; if you did not ask for this, tell your administrator at once."
                )
                % {"date": timezone.localtime(user.second_factor_reset_at).strftime("%d/%m/%Y %H:%M")},
            )
            User.objects.filter(pk=user.pk).update(second_factor_reset_at=None)
        return response


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
    invitation = invitation_by_token(token)
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
            "recovery_codes_left": recovery_codes_left(user),
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
            request.session[RECOVERY_CODES_KEY] = recovery_codes_issue(user=user)
            messages.success(request, _("Two-factor login is on. Keep the app on your phone."))
            return redirect(url_with_next("accounts:otp_recovery", _next_url(request)))
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
    form = OTPOrRecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_recovery_code:
            recovery = recovery_device(user)
            # No recovery codes at all reads as a wrong code, not as "too many tries".
            allowed = recovery is None or recovery.verify_is_allowed()[0]
            if recovery is not None and allowed and recovery.verify_token(form.cleaned_data["token"]):
                otp_login(request, recovery)
                request.session[PENDING_KEY] = False
                left = recovery_codes_left(user)
                audit_record(
                    actor=user,
                    action="account.otp_recovery_use",
                    obj=user,
                    request=request,
                    details={"left": left},
                )
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)s left. Make new ones on your security page.")
                    % {"left": left},
                )
                return redirect(_next_url(request, default="home"))
        else:
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


# --- Two-factor recovery codes -----------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def otp_recovery(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once right after they are made; afterwards only how many are left."""
    user = _user(request)
    if not may_use_otp(user) or confirmed_device(user) is None:
        raise Http404
    if not is_verified(user):
        return redirect(url_with_next("accounts:otp_verify", request.get_full_path()))
    codes: list[str] | None = request.session.pop(RECOVERY_CODES_KEY, None)
    return render(
        request,
        "accounts/otp_recovery.html",
        {
            "codes": [f"{code[:4]}-{code[4:]}" for code in codes or []],
            "left": recovery_codes_left(user),
            "next": _next_url(request),
        },
    )


@login_required
@require_POST
def otp_recovery_regenerate(request: HttpRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working (needs a session verified by a code)."""
    user = _user(request)
    if not may_use_otp(user) or confirmed_device(user) is None:
        raise Http404
    if not is_verified(user):
        return redirect(url_with_next("accounts:otp_verify", reverse("accounts:security")))
    with transaction.atomic():
        codes = recovery_codes_issue(user=user)
        audit_record(actor=user, action="account.otp_recovery_renew", obj=user, request=request)
    request.session[RECOVERY_CODES_KEY] = codes
    return redirect("accounts:otp_recovery")


# --- Password reset --------------------------------------------------------------------------------


def _reset_throttled(request: HttpRequest) -> HttpResponse | None:
    """Password-reset posts share the login pages' limit per client (ravao.security.ratelimit)."""
    allowed, retry_after = hit(
        f"password_reset:{client_key(request)}",
        limit=settings.RAVAO_RATE_LIMITS["login"],
        window=settings.RAVAO_RATE_LIMIT_WINDOW_SECONDS,
    )
    return None if allowed else too_many_requests(request, retry_after=retry_after)


def _reset_user_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone=phone, is_active=True).order_by("pk").first()


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgot the password: a link by email, or a code by SMS. The answer is the same whether an account
    exists or not (the next page depends only on whether an email or a phone number was typed)."""
    if request.method == "POST" and (refusal := _reset_throttled(request)):
        return refusal
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login_value: str = form.cleaned_data["login"]
        # At most a few messages per address or number per hour, whoever asks (counted even when no
        # account has it, so the count says nothing about existence).
        may_send, _retry = hit(
            f"password_reset_to:{login_digest(login_value)}",
            limit=conf.PASSWORD_RESETS_PER_HOUR,
            window=3600,
        )
        if "@" in login_value:
            if may_send:
                _send_reset_email(request, login_value)
            return redirect("accounts:password_reset_sent")
        if may_send and (user := _reset_user_by_phone(login_value)) is not None:
            code = reset_code_issue(user=user)
            send_sms(
                to=login_value,
                text=_("ravao: your password reset code is %(code)s. It works for %(minutes)s minutes.")
                % {"code": code, "minutes": conf.PASSWORD_RESET_CODE_MINUTES},
                topic="accounts.reset_code",
                retry=False,  # a code arriving late is worse than asking again
            )
        request.session[RESET_LOGIN_KEY] = login_value
        return redirect("accounts:password_reset_code")
    return render(
        request, "registration/password_reset_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _send_reset_email(request: HttpRequest, email: str) -> None:
    # Django's form finds the active accounts with this address and mails each a signed, expiring link
    # (PASSWORD_RESET_TIMEOUT); it sends nothing when there is none.
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    try:
        form.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        )
    except Exception:
        logger.exception("password reset email not sent")


@require_GET
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/password_reset_done.html")


@require_http_methods(["GET", "POST"])
def password_reset_code(request: HttpRequest) -> HttpResponse:
    """The SMS code and the new password. A wrong code, an unknown number and an exhausted code all get
    the same answer."""
    phone = request.session.get(RESET_LOGIN_KEY)
    if not phone:
        return redirect("accounts:password_reset")
    if request.method == "POST" and (refusal := _reset_throttled(request)):
        return refusal
    form = PasswordResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _reset_user_by_phone(phone)
        if user is not None and reset_code_redeem(
            user=user, code=form.cleaned_data["code"], password=form.cleaned_data["password"]
        ):
            request.session.pop(RESET_LOGIN_KEY, None)
            return redirect("accounts:password_reset_complete")
        form.add_error("code", _("This code is wrong or expired. Ask for a new one."))
    return render(
        request,
        "registration/password_reset_code.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the email: Django checks the signed token (single use: it depends on the password
    hash and the last login), we audit the reset. Every other session ends with the old password hash."""

    template_name = "registration/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(
                actor=form.user, action="account.password_reset", obj=form.user, details={"via": "email"}
            )
        return response


@require_GET
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/password_reset_complete.html")


# --- Staffing --------------------------------------------------------------------------------------

STAFF_LINK_KEY = "ravao_staff_invitation"


def _invite_form(
    user: User, unit: AdminUnit, data: Any = None
) -> tuple[StaffInviteForm, dict[int, AdminUnit]]:
    """The invite form of `unit`'s page: the units at or below it that the user staffs, of the
    deployment's territory and map only (issue 14), grouped by parent in Vietnamese order."""
    units = {
        u.pk: u
        for u in in_territory(staffable_units(user))
        if u.path.startswith(unit.path) and grantable_roles(user, u)
    }
    roles = {role for u in units.values() for role in grantable_roles(user, u)}
    form = StaffInviteForm(
        data,
        roles=[(role.value, role.label) for role in Role if role in roles],
        units=staff_unit_choices(units.values()),
    )
    return form, units


def _staff_page(
    request: HttpRequest,
    unit: AdminUnit,
    *,
    form: StaffInviteForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    if form is None:
        form, _units = _invite_form(user, unit)
    members = list(unit_staff(unit))
    rows = [
        {
            "membership": m,
            "roles": [(r.value, role_label(r, m.unit)) for r in Role if r in grantable_roles(user, m.unit)]  # type: ignore[arg-type]
            if m.user_id != user.pk and m.role in grantable_roles(user, m.unit)  # type: ignore[arg-type]
            else [],
            "may_reset_2fa": administers(user, m.unit) and m.user_id != user.pk,  # type: ignore[arg-type]
        }
        for m in members
    ]
    context = {
        "unit": unit,
        "rows": rows,
        "invitations": unit_pending_invitations(unit),
        "history": [_history_line(event) for event in unit_staffing_history(unit)],
        "invitation_days": conf.INVITATION_DAYS,
        "form": form,
        "error": error,
        "handover": request.session.pop(STAFF_LINK_KEY, None),
    }
    return render(request, "accounts/staff.html", context, status=status)


def _role_label(value: Any, kind: Any = "") -> str:
    """A role of a staffing event, named by the kind of unit kept in its details (level-neutral on rows
    written before the kind was kept)."""
    return role_label(str(value or ""), str(kind or ""))


def _history_line(event: AuditEvent) -> dict[str, Any]:
    """One line of a unit's staffing history, in words."""
    details = event.details or {}
    what = {
        "staffing.invite": _("invited %(member)s as %(role)s of %(unit)s"),
        "staffing.grant": _("granted %(member)s the role %(role)s of %(unit)s")
        if details.get("via") == "command"
        else _("accepted the invitation: %(role)s of %(unit)s"),
        "staffing.change": _("changed the role of %(member)s from %(previous)s to %(role)s (%(unit)s)"),
        "staffing.remove": _("removed %(member)s, %(role)s of %(unit)s"),
    }.get(event.action, event.action)
    return {
        "at": event.at,
        "actor": event.actor if event.actor else _("the ravao command"),
        "text": what
        % {
            "member": details.get("member_name", ""),
            "role": _role_label(details.get("role"), details.get("unit_kind")),
            "previous": _role_label(details.get("previous_role"), details.get("unit_kind")),
            "unit": details.get("unit_name", ""),
        },
    }


@login_required
@require_GET
def staff(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Who serves this unit (and those below it), since when, granted by whom; the history of changes."""
    unit = access_staff_unit(_user(request), unit_id)
    return _staff_page(request, unit)


@login_required
@require_POST
def staff_invite_official(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = access_staff_unit(user, unit_id)
    form, units = _invite_form(user, unit, request.POST)
    if form.is_valid():
        target = units[form.cleaned_data["unit"]]
        role = form.cleaned_data["role"]
        if role not in grantable_roles(user, target):
            form.add_error("role", _("This role cannot be given in this unit."))
        else:
            invitation = official_invite(
                unit=target,
                role=role,
                login=form.cleaned_data["login"],
                full_name=form.cleaned_data["full_name"],
                invited_by=user,
            )
            link = request.build_absolute_uri(reverse("accounts:invitation", args=[invitation.token]))
            emailed = "@" in invitation.login and send_email(
                to=invitation.login,
                subject=_("Your ravao account"),
                body=_(
                    "%(inviter)s invited you to ravao as %(role)s of %(unit)s.\n"
                    "Open this link within %(days)s days to choose your password (it works once):\n%(link)s"
                )
                % {
                    "inviter": user,
                    "role": role_label(invitation.role, target),
                    "unit": target.name,
                    "days": conf.INVITATION_DAYS,
                    "link": link,
                },
            )
            # Shown once on the next page (then only its existence is listed): the admin hands it over.
            request.session[STAFF_LINK_KEY] = {"name": invitation.full_name, "link": link, "emailed": emailed}
            return redirect("accounts:staff", unit_id=unit.pk)
    return _staff_page(request, unit, form=form, status=400)


def _back_to(request: HttpRequest, user: User, fallback: AdminUnit) -> HttpResponse:
    """Back to the staff page the form was on, when the user may see it."""
    back = request.POST.get("back", "")
    if back.isdigit():
        try:
            return redirect("accounts:staff", unit_id=access_staff_unit(user, int(back)).pk)
        except Http404:
            pass
    return redirect("accounts:staff", unit_id=fallback.pk)


def _membership_unit(membership: Membership) -> AdminUnit:
    assert membership.unit is not None  # access_membership returns unit memberships only
    return membership.unit


@login_required
@require_POST
def staff_change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = _user(request)
    membership = access_membership(user, membership_id)
    unit = _membership_unit(membership)
    roles = [(r.value, role_label(r, unit)) for r in Role if r in grantable_roles(user, unit)]
    form = MembershipRoleForm(request.POST, roles=roles)
    error = ""
    if form.is_valid():
        if membership.user_id == user.pk:
            error = _("You cannot change your own role; ask another administrator.")
        else:
            try:
                membership_change_role(
                    membership=membership, role=form.cleaned_data["role"], acting_user=user
                )
            except ValidationError:
                error = _("This person already has this role here.")
            else:
                messages.success(request, _("The role was changed."))
                return _back_to(request, user, unit)
    else:
        error = _("Choose one of the roles offered.")
    return _staff_page(request, unit, error=error, status=400)


@login_required
@require_POST
def staff_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = _user(request)
    membership = access_membership(user, membership_id)
    unit = _membership_unit(membership)
    if membership.user_id == user.pk:
        # Nobody locks themselves (and maybe the whole district) out by a click.
        error = _("You cannot remove your own role; ask another administrator.")
        return _staff_page(request, unit, error=error, status=400)
    membership_remove(membership=membership, acting_user=user)
    messages.success(
        request, _("%(name)s no longer serves %(unit)s.") % {"name": membership.user, "unit": unit}
    )
    return _back_to(request, user, unit)


@login_required
@require_POST
def staff_reset_2fa(request: HttpRequest, membership_id: int) -> HttpResponse:
    """An administrator resets an official's second factor (a lost phone); the official is told, with the
    administrator's office by name to call if they did not ask for it."""
    user = _user(request)
    membership = access_membership(user, membership_id, admin_only=True)
    unit = _membership_unit(membership)
    member = membership.user
    if member.pk == user.pk:
        return _staff_page(
            request, unit, error=_("Reset your own two-factor login on your security page."), status=400
        )
    second_factor_reset(user=member, acting_user=user)
    text = _(
        "ravao: your two-factor login was reset by %(admin)s. Set it up again at your next login. "
        "If you did not ask for this, call %(office)s."
    ) % {"admin": user, "office": actor_office(user, Role.DISTRICT_ADMIN)[0] or _("your administrator")}
    if member.email:
        send_email(to=member.email, subject=_("Your two-factor login was reset"), body=text)
    if member.phone:
        send_sms(to=member.phone, text=text)
    messages.success(
        request, _("The two-factor login of %(name)s was reset; they were told.") % {"name": member}
    )
    return _back_to(request, user, unit)
