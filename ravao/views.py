"""Pages that belong to no domain: the home page, the PWA files, error pages."""

import logging
import secrets
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from ravao.people.devices import device_from_request


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("places:dashboard")
    return render(request, "home.html", {"has_device": device_from_request(request) is not None})


@require_GET
@cache_control(max_age=86400, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    return render(request, "pwa/manifest.webmanifest", content_type="application/manifest+json")


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    # Served from the root so its scope covers the whole site (a worker under /static/ could not).
    response = render(
        request, "pwa/sw.js", {"version": settings.RAVAO_ASSET_VERSION}, content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "pwa/offline.html")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # A database outage before the view ran (the session or the user read by a middleware): the gate's
    # sync answers its documented 503 JSON, and no template is rendered (its context needs the database).
    if isinstance(sys.exc_info()[1], DatabaseError) and _is_gate_sync(request.path):
        return JsonResponse(
            {"error": "server_error", "message": _("The server could not record the scans now; try again.")},
            status=503,
            headers={"Retry-After": "10"},
        )
    return render(request, "errors/500.html", status=500)


def _is_gate_sync(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).view_name == "checkins:gate_sync"
    except Resolver404:
        return False


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


log = logging.getLogger("ravao.health")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer and the monitoring: 200 when the database and the cache answer, 503 otherwise.
    Says nothing else about the installation (no versions, no counts)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # any database failure is "not healthy", logged for the operator
        log.exception("health check: database unavailable")
        checks["database"] = "error"
    try:
        # A key of its own: the app servers share one Redis, and concurrent checks must not read each
        # other's probe (issue 13 item 6).
        probe = secrets.token_hex(8)
        key = f"healthz:{probe}"
        cache.set(key, probe, timeout=10)
        checks["cache"] = "ok" if cache.get(key) == probe else "error"
        cache.delete(key)
    except Exception:
        log.exception("health check: cache unavailable")
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
