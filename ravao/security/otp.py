"""When a logged-in user must type a one-time code.

Design
- A user with a confirmed TOTP device logs in with the password, then every page (but the code page,
  log-out, static files and the language switch) sends them to the code page until the session is
  verified. Whether a session awaits its code is decided once, at login (signals.py), and kept in the
  session, so ordinary pages cost no extra query.
- With RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS on, a health officer reaches the protected prefixes
  (RAVAO_2FA_PROTECTED_PREFIXES, /tracing/ by default) only with a verified session: without a device,
  they are sent to enrolment first. The check is by path, so tracing views need not know about it.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import user_roles

PENDING_KEY = "ravao_otp_pending"
# Officials who may turn two-factor login on; venue staff log in at a shared gate device.
OTP_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.COMMUNE_OFFICIAL, Role.HEALTH_OFFICER, Role.VENUE_MANAGER})
_ALWAYS_OPEN = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/sw.js",
    "/manifest.webmanifest",
)


def is_verified(user: object) -> bool:
    """The session passed its one-time code (set by django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def may_use_otp(user: User) -> bool:
    return bool(user_roles(user) & OTP_ROLES)


def otp_required(user: User) -> bool:
    """The user's roles demand a verified session on the protected prefixes."""
    return settings.RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS and Role.HEALTH_OFFICER in user_roles(user)


def url_with_next(url_name: str, next_path: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_path})}"


def otp_redirect(request: HttpRequest, *, protected: bool) -> str | None:
    """Where an authenticated request must go first (the code page or enrolment), or None.

    `protected`: the request is for a page that needs a verified session from users who must use 2FA.
    """
    user = request.user
    if not isinstance(user, User) or is_verified(user):
        return None
    if request.session.get(PENDING_KEY):
        return url_with_next("accounts:otp_verify", request.get_full_path())
    if protected and otp_required(user):
        has_device = confirmed_device(user) is not None
        return url_with_next(
            "accounts:otp_verify" if has_device else "accounts:otp_enrol", request.get_full_path()
        )
    return None


def is_always_open(path: str) -> bool:
    return path.startswith(_ALWAYS_OPEN)


def is_protected(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.RAVAO_2FA_PROTECTED_PREFIXES)
