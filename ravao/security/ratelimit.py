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
- A request may cost more than one (`hit(cost=...)`): the gate's sync counts its scans, not its requests,
  against several buckets at once (staff, venue, look-ups that found nobody) with `charge_all`, which counts
  all or nothing so that a refused batch uses up no budget (the gate keeps it and sends it again later).
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


def hit(bucket: str, *, limit: int, window: int, now: float | None = None, cost: int = 1) -> tuple[bool, int]:
    """Count `cost` (one request, or a batch's scans) in `bucket`; returns (allowed, seconds until the
    window ends). Allowed while the window's total, this cost included, stays within `limit`."""
    moment = time.time() if now is None else now
    index = int(moment // window)
    retry_after = max(1, int((index + 1) * window - moment))
    key = f"rl:{bucket}:{index}"
    try:
        if cache.add(key, cost, timeout=window + 1):
            count = cost
        else:
            try:
                count = cache.incr(key, cost)
            except ValueError:  # expired between add and incr: this request opens a new window
                cache.set(key, cost, timeout=window + 1)
                count = cost
    except Exception:  # the cache is down: let the request through rather than stop check-ins
        logger.exception("rate limit cache unavailable; request allowed")
        return True, retry_after
    return count <= limit, retry_after


def refund(bucket: str, *, window: int, now: float, cost: int) -> None:
    """Take back what `hit` counted at `now` (a batch that was refused after all)."""
    key = f"rl:{bucket}:{int(now // window)}"
    try:
        cache.decr(key, cost)
    except ValueError:  # the window has ended meanwhile: nothing left to take back
        pass
    except Exception:
        logger.exception("rate limit cache unavailable; refund skipped")


@dataclass(frozen=True)
class Charge:
    bucket: str
    limit: int
    cost: int


def charge_all(charges: list[Charge], *, window: int, now: float | None = None) -> tuple[int, str] | None:
    """Count every charge, all or nothing: None when each bucket had room (all counted), else (seconds to
    wait, the bucket that was full) and nothing stays counted. Off with RAVAO_RATE_LIMITS_ENABLED."""
    if not settings.RAVAO_RATE_LIMITS_ENABLED:
        return None
    moment = time.time() if now is None else now
    counted: list[Charge] = []
    for charge in charges:
        if charge.cost <= 0:
            continue
        allowed, retry_after = hit(
            charge.bucket, limit=charge.limit, window=window, now=moment, cost=charge.cost
        )
        counted.append(charge)
        if not allowed:
            for done in counted:
                refund(done.bucket, window=window, now=moment, cost=done.cost)
            logger.warning("rate limit %s exceeded (cost %d)", charge.bucket, charge.cost)
            return retry_after, charge.bucket
    return None


def refund_all(charges: list[Charge], *, window: int, now: float) -> None:
    """Take back charges counted by `charge_all` at `now`."""
    if not settings.RAVAO_RATE_LIMITS_ENABLED:
        return
    for charge in charges:
        if charge.cost > 0:
            refund(charge.bucket, window=window, now=now, cost=charge.cost)


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
