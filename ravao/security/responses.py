"""Refusals in the user's language: an HTML page for browsers, the API's error shape for /api/."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(
            {"code": "rate_limited", "message": _("Too many requests. Wait a minute, then try again.")},
            status=429,
        )
    else:
        response = render(request, "security/429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def body_too_large(request: HttpRequest, *, limit: int) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"code": "body_too_large", "message": _("The request is too large.")}, status=413)
    # 400 like Django's own answer to a form it refuses to read; the page says why.
    return render(request, "security/too_large.html", {"limit_kb": limit // 1024}, status=400)


def otp_needed(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {"code": "otp_required", "message": _("Log in with your one-time code first.")}, status=403
    )
