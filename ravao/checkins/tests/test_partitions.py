"""Check-ins partitioned by day on PostgreSQL (issue 13, item 4): idempotency stays global, partitions are
made ahead, and the purge drops whole days with what on_delete would have done. SQLite keeps a plain table."""

import uuid
from datetime import datetime, time, timedelta
from io import StringIO
from unittest import skipUnless

from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from ravao.checkins.models import CheckIn, CheckInClientKey, CheckInFlag, GateScan
from ravao.checkins.partitions import (
    DEFAULT,
    day_bounds,
    default_partition_rows,
    is_partitioned,
    partition_name,
    partitions_ensure,
    partitions_list,
)
from ravao.checkins.services import checkin_create
from ravao.privacy.retention import retention_purge
from ravao.test import RavaoTestCase

on_postgresql = skipUnless(connection.vendor == "postgresql", "check-ins are partitioned on PostgreSQL only")


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0] is not None


def rows_in(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 -- a partition name of the test
        return int(cursor.fetchone()[0])


class PlainTableTests(RavaoTestCase):
    @skipUnless(connection.vendor == "sqlite", "SQLite only")
    def test_sqlite_keeps_a_plain_table_and_the_command_says_so(self):
        self.assertFalse(is_partitioned())
        self.assertEqual(partitions_ensure(today=timezone.localdate(), ahead=7), [])
        out = StringIO()
        call_command("partitions", stdout=out)
        self.assertIn("not partitioned", out.getvalue())

    def test_the_command_refuses_a_silly_horizon(self):
        from django.core.management.base import CommandError

        with self.assertRaises(CommandError):
            call_command("partitions", "--ahead", "-1", stdout=StringIO())


@on_postgresql
class PartitionedTableTests(RavaoTestCase):
    def checkin(self, at: datetime, client_id: uuid.UUID | None = None) -> CheckIn:
        return CheckIn.objects.create(
            client_id=client_id or uuid.uuid4(), person=self.visitor, venue=self.venue_a, checked_in_at=at,
            method=CheckIn.Method.SELF_SCAN,
        )  # fmt: skip

    def test_the_table_is_partitioned_by_day_ahead(self):
        self.assertTrue(is_partitioned())
        days = {p.day for p in partitions_list()}
        today = timezone.localdate()
        self.assertTrue({today + timedelta(days=n) for n in range(8)} <= days)
        self.assertTrue(table_exists(DEFAULT))

    def test_a_client_id_is_unique_across_days(self):
        """The same client_id on another day (another partition) is refused like a unique index refuses it."""
        client_id = uuid.uuid4()
        now = timezone.now()
        self.checkin(now, client_id)
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.checkin(now - timedelta(days=2), client_id)

    def test_checkin_create_answers_a_replay_with_the_first_row(self):
        """The service's replay path (IntegrityError, then a read by client_id) is unchanged."""
        client_id, now = uuid.uuid4(), timezone.now()
        first, created = checkin_create(
            person=self.visitor, venue=self.venue_a, area=None, method="self", at=now, client_id=client_id
        )
        again, created_again = checkin_create(
            person=self.visitor, venue=self.venue_b, area=None, method="self",
            at=now + timedelta(hours=3), client_id=client_id,
        )  # fmt: skip
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(CheckIn.objects.filter(client_id=client_id).count(), 1)

    def test_keys_follow_their_rows(self):
        """Deleted with the row (a person's deletion); moved with it when an update changes its day."""
        now = timezone.now()
        moved, gone = self.checkin(now), self.checkin(now)
        CheckIn.objects.filter(pk=moved.pk).update(checked_in_at=now - timedelta(days=3))
        gone.delete()
        self.assertEqual(
            set(CheckInClientKey.objects.values_list("client_id", flat=True)),
            set(CheckIn.objects.values_list("client_id", flat=True)),
        )
        self.assertFalse(CheckInClientKey.objects.filter(client_id=gone.client_id).exists())
        # The freed id can be used again (as with a unique index once the row is gone).
        self.checkin(now, gone.client_id)

    def test_making_partitions_is_idempotent_and_takes_in_stranded_rows(self):
        """A day with no partition lands in the default partition; making it moves the rows there."""
        far = timezone.localdate() + timedelta(days=40)
        start, _end = day_bounds(far)
        stranded = self.checkin(start + timedelta(hours=9))
        self.assertEqual(default_partition_rows(), 1)
        made = [partition_name(far), partition_name(far + timedelta(days=1))]
        self.assertEqual(partitions_ensure(today=far, ahead=1), made)
        self.assertEqual(partitions_ensure(today=far, ahead=1), [])
        self.assertEqual(default_partition_rows(), 0)
        self.assertEqual(rows_in(partition_name(far)), 1)
        self.assertTrue(CheckInClientKey.objects.filter(client_id=stranded.client_id).exists())
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.checkin(timezone.now(), stranded.client_id)

    def test_the_command_makes_the_days_ahead(self):
        out = StringIO()
        call_command("partitions", "--ahead", "10", stdout=out)
        self.assertTrue(table_exists(partition_name(timezone.localdate() + timedelta(days=10))))
        out2 = StringIO()
        call_command("partitions", "--ahead", "10", stdout=out2)
        self.assertIn("0 partitions created", out2.getvalue())

    @override_settings(RAVAO_RETENTION_DAYS=28)
    def test_the_purge_drops_whole_days_and_applies_on_delete(self):
        now = timezone.now()
        cutoff = now - timedelta(days=28)
        old_day = timezone.localtime(cutoff).date() - timedelta(days=2)
        partitions_ensure(today=old_day, ahead=0)
        start, _ = day_bounds(old_day)
        old = [self.checkin(start + timedelta(hours=h)) for h in (8, 12, 17)]
        in_default = self.checkin(start - timedelta(days=5))  # before every partition: the default one
        zone = timezone.get_current_timezone()
        cutoff_day = datetime.combine(timezone.localtime(cutoff).date(), time(), zone)
        partitions_ensure(today=cutoff_day.date(), ahead=0)
        same_day_before = self.checkin(max(cutoff_day, cutoff - timedelta(minutes=1)))
        kept = self.checkin(cutoff + timedelta(minutes=1))
        CheckInFlag.objects.create(checkin=old[0], kind="burst", related=kept, created_at=now)
        pointing = CheckInFlag.objects.create(checkin=kept, kind="travel", related=old[1], created_at=now)
        scan = GateScan.objects.create(
            client_id=uuid.uuid4(), venue=self.venue_a, kind="token", direction="in",
            scanned_at=cutoff + timedelta(minutes=2), received_at=now, person=self.visitor, checkin=old[2],
            outcome="checked_in",
        )  # fmt: skip

        run = retention_purge(now=now, batch_size=2)

        self.assertFalse(table_exists(partition_name(old_day)))
        self.assertEqual(list(CheckIn.objects.all()), [kept])
        self.assertEqual(run.counts["checkins.CheckIn"], 5)  # 3 dropped with their day, 2 deleted in batches
        self.assertEqual(run.counts["checkins.CheckInFlag"], 1)
        self.assertEqual(list(CheckInFlag.objects.all()), [pointing])
        pointing.refresh_from_db()
        scan.refresh_from_db()
        self.assertIsNone(pointing.related_id)
        self.assertIsNone(scan.checkin_id)
        self.assertEqual(list(CheckInClientKey.objects.values_list("client_id", flat=True)), [kept.client_id])
        for row in (*old, in_default, same_day_before):  # their ids are free again
            self.assertFalse(CheckIn.objects.filter(client_id=row.client_id).exists())
        self.assertTrue(table_exists(partition_name(timezone.localdate() + timedelta(days=7))))

    @override_settings(RAVAO_RETENTION_DAYS=28)
    def test_a_purge_killed_between_two_days_leaves_true_counts(self):
        """Each dropped day is counted in its own transaction: a purge that dies after the first day has
        dropped that day and counted exactly it."""
        from unittest import mock

        from ravao.checkins import partitions
        from ravao.privacy.models import PurgeRun

        now = timezone.now()
        first = timezone.localtime(now - timedelta(days=28)).date() - timedelta(days=3)
        partitions_ensure(today=first, ahead=1)
        for day, hours in ((first, (8, 9)), (first + timedelta(days=1), (10,))):
            for hour in hours:
                self.checkin(day_bounds(day)[0] + timedelta(hours=hour))

        real_drop = partitions.DroppedDay

        def dies_on_day_two(*args: object) -> partitions.DroppedDay:
            if args[0] == partition_name(first + timedelta(days=1)):
                raise RuntimeError("killed")
            return real_drop(*args)

        with mock.patch.object(partitions, "DroppedDay", dies_on_day_two), self.assertRaises(RuntimeError):
            retention_purge(now=now)
        run = PurgeRun.objects.get()
        self.assertIsNone(run.finished_at)
        self.assertEqual(run.counts["checkins.CheckIn"], 2)
        self.assertEqual(run.counts["checkins.CheckInClientKey"], 2)
        self.assertFalse(table_exists(partition_name(first)))
        self.assertTrue(table_exists(partition_name(first + timedelta(days=1))))
        self.assertEqual(CheckIn.objects.count(), 1)
