"""Every figure of the unit and venue pages equals a direct count over `CheckIn` and `Venue`, whether the
roll-ups were never computed, computed for every day, or computed earlier today with check-ins since."""

from collections import Counter
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.oversight import conf
from ravao.oversight.models import DailyCommuneStats, DailyVenueStats, RollupRun
from ravao.oversight.selectors import idle_venues, masked_name, unit_figures, venue_figures
from ravao.oversight.services import stats_rollup
from ravao.oversight.tests.base import TODAY, OversightTestCase, local
from ravao.places.models import AdminUnit, Venue
from ravao.test import RavaoTwoLevelTestCase


class UnitFiguresTest(OversightTestCase):
    def direct(self, unit: AdminUnit) -> dict:
        """The figures by plain counting."""
        scope = Q(venue__commune__path__startswith=unit.path)
        expected: dict = {"days": {}, "hours": Counter()}
        week_start = self.day_range(-(conf.WEEK_DAYS - 1))[0]
        for offset in range(-(conf.CHART_DAYS - 1), 1):
            start, end = self.day_range(offset)
            rows = CheckIn.objects.filter(scope, checked_in_at__gte=start, checked_in_at__lt=end)
            expected["days"][TODAY + timedelta(days=offset)] = {
                "checkins": rows.count(),
                "self_scans": rows.filter(method="self").count(),
                "gate_scans": rows.filter(method="gate").count(),
                "manual": rows.filter(method="manual").count(),
                "imported": rows.filter(method="import").count(),
                "yellow": rows.filter(status_at_entry="yellow").count(),
                "red": rows.filter(status_at_entry="red").count(),
                "no_exit": rows.filter(
                    Q(checked_out_at__isnull=True) | Q(checked_out_estimated=True)
                ).count(),
            }
        for checkin in CheckIn.objects.filter(
            scope, checked_in_at__gte=week_start, checked_in_at__lt=self.day_range(1)[0]
        ):
            expected["hours"][timezone.localtime(checkin.checked_in_at).hour] += 1
        venues = Venue.objects.filter(commune__path__startswith=unit.path, status="active")
        expected["registered"] = venues.count()
        expected["pending"] = Venue.objects.filter(
            commune__path__startswith=unit.path, status="pending"
        ).count()
        today_start, today_end = self.day_range(0)
        expected["active_today"] = (
            venues.filter(checkins__checked_in_at__gte=today_start, checkins__checked_in_at__lt=today_end)
            .distinct()
            .count()
        )
        expected["active_week"] = (
            venues.filter(checkins__checked_in_at__gte=week_start, checkins__checked_in_at__lt=today_end)
            .distinct()
            .count()
        )
        return expected

    def assert_figures(self, unit: AdminUnit) -> None:
        figures = unit_figures(unit, now=timezone.now())
        expected = self.direct(unit)
        self.assertEqual(sorted(figures.per_day), sorted(expected["days"]))
        for day, counts in expected["days"].items():
            self.assertEqual(vars(figures.per_day[day]), counts, day)
        self.assertEqual(figures.hours, [expected["hours"][h] for h in range(24)])
        self.assertEqual(figures.total.registered, expected["registered"])
        self.assertEqual(figures.total.pending, expected["pending"])
        self.assertEqual(figures.total.active_today, expected["active_today"])
        self.assertEqual(figures.total.active_week, expected["active_week"])
        children = sum(a.active_week for _u, a in figures.children)
        if figures.children:
            self.assertEqual(children, expected["active_week"])
        self.assertEqual(sum(a.registered for *_k, a in figures.kinds), expected["registered"])

    def test_the_figures_equal_direct_counts_without_roll_ups(self) -> None:
        self.make_week()
        for unit in ("district", "ha_bang", "lien_quan", "province"):
            self.assert_figures(self.units[unit])

    def test_the_figures_equal_direct_counts_with_roll_ups(self) -> None:
        self.make_week()
        stats_rollup(now=timezone.now(), days=[TODAY - timedelta(days=n) for n in range(30)])
        self.assertEqual(RollupRun.objects.count(), 30)
        for unit in ("district", "ha_bang", "lien_quan"):
            self.assert_figures(self.units[unit])

    def test_check_ins_after_the_roll_up_are_counted_live(self) -> None:
        self.make_week()
        stats_rollup(now=timezone.now(), days=[TODAY - timedelta(days=n) for n in range(30)])
        # After the roll-up: a venue that had not scanned today does, and an older venue scans.
        self.checkin(self.venue_b, timezone.now() + timedelta(seconds=1), method="gate")
        self.checkin(self.venue_c, timezone.now() + timedelta(seconds=2), status="red")
        with self.settings():
            import time_machine

            with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
                for unit in ("district", "ha_bang", "lien_quan"):
                    self.assert_figures(self.units[unit])

    def test_a_day_the_command_missed_is_counted_live(self) -> None:
        self.make_week()
        # Only the old days were rolled up: the last three days (and today) are live.
        stats_rollup(now=timezone.now(), days=[TODAY - timedelta(days=n) for n in range(3, 30)])
        self.assert_figures(self.units["district"])

    def test_the_roll_up_is_idempotent(self) -> None:
        self.make_week()
        days = [TODAY - timedelta(days=n) for n in range(3)]
        stats_rollup(now=timezone.now(), days=days)
        first = list(DailyVenueStats.objects.order_by("venue_id", "day").values())
        stats_rollup(now=timezone.now(), days=days)
        second = list(DailyVenueStats.objects.order_by("venue_id", "day").values())
        self.assertEqual(
            [{k: v for k, v in r.items() if k != "id"} for r in first],
            [{k: v for k, v in r.items() if k != "id"} for r in second],
        )
        yesterday = DailyCommuneStats.objects.get(
            day=TODAY - timedelta(days=1), commune=self.units["ha_bang"]
        )
        self.assertEqual(yesterday.checkins, 2)
        self.assertEqual(yesterday.red, 1)
        self.assertEqual(yesterday.no_exit, 1)
        self.assertEqual(yesterday.hours[23], 1)
        self.assertEqual(yesterday.hours[12], 1)

    def test_deleted_check_ins_leave_the_last_day_right(self) -> None:
        from ravao.oversight.models import VenueActivity

        self.make_week()
        days = [TODAY - timedelta(days=n) for n in range(30)]
        stats_rollup(now=timezone.now(), days=days)
        self.assertEqual(VenueActivity.objects.get(venue=self.venue_d).last_day, TODAY - timedelta(days=1))
        self.assertEqual(VenueActivity.objects.get(venue=self.venue_b).last_day, TODAY - timedelta(days=2))
        # The visitors' data is deleted (their right): the venues' days are rolled up again.
        CheckIn.objects.filter(venue=self.venue_d).delete()
        CheckIn.objects.filter(venue=self.venue_b, checked_in_at__gte=self.day_range(-2)[0]).delete()
        stats_rollup(now=timezone.now(), days=days[:3])
        self.assertFalse(VenueActivity.objects.filter(venue=self.venue_d).exists())
        self.assertEqual(VenueActivity.objects.get(venue=self.venue_b).last_day, TODAY - timedelta(days=3))
        self.assert_figures(self.units["district"])

    def test_the_default_roll_up_covers_today_and_yesterday(self) -> None:
        self.make_week()
        done = stats_rollup(now=timezone.now())
        self.assertEqual(sorted(done), [TODAY - timedelta(days=1), TODAY])
        self.assertEqual(RollupRun.objects.get(day=TODAY).computed_through, timezone.now())


