"""Messages in bulk to the contacts of a case (issue 11, item 8): quarantine instructions, a test
appointment or a free text, by SMS and/or email, in Vietnamese or English per recipient.

Templates are gettext strings with named placeholders, translated in the recipient's language when the
message is queued (`message_text`). Each message is one `Notification` (topic "tracing.message", ref the
contact), queued in the transaction of the send, and one `ContactMessage` row linking it to the contact
and the batch, so the case's messages page shows what went to whom and its delivery outcome. A contact
with no phone (their own or their household holder's) gets no SMS, and one with no email no email: the
compose page lists them before anything is sent. A batch carries the form's token: a retried send finds
it and queues nothing twice.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import office_name
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue
from ravao.privacy.services import audit_record, audit_record_many
from ravao.tracing import conf
from ravao.tracing.access import ROLE
from ravao.tracing.models import Case, Contact, ContactMessage, MessageBatch

TOPIC = "tracing.message"
LANGUAGES = ("vi", "en")
CHANNELS = (Notification.Channel.SMS.value, Notification.Channel.EMAIL.value)

# The texts, in English as msgids (Vietnamese in the catalogue); translated in the recipient's language.
BODIES = {
    MessageBatch.Template.QUARANTINE: gettext_noop(
        "%(office)s: %(name)s, you were in close contact with a COVID-19 case. Please stay at home until"
        " %(until)s, take your temperature every day and call the health station if you have a fever,"
        " a cough or difficulty breathing."
    ),
    MessageBatch.Template.APPOINTMENT: gettext_noop(
        "%(office)s: %(name)s, please come for a COVID-19 test on %(date)s at %(time)s, at %(place)s."
        " Bring your ID card and wear a mask."
    ),
    MessageBatch.Template.FREE: gettext_noop("%(office)s: %(text)s"),
}
SUBJECTS = {
    MessageBatch.Template.QUARANTINE: gettext_noop("Quarantine instructions"),
    MessageBatch.Template.APPOINTMENT: gettext_noop("Your COVID-19 test appointment"),
    MessageBatch.Template.FREE: gettext_noop("A message from the health office"),
}


@dataclass(frozen=True)
class MessageParams:
    template: str
    day: date | None = None
    at: time | None = None
    place: str = ""
    text: str = ""
    # SMS without diacritics: 160 characters per part (GSM-7) instead of 70 (UCS-2).
    ascii_sms: bool = False


def without_diacritics(text: str) -> str:
    """ "Trạm Y tế Xã Hạ Bằng" → "Tram Y te Xa Ha Bang": an SMS in the GSM alphabet costs less."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def sms_parts(text: str) -> tuple[int, int]:
    """(characters, SMS parts): GSM-7 text fits 160 characters in one SMS and 153 per part when longer;
    anything else (Vietnamese diacritics) is UCS-2: 70, then 67."""
    gsm = all(ord(c) < 128 for c in text)
    single, multi = (160, 153) if gsm else (70, 67)
    n = len(text)
    return n, 1 if n <= single else -(-n // multi)


def _until(contact: Contact) -> date:
    if contact.followup_until:
        return contact.followup_until
    return timezone.localdate(contact.exposed_at) + timedelta(days=conf.FOLLOWUP_DAYS)


def message_text(
    *, params: MessageParams, contact: Contact, case: Case, language: str, channel: str
) -> tuple[str, str]:
    """(subject, body) of one message, in `language`."""
    with translation.override(language):
        values: dict[str, Any] = {
            "office": office_name(case.unit, Role.HEALTH_OFFICER),
            "name": contact.person.full_name,
            "until": _until(contact).strftime("%d/%m/%Y"),
            "date": params.day.strftime("%d/%m/%Y") if params.day else "",
            "time": params.at.strftime("%H:%M") if params.at else "",
            "place": params.place,
            "text": params.text,
        }
        body = _(BODIES[MessageBatch.Template(params.template)]) % values
        subject = _(SUBJECTS[MessageBatch.Template(params.template)])
    if channel == Notification.Channel.SMS and params.ascii_sms:
        body = without_diacritics(body)
    return subject, body


def contact_address(contact: Contact, channel: str) -> str:
    """Where a message to this contact goes: their phone (or their household holder's), their email."""
    if channel == Notification.Channel.SMS:
        return contact.person.contact_phone or ""
    return contact.person.email or ""


@transaction.atomic
def contacts_message_send(
    *,
    case: Case,
    contacts: list[Contact],
    params: MessageParams,
    channels: list[str],
    languages: dict[int, str],
    token: str,
    acting_user: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> tuple[MessageBatch, bool]:
    """Queue one message per contact and channel (when the contact has an address for it). Returns the
    batch and whether it is new: a retried send with the same token returns the first batch untouched."""
    now = now or timezone.now()
    if not contacts or not channels:
        raise ValueError("no recipients or no channel")
    if len(contacts) > conf.MESSAGE_MAX_RECIPIENTS:
        raise ValueError("too many recipients")
    if any(contact.case_id != case.pk for contact in contacts):
        raise ValueError("a contact of another case")
    batch, created = MessageBatch.objects.get_or_create(
        token=token,
        defaults={
            "case": case,
            "template": params.template,
            "channels": list(channels),
            "created_by": acting_user,
            "created_at": now,
        },
    )
    if not created:
        return batch, False
    rows = []
    for contact in contacts:
        language = languages.get(contact.pk, settings.LANGUAGE_CODE)
        language = language if language in LANGUAGES else settings.LANGUAGE_CODE
        for channel in channels:
            address = contact_address(contact, channel)
            if not address:
                continue  # listed on the compose page as "no phone" / "no email"
            subject, body = message_text(
                params=params, contact=contact, case=case, language=language, channel=channel
            )
            notification = notification_queue(
                channel=channel,
                address=address,
                subject=subject,
                body=body,
                topic=TOPIC,
                ref_id=contact.pk,
                now=now,
            )
            rows.append(
                ContactMessage(
                    batch=batch,
                    contact=contact,
                    channel=channel,
                    language=language,
                    notification=notification,
                )
            )
    ContactMessage.objects.bulk_create(rows)
    audit_record(
        actor=acting_user,
        action="case.message",
        person_id=case.person_id,
        obj=batch,
        reason=f"case:{case.pk}",
        request=request,
        role=ROLE,
        details={"template": params.template, "contacts": len(contacts), "messages": len(rows)},
    )
    audit_record_many(
        actor=acting_user,
        action="contact.message",
        entries=[
            (c.person_id, c, {"case_id": case.pk, "batch_id": batch.pk, "template": params.template})
            for c in contacts
        ],
        request=request,
        role=ROLE,
    )
    return batch, True


def case_messages(case: Case) -> list[ContactMessage]:
    """What was sent to whom for a case, newest first, with each delivery's status (the address and the
    text of the notification stay encrypted and unread)."""
    return list(
        ContactMessage.objects.filter(batch__case=case)
        .select_related("batch", "batch__created_by", "contact", "contact__person", "notification")
        .defer("notification__address", "notification__subject", "notification__body")
        .order_by("-batch__created_at", "-batch_id", "pk")
    )
