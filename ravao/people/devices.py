"""The remembered device: a long-lived signed cookie holding only the device's random key."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ravao.people.models import Device
from ravao.people.selectors import device_by_key

COOKIE_NAME = "ravao_device"
_SALT = "ravao.device"


def device_key_from_request(request: HttpRequest) -> str | None:
    """The device key of a validly signed cookie, without looking the device up (the one-tap check-in
    reads it together with the rest: `checkins.onetap`)."""
    key: str | None = request.get_signed_cookie(COOKIE_NAME, default=None, salt=_SALT)
    return key or None


def device_from_request(request: HttpRequest) -> Device | None:
    """The device behind this request, cached on the request (one query at most)."""
    if not hasattr(request, "_ravao_device"):
        key = request.get_signed_cookie(COOKIE_NAME, default=None, salt=_SALT)
        request._ravao_device = device_by_key(key) if key else None  # type: ignore[attr-defined]
    return request._ravao_device  # type: ignore[attr-defined]


def remember_device(response: HttpResponse, device: Device) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        str(device.key),
        salt=_SALT,
        max_age=settings.RAVAO_DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def forget_device_cookie(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, samesite="Lax")
