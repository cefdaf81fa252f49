"""Known data for the oversight tests: a fixed 'now', venues that joined at known times, and check-ins on
the edges of every window, so each figure can be compared with a direct count."""

from datetime import date, datetime, timedelta
from typing import Any

import time_machine
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.oversight.selectors import day_bounds
from ravao.places.models import Venue
from ravao.test import RavaoTestCase, make_person

# A Wednesday morning, local time (Asia/Ho_Chi_Minh).
NOW_LOCAL = datetime(2021, 9, 15, 10, 30)
TODAY = date(2021, 9, 15)


def local(day_offset: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An aware datetime `day_offset` days from TODAY at the local hour given."""
    return timezone.make_aware(
        datetime.combine(TODAY + timedelta(days=day_offset), datetime.min.time())
    ) + timedelta(hours=hour, minutes=minute, seconds=second)


class OversightTestCase(RavaoTestCase):
    venue_c: Venue
    venue_d: Venue
    venue_e: Venue
    venue_f: Venue

    def setUp(self) -> None:
        super().setUp()
        traveller = time_machine.travel(timezone.make_aware(NOW_LOCAL), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.now = timezone.now()
        self.other = make_person(name="Trần Thị Bình", phone="0987654321")
        Venue.objects.filter(pk__in=[self.venue_a.pk, self.venue_b.pk]).update(created_at=local(-60))
        self.venue_c = self.venue("V-C", "Tạp hoá Cô Ba", "shop", "ha_bang", created=local(-10))
        # Joined mid-week: approved two days ago, scanned yesterday.
        self.venue_d = self.venue("V-D", "Quán cơm Hạ Bằng", "restaurant", "ha_bang", created=local(-2, 9))
        self.venue_e = self.venue(
            "V-E", "Tiệm may chờ duyệt", "shop", "ha_bang", created=local(-5), status="pending"
        )
        self.venue_f = self.venue(
            "V-F", "Xưởng tạm dừng", "craft", "ha_bang", created=local(-30), status="suspended"
        )

    def venue(
        self, code: str, name: str, kind: str, commune: str, *, created: datetime, status: str = "active"
    ) -> Venue:
        venue = Venue.objects.create(
            code=code,
            name=name,
            kind=kind,
            commune=self.units[commune],
            address="Thôn 1",
            phone="0243000000",
            status=status,
        )
        Venue.objects.filter(pk=venue.pk).update(
            created_at=created, approved_at=created if status == "active" else None
        )
        venue.refresh_from_db()
        return venue

    def checkin(
        self,
        venue: Venue,
        at: datetime,
        *,
        method: str = "self",
        status: str = "green",
        out: datetime | None = None,
        estimated: bool = False,
        person: Any = None,
    ) -> CheckIn:
        return CheckIn.objects.create(
            person=person or self.visitor,
            venue=venue,
            checked_in_at=at,
            checked_out_at=out,
            checked_out_estimated=estimated,
            method=method,
            status_at_entry=status,
        )

    def make_week(self) -> None:
        """Check-ins at the edges of the day, week and 28-day windows."""
        a, b = self.venue_a, self.venue_b
        self.checkin(a, local(-27), method="gate", out=local(-27, 1))  # first instant of the 28-day window
        self.checkin(a, local(-28, 23, 59, 59), out=local(-27, 0, 30))  # just before it
        self.checkin(a, local(-7, 23, 59, 59), method="gate", out=local(-6, 1))  # just before the week
        self.checkin(a, local(-6), out=local(-6, 2))  # first instant of the week
        self.checkin(a, local(-1, 23, 59, 59), method="manual", status="red", out=local(0, 2), estimated=True)
        self.checkin(a, local(0), method="gate", status="yellow", out=local(0, 0, 10), person=self.other)
        self.checkin(a, local(0, 8, 15))  # inside now
        self.checkin(b, local(-2, 10), method="import", out=local(-2, 11))
        self.checkin(b, local(-3, 9), status="yellow")  # never closed: counts as no exit
        self.checkin(self.venue_d, local(-1, 12), out=local(-1, 13))
        self.checkin(self.venue_f, local(0, 7))  # suspended: not a registered venue
        # A check-in "tomorrow" (a wrong device clock) is in no window.
        self.checkin(b, local(1, 8))

    @staticmethod
    def day_range(day_offset: int) -> tuple[datetime, datetime]:
        return day_bounds(TODAY + timedelta(days=day_offset))
