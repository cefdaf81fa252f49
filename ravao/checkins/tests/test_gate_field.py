"""Issue 12: the gate in the field — what the server gives the gate page (findings 3, 5, 6) and the sync's
503 JSON during a database outage (finding 9). The browser side is in test_gate_field_browser.py."""

import json
from unittest import mock

from django.db import DatabaseError, OperationalError
from django.test import Client, override_settings
from django.urls import reverse

from ravao.checkins.tests.test_gate import CARD_NEW, GateTestCase, scan
from ravao.people.services import Answers
from ravao.test import make_person


class GateFieldPageTests(GateTestCase):
    @override_settings(RAVAO_RETENTION_DAYS=21)
    def test_the_page_knows_the_retention(self) -> None:
        """issue 12, finding 3: the page prunes its IndexedDB past RAVAO_RETENTION_DAYS, so it is told."""
        self.login(self.sam)
        response = self.client.get(reverse("checkins:gate", args=[self.venue_a.pk]))
        config = json.loads(response.context["gate_config"] and json.dumps(response.context["gate_config"]))
        self.assertEqual(config["retentionDays"], 21)

    def test_the_page_has_status_words_and_an_inside_count(self) -> None:
        """issue 12, findings 1 and 6: status words for the result box; the inside-now count on screen."""
        self.login(self.sam)
        self.sync(scan("phone", "0912345678"))
        response = self.client.get(reverse("checkins:gate", args=[self.venue_a.pk]))
        self.assertContains(response, 'id="inside-count"')
        self.assertContains(response, 'data-inside="1"')
        self.assertContains(response, 'id="result-word"')
        self.assertContains(response, "Xanh")


class GateFieldSyncTests(GateTestCase):
    def test_doses_and_inside_count(self) -> None:
        """issue 12, finding 6: the doses of the latest declaration and the inside-now count, per sync."""
        self.login(self.sam)
        make_person(name="Trần Thị Bích", phone="0987654321", answers=Answers(vaccine_doses=2))
        data = self.sync(scan("phone", "0987654321")).json()
        self.assertEqual(data["results"][0]["person"]["doses"], 2)
        self.assertEqual(data["inside"], 1)
        data = self.sync(scan("phone", "0912345678")).json()
        self.assertIsNone(data["results"][0]["person"]["doses"])  # never declared: unknown, not zero
        self.assertEqual(data["inside"], 2)
        # A replay answers the same.
        item = scan("phone", "0987654321", direction="out")
        self.sync(item)
        data = self.sync(item).json()
        self.assertTrue(data["results"][0]["replay"])
        self.assertEqual(data["results"][0]["person"]["doses"], 2)
        self.assertEqual(data["inside"], 1)

    def test_a_person_known_only_from_a_card_has_no_phone(self) -> None:
        """issue 12, finding 5: the gate is told there is no phone on file (it asks staff for one)."""
        self.login(self.sam)
        person = self.sync(scan("cccd", CARD_NEW)).json()["results"][0]["person"]
        self.assertEqual(person["phone"], "")
        self.assertTrue(person["no_phone"])
        person = self.sync(scan("phone", "0912345678")).json()["results"][0]["person"]
        self.assertFalse(person["no_phone"])


class GateOutageTests(GateTestCase):
    """issue 12, finding 9: during a database outage the gate sync answers its documented 503 JSON."""

    def post(self, client: Client) -> object:
        url = reverse("checkins:gate_sync", args=[self.venue_a.pk])
        body = json.dumps({"scans": [scan("phone", "0912345678")]})
        return client.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")

    def assert_503(self, response: object) -> None:
        self.assertEqual(response.status_code, 503)  # type: ignore[attr-defined]
        self.assertEqual(response["Content-Type"], "application/json")  # type: ignore[index]
        self.assertEqual(response.json()["error"], "server_error")  # type: ignore[attr-defined]

    def test_the_venue_cannot_be_read(self) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(self.sam)
        with mock.patch("ravao.checkins.gate.access.access_venue", side_effect=OperationalError("down")):
            self.assert_503(self.post(client))

    def test_the_session_cannot_be_read(self) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(self.sam)
        target = "django.contrib.sessions.backends.db.SessionStore.load"
        with mock.patch(target, side_effect=OperationalError("down")):
            self.assert_503(self.post(client))

    def test_the_count_after_the_sync_fails(self) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(self.sam)
        with mock.patch("ravao.checkins.views_gate.inside_count", side_effect=DatabaseError("down")):
            self.assert_503(self.post(client))
