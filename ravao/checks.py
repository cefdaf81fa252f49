"""Django system checks that refuse a dangerous or inconsistent configuration at start-up."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        return [
            Error(
                "RAVAO_SECRET_KEY is not set while RAVAO_DEBUG is off.",
                hint="Set RAVAO_SECRET_KEY to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))').",
                id="ravao.E001",
            )
        ]
    return []


@register()
def check_site_url(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if not settings.SITE_URL.startswith(("http://", "https://")):
        problems.append(Error("RAVAO_SITE_URL must start with http:// or https://.", id="ravao.E002"))
    elif (
        not settings.DEBUG
        and settings.SITE_URL.startswith("http://")
        and "127.0.0.1" not in settings.SITE_URL
    ):
        problems.append(
            Warning(
                "RAVAO_SITE_URL uses plain http: posters will send visitors to an unencrypted address.",
                id="ravao.W001",
            )
        )
    return problems


@register()
def check_bench_endpoints(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    """The bench-only endpoints (an unauthenticated view that writes) exist only on a loopback site: a
    production configuration that turns them on by mistake does not start (`ravao serve` runs the checks)."""
    if not settings.RAVAO_BENCH_ENDPOINTS:
        return []
    if urlsplit(settings.SITE_URL).hostname not in ("127.0.0.1", "localhost", "::1"):
        return [
            Error(
                "RAVAO_BENCH_ENDPOINTS is on while RAVAO_SITE_URL is not a loopback address.",
                hint="The /_bench/ endpoints are for bench/ingest on this machine only: "
                "unset RAVAO_BENCH_ENDPOINTS.",
                id="ravao.E011",
            )
        ]
    return [Warning("RAVAO_BENCH_ENDPOINTS is on: /_bench/ answers (benchmarks only).", id="ravao.W011")]
