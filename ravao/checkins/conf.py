"""Settings of the gate, the offline sync, screen mode and plausibility checks.

Each value is read once at start-up in `ravao/settings.py` through the typed helpers of `ravao.env` (a typo
stops the process there); these functions turn them into durations and are read at call time so that tests
can use `override_settings`.
"""

from datetime import timedelta

from django.conf import settings


def gate_sync_max_batch() -> int:
    """Most scans accepted in one sync request; a bigger batch is refused whole (413)."""
    return settings.RAVAO_GATE_SYNC_MAX_BATCH


def gate_sync_max_age() -> timedelta:
    """An offline scan older than this is refused at sync (a device left offline over a long weekend)."""
    return timedelta(hours=settings.RAVAO_GATE_SYNC_MAX_AGE_HOURS)


def gate_clock_skew() -> timedelta:
    """How far in the future a scan's timestamp may be (the gate device's clock may run a little fast)."""
    return timedelta(seconds=settings.RAVAO_GATE_CLOCK_SKEW_SECONDS)


def gate_repeat_ignore() -> timedelta:
    """The same person scanned again at the same gate within this time is ignored (double read)."""
    return timedelta(seconds=settings.RAVAO_GATE_REPEAT_IGNORE_SECONDS)


def personal_qr_ttl() -> timedelta:
    """Lifetime of the personal QR shown on a phone (refreshed whenever the page is opened)."""
    return timedelta(hours=settings.RAVAO_PERSONAL_QR_TTL_HOURS)


def wallet_card_ttl() -> timedelta:
    """Lifetime of a printed personal QR (wallet card) for people without a smartphone."""
    return timedelta(days=settings.RAVAO_WALLET_CARD_TTL_DAYS)


def screen_rotation() -> timedelta:
    """Screen mode: the code on the venue's screen changes this often."""
    return timedelta(seconds=settings.RAVAO_SCREEN_CODE_SECONDS)


def screen_presence() -> timedelta:
    """Screen mode: after a fresh code was scanned, the visitor has this long to finish the check-in form."""
    return timedelta(seconds=settings.RAVAO_SCREEN_PRESENCE_SECONDS)


def implausible_travel() -> timedelta:
    """Check-ins of one person at venues of two different communes closer together than this are flagged."""
    return timedelta(minutes=settings.RAVAO_IMPLAUSIBLE_TRAVEL_MINUTES)


def burst_count() -> int:
    """This many self check-ins from one device within `burst_window` are flagged as a burst."""
    return settings.RAVAO_BURST_CHECKINS


def burst_window() -> timedelta:
    return timedelta(minutes=settings.RAVAO_BURST_WINDOW_MINUTES)


# --- Gates that leak nothing (issue 9): server-bounded scan times and per-scan limits ------------------


def gate_scan_window() -> timedelta:
    """A scan received within this time after the moment its device claims is taken as claimed; a later
    one (an offline queue) is kept as claimed but flagged "late" for officers, and a personal QR code in
    it is judged at (receipt − this window), the earliest moment the server can vouch for."""
    return timedelta(minutes=settings.RAVAO_GATE_SCAN_WINDOW_MINUTES)


# The gate limits count scans in fixed windows of one hour (per staff member and per venue).
GATE_LIMIT_WINDOW_SECONDS = 3600


def gate_scans_per_staff() -> int:
    """Scans one staff member may send per hour. A fast gate reads one card every 1.5-2 s: 2,400 is a
    full hour of non-stop scanning by one person (a factory shift change: ~2,000 in 30 min through a
    few staff)."""
    return settings.RAVAO_GATE_SCANS_PER_STAFF_HOUR


def gate_scans_per_venue() -> int:
    """Scans one venue may send per hour, all its staff together (3 shift changes of 2,000 fit)."""
    return settings.RAVAO_GATE_SCANS_PER_VENUE_HOUR


def gate_unknown_per_staff() -> int:
    """Phone look-ups that find nobody, per staff member and hour: a real gate meets a few new visitors
    (who are then entered by hand); hundreds are someone trying numbers."""
    return settings.RAVAO_GATE_UNKNOWN_PER_STAFF_HOUR


def gate_unknown_per_venue() -> int:
    """Phone look-ups that find nobody, per venue and hour, all its staff together."""
    return settings.RAVAO_GATE_UNKNOWN_PER_VENUE_HOUR
