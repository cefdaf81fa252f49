"""Settings of phone verification by one-time code (issue 9), read from the environment through the
typed helpers of `ravao.env`. Functions rather than constants so that tests can change the environment."""

from datetime import timedelta

from ravao.env import env_bool, env_int


def require_phone_verification() -> bool:
    """A new phone's first check-in is acknowledged only after its code is typed back (PC-Covid did)."""
    return env_bool("RAVAO_REQUIRE_PHONE_VERIFICATION", False)


def otp_ttl() -> timedelta:
    return timedelta(minutes=env_int("RAVAO_OTP_TTL_MINUTES", 10, minimum=1))


def otp_max_attempts() -> int:
    """Wrong codes allowed per code; then the code is dead and a new one must be asked for."""
    return env_int("RAVAO_OTP_MAX_ATTEMPTS", 5, minimum=1)


def otp_resend_cooldown() -> timedelta:
    return timedelta(seconds=env_int("RAVAO_OTP_RESEND_SECONDS", 60, minimum=0))


def otp_per_phone_per_hour() -> int:
    return env_int("RAVAO_OTP_PER_PHONE_PER_HOUR", 3, minimum=1)


def otp_per_device_per_hour() -> int:
    return env_int("RAVAO_OTP_PER_DEVICE_PER_HOUR", 5, minimum=1)


def otp_per_address_per_hour() -> int:
    return env_int("RAVAO_OTP_PER_ADDRESS_PER_HOUR", 30, minimum=1)