class IdleVenuesTest(OversightTestCase):
    def direct_idle(self, unit: AdminUnit, days: int) -> set[int]:
        window_start = self.day_range(-(days - 1))[0]
        return set(
            Venue.objects.filter(
                commune__path__startswith=unit.path, status="active", created_at__lt=window_start
            )
            .exclude(
                pk__in=CheckIn.objects.filter(
                    checked_in_at__gte=window_start, checked_in_at__lt=self.day_range(1)[0]
                ).values("venue_id")
            )
            .values_list("pk", flat=True)
        )

    def test_idle_venues_equal_a_direct_count(self) -> None:
        self.make_week()
        for rolled in (False, True):
            if rolled:
                stats_rollup(now=timezone.now(), days=[TODAY - timedelta(days=n) for n in range(8)])
            for days in (1, 2, 3, 7):
                for unit in ("district", "ha_bang", "lien_quan"):
                    got = set(
                        idle_venues(self.units[unit], now=timezone.now(), idle_days=days).values_list(
                            "pk", flat=True
                        )
                    )
                    self.assertEqual(got, self.direct_idle(self.units[unit], days), (rolled, days, unit))

    def test_idle_venues_are_an_anti_join(self) -> None:
        """issue 13 item 3: `NOT IN (subquery)` became a 49 s nested scan at 50,000 venues on PostgreSQL when
        the planner expected the roll-up's list not to fit in work_mem; `NOT EXISTS` is an anti-join."""
        sql = str(idle_venues(self.units["district"], now=timezone.now(), idle_days=3).query).upper()
        self.assertNotIn('"PLACES_VENUE"."ID" IN (SELECT', sql)
        self.assertEqual(sql.count("EXISTS"), 2)

    def test_which_venues_are_idle(self) -> None:
        self.make_week()
        idle = set(
            idle_venues(self.units["district"], now=timezone.now(), idle_days=3).values_list(
                "name", flat=True
            )
        )
        # c never scanned; b last scanned two days ago (its check-in dated tomorrow does not count); d joined
        # two days ago and scanned yesterday; a scanned today; e is pending and f suspended: not counted.
        self.assertEqual(idle, {"Tạp hoá Cô Ba"})
        idle_2 = set(
            idle_venues(self.units["district"], now=timezone.now(), idle_days=2).values_list(
                "name", flat=True
            )
        )
        self.assertEqual(idle_2, {"Tạp hoá Cô Ba", "Chợ Liên Quan"})


