"""Fixed-window rate limits counted in Django's cache.

Design
- One counter per (rule, client, window): `cache.add` starts it at 1 with a timeout of one window,
  `cache.incr` counts; both are atomic in Redis and in the local-memory cache. The window index is part
  of the key, so a counter never needs resetting and expired windows simply vanish.
- With RAVAO_REDIS_URL every worker shares the counters; without it each process counts on its own,
  so the effective limit is the setting times the number of worker processes (`check --deploy` warns).
- A cache failure lets the request through (logged): a Redis outage must not stop check-ins.
- The client is its address (the /64 network for IPv6, which a client can rotate within), read through
  RAVAO_PROXY_COUNT trusted proxies; the gate look-up counts per logged-in user instead.
"""

import ipaddress
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger("ravao.security")


@dataclass(frozen=True)
class Rule:
    name: str  # the key of settings.RAVAO_RATE_LIMITS
    pattern: re.Pattern[str]
    methods: frozenset[str] | None  # None: every method
    per_user: bool = False


RULES: tuple[Rule, ...] = (
    # The public check-in pages (poster /v/, rotating screen code /s/): posting a check-in; GET only
    # shows the venue.
    Rule("checkin", re.compile(r"^/(v/[^/]+|s/[^/]+/[^/]+)/?$"), frozenset({"POST"})),
    Rule("api", re.compile(r"^/api/v1/scan/"), None),
    Rule("api", re.compile(r"^/api/v1/checkins/?$"), frozenset({"POST"})),
    # Password and code guessing; axes also locks a login per (username, address).
    Rule("login", re.compile(r"^/accounts/(login|signup|invitation|2fa)/"), frozenset({"POST"})),
    # Look-ups of persons by phone or card at the gate.
    Rule("lookup", re.compile(r"^/gate/"), None, per_user=True),
)


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting exactly RAVAO_PROXY_COUNT proxies' X-Forwarded-For entries."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count: int = settings.RAVAO_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        forwarded = [part for part in forwarded if part]
        # Each proxy appends the address it saw; the entry our first proxy added is the client.
        if len(forwarded) >= count:
            return forwarded[-count]
    return remote


def client_key(request: HttpRequest) -> str:
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def matching_rule(request: HttpRequest) -> Rule | None:
    for rule in RULES:
        if (rule.methods is None or request.method in rule.methods) and rule.pattern.match(request.path):
            return rule
    return None


def hit(bucket: str, *, limit: int, window: int, now: float | None = None) -> tuple[bool, int]:
    """Count one request in `bucket`; returns (allowed, seconds until the window ends)."""
    moment = time.time() if now is None else now
    index = int(moment // window)
    retry_after = max(1, int((index + 1) * window - moment))
    key = f"rl:{bucket}:{index}"
    try:
        if cache.add(key, 1, timeout=window + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: this request opens a new window
                cache.set(key, 1, timeout=window + 1)
                count = 1
    except Exception:  # the cache is down: let the request through rather than stop check-ins
        logger.exception("rate limit cache unavailable; request allowed")
        return True, retry_after
    return count <= limit, retry_after


def check_request(request: HttpRequest) -> tuple[Rule, int] | None:
    """None when the request may go on, else the rule it broke and the seconds to wait."""
    if not settings.RAVAO_RATE_LIMITS_ENABLED:
        return None
    rule = matching_rule(request)
    if rule is None:
        return None
    who = client_key(request)
    if rule.per_user:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            who = f"user-{user.pk}"
    allowed, retry_after = hit(
        f"{rule.name}:{who}",
        limit=settings.RAVAO_RATE_LIMITS[rule.name],
        window=settings.RAVAO_RATE_LIMIT_WINDOW_SECONDS,
    )
    if allowed:
        return None
    logger.warning("rate limit %s exceeded by %s on %s %s", rule.name, who, request.method, request.path)
    return rule, retry_after
