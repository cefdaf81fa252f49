"""Phone possession proven by a one-time code (issue 9), and what a proven phone does to the persons
that claim it.

Design (docs/privacy.md, "Identity: unverified, verified and staff-entered")
- A code is 6 random digits, sent by SMS through `ravao.lib.sms`, stored only as a keyed hash (HMAC under
  the look-up key, salted with the verification's random id), valid `RAVAO_OTP_TTL_MINUTES`, with at most
  `RAVAO_OTP_MAX_ATTEMPTS` wrong tries. Sending is limited per phone, per device and per client address
  per hour, with a resend cooldown; the limits count the recorded events in the database, so they hold
  across workers without the cache (`ravao.security.ratelimit` gives the client address).
- Every send and every attempt writes a `PhoneVerificationEvent` (phone and address as keyed hashes,
  device, outcome, time). Refusals are `VerificationRefused` with a reason the page puts in words.
- A verified phone (`person_verify_phone`): the device's person becomes the phone's holder. A provisional
  person is merged into a *verified* holder (visits, declarations, devices move; audited `person.merge`);
  an *unverified* holder is demoted to a provisional person first (its phone becomes a claim; audited
  `person.demote`), so the real owner never inherits a stranger's name or declaration.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ravao.lib.locks import lock_for_transaction
from ravao.lib.phone import mask_phone
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue, notification_send_now
from ravao.people import conf
from ravao.people.models import Device, HealthDeclaration, Person, PhoneVerification, PhoneVerificationEvent
from ravao.privacy.crypto import lookup_hash
from ravao.privacy.services import audit_record

Outcome = PhoneVerificationEvent.Outcome


@dataclass(frozen=True)
class VerificationRefused(Exception):
    """A send or an attempt that did not go through. `reason` is an Outcome value; `retry_after` in
    seconds when waiting helps; `attempts_left` after a wrong code."""

    reason: str
    retry_after: int = 0
    attempts_left: int = 0


def client_hash(address: str) -> str:
    return lookup_hash(f"otp-client:{address}")


def _code_hash(verification: PhoneVerification, code: str) -> str:
    return lookup_hash(f"otp:{verification.public_id}:{code}")


def _record(
    *, kind: str, outcome: str, phone_hash: str, device: Device | None, client: str, now: datetime
) -> None:
    PhoneVerificationEvent.objects.create(
        kind=kind, outcome=outcome, phone_hash=phone_hash, device=device, client_hash=client, at=now
    )


def phone_to_verify(person: Person) -> str | None:
    """The phone a device's person can prove: its own, or the one it claims (provisional)."""
    return person.phone or person.claimed_phone


