"""Writes of the security app: a user's TOTP device and their recovery codes, API tokens."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts import conf
from ravao.accounts.models import User
from ravao.places.models import AdminUnit
from ravao.privacy.services import audit_record
from ravao.security.models import ApiToken

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


# --- API tokens -------------------------------------------------------------------------------------------

TOKEN_PREFIX = "rv_"  # noqa: S105 (marks a ravao token, not a secret)


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    name: str,
    role: str,
    unit: AdminUnit,
    expires_at: datetime,
    created_by: User,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token; returns it with the secret to show once (`rv_<prefix>_<secret>`), never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        role=role,
        unit=unit,
        prefix=prefix,
        secret_hash=_secret_hash(secret),
        created_by=created_by,
        expires_at=expires_at,
    )
    audit_record(
        actor=created_by,
        action="api_token.create",
        obj=token,
        request=request,
        details={"prefix": prefix, "role": role, "unit_id": unit.pk, "expires_at": expires_at.isoformat()},
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User, request: HttpRequest | None = None) -> ApiToken:
    """Revoke at once (the next request with it is refused). Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=by, action="api_token.revoke", obj=token, request=request, details={"prefix": token.prefix}
        )
    return token


def api_token_authenticate(raw: str, *, now: datetime) -> ApiToken | None:
    """The usable token behind `Authorization: Bearer rv_<prefix>_<secret>`, or None. Looks the token up by
    the hash of its secret (an index hit; nothing to compare character by character), then checks that the
    prefix matches, and that it is neither revoked nor expired."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("unit").filter(secret_hash=_secret_hash(secret)).first()
    if token is None or not hmac.compare_digest(token.prefix, prefix) or not token.is_usable(now=now):
        return None
    # At most one write a minute per token: the list page shows "last used", not every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
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
    """An administrator takes away the user's authenticator and recovery codes (a lost phone). The user
    enrols again at the next login to a protected page; the flag makes that login say why."""
    otp_devices_remove(user=user)
    user.second_factor_reset_at = timezone.now()
    user.save(update_fields=["second_factor_reset_at"])
    audit_record(actor=acting_user, action="account.otp_reset", obj=user, details={"member": user.pk})
