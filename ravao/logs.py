"""Log lines an operator can ship to a log store: one JSON object per line, nothing personal in any of them.

Who reads logs is not who may read the data (THREATS.md: "someone reading the logs"): every record, ours or
Django's or gunicorn's, passes `RedactFilter`, which removes what identifies a person or opens a door — phone
and ID numbers (any run of 9+ digits), poster codes in /v/ paths, UUIDs, and long tokens (invitation links,
signed personal QR codes, password-reset links) — from the message and from the traceback.
"""

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

_PATTERNS = [
    # A poster's code is the key to checking in there: /v/abcd2345 → /v/[code]
    (re.compile(r"(/v/)[^/\s?\"']+"), r"\1[code]"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "[id]"),
    # Signed tokens and link secrets: long runs of URL-safe characters with at least one digit.
    (re.compile(r"(?=[A-Za-z0-9_\-.~]*\d)[A-Za-z0-9_\-.~]{24,}"), "[token]"),
    # Phone numbers (0912 345 678, +84912345678) and ID numbers (9 or 12 digits).
    (re.compile(r"\+?\d(?:[\s.\-]?\d){8,}"), "[number]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites the record in place: the formatted message and traceback, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", and when known "status", "method", "error", "traceback"}."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            line["status"] = status
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            line["method"] = request.method
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        if record.exc_info or record.exc_text:
            text = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
            line["traceback"] = redact(text)
        return json.dumps(line, ensure_ascii=False)


def _scrub_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """What leaves for the error tracker: the error and where it happened, no request data or user."""
    request = event.get("request") or {}
    event["request"] = {"method": request.get("method"), "url": redact(str(request.get("url", "")))}
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = redact(str(exception.get("value", "")))
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        crumb["message"] = redact(str(crumb.get("message", "")))
        crumb.pop("data", None)
    return event


def init_error_tracker(dsn: str, *, environment: str) -> None:
    """Start the optional error tracker (RAVAO_SENTRY_DSN). Fails loudly when the extra is not installed."""
    from ravao.env import ConfigError

    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:
        raise ConfigError(
            "RAVAO_SENTRY_DSN is set but sentry-sdk is not installed: pip install 'ravao[sentry]'"
        ) from exc
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=_scrub_event,
    )
