"""Sending SMS through a small interface shared by every app (tracing alerts, venue reminders, one-time
codes for phone verification).

Design
- A sender is any class with `send(*, to, text, kind="message")`; `RAVAO_SMS_SENDER` names it by dotted
  path (docs/operations.md, "SMS"). `kind` says what the message is ("otp", "alert", "reminder") so that a
  sender can log it without the text.
- `LoggingSmsSender` (development, tests, the default): nothing leaves the machine. It keeps the last
  messages in memory (`outbox`, like Django's `mail.outbox`) so tests and browser tests read a code from
  there; the log line holds the masked number and the kind only — the text (a one-time code) is logged
  only with DEBUG on.
- `HttpSmsSender`: a JSON POST over HTTPS to an SMS gateway (a Vietnamese brand-name provider or any
  other), with the API key in a header, using only the standard library. Failures raise `SmsError` with
  a message that holds neither the number nor the text.
"""

import json
import logging
import urllib.error
import urllib.request
from functools import cache
from typing import NamedTuple, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ravao.lib.phone import mask_phone

log = logging.getLogger("ravao.sms")


def http_settings() -> dict[str, object]:
    """The HTTP sender's settings (read once at start-up in ravao/settings.py), taken when one is built."""
    return {
        "url": settings.RAVAO_SMS_HTTP_URL,
        "api_key": settings.RAVAO_SMS_HTTP_API_KEY,
        "api_key_header": settings.RAVAO_SMS_HTTP_API_KEY_HEADER,
        "brandname": settings.RAVAO_SMS_BRANDNAME,
        "timeout": settings.RAVAO_SMS_HTTP_TIMEOUT_SECONDS,
    }


class SmsError(RuntimeError):
    """The message was not accepted by the gateway. The text never holds the number or the message."""


class SmsSender(Protocol):
    def send(self, *, to: str, text: str, kind: str = "message") -> None: ...


class SmsMessage(NamedTuple):
    to: str
    text: str
    kind: str


class LoggingSmsSender:
    """Development and default: the message stays on this machine (log line + in-memory outbox)."""

    outbox: list[SmsMessage] = []  # the last 100 messages, for tests and the development console

    def send(self, *, to: str, text: str, kind: str = "message") -> None:
        if settings.DEBUG:
            log.info("SMS (%s) to %s: %s", kind, mask_phone(to), text)
        else:
            log.info("SMS (%s) to %s", kind, mask_phone(to))
        LoggingSmsSender.outbox = [*LoggingSmsSender.outbox[-99:], SmsMessage(to, text, kind)]


class HttpSmsSender:
    """A JSON POST to an SMS gateway: `{"to": "84912345678", "from": <brandname>, "text": ..., "kind": ...}`
    with the API key in a header (`Authorization: Bearer <key>` by default). Any 2xx answer is success.

    Providers whose API differs (field names, a signature, a form body) subclass this and override
    `payload` / `headers`, then name the subclass in `RAVAO_SMS_SENDER`."""

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        brandname: str | None = None,
        timeout: int | None = None,
        api_key_header: str | None = None,
    ) -> None:
        conf = http_settings()
        self.url = url if url is not None else str(conf["url"])
        self.api_key = api_key if api_key is not None else str(conf["api_key"])
        self.brandname = brandname if brandname is not None else str(conf["brandname"])
        self.timeout = timeout if timeout is not None else int(str(conf["timeout"]))
        self.api_key_header = api_key_header if api_key_header is not None else str(conf["api_key_header"])
        if not self.url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            # The key and the messages go over TLS; plain HTTP only to a gateway on this machine (tests).
            raise SmsError("RAVAO_SMS_HTTP_URL must be an https:// address")
        if not self.api_key:
            raise SmsError("RAVAO_SMS_HTTP_API_KEY must be set for the HTTP SMS sender")

    @staticmethod
    def international(to: str) -> str:
        """0912345678 → 84912345678, the form gateways expect."""
        return "84" + to[1:] if to.startswith("0") else to

    def payload(self, *, to: str, text: str, kind: str) -> dict[str, str]:
        return {"to": self.international(to), "from": self.brandname, "text": text, "kind": kind}

    def headers(self) -> dict[str, str]:
        value = f"Bearer {self.api_key}" if self.api_key_header.lower() == "authorization" else self.api_key
        return {"Content-Type": "application/json", "Accept": "application/json", self.api_key_header: value}

    def send(self, *, to: str, text: str, kind: str = "message") -> None:
        body = json.dumps(self.payload(to=to, text=text, kind=kind)).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers=self.headers(), method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            log.warning("SMS (%s) to %s refused by the gateway: HTTP %s", kind, mask_phone(to), exc.code)
            raise SmsError(f"the SMS gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            log.warning("SMS (%s) to %s not sent: %s", kind, mask_phone(to), type(reason).__name__)
            raise SmsError(f"the SMS gateway could not be reached ({type(reason).__name__})") from None
        if not 200 <= status < 300:
            raise SmsError(f"the SMS gateway answered HTTP {status}")
        log.info("SMS (%s) to %s accepted by the gateway", kind, mask_phone(to))


@cache
def _sender_for(path: str) -> SmsSender:
    sender: SmsSender = import_string(path)()
    return sender


def sms_sender() -> SmsSender:
    """The deployment's sender (`RAVAO_SMS_SENDER`), built once per class path."""
    return _sender_for(settings.RAVAO_SMS_SENDER)