class VenueFiguresTest(OversightTestCase):
    def test_the_venue_page_figures_equal_direct_counts(self) -> None:
        self.make_week()
        # Two visitors this morning at the factory, one of them twice.
        self.checkin(self.venue_a, local(0, 8, 40), person=self.other, out=local(0, 9))
        self.checkin(self.venue_a, local(0, 9, 30), person=self.other)
        figures = venue_figures(self.venue_a, now=timezone.now())
        today_start, today_end = self.day_range(0)
        today = CheckIn.objects.filter(
            venue=self.venue_a, checked_in_at__gte=today_start, checked_in_at__lt=today_end
        )
        self.assertEqual(figures.checkins_today, today.count())
        self.assertEqual(figures.visitors_today, today.values("person").distinct().count())
        self.assertEqual(figures.visitors_today, 2)
        inside = CheckIn.objects.filter(venue=self.venue_a, checked_out_at__isnull=True).count()
        self.assertEqual(figures.inside_now, inside)
        self.assertEqual(figures.inside_now, 2)
        expected_hours = Counter(timezone.localtime(c.checked_in_at).hour for c in today)
        self.assertEqual(figures.hours_today, [expected_hours[h] for h in range(24)])
        self.assertEqual(figures.days[-1].day, TODAY)
        yesterday = figures.days[-2]
        self.assertEqual((yesterday.checkins, yesterday.no_exit, yesterday.open_at_close), (1, 1, 1))
        week_first = figures.days[0]
        self.assertEqual(week_first.day, TODAY - timedelta(days=conf.WEEK_DAYS - 1))
        self.assertEqual(week_first.checkins, 1)  # the one at 00:00:00, not the one at 23:59:59 before

    def test_open_at_closing_time_uses_the_venue_closing_time(self) -> None:
        from datetime import time

        Venue.objects.filter(pk=self.venue_b.pk).update(opens_at=time(6), closes_at=time(18))
        self.venue_b.refresh_from_db()
        day = -1
        self.checkin(self.venue_b, local(day, 9), out=local(day, 10))  # left before closing
        self.checkin(self.venue_b, local(day, 17), out=local(day, 18, 30))  # still inside at 18:00
        self.checkin(self.venue_b, local(day, 17, 30), out=local(day, 18, 30), estimated=True)  # estimated
        self.checkin(self.venue_b, local(day, 19))  # came after closing: not "inside at closing"
        figures = venue_figures(self.venue_b, now=timezone.now())
        row = figures.days[-2]
        self.assertEqual(row.checkins, 4)
        self.assertEqual(row.open_at_close, 2)
        self.assertEqual(row.no_exit, 2)
        self.assertEqual(figures.closing_label, "18:00")


class MaskedNameTest(OversightTestCase):
    def test_names_are_masked(self) -> None:
        self.assertEqual(masked_name("Nguyễn Văn An"), "N. V. A.")
        self.assertEqual(masked_name("  "), "—")


class TwoLevelUnitFiguresTest(UnitFiguresTest, RavaoTwoLevelTestCase):
    """The same figures against direct counts on today's map (issue 14, item 5): province → ward."""


class TwoLevelIdleVenuesTest(IdleVenuesTest, RavaoTwoLevelTestCase):
    """Venues that do not scan, on today's map."""
