"""Deployment checks (`ravao check --deploy`) for the hardening settings."""

import os
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
    if not os.environ.get("RAVAO_DATA_KEYS") or not os.environ.get("RAVAO_LOOKUP_KEY"):
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
    return problems
