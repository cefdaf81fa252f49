"""Writes of venues, areas, shifts and poster codes. Each service is one transaction."""

import secrets
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ravao.accounts.models import Membership, Role, User
from ravao.lib.text import nfc
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue
from ravao.places.models import CODE_ALPHABET, AdminUnit, Area, Shift, Venue, new_qr_code
from ravao.privacy.services import audit_record


def _audit(by: User | None, action: str, venue: Venue, **details: object) -> None:
    """Every change to a venue is audited; `by` is None for operator commands (the demo, imports)."""
    audit_record(actor=by, action=action, obj=venue, details={k: str(v) for k, v in details.items()})


@transaction.atomic
def venue_register(
    *,
    manager: User,
    name: str,
    kind: str,
    commune: AdminUnit,
    address: str,
    phone: str,
    typical_stay_minutes: int | None = None,
    opens_at: time | None = None,
    closes_at: time | None = None,
) -> Venue:
    """A manager registers a venue; it waits for the commune unless auto-approval is on."""
    auto = settings.RAVAO_AUTO_APPROVE_VENUES
    venue = Venue.objects.create(
        code=f"tmp-{new_qr_code()}",
        name=nfc(name),
        kind=kind,
        commune=commune,
        address=nfc(address),
        phone=phone,
        typical_stay_minutes=typical_stay_minutes,
        opens_at=opens_at,
        closes_at=closes_at,
        status=Venue.Status.ACTIVE if auto else Venue.Status.PENDING,
        approved_at=timezone.now() if auto else None,
    )
    # The public code follows the primary key so operators can read and sort it ("V000042").
    venue.code = f"V{venue.pk:06d}"
    venue.save(update_fields=["code"])
    Membership.objects.create(user=manager, role=Role.VENUE_MANAGER, venue=venue)
    _audit(manager, "venue.register", venue, status=venue.status)
    return venue


@transaction.atomic
def venue_update(*, venue: Venue, by: User | None = None, **fields: object) -> Venue:
    """Change a venue's details; the audit row names the fields that really changed (a form posts them
    all). A new commune is its own audited event (`venue.commune_change`), and an active venue moving to
    another commune goes back to pending: the new commune's officials have not approved it (issue 14,
    item 3), unless venues are approved automatically anyway."""
    old_commune_id = venue.commune_id
    changed: list[str] = []
    for name, value in fields.items():
        value = nfc(value) if isinstance(value, str) else value
        if getattr(venue, name) != value:
            changed.append(name)
        setattr(venue, name, value)
    moved = "commune" in changed
    if moved and venue.status == Venue.Status.ACTIVE and not settings.RAVAO_AUTO_APPROVE_VENUES:
        venue.status = Venue.Status.PENDING
        venue.approved_at = None
        venue.approved_by = None
    venue.save()
    if moved:
        old = AdminUnit.objects.get(pk=old_commune_id)
        _audit(by, "venue.commune_change", venue, old=old.code, new=venue.commune.code, status=venue.status)
        changed.remove("commune")
    if changed:
        _audit(by, "venue.update", venue, fields=",".join(sorted(changed)))
    return venue


@transaction.atomic
def venue_set_status(*, venue: Venue, status: str, by: User, now: datetime) -> Venue:
    """The commune approves, suspends or re-activates a venue. A change is told to the venue's managers
    (issue 12, finding 7): an email and an SMS queued in this transaction, sent by `ravao
    send_notifications`; setting the status it already has tells nobody."""
    changed = venue.status != status
    venue.status = status
    if status == Venue.Status.ACTIVE and venue.approved_at is None:
        venue.approved_at = now
        venue.approved_by = by
    venue.save(update_fields=["status", "approved_at", "approved_by"])
    _audit(by, "venue.status", venue, status=status)
    if changed and status in (Venue.Status.ACTIVE, Venue.Status.SUSPENDED):
        _tell_managers_status(venue, now=now)
    return venue


def _manager_contacts(venue: Venue) -> tuple[list[str], list[str]]:
    """(emails, phones) of the venue's managers; the venue's own phone when no manager has one."""
    emails: list[str] = []
    phones: list[str] = []
    managers = Membership.objects.filter(venue=venue, role=Role.VENUE_MANAGER).select_related("user")
    for user in (m.user for m in managers):
        email = user.email or (user.username if "@" in user.username else "")
        phone = user.phone or (user.username if user.username.isdigit() else "")
        if email and email not in emails:
            emails.append(email)
        if phone and phone not in phones:
            phones.append(phone)
    if not phones and venue.phone:
        phones.append(venue.phone)
    return emails, phones


