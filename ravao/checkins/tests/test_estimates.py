from datetime import datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

from django.core.management import call_command

from ravao.checkins.models import CheckIn
from ravao.checkins.visits import checkins_close_stale, estimate_end
from ravao.places.models import Shift
from ravao.test import RavaoTestCase

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2021, 7, day, hour, minute, tzinfo=HANOI)


class EstimateEndTests(RavaoTestCase):
    def test_typical_stay_of_the_kind(self):
        self.assertEqual(estimate_end(venue=self.venue_b, checked_in_at=at(8)), at(9))  # market: 1 h

    def test_venue_setting_overrides_the_kind(self):
        self.venue_b.typical_stay_minutes = 30
        self.assertEqual(estimate_end(venue=self.venue_b, checked_in_at=at(8)), at(8, 30))

    def test_capped_by_closing_time(self):
        self.venue_b.closes_at = time(8, 20)
        self.assertEqual(estimate_end(venue=self.venue_b, checked_in_at=at(8)), at(8, 20))

    def test_closing_time_before_entry_is_ignored(self):
        self.venue_b.closes_at = time(7, 0)
        self.assertEqual(estimate_end(venue=self.venue_b, checked_in_at=at(8)), at(9))

    def test_the_shift_decides_in_a_factory(self):
        shifts = [
            Shift(venue=self.venue_a, name="Ca 1", starts_at=time(6), ends_at=time(14)),
            Shift(venue=self.venue_a, name="Ca 3", starts_at=time(22), ends_at=time(6)),
        ]
        self.assertEqual(estimate_end(venue=self.venue_a, checked_in_at=at(6, 5), shifts=shifts), at(14))
        self.assertEqual(
            estimate_end(venue=self.venue_a, checked_in_at=at(21, 58), shifts=shifts), at(6, day=11)
        )  # just before Ca 3
        self.assertEqual(
            estimate_end(venue=self.venue_a, checked_in_at=at(22, 10), shifts=shifts), at(6, day=11)
        )
        self.assertEqual(estimate_end(venue=self.venue_a, checked_in_at=at(2), shifts=shifts), at(6))
        # Arriving before the shift starts: the coming shift, not the ending one.
        self.assertEqual(estimate_end(venue=self.venue_a, checked_in_at=at(5, 40), shifts=shifts), at(14))
        self.assertEqual(
            estimate_end(venue=self.venue_a, checked_in_at=at(21, 30), shifts=shifts), at(6, day=11)
        )
        self.assertEqual(estimate_end(venue=self.venue_a, checked_in_at=at(5, 0), shifts=shifts), at(6))


class CloseStaleTests(RavaoTestCase):
    def test_it_closes_only_visits_past_their_estimate(self):
        old = CheckIn.objects.create(
            person=self.visitor, venue=self.venue_b, checked_in_at=at(8), method="self"
        )
        recent = CheckIn.objects.create(
            person=self.visitor, venue=self.venue_b, checked_in_at=at(11, 30), method="self"
        )
        closed = checkins_close_stale(now=at(12), batch_size=1)
        self.assertEqual(closed, 1)
        old.refresh_from_db()
        recent.refresh_from_db()
        self.assertEqual(old.checked_out_at, at(9))
        self.assertTrue(old.checked_out_estimated)
        self.assertIsNone(recent.checked_out_at)

    def test_command(self):
        out = StringIO()
        call_command("close_visits", stdout=out)
        self.assertIn("0 visits closed", out.getvalue())
