"""Exactly once under concurrent replays: several threads sync the same batch at the same moment.

A TransactionTestCase, so that each thread's transactions really commit and race on the unique
constraint (a TestCase would wrap everything in one transaction of the main thread).
"""

import random
import threading
import time
import uuid
from datetime import timedelta

from django.db import OperationalError, connections
from django.test import TransactionTestCase
from django.utils import timezone

from ravao.checkins.gate.scans import GateScanInput
from ravao.checkins.gate.sync import gate_sync
from ravao.checkins.models import CheckIn, GateScan
from ravao.lib.tokens import issue_token
from ravao.places.models import Venue
from ravao.privacy.models import AuditEvent
from ravao.test import make_person, make_units

THREADS = 4


class ConcurrentReplayTests(TransactionTestCase):
    def test_the_same_batch_synced_by_several_threads_at_once_is_recorded_once(self) -> None:
        units = make_units()
        venue = Venue.objects.create(
            code="V1", name="Nhà máy", kind="factory", commune=units["ha_bang"], address="KCN",
            phone="0243000000", status="active",
        )  # fmt: skip
        persons = [make_person(name=f"Công Nhân {chr(65 + i)}", phone=f"09870002{i:02d}") for i in range(10)]
        now = timezone.now()
        scans = [
            GateScanInput(
                client_id=uuid.uuid4(),
                kind="token",
                payload=issue_token(p.public_id, now=now - timedelta(hours=1), ttl=timedelta(hours=2)),
                direction="in",
                area=None,
                scanned_at=now - timedelta(minutes=i),
            )
            for i, p in enumerate(persons)
        ]
        barrier = threading.Barrier(THREADS)
        errors: list[BaseException] = []
        outcomes: list[list[str]] = []

        def worker() -> None:
            try:
                barrier.wait()
                for _attempt in range(200):
                    try:
                        results = gate_sync(
                            venue=venue, staff=None, role="venue_staff", scans=scans, now=timezone.now()
                        )
                    except OperationalError:
                        # SQLite's shared in-memory test database refuses a second writer at once ("table
                        # is locked") instead of waiting; the view answers 503 and the gate sends the batch
                        # again, which is what this loop does. PostgreSQL waits on the unique index.
                        time.sleep(random.uniform(0.001, 0.02))
                        continue
                    outcomes.append([r.outcome for r in results])
                    break
            except BaseException as exc:  # reported below: a thread's exception is otherwise lost
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(outcomes), THREADS)
        self.assertTrue(all(o == ["checked_in"] * 10 for o in outcomes), outcomes)
        self.assertEqual(CheckIn.objects.count(), 10)
        self.assertEqual(GateScan.objects.count(), 10)
        self.assertEqual(AuditEvent.objects.filter(action="gate.lookup").count(), 10)