def _send_refusal(
    *, phone_hash: str, device: Device | None, client: str, now: datetime
) -> VerificationRefused | None:
    """The limits, counted over the recorded sends of the last hour."""
    hour_ago = now - timedelta(hours=1)
    sent = PhoneVerificationEvent.objects.filter(
        kind=PhoneVerificationEvent.Kind.SEND, outcome=Outcome.SENT, at__gt=hour_ago
    )
    cooldown = conf.otp_resend_cooldown()
    same_asker = Q(phone_hash=phone_hash) | (Q(device=device) if device is not None else Q(pk__in=[]))
    last = sent.filter(same_asker).order_by("-at").values_list("at", flat=True).first()
    if last is not None and now - last < cooldown:
        return VerificationRefused(
            Outcome.COOLDOWN, retry_after=max(1, int((last + cooldown - now).total_seconds()))
        )
    checks: list[tuple[Q, int]] = [
        (Q(phone_hash=phone_hash), conf.otp_per_phone_per_hour()),
        (Q(client_hash=client), conf.otp_per_address_per_hour()),
    ]
    if device is not None:
        checks.append((Q(device=device), conf.otp_per_device_per_hour()))
    for condition, limit in checks:
        times = list(sent.filter(condition).order_by("at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            return VerificationRefused(
                Outcome.TOO_MANY,
                retry_after=max(1, int((times[0] + timedelta(hours=1) - now).total_seconds())),
            )
    return None


def verification_send(
    *, phone: str, device: Device | None, client_address: str, now: datetime, pending: str = ""
) -> PhoneVerification:
    """Send a new code to `phone` (canonical form). Raises VerificationRefused (recorded) when a limit is
    reached or the SMS gateway fails; the earlier codes of this device and phone stop working."""
    phone_hash, client = lookup_hash(phone), client_hash(client_address)
    with transaction.atomic():
        # Two requests at once (a double tap, a script) must not both pass the limits: whoever asks for the
        # same phone, from the same device or address, waits for the other's transaction (issue 9 follow-up).
        lock_for_transaction(
            f"otp:phone:{phone_hash}", f"otp:client:{client}", f"otp:device:{device.pk}" if device else ""
        )
        refusal = _send_refusal(phone_hash=phone_hash, device=device, client=client, now=now)
        if refusal is not None:
            _record(
                kind="send",
                outcome=refusal.reason,
                phone_hash=phone_hash,
                device=device,
                client=client,
                now=now,
            )
        else:
            # One live code per phone and device: a resend kills the earlier one.
            live = PhoneVerification.objects.filter(
                phone_hash=phone_hash, verified_at__isnull=True, expires_at__gt=now
            )
            live.filter(device=device).update(expires_at=now)
            code = f"{secrets.randbelow(10**6):06d}"
            verification = PhoneVerification(
                phone=phone, device=device, created_at=now, expires_at=now + conf.otp_ttl(), pending=pending
            )
            verification.code_hash = _code_hash(verification, code)
            verification.save()
            _record(
                kind="send",
                outcome=Outcome.SENT,
                phone_hash=phone_hash,
                device=device,
                client=client,
                now=now,
            )
    if refusal is not None:
        raise refusal
    minutes = int(conf.otp_ttl().total_seconds() // 60)
    text = _(
        "ravao: your verification code is %(code)s (valid %(minutes)d minutes). Never give it to anyone."
    ) % {
        "code": code,
        "minutes": minutes,
    }
    # Recorded as a notification (its delivery shows in the record) and sent at once: the person waits for
    # it. A failure is not retried later — the person is told it did not go and asks again.
    message = notification_queue(
        channel=Notification.Channel.SMS,
        address=phone,
        body=text,
        topic="people.otp",
        ref_id=verification.pk,
        now=now,
    )
    if not notification_send_now(message, now=now, retry=False, erase=True):
        PhoneVerification.objects.filter(pk=verification.pk).update(expires_at=now)
        PhoneVerificationEvent.objects.filter(
            phone_hash=phone_hash, device=device, kind="send", outcome=Outcome.SENT, at=now
        ).update(outcome=Outcome.SEND_FAILED)
        raise VerificationRefused(Outcome.SEND_FAILED) from None
    return verification


def verification_check(
    *, verification: PhoneVerification, code: str, device: Device | None, client_address: str, now: datetime
) -> PhoneVerification:
    """Check a typed code. Returns the verification, now verified; raises VerificationRefused (recorded)
    for an expired, used-up or wrong code. A wrong try is counted even though the caller gets an error."""
    client = client_hash(client_address)
    with transaction.atomic():
        row = PhoneVerification.objects.select_for_update().get(pk=verification.pk)
        outcome: str
        if row.verified_at is not None:
            return row  # a retried submission of the right code
        if row.attempts >= conf.otp_max_attempts():
            outcome = Outcome.LOCKED
        elif now >= row.expires_at:
            outcome = Outcome.EXPIRED
        elif hmac.compare_digest(row.code_hash, _code_hash(row, code.strip())):
            outcome = Outcome.VERIFIED
            row.verified_at = now
        else:
            outcome = Outcome.WRONG
            row.attempts += 1
        row.save(update_fields=["attempts", "verified_at"])
        _record(
            kind="attempt", outcome=outcome, phone_hash=row.phone_hash, device=device, client=client, now=now
        )
    if outcome == Outcome.VERIFIED:
        return row
    left = max(conf.otp_max_attempts() - row.attempts, 0)
    if outcome == Outcome.WRONG and left == 0:
        outcome = Outcome.LOCKED
    raise VerificationRefused(outcome, attempts_left=left)


# --- what a proven phone does to the persons claiming it -------------------------------------------------


def _merge(*, source: Person, target: Person) -> dict[str, int]:
    """Move a provisional person's visits, declarations, devices and tracing rows to the holder. The
    emptied provisional row stays only while a tracing contact row still names it (merged_into set)."""
    from ravao.checkins.models import CheckIn, GateScan
    from ravao.tracing.models import Case, Contact

    moved = {
        "checkins": CheckIn.objects.filter(person=source).update(person=target),
        "gate_scans": GateScan.objects.filter(person=source).update(person=target),
        "declarations": HealthDeclaration.objects.filter(person=source).update(person=target),
        "declared_for_others": HealthDeclaration.objects.filter(declared_by=source).update(
            declared_by=target
        ),
        "devices": Device.objects.filter(person=source).update(person=target),
        "cases": Case.objects.filter(person=source).update(person=target),
    }
    taken = Contact.objects.filter(person=target).values_list("case_id", "generation")
    taken_keys = set(taken)
    movable = [
        c.pk for c in Contact.objects.filter(person=source) if (c.case_id, c.generation) not in taken_keys
    ]
    moved["contacts"] = Contact.objects.filter(pk__in=movable).update(person=target)
    if Contact.objects.filter(person=source).exists():
        source.merged_into = target
        source.save(update_fields=["merged_into"])
    else:
        source.delete()
    return moved


def _demote(holder: Person) -> None:
    """An unverified holder loses the phone to the verified claim: it keeps what it typed, as a claim."""
    holder.claimed_phone, holder.phone = holder.phone, None
    holder.save()


@transaction.atomic
def person_verify_phone(*, device: Device, phone: str, now: datetime) -> Person:
    """The device proved it holds `phone`. Returns the person the device now belongs to (as owner)."""
    person = Person.objects.select_for_update().get(pk=device.person_id)
    phone_hash = lookup_hash(phone)
    holder = Person.objects.select_for_update().filter(phone_hash=phone_hash).first()
    details: dict[str, object] = {"phone": mask_phone(phone)}
    if holder is not None and holder.pk != person.pk and holder.is_verified:
        moved = _merge(source=person, target=holder)
        audit_record(
            actor=None,
            action="person.merge",
            person_id=holder.pk,
            obj=holder,
            reason="phone verified by code",
            details={**details, "from": person.pk, **moved},
        )
        person = holder
    else:
        if holder is not None and holder.pk != person.pk:
            _demote(holder)
            audit_record(
                actor=None,
                action="person.demote",
                person_id=holder.pk,
                obj=holder,
                reason="phone verified by code on another device",
                details={**details, "to": person.pk},
            )
        person.phone, person.claimed_phone = phone, None
        person.phone_verified_at = now
        person.save()
        audit_record(
            actor=None, action="person.verify_phone", person_id=person.pk, obj=person, details=details
        )
    Device.objects.filter(pk=device.pk).update(person=person, is_owner=True)
    device.person, device.is_owner = person, True
    return person
