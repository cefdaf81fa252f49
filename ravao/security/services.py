"""Writes of the security app: a user's TOTP device and their recovery codes."""

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts import conf
from ravao.accounts.models import User
from ravao.privacy.services import audit_record

DEVICE_NAME = "ravao"
RECOVERY_DEVICE_NAME = "recovery"


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
    """The authenticator and the recovery codes go together: codes without a device mean nothing."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Fresh single-use recovery codes; earlier ones stop working. django-otp stores them as they are
    (its static tokens), which is why they are shown once and the page says to keep them offline."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(conf.RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_reset(*, user: User, acting_user: User) -> None:
    """A district admin takes away the user's authenticator and recovery codes (a lost phone). The user
    enrols again at the next login to a protected page; the flag makes that login say why."""
    otp_devices_remove(user=user)
    user.second_factor_reset_at = timezone.now()
    user.save(update_fields=["second_factor_reset_at"])
    audit_record(actor=acting_user, action="account.otp_reset", obj=user, details={"member": user.pk})
