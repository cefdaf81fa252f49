"""Two code requests for one phone at the same instant (a double tap, a script): the limits hold."""

import random
import threading
import time
import unittest
from typing import Any
from unittest import mock

from django.db import OperationalError, connection, connections
from django.test import TransactionTestCase
from django.utils import timezone

from ravao.lib.sms import LoggingSmsSender
from ravao.people import verification
from ravao.people.models import Device, PhoneVerificationEvent
from ravao.test import make_person


@unittest.skipUnless(connection.vendor == "postgresql", "a race between two database connections")
class SimultaneousSendTests(TransactionTestCase):
    """PostgreSQL only: SQLite runs one write transaction at a time (IMMEDIATE), and its shared in-memory test
    database refuses a second writer mid-transaction instead of waiting, which is not the race."""

    def test_two_sends_at_once_for_one_phone_send_one_code(self) -> None:
        """Both requests read "no code sent in the last minute" before either records its send, so both
        sent a code (and N parallel requests could send N, past the hourly limit). Now the second waits for
        the first's transaction and is refused by the cooldown."""
        person = make_person(phone="0912000111")
        devices = [Device.objects.create(person=person) for _ in range(2)]
        LoggingSmsSender.outbox.clear()
        original = verification._send_refusal

        def slow_refusal(**kwargs: Any) -> Any:
            # Widen the window between counting the recent sends and recording this one.
            found = original(**kwargs)
            time.sleep(0.2)
            return found

        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def worker(device: Device, address: str) -> None:
            try:
                barrier.wait()
                for _attempt in range(200):
                    try:
                        verification.verification_send(
                            phone=person.phone, device=device, client_address=address, now=timezone.now()
                        )
                        outcomes.append("sent")
                        break
                    except verification.VerificationRefused as refused:
                        outcomes.append(str(refused.reason))
                        break
                    except OperationalError:
                        # SQLite's shared in-memory test database refuses a second writer instead of
                        # waiting; the page answers 503 and the phone retries.
                        time.sleep(random.uniform(0.001, 0.02))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        with mock.patch.object(verification, "_send_refusal", slow_refusal):
            threads = [
                threading.Thread(target=worker, args=(devices[0], "203.0.113.1")),
                threading.Thread(target=worker, args=(devices[1], "203.0.113.2")),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(errors, [])
        # (On SQLite a thread whose later write met the other writer retries and meets its own cooldown.)
        self.assertIn("cooldown", outcomes)
        self.assertEqual(PhoneVerificationEvent.objects.filter(kind="send", outcome="sent").count(), 1)
        self.assertEqual(len([m for m in LoggingSmsSender.outbox if m.kind == "otp"]), 1)
