"""Read-after-write for officers (installed only when DATABASE_REPLICA_URL is set).

A request with an unsafe method (POST...) by a signed-in user that wrote to the database sets a short cookie;
while it lasts (RAVAO_READ_AFTER_WRITE_SECONDS) that browser's replica reads go to the primary, so the officer
sees what they just did even if the replica is a second behind. The cookie holds only an expiry time: forging
it can only send one's own reads to the primary.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ravao.db.replica import RequestState, request_state

COOKIE = "ravao_rw"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def pinned_by(request: HttpRequest) -> bool:
    value = request.COOKIES.get(COOKIE, "")
    try:
        return float(value) > time.time()
    except ValueError:
        return False


class ReadAfterWriteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_state(RequestState(pinned=pinned_by(request))) as state:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        seconds = settings.RAVAO_READ_AFTER_WRITE_SECONDS
        wrote = state.wrote and request.method not in SAFE_METHODS
        if seconds and wrote and user is not None and user.is_authenticated:
            response.set_cookie(
                COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
