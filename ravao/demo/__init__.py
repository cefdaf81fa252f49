"""A realistic demo district: Huyện Thạch Thất (Hà Nội) with venues, people, declarations and check-ins.

Two maps (issue 14, item 6). `--scheme 2021` builds it on the three-level map in force until 30 June 2025:
Huyện Thạch Thất and its communes, a district administrator and the district's health officer.
`--scheme 2025` builds the same area on today's two-level map: the 2025 wards that took over the former
district (Xã Thạch Thất, Xã Hạ Bằng, Xã Tây Phương, Xã Hòa Lạc, Xã Yên Xuân, from the data package's
`converter_2025.json`), directly under Thành phố Hà Nội, with a province administrator, ward officials and
ward health officers. The builder is the same: places it names by their 2021 commune ("Thị trấn Liên
Quan", "Xã Phùng Xá") go to the ward that took that commune over (`WARD_OF_2021`).

`demo_build` fills the current database so that every journey of the brief can be shown at once: the
oversight pages have venues that scan and venues that do not, tracing has a factory with production lines
and shifts, the personal page has two weeks of visits. Everything comes from one `random.Random(seed)`,
and times are relative to `now`, so the data always covers the last `days` days and the same seed on the
same minute gives the same rows (poster codes excepted: they stay unpredictable, see below).

How the visits are made (the part that must be right for tracing to be believable):
    * Each person gets at most one job (a factory shift, an office, a school, a market stall, ...) and a
      few errands a day placed in the hours the job leaves free, inside the venue's opening hours.
    * A person's visits are laid out one after the other on a single time line, so two visits of the
      same person never overlap; a visit with no check-out gets the end `estimate_end` gives, capped by
      the person's next check-in, exactly as `checkin_create` closes it in the application.
    * Only a person's last visit can be open, and only while its estimated end is still ahead of `now`
      (older ones are what `ravao close_visits` would have closed).

Speed: people, declarations, devices and check-ins are written with `bulk_create` from a single pass,
check-ins streamed in batches so memory stays flat; the whole build is one transaction (all or nothing,
and SQLite writes much faster inside one).

Modules, by what they make: `data` (maps, logins, names), `options`, `area` (its units and venues on the
map), `build` (the entry points), `builder` (the order of the steps), `venues`, `people`, `visits`; the
`ravao demo` command (checkins/management/commands/demo.py) calls `demo_build`.
"""

from ravao.demo.area import demo_communes, demo_district, demo_top
from ravao.demo.build import demo_build, demo_is_loaded, demo_reset, demo_summary
from ravao.demo.data import (
    ALL_DEMO_LOGINS,
    DEMO_LOGINS,
    DEMO_LOGINS_2025,
    DEMO_MAPS,
    DEMO_PASSWORD,
    FACTORY_NAME,
    HEALTH_NAME,
    LINES,
    MARKET_NAME,
    WARDS_2025,
    DemoLogin,
)
from ravao.demo.options import DemoConflict, DemoOptions, DemoSummary, Progress

__all__ = [
    "ALL_DEMO_LOGINS",
    "DEMO_LOGINS",
    "DEMO_LOGINS_2025",
    "DEMO_MAPS",
    "DEMO_PASSWORD",
    "FACTORY_NAME",
    "HEALTH_NAME",
    "LINES",
    "MARKET_NAME",
    "WARDS_2025",
    "DemoConflict",
    "DemoLogin",
    "DemoOptions",
    "DemoSummary",
    "Progress",
    "demo_build",
    "demo_communes",
    "demo_district",
    "demo_is_loaded",
    "demo_reset",
    "demo_summary",
    "demo_top",
]
