"""How accounts reach a user outside the site: email, and SMS through the project's SMS sender.

The SMS sender is imported in ONE place (`_sms_sender`), so moving it (to `ravao.lib.sms`) changes one line.
A failed delivery is logged and reported as False, never raised: the invitation link is shown to the admin
anyway, and a reset page must answer the same whatever happens behind it."""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from ravao.lib.phone import mask_phone

logger = logging.getLogger("ravao.accounts")


def _sms_sender() -> Any:
    from ravao.lib.sms import sms_sender  # the one import of the SMS sender in accounts

    return sms_sender()


def send_sms(*, to: str, text: str) -> bool:
    try:
        _sms_sender().send(to=to, text=text)
    except Exception:
        logger.exception("SMS to %s not sent", mask_phone(to))
        return False
    return True


def send_email(*, to: str, subject: str, body: str) -> bool:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        # No address in the log line: it is personal data.
        logger.exception("email not sent")
        return False
    return True
