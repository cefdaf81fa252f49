"""Deployment checks (`ravao check --deploy`) for the hardening settings."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_hardening(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.DEBUG:
        return []
    problems: list[Warning] = []
    if not settings.SECURE_HSTS_SECONDS:
        problems.append(
            Warning(
                "HSTS is off (RAVAO_HSTS_SECONDS=0) in production.",
                hint="Serve ravao over HTTPS only and set RAVAO_HSTS_SECONDS=31536000.",
                id="ravao.W101",
            )
        )
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        problems.append(
            Warning(
                "Session and CSRF cookies are sent over plain HTTP (RAVAO_SECURE_COOKIES is off).",
                hint="Serve over HTTPS and remove RAVAO_SECURE_COOKIES=0.",
                id="ravao.W102",
            )
        )
    if not settings.RAVAO_DATA_KEYS or not settings.RAVAO_LOOKUP_KEY:
        problems.append(
            Warning(
                "RAVAO_DATA_KEYS or RAVAO_LOOKUP_KEY is not set: personal data is encrypted with keys "
                "derived from RAVAO_SECRET_KEY.",
                hint="Generate keys (see docs/configuration.md), set both, then run `ravao rotate_keys`.",
                id="ravao.W103",
            )
        )
    if not settings.RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS:
        problems.append(
            Warning(
                "Health officers may open tracing pages without two-factor login.",
                hint="Remove RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=0.",
                id="ravao.W104",
            )
        )
    cache_backend = settings.CACHES["default"]["BACKEND"]
    if settings.RAVAO_RATE_LIMITS_ENABLED and cache_backend.endswith("LocMemCache"):
        problems.append(
            Warning(
                "Rate limits are counted in each worker process's memory.",
                hint="Set RAVAO_REDIS_URL so every worker shares the counters.",
                id="ravao.W105",
            )
        )
    problems.extend(_delivery_and_signing_warnings())
    return problems


def _delivery_and_signing_warnings() -> list[Warning]:
    """Development defaults that must not reach production (issue 10, item 4)."""
    problems: list[Warning] = []
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        problems.append(
            Warning(
                "Emails (invitations, password resets) are printed on the console, not sent "
                "(RAVAO_EMAIL_BACKEND is the console backend).",
                hint="Set RAVAO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (the mail server "
                "on localhost:25) or your provider's backend.",
                id="ravao.W106",
            )
        )
    if settings.RAVAO_SMS_SENDER == "ravao.lib.sms.LoggingSmsSender":
        problems.append(
            Warning(
                "SMS (tracing alerts, reminders, one-time codes) are only logged, not sent "
                "(RAVAO_SMS_SENDER is ravao.lib.sms.LoggingSmsSender).",
                hint="Set RAVAO_SMS_SENDER=ravao.lib.sms.HttpSmsSender and RAVAO_SMS_HTTP_* "
                "(docs/operations.md, SMS).",
                id="ravao.W107",
            )
        )
    if not settings.RAVAO_QR_SIGNING_KEYS:
        problems.append(
            Warning(
                "RAVAO_QR_SIGNING_KEYS is not set: personal QR codes are signed with a key derived from "
                "RAVAO_SECRET_KEY.",
                hint="Generate a key (see docs/configuration.md) and set RAVAO_QR_SIGNING_KEYS=kid:seed.",
                id="ravao.W108",
            )
        )
    return problems
