"""Settings of phone verification by one-time code (issue 9). Each value is read once at start-up in
`ravao/settings.py` through the typed helpers of `ravao.env`; functions, so that tests can override them."""

from datetime import timedelta

from django.conf import settings


def require_phone_verification() -> bool:
    """A new phone's first check-in is acknowledged only after its code is typed back (PC-Covid did)."""
    return settings.RAVAO_REQUIRE_PHONE_VERIFICATION


def otp_ttl() -> timedelta:
    return timedelta(minutes=settings.RAVAO_OTP_TTL_MINUTES)


def otp_max_attempts() -> int:
    """Wrong codes allowed per code; then the code is dead and a new one must be asked for."""
    return settings.RAVAO_OTP_MAX_ATTEMPTS


def otp_resend_cooldown() -> timedelta:
    return timedelta(seconds=settings.RAVAO_OTP_RESEND_SECONDS)


def otp_per_phone_per_hour() -> int:
    return settings.RAVAO_OTP_PER_PHONE_PER_HOUR


def otp_per_device_per_hour() -> int:
    return settings.RAVAO_OTP_PER_DEVICE_PER_HOUR


def otp_per_address_per_hour() -> int:
    return settings.RAVAO_OTP_PER_ADDRESS_PER_HOUR