def _status_texts(venue: Venue) -> tuple[str, str]:
    """(subject, body) of the status message in the current language."""
    url = f"{settings.SITE_URL}/manage/venues/{venue.pk}/"
    if venue.status == Venue.Status.ACTIVE:
        subject = _("%(venue)s is approved: visitors can check in") % {"venue": venue.name}
        body = _(
            "Hello,\n\nThe commune approved %(venue)s (%(code)s). Print the poster from your venue page and "
            "put it at the entrance: visitors can check in from now on.\n\n%(url)s\n\n— ravao"
        ) % {"venue": venue.name, "code": venue.code, "url": url}
    else:
        subject = _("%(venue)s is suspended: check-in is closed") % {"venue": venue.name}
        body = _(
            "Hello,\n\nThe commune suspended %(venue)s (%(code)s). Its posters no longer accept check-ins. "
            "Contact the commune office to know why and what to do.\n\n%(url)s\n\n— ravao"
        ) % {"venue": venue.name, "code": venue.code, "url": url}
    return subject, body


def _tell_managers_status(venue: Venue, *, now: datetime) -> None:
    """Queue the message in this transaction (if the change rolls back, nothing is sent): the email in
    Vietnamese then English, the SMS in Vietnamese (BRIEF §5)."""
    emails, phones = _manager_contacts(venue)
    with translation.override("vi"):
        vi_subject, vi_body = _status_texts(venue)
    with translation.override("en"):
        en_subject, en_body = _status_texts(venue)
    for email in emails:
        notification_queue(
            channel=Notification.Channel.EMAIL, address=email, subject=f"{vi_subject} / {en_subject}",
            body=f"{vi_body}\n\n---\n\n{en_body}", topic="places.venue_status", ref_id=venue.pk,
            venue=venue, now=now,
        )  # fmt: skip
    for phone in phones:
        notification_queue(
            channel=Notification.Channel.SMS, address=phone, body=f"ravao: {vi_subject}",
            topic="places.venue_status", ref_id=venue.pk, venue=venue, now=now,
        )  # fmt: skip


@transaction.atomic
def venue_rotate_code(*, venue: Venue, now: datetime, by: User | None = None) -> Venue:
    """A new poster code; the printed poster with the old code stops working at once."""
    venue.qr_code = new_qr_code()
    venue.qr_rotated_at = now
    venue.save(update_fields=["qr_code", "qr_rotated_at"])
    _audit(by, "venue.rotate_code", venue)
    return venue


# Poster codes are lower-case (places.CODE_ALPHABET); an upper-case prefix marks a screen-mode code, so
# the check-in page knows without a query that it needs a fresh proof of presence (checkins.gate.screen).
SCREEN_PREFIX = "S"


@transaction.atomic
def venue_set_screen_mode(*, venue: Venue, on: bool, actor: Any, request: HttpRequest | None = None) -> Venue:
    """Turn screen mode on or off. Either way the poster code changes: printed posters (and photos of
    them) stop working when the venue moves to a screen, and the screen's code dies when it moves back."""
    venue.screen_mode = on
    venue.qr_code = (
        SCREEN_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(15)) if on else new_qr_code()
    )
    venue.qr_rotated_at = timezone.now()
    venue.save(update_fields=["screen_mode", "qr_code", "qr_rotated_at"])
    audit_record(
        actor=actor,
        action="venue.screen_mode",
        obj=venue,
        request=request,
        details={"on": on, "venue_id": venue.pk},
    )
    return venue


@transaction.atomic
def area_rotate_code(*, area: Area, by: User | None = None) -> Area:
    area.qr_code = new_qr_code()
    area.save(update_fields=["qr_code"])
    _audit(by, "area.rotate_code", area.venue, area=area.pk)
    return area


@transaction.atomic
def area_create(
    *, venue: Venue, name: str, kind: str, parent: Area | None = None, by: User | None = None
) -> Area:
    area = Area.objects.create(venue=venue, name=nfc(name), kind=kind, parent=parent)
    _audit(by, "area.create", venue, area=area.pk)
    return area


@transaction.atomic
def area_delete(*, area: Area, by: User | None = None) -> None:
    _audit(by, "area.delete", area.venue, area=area.pk)
    area.delete()


@transaction.atomic
def shift_create(*, venue: Venue, name: str, starts_at: time, ends_at: time, by: User | None = None) -> Shift:
    shift = Shift.objects.create(venue=venue, name=nfc(name), starts_at=starts_at, ends_at=ends_at)
    _audit(by, "shift.create", venue, shift=shift.pk)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, by: User | None = None) -> None:
    _audit(by, "shift.delete", shift.venue, shift=shift.pk)
    shift.delete()
