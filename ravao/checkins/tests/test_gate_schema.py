"""The gate sync's input schema (issue 12, Structure): every malformed item is reported as `bad_item`
with a translated message, the good items of the batch are kept, and nothing answers a 500."""

import json
from datetime import timedelta
from typing import Any

from django.test import override_settings
from django.urls import reverse
from django.utils.translation import override

from ravao.checkins.gate.parsing import ItemError, parse_scan
from ravao.checkins.gate.scans import GateScanInput
from ravao.checkins.models import CheckIn, GateScan
from ravao.checkins.tests.test_gate import GateTestCase, scan
from ravao.places.models import Area

GOOD_ID = "7d4ad3c2-6c3e-4d0b-9d0e-5b1e7b0c2a11"


class SchemaTests(GateTestCase):
    """The schema alone, item by item (no request)."""

    def item(self, **changes: Any) -> dict[str, Any]:
        item = scan("phone", "0912345678", client_id=GOOD_ID)
        item.update(changes)
        return item

    def parse(self, item: object, areas: dict[int, Area] | None = None) -> GateScanInput | ItemError:
        return parse_scan(item, areas=areas or {}, index=4)

    def assertBad(self, item: object, client_id: str = GOOD_ID) -> None:
        result = self.parse(item)
        self.assertEqual(result, ItemError(4, client_id, "bad_item"), item)

    def test_a_good_item(self) -> None:
        area = Area.objects.create(venue=self.venue_a, name="Chuyền 1", kind="line")
        for area_value in (area.pk, str(area.pk)):  # gate.js sends the <select>'s value, a string
            result = self.parse(self.item(area=area_value, direction="out"), {area.pk: area})
            assert isinstance(result, GateScanInput)
            self.assertEqual((result.area, result.direction, result.kind), (area, "out", "phone"))
        for no_area in (None, ""):
            result = self.parse(self.item(area=no_area))
            assert isinstance(result, GateScanInput)
            self.assertIsNone(result.area)
        result = self.parse({k: v for k, v in self.item().items() if k not in ("direction", "area")})
        assert isinstance(result, GateScanInput)
        self.assertEqual(result.direction, "in")  # the documented default

    def test_wrong_types(self) -> None:
        for changes in (
            {"kind": 3},
            {"kind": ["phone"]},
            {"payload": 912345678},
            {"payload": None},
            {"direction": None},
            {"direction": 1},
            {"area": True},
            {"area": 1.5},
            {"area": [1]},
            {"area": {"id": 1}},
            {"scanned_at": 1767225600},
            {"scanned_at": None},
        ):
            with self.subTest(changes):
                self.assertBad(self.item(**changes))
        self.assertBad("garbage", client_id="")
        self.assertBad(["a", "list"], client_id="")
        self.assertBad(None, client_id="")

    def test_missing_fields(self) -> None:
        for field in ("kind", "payload", "scanned_at"):
            with self.subTest(field):
                self.assertBad({k: v for k, v in self.item().items() if k != field})
        self.assertBad({}, client_id="None")

    def test_unknown_values(self) -> None:
        for changes in ({"kind": "fingerprint"}, {"direction": "sideways"}, {"area": 999999}, {"area": "x"}):
            with self.subTest(changes):
                self.assertBad(self.item(**changes))
        self.assertBad(self.item(payload="x" * 2001))

    def test_bad_uuid(self) -> None:
        for raw in ("not-a-uuid", "", "7d4ad3c2-6c3e-4d0b-9d0e", 12345, None):
            with self.subTest(raw):
                self.assertBad(self.item(client_id=raw), client_id=str(raw)[:64])
        self.assertBad(self.item(client_id="z" * 500), client_id="z" * 64)

    def test_bad_timestamps(self) -> None:
        """A naive time, a time that is not one, and a well-formed impossible date: each a bad item."""
        for raw in (
            "2026-11-29T10:00:00",  # no offset: the device's clock zone is unknown
            "yesterday",
            "",
            "2026-02-30T10:00:00+07:00",  # well-formed, impossible: parse_datetime raises ValueError
            "2026-11-29T25:00:00+07:00",
            "2026-11-29T10:00:00+25:00",
        ):
            with self.subTest(raw):
                self.assertBad(self.item(scanned_at=raw))
        result = self.parse(self.item(scanned_at="2026-11-29T03:00:00Z"))
        assert isinstance(result, GateScanInput)
        self.assertEqual(result.scanned_at.utcoffset(), timedelta(0))


class SyncSchemaViewTests(GateTestCase):
    """The same through the sync view: one answer per item, in order, translated."""

    def setUp(self) -> None:
        super().setUp()
        self.login(self.sam)

    def test_an_impossible_date_is_a_bad_item_not_a_500(self) -> None:
        response = self.sync(
            scan("phone", "0912345678"), scan("phone", "0912345678", scanned_at="2026-02-30T10:00:00+07:00")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r["outcome"] for r in response.json()["results"]], ["checked_in", "bad_item"])
        self.assertEqual(CheckIn.objects.count(), 1)
        self.assertEqual(GateScan.objects.count(), 1)

    def test_the_message_is_in_the_staff_members_language(self) -> None:
        with override("vi"):
            result = self.sync({"client_id": "nope"}).json()["results"][0]
        self.assertEqual(result["outcome"], "bad_item")
        self.assertEqual(result["client_id"], "nope")
        self.assertEqual(result["index"], 0)
        self.assertNotIn("could not be read", result["message"])  # Vietnamese, not the English msgid
        self.assertTrue(result["message"])
        self.assertFalse(result["ok"])

    def test_a_batch_of_only_bad_items_writes_nothing(self) -> None:
        response = self.sync(*([{"kind": "phone"}] * 5), "x", 7, None, [])
        self.assertEqual(response.status_code, 200)
        self.assertEqual({r["outcome"] for r in response.json()["results"]}, {"bad_item"})
        self.assertEqual(len(response.json()["results"]), 9)
        self.assertFalse(GateScan.objects.exists())

    @override_settings(RAVAO_GATE_SYNC_MAX_BATCH=2)
    def test_too_many_items(self) -> None:
        response = self.sync(*[{"kind": "bad"}] * 3)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["error"], "batch_too_large")
        self.assertIn("2", response.json()["message"])
        self.assertFalse(GateScan.objects.exists())

    def test_bad_envelopes(self) -> None:
        url = reverse("checkins:gate_sync", args=[self.venue_a.pk])
        bodies = ("{not json", "[]", '{"scans": 3}', '{"scans": null}', '{"scans": {"a": 1}}', '"s"', "null")
        for body in bodies:
            with self.subTest(body):
                response = self.client.post(url, body, content_type="application/json")
                self.assertEqual(response.status_code, 400, body)
                self.assertEqual(response.json()["error"], "bad_json")
        body = json.dumps({"scans": [], "extra": 1})
        response = self.client.post(url, body, content_type="application/json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["results"], [])

    def test_retried_batch_with_a_bad_item(self) -> None:
        batch = [scan("phone", "0912345678"), {"client_id": "nope"}]
        first = self.sync(*batch).json()["results"]
        again = self.sync(*batch).json()["results"]
        self.assertEqual([r["outcome"] for r in first], ["checked_in", "bad_item"])
        self.assertEqual([r["outcome"] for r in again], ["checked_in", "bad_item"])
        self.assertTrue(again[0]["replay"])
        self.assertEqual(CheckIn.objects.count(), 1)
