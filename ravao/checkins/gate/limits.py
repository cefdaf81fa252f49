"""The gate's per-scan limits, counted in the cache (THREATS: staff cannot bulk-probe phone numbers)."""

import time
from typing import Protocol

from ravao.checkins import conf
from ravao.security.ratelimit import Charge, charge_all, refund_all


class GateLimitExceeded(Exception):
    """A batch over a gate limit (see `ScanBudget`): refused whole, nothing written."""

    def __init__(self, retry_after: int, bucket: str) -> None:
        super().__init__(bucket)
        self.retry_after, self.bucket = retry_after, bucket


class ScanBudget(Protocol):
    """The gate limits of one staff member at one venue (`GateBudget` below): `take` counts
    the scans of a batch and its look-ups that found nobody, all or nothing; None when they fit, else
    (seconds to wait, the limit reached). `give_back` returns what `take` counted."""

    def take(self, *, scans: int, unknown: int) -> tuple[int, str] | None: ...

    def give_back(self, *, scans: int, unknown: int) -> None: ...


class GateBudget:
    """The per-scan limits of one staff member at one venue (`ScanBudget`), counted in the cache:
    every new scan against RAVAO_GATE_SCANS_PER_STAFF_HOUR and ..._PER_VENUE_HOUR, every phone look-up
    that found nobody against RAVAO_GATE_UNKNOWN_PER_STAFF_HOUR and ..._PER_VENUE_HOUR."""

    def __init__(self, *, venue_id: int, staff_id: int, now: float | None = None) -> None:
        self.venue_id, self.staff_id = venue_id, staff_id
        self.now = time.time() if now is None else now

    def _charges(self, *, scans: int, unknown: int) -> list[Charge]:
        return [
            Charge(f"gate-scans:user-{self.staff_id}", conf.gate_scans_per_staff(), scans),
            Charge(f"gate-scans:venue-{self.venue_id}", conf.gate_scans_per_venue(), scans),
            Charge(f"gate-unknown:user-{self.staff_id}", conf.gate_unknown_per_staff(), unknown),
            Charge(f"gate-unknown:venue-{self.venue_id}", conf.gate_unknown_per_venue(), unknown),
        ]

    def take(self, *, scans: int, unknown: int) -> tuple[int, str] | None:
        return charge_all(
            self._charges(scans=scans, unknown=unknown), window=conf.GATE_LIMIT_WINDOW_SECONDS, now=self.now
        )

    def give_back(self, *, scans: int, unknown: int) -> None:
        refund_all(
            self._charges(scans=scans, unknown=unknown), window=conf.GATE_LIMIT_WINDOW_SECONDS, now=self.now
        )
