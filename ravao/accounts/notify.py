"""How accounts reach a user outside the site: email, and SMS through the project's SMS sender.

Every message is a notification row (ravao.notifications) sent at once; a failed delivery is logged, recorded
and reported as False, never raised: the invitation link is shown to the admin anyway, and a reset page must
answer the same whatever happens behind it."""

import logging

from ravao.lib.phone import mask_phone
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue, notification_send_now

logger = logging.getLogger("ravao.accounts")


def send_sms(*, to: str, text: str, topic: str = "accounts.sms", retry: bool = True) -> bool:
    """Sent at once and recorded as a notification; a failure is retried by the runner when `retry`."""
    message = notification_queue(channel=Notification.Channel.SMS, address=to, body=text, topic=topic)
    sent = notification_send_now(message, retry=retry, erase=not retry)
    if not sent:
        logger.warning("SMS to %s not sent", mask_phone(to))
    return sent


def send_email(*, to: str, subject: str, body: str, topic: str = "accounts.email") -> bool:
    message = notification_queue(
        channel=Notification.Channel.EMAIL, address=to, subject=subject, body=body, topic=topic
    )
    sent = notification_send_now(message)
    if not sent:
        logger.warning("email not sent")  # no address in the log line: it is personal data
    return sent
