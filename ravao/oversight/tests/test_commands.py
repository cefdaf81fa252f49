"""`ravao rollup_stats` and `ravao remind_venues`."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.utils import timezone

from ravao.notifications.services import notifications_send_due
from ravao.oversight.models import DailyVenueStats, Reminder, RollupRun
from ravao.oversight.tests.base import TODAY, OversightTestCase


class RollupCommandTest(OversightTestCase):
    def test_it_rolls_up_today_and_yesterday(self) -> None:
        self.make_week()
        out = StringIO()
        call_command("rollup_stats", stdout=out)
        self.assertEqual(
            sorted(RollupRun.objects.values_list("day", flat=True)), [TODAY - timedelta(days=1), TODAY]
        )
        self.assertIn(f"{TODAY}:", out.getvalue())

    def test_it_rolls_up_the_days_given(self) -> None:
        self.make_week()
        call_command("rollup_stats", "--day", "2021-09-12", "--last", "2", stdout=StringIO())
        self.assertEqual(
            sorted(RollupRun.objects.values_list("day", flat=True)),
            [TODAY - timedelta(days=3), TODAY - timedelta(days=1), TODAY],
        )
        self.assertEqual(DailyVenueStats.objects.get(day=TODAY - timedelta(days=3)).checkins, 1)

    def test_it_rejects_a_bad_day(self) -> None:
        with self.assertRaises(CommandError):
            call_command("rollup_stats", "--day", "15/09/2021", stdout=StringIO())
        with self.assertRaises(CommandError):
            call_command("rollup_stats", "--last", "-1", stdout=StringIO())


class RemindCommandTest(OversightTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.make_week()
        self.manager_c = self.make_user("ba@example.vn", "Chị Ba", "venue_manager", venue=self.venue_c)
        self.carol.email = "carol@example.vn"
        self.carol.save()

    def test_it_reminds_idle_venues_and_sends_each_commune_a_summary(self) -> None:
        out = StringIO()
        call_command("remind_venues", stdout=out)
        # Idle for 3 days: only the shop (never scanned) in Hạ Bằng.
        self.assertEqual(
            list(Reminder.objects.filter(kind="venue").values_list("venue__name", flat=True)),
            ["Tạp hoá Cô Ba"],
        )
        summary = Reminder.objects.get(kind="summary")
        self.assertEqual((summary.commune, summary.venues_listed), (self.units["ha_bang"], 1))
        notifications_send_due()  # the queued messages, as cron sends them
        self.assertEqual(len(mail.outbox), 2)
        to_venue, to_commune = mail.outbox
        self.assertEqual(to_venue.to, ["ba@example.vn"])
        self.assertEqual(to_commune.to, ["carol@example.vn"])
        self.assertIn("Tạp hoá Cô Ba", to_commune.body)
        self.assertIn("1 venues reminded", out.getvalue())

    def test_a_second_run_the_same_day_sends_nothing_twice(self) -> None:
        call_command("remind_venues", stdout=StringIO())
        call_command("remind_venues", stdout=StringIO())
        self.assertEqual(Reminder.objects.count(), 2)
        notifications_send_due()  # the queued messages, as cron sends them
        self.assertEqual(len(mail.outbox), 2)
        with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
            call_command("remind_venues", stdout=StringIO())
        self.assertEqual(Reminder.objects.filter(kind="venue").count(), 2)

    def test_dry_run_and_idle_days(self) -> None:
        out = StringIO()
        call_command("remind_venues", "--dry-run", "--idle-days", "2", stdout=out)
        self.assertFalse(Reminder.objects.exists())
        notifications_send_due()  # the queued messages, as cron sends them
        self.assertEqual(len(mail.outbox), 0)
        self.assertIn("(dry run) 2 venues reminded", out.getvalue())

    def test_the_venue_page_include_lists_the_reminders(self) -> None:
        call_command("remind_venues", stdout=StringIO())
        html = Template("{% load oversight %}{% venue_reminders venue %}").render(
            Context({"venue": self.venue_c})
        )
        self.assertIn('id="reminders"', html)
        self.assertIn("15/09/2021", html)
        empty = Template("{% load oversight %}{% venue_reminders venue %}").render(
            Context({"venue": self.venue_a})
        )
        self.assertNotIn("15/09/2021", empty)
