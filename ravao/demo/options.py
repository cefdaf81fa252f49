"""How a demo is asked for (`DemoOptions`) and what building it answers (`DemoSummary`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ravao.demo.data import (
    DEMO_PASSWORD,
    DemoLogin,
)
from ravao.places.units import Scheme

# --- Results and progress ----------------------------------------------------------------------------------

# (stage, done, total): called after each batch so a command can draw a bar.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


class DemoConflict(Exception):
    """The demo of the other map is loaded: the two share logins, so one must be reset first."""


@dataclass
class DemoSummary:
    created: bool  # False when the demo was already loaded and nothing was written
    scheme: str = "2021"
    area: str = ""  # the unit the administrator serves ("Huyện Thạch Thất", "Thành phố Hà Nội")
    counts: list[tuple[str, int]] = field(default_factory=list)
    logins: list[tuple[DemoLogin, bool]] = field(default_factory=list)  # (login, exists)
    password: str = DEMO_PASSWORD
    poster_venue: str = ""
    poster_url: str = ""
    site_url: str = ""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 2021
    people: int = 5000
    venues: int = 300
    days: int = 14
    # The map: "2021" (three levels, the district) or "2025" (two levels, the wards of the former district).
    # `ravao demo` builds 2025 unless told otherwise; the Python default stays 2021 for the existing tests.
    scheme: Scheme = "2021"
