"""Middleware of the security app (order in settings.MIDDLEWARE matters; see the comments there)."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect

from ravao.security import otp
from ravao.security.ratelimit import check_request
from ravao.security.responses import body_too_large, is_api, otp_needed, too_many_requests

GetResponse = Callable[[HttpRequest], HttpResponseBase]

# No inline script or style anywhere: templates load /static/ files only (see docs/privacy.md).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_PERMISSIONS = (
    "accelerometer=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response; camera only for the gate."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.RAVAO_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        response.headers.setdefault(header, CONTENT_SECURITY_POLICY)
        camera = "(self)" if request.path.startswith(tuple(settings.RAVAO_CAMERA_PREFIXES)) else "()"
        response.headers.setdefault("Permissions-Policy", f"camera={camera}, {_PERMISSIONS}")
        return response


class BodySizeMiddleware:
    """A body announced larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused before anything reads it:
    a 400 page (as Django itself answers a form it cannot read) or, for the API, a JSON 413.

    A body that lies about its length is stopped by Django while reading (RequestDataTooBig); this
    middleware turns that into the same answers instead of Django's generic 400."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django treats a malformed length as none
        if length > limit:
            return body_too_large(request, limit=limit)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return body_too_large(request, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None


class OTPRequiredMiddleware:
    """Sends a session awaiting its one-time code to the code page, and a health officer without a
    verified session away from the protected prefixes (see ravao.security.otp)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path
        if otp.is_always_open(path):
            return self.get_response(request)
        protected = otp.is_protected(path)
        # Checked before touching request.user: an anonymous visitor's page costs no query here.
        if protected or request.session.get(otp.PENDING_KEY):
            target = otp.otp_redirect(request, protected=protected)
            if target is not None:
                return otp_needed(request) if is_api(request) else redirect(target)
        return self.get_response(request)


class RateLimitMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        broken = check_request(request)
        if broken is not None:
            _rule, retry_after = broken
            return too_many_requests(request, retry_after=retry_after)
        return self.get_response(request)
