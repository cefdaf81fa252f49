"""Screen mode (proof of presence): the venue's poster code gets a prefix that the check-in page refuses
unless the browser just scanned the venue's screen, whose code changes every RAVAO_SCREEN_CODE_SECONDS."""

import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

from ravao.checkins import conf
from ravao.places.services import SCREEN_PREFIX

PRESENCE_COOKIE = "ravao_presence"
_PRESENCE_SALT = "ravao.checkins.screen-presence"


def is_screen_code(code: str) -> bool:
    return code.startswith(SCREEN_PREFIX)


def _window(at: datetime) -> int:
    return int(at.timestamp() // conf.screen_rotation().total_seconds())


def _rotating(code: str, window: int) -> str:
    key = hashlib.sha256(f"ravao screen code v1:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, f"{code}:{window}".encode(), hashlib.sha256).hexdigest()
    return digest[:10]


def screen_rotating_code(code: str, *, now: datetime) -> str:
    return _rotating(code, _window(now))


def screen_code_is_fresh(code: str, rotating: str, *, now: datetime) -> bool:
    """The current code, or the one just before it (a visitor who scanned a second before it changed)."""
    window = _window(now)
    return any(hmac.compare_digest(_rotating(code, w), rotating) for w in (window, window - 1))


def screen_url(code: str, *, now: datetime) -> str:
    return f"{settings.SITE_URL}/s/{code}/{screen_rotating_code(code, now=now)}"


def presence_cookie_value(code: str) -> str:
    return signing.TimestampSigner(salt=_PRESENCE_SALT).sign(code)


def presence_is_valid(request: HttpRequest, code: str) -> bool:
    raw = request.COOKIES.get(PRESENCE_COOKIE, "")
    try:
        value = signing.TimestampSigner(salt=_PRESENCE_SALT).unsign(raw, max_age=conf.screen_presence())
    except signing.BadSignature:
        return False
    return hmac.compare_digest(value, code)
