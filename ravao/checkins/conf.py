"""Settings of the gate, the offline sync, screen mode and plausibility checks (read from the environment
through the typed helpers of `ravao.env`, so a typo stops the process at start-up).

Functions rather than module constants so that tests can change the environment without re-importing.
"""

from datetime import timedelta

from ravao.env import env_int


def gate_sync_max_batch() -> int:
    """Most scans accepted in one sync request; a bigger batch is refused whole (413)."""
    return env_int("RAVAO_GATE_SYNC_MAX_BATCH", 500, minimum=1)


def gate_sync_max_age() -> timedelta:
    """An offline scan older than this is refused at sync (a device left offline over a long weekend)."""
    return timedelta(hours=env_int("RAVAO_GATE_SYNC_MAX_AGE_HOURS", 72, minimum=1))


def gate_clock_skew() -> timedelta:
    """How far in the future a scan's timestamp may be (the gate device's clock may run a little fast)."""
    return timedelta(seconds=env_int("RAVAO_GATE_CLOCK_SKEW_SECONDS", 120, minimum=0))


def gate_repeat_ignore() -> timedelta:
    """The same person scanned again at the same gate within this time is ignored (double read)."""
    return timedelta(seconds=env_int("RAVAO_GATE_REPEAT_IGNORE_SECONDS", 5, minimum=0))


def personal_qr_ttl() -> timedelta:
    """Lifetime of the personal QR shown on a phone (refreshed whenever the page is opened)."""
    return timedelta(hours=env_int("RAVAO_PERSONAL_QR_TTL_HOURS", 24, minimum=1))


def wallet_card_ttl() -> timedelta:
    """Lifetime of a printed personal QR (wallet card) for people without a smartphone."""
    return timedelta(days=env_int("RAVAO_WALLET_CARD_TTL_DAYS", 365, minimum=1))


def screen_rotation() -> timedelta:
    """Screen mode: the code on the venue's screen changes this often."""
    return timedelta(seconds=env_int("RAVAO_SCREEN_CODE_SECONDS", 30, minimum=5))


def screen_presence() -> timedelta:
    """Screen mode: after a fresh code was scanned, the visitor has this long to finish the check-in form."""
    return timedelta(seconds=env_int("RAVAO_SCREEN_PRESENCE_SECONDS", 600, minimum=30))


def implausible_travel() -> timedelta:
    """Check-ins of one person at venues of two different communes closer together than this are flagged."""
    return timedelta(minutes=env_int("RAVAO_IMPLAUSIBLE_TRAVEL_MINUTES", 10, minimum=1))


def burst_count() -> int:
    """This many self check-ins from one device within `burst_window` are flagged as a burst."""
    return env_int("RAVAO_BURST_CHECKINS", 5, minimum=2)


def burst_window() -> timedelta:
    return timedelta(minutes=env_int("RAVAO_BURST_WINDOW_MINUTES", 10, minimum=1))
