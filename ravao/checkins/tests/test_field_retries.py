"""Issue 12, findings 8 and 9 (check-in half): retried forms write once; two check-ins of one person at
two venues a few milliseconds apart never both stay open; the JSON API answers 503 JSON when the database
is down. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import random
import threading
import time
import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

from django.db import OperationalError, connections
from django.test import Client, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from ravao.checkins import visits
from ravao.checkins.gate.manual import gate_manual_entry
from ravao.checkins.models import CheckIn
from ravao.checkins.tests.test_gate import VISITOR
from ravao.checkins.tests.test_scan import FIRST_VISIT
from ravao.checkins.visits import checkin_create
from ravao.people.devices import COOKIE_NAME
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.people.services import Answers, Profile
from ravao.places.models import Venue
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase, make_person, make_units


class RetriedFormTests(RavaoTestCase):
    def url(self) -> str:
        return reverse("checkins:scan", args=[self.venue_a.qr_code])

    def test_a_retried_first_visit_records_one_of_everything(self) -> None:
        """issue 12, finding 8: the same first-visit form sent twice (the first answer lost on the way)
        records one person, one device, one declaration, one check-in; the retrying phone gets the first
        answer and keeps the owner device."""
        data = {**FIRST_VISIT, "client_id": self.new_client_id()}
        persons, devices, declarations = (
            Person.objects.count(),
            Device.objects.count(),
            HealthDeclaration.objects.count(),
        )
        first = Client().post(self.url(), data)
        self.assertEqual(first.status_code, 200)
        phone = Client()  # the first answer never reached the phone: no cookie
        retry = phone.post(self.url(), data)
        self.assertEqual(retry.status_code, 200)
        self.assertEqual(Person.objects.count(), persons + 1)
        self.assertEqual(Device.objects.count(), devices + 1)
        self.assertEqual(HealthDeclaration.objects.count(), declarations + 1)
        self.assertEqual(CheckIn.objects.filter(client_id=data["client_id"]).count(), 1)
        # The same device key (the signature's timestamp differs).
        key = str(CheckIn.objects.get(client_id=data["client_id"]).device.key)  # type: ignore[union-attr]
        self.assertEqual(retry.cookies[COOKIE_NAME].value.split(":")[0], key)
        self.assertEqual(first.cookies[COOKIE_NAME].value.split(":")[0], key)
        self.assertEqual(phone.get(reverse("people:family_declare")).status_code, 200)

    def test_a_double_reconfirm_adds_one_declaration(self) -> None:
        """issue 12, finding 8: "reconfirm" tapped twice (same client_id) re-declares once."""
        HealthDeclaration.objects.filter(person=self.visitor).update(
            created_at=timezone.now() - timedelta(days=2)
        )
        client = self.device_client()
        data = {"action": "reconfirm", "client_id": self.new_client_id()}
        self.assertEqual(client.post(self.url(), data).status_code, 200)
        self.assertEqual(client.post(self.url(), data).status_code, 200)
        self.assertEqual(HealthDeclaration.objects.filter(person=self.visitor).count(), 2)
        self.assertEqual(CheckIn.objects.filter(person=self.visitor).count(), 1)

    def test_a_double_update_adds_one_declaration(self) -> None:
        """issue 12, finding 8: a declaration form posted twice (same client_id) declares once."""
        answers = {k: v for k, v in FIRST_VISIT.items() if k in Answers.__dataclass_fields__}
        data = {**answers, "consent": "on", "action": "update", "client_id": self.new_client_id()}
        client = self.device_client()
        client.post(self.url(), data)
        client.post(self.url(), data)
        self.assertEqual(HealthDeclaration.objects.filter(person=self.visitor).count(), 2)
        self.assertEqual(CheckIn.objects.filter(person=self.visitor).count(), 1)

    def test_a_retried_staff_entry_declares_and_audits_once(self) -> None:
        """issue 12, finding 8: staff visitor entry sent twice is one declaration and one audit row."""
        client_id = uuid.uuid4()
        profile = Profile(
            full_name=VISITOR["full_name"], phone="0912000111", id_number=None, year_of_birth=1941,
            sex="female", nationality="Việt Nam", commune=None, address="", email="",
        )  # fmt: skip
        results = [
            gate_manual_entry(
                venue=self.venue_a,
                area=None,
                staff=self.sam,
                role="venue_staff",
                profile=profile,
                answers=Answers(),
                client_id=client_id,
                now=timezone.now(),
            )
            for _ in range(2)
        ]
        person = results[0][1]
        self.assertEqual(results[1][0].pk, results[0][0].pk)
        self.assertEqual(results[1][1].pk, person.pk)
        self.assertEqual(HealthDeclaration.objects.filter(person=person).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="gate.manual", person_id=person.pk).count(), 1)
        self.assertEqual(CheckIn.objects.filter(person=person).count(), 1)

    def test_a_staff_entry_with_someone_elses_id_shows_nothing_of_theirs(self) -> None:
        """issue 12, finding 8: an id that is another venue's check-in is not a retry: the visitor is
        entered under a fresh id and nothing of the other person comes back."""
        theirs = self.device_client().post(
            self.url(), {"action": "checkin", "client_id": self.new_client_id()}
        )
        other = CheckIn.objects.get(person=self.visitor)
        self.assertEqual(theirs.status_code, 200)
        profile = Profile(
            full_name=VISITOR["full_name"], phone="0912000111", id_number=None, year_of_birth=1941,
            sex="female", nationality="Việt Nam", commune=None, address="", email="",
        )  # fmt: skip
        checkin, person, created = gate_manual_entry(
            venue=self.venue_b, area=None, staff=self.bob, role="venue_manager", profile=profile,
            answers=None, client_id=other.client_id, now=timezone.now(),
        )  # fmt: skip
        self.assertTrue(created)
        self.assertNotEqual(person.pk, self.visitor.pk)
        self.assertNotEqual(checkin.pk, other.pk)
        self.assertEqual(checkin.venue_id, self.venue_b.pk)
        self.assertEqual(AuditEvent.objects.filter(action="gate.manual", person_id=person.pk).count(), 1)


class DatabaseOutageTests(RavaoTestCase):
    def test_the_api_answers_503_json_when_the_database_is_down(self) -> None:
        """issue 12, finding 9: a database outage gives the API's documented 503 JSON, not an HTML 500."""
        with mock.patch("ravao.api.api.scan_target", side_effect=OperationalError("connection refused")):
            response = Client(raise_request_exception=False).get(f"/api/v1/scan/{self.venue_a.qr_code}")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(response.json()["code"], "unavailable")

    def test_the_api_answers_503_when_authentication_cannot_reach_the_database(self) -> None:
        """issue 12, finding 9: the device look-up itself fails (the first query of a check-in, which reads
        the device with everything else since issue 13: `onetap_read`)."""
        with mock.patch("ravao.checkins.onetap.onetap_read", side_effect=OperationalError("gone")):
            response = self.device_client().post(
                "/api/v1/checkins",
                {"poster_code": self.venue_a.qr_code, "client_id": self.new_client_id()},
                content_type="application/json",
            )
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["code"], "unavailable")


