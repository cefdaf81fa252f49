"""Writes of the security app: a user's TOTP device."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.models import User

DEVICE_NAME = "ravao"


@transaction.atomic
def otp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device that enrolment shows; reused while the user has not confirmed it, so a
    reload does not invalidate a QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the device when `token` is its current code; an earlier confirmed device is replaced."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def otp_devices_remove(*, user: User) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted
