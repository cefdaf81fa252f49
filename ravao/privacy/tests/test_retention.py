from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.services import Answers, declaration_submit, device_register
from ravao.privacy.models import PurgeRun
from ravao.privacy.retention import _PURGERS, register_purger, retention_purge
from ravao.test import RavaoTestCase, make_person


@override_settings(RAVAO_RETENTION_DAYS=28)
class RetentionTests(RavaoTestCase):
    def test_nothing_older_survives_and_nothing_newer_is_touched(self):
        now = timezone.now()
        cutoff = now - timedelta(days=28)
        old_person = make_person(name="Đỗ Văn Cũ", phone="0911000001", declared_at=cutoff - timedelta(days=3))
        Person.objects.filter(pk=old_person.pk).update(created_at=cutoff - timedelta(days=5))
        with time_machine.travel(cutoff - timedelta(days=5)):
            old_device = device_register(person=old_person, owner=True)
        CheckIn.objects.create(
            person=old_person, venue=self.venue_a, checked_in_at=cutoff - timedelta(minutes=1), method="self"
        )
        kept = CheckIn.objects.create(
            person=self.visitor,
            venue=self.venue_a,
            checked_in_at=cutoff + timedelta(minutes=1),
            method="self",
        )
        declaration_submit(person=self.visitor, answers=Answers(), now=cutoff + timedelta(minutes=1))
        HealthDeclaration.objects.filter(person=self.visitor).update(
            created_at=cutoff + timedelta(seconds=30)
        )

        run = retention_purge(now=now, batch_size=1)

        self.assertFalse(CheckIn.objects.filter(checked_in_at__lt=cutoff).exists())
        self.assertFalse(HealthDeclaration.objects.filter(created_at__lt=cutoff).exists())
        self.assertFalse(Device.objects.filter(pk=old_device.pk).exists())
        self.assertFalse(Person.objects.filter(pk=old_person.pk).exists())  # nothing left about them
        self.assertTrue(CheckIn.objects.filter(pk=kept.pk).exists())
        self.assertEqual(HealthDeclaration.objects.filter(person=self.visitor).count(), 2)
        self.assertTrue(Device.objects.filter(pk=self.visitor_device.pk).exists())
        self.assertEqual(run.counts["checkins.CheckIn"], 1)
        self.assertEqual(run.counts["people.HealthDeclaration"], 1)
        self.assertEqual(run.counts["people.Device"], 1)
        self.assertEqual(run.counts["people.Person"], 1)
        self.assertIsNotNone(run.finished_at)
        # The log holds counts and dates, never personal data.
        self.assertNotIn("Cũ", str(run.counts) + str(run.cutoffs))

    def test_a_person_under_follow_up_is_kept(self):
        now = timezone.now()
        person = make_person(name="Lý Thị Theo", phone="0911000002", declared_at=now - timedelta(days=40))
        Person.objects.filter(pk=person.pk).update(created_at=now - timedelta(days=40), case_status="contact")
        retention_purge(now=now)
        self.assertTrue(Person.objects.filter(pk=person.pk).exists())

    def test_registered_purgers_run(self):
        calls = []

        def fake(*, now, record):
            calls.append(now)
            record({"fake.Case": 2})  # what a purger does inside each batch's transaction
            return {"fake.Case": 2}

        register_purger("fake", fake)
        try:
            run = retention_purge(now=timezone.now())
        finally:
            _PURGERS[:] = [(n, p) for n, p in _PURGERS if n != "fake"]
        self.assertEqual(run.counts["fake.Case"], 2)
        self.assertEqual(len(calls), 1)

    def test_command_logs_counts(self):
        out = StringIO()
        call_command("purge", stdout=out)
        self.assertIn("checkins.CheckIn=0", out.getvalue())
        self.assertEqual(PurgeRun.objects.count(), 1)


class TracingPurgerTests(RavaoTestCase):
    def test_tracing_registers_its_purger(self):
        run = retention_purge(now=timezone.now())
        self.assertTrue(any(label.startswith("tracing.") for label in run.counts), run.counts)