class SimultaneousCheckInTests(TransactionTestCase):
    """A TransactionTestCase: each thread's transaction really commits and races with the other."""

    def test_two_checkins_milliseconds_apart_at_two_venues_leave_one_open(self) -> None:
        """issue 12, finding 9: the same person checked in at two venues 10–15 ms apart (two phones, or a
        phone and a gate): the later check-in closes the earlier, they never both stay open."""
        units = make_units()
        venues = [
            Venue.objects.create(
                code=f"V{i}",
                name=f"Nơi {i}",
                kind="factory",
                commune=units["ha_bang"],
                address="KCN",
                phone="0243000000",
                status="active",
            )
            for i in range(2)
        ]
        person = make_person()
        original = visits._close_open_visits

        def slow_close(**kwargs: Any) -> None:
            # Widen the window between reading the open visits and inserting the new one.
            original(**kwargs)
            time.sleep(0.05)

        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def worker(venue: Venue, delay: float) -> None:
            try:
                barrier.wait()
                time.sleep(delay)
                for _attempt in range(200):
                    try:
                        checkin_create(
                            person=person, venue=venue, area=None, method=CheckIn.Method.SELF_SCAN,
                            at=timezone.now(), client_id=uuid.uuid4(),
                        )  # fmt: skip
                        break
                    except OperationalError:
                        # SQLite's shared in-memory test database refuses a second writer ("table is
                        # locked") instead of waiting: the page answers 503 and the phone retries.
                        time.sleep(random.uniform(0.001, 0.02))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        with mock.patch.object(visits, "_close_open_visits", slow_close):
            threads = [
                threading.Thread(target=worker, args=(venues[0], 0.0)),
                threading.Thread(target=worker, args=(venues[1], 0.012)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(CheckIn.objects.filter(person=person).count(), 2)
        self.assertEqual(CheckIn.objects.filter(person=person, checked_out_at__isnull=True).count(), 1)
