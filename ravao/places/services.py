"""Writes of venues, areas, shifts and poster codes. Each service is one transaction."""

from datetime import datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ravao.accounts.models import Membership, Role, User
from ravao.lib.text import nfc
from ravao.places.models import AdminUnit, Area, Shift, Venue, new_qr_code


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
    return venue


@transaction.atomic
def venue_update(*, venue: Venue, **fields: object) -> Venue:
    for name, value in fields.items():
        setattr(venue, name, nfc(value) if isinstance(value, str) else value)
    venue.save()
    return venue


@transaction.atomic
def venue_set_status(*, venue: Venue, status: str, by: User, now: datetime) -> Venue:
    venue.status = status
    if status == Venue.Status.ACTIVE and venue.approved_at is None:
        venue.approved_at = now
        venue.approved_by = by
    venue.save(update_fields=["status", "approved_at", "approved_by"])
    return venue


@transaction.atomic
def venue_rotate_code(*, venue: Venue, now: datetime) -> Venue:
    """A new poster code; the printed poster with the old code stops working at once."""
    venue.qr_code = new_qr_code()
    venue.qr_rotated_at = now
    venue.save(update_fields=["qr_code", "qr_rotated_at"])
    return venue


@transaction.atomic
def area_rotate_code(*, area: Area) -> Area:
    area.qr_code = new_qr_code()
    area.save(update_fields=["qr_code"])
    return area


@transaction.atomic
def area_create(*, venue: Venue, name: str, kind: str, parent: Area | None = None) -> Area:
    return Area.objects.create(venue=venue, name=nfc(name), kind=kind, parent=parent)


@transaction.atomic
def area_delete(*, area: Area) -> None:
    area.delete()


@transaction.atomic
def shift_create(*, venue: Venue, name: str, starts_at: time, ends_at: time) -> Shift:
    return Shift.objects.create(venue=venue, name=nfc(name), starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def shift_delete(*, shift: Shift) -> None:
    shift.delete()
