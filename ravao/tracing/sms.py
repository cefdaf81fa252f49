"""Sending SMS through a small interface, so a provider (Viettel, VNPT, Twilio ...) plugs in by setting
`RAVAO_SMS_SENDER` to the dotted path of a class with a `send(to, text)` method."""

import logging
from functools import cache
from typing import Protocol

from django.utils.module_loading import import_string

from ravao.lib.phone import mask_phone
from ravao.tracing import conf

log = logging.getLogger("ravao.sms")


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class LoggingSmsSender:
    """Development and default: the message goes to the log (the number masked), nowhere else."""

    sent: list[tuple[str, str]] = []  # the last messages, for tests and the console

    def send(self, *, to: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(to), text)
        LoggingSmsSender.sent = [*LoggingSmsSender.sent[-99:], (to, text)]


@cache
def sms_sender() -> SmsSender:
    sender: SmsSender = import_string(conf.SMS_SENDER)()
    return sender
