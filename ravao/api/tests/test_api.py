import json
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import HealthDeclaration
from ravao.test import RavaoTestCase

ROOT = Path(__file__).resolve().parents[3]


class ScanInfoTests(RavaoTestCase):
    def test_it_describes_a_poster_code(self):
        response = Client().get(f"/api/v1/scan/{self.venue_a.qr_code}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["name"], "Công ty May Hạ Bằng")
        self.assertTrue(response.json()["accepting"])

    def test_unknown_code(self):
        response = Client().get("/api/v1/scan/nope")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "unknown_code")


class CheckInApiTests(RavaoTestCase):
    def post(self, client: Client, payload: dict) -> object:
        client.get("/")  # obtain the CSRF cookie as the page would
        token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
        return client.post(
            "/api/v1/checkins", json.dumps(payload), content_type="application/json", HTTP_X_CSRFTOKEN=token
        )

    def test_it_checks_in_once(self):
        client = Client(enforce_csrf_checks=True)
        client.cookies.update(self.device_client().cookies)
        payload = {"poster_code": self.venue_a.qr_code, "client_id": str(uuid.uuid4())}
        first = self.post(client, payload)
        self.assertEqual(first.status_code, 201, first.content)
        again = self.post(client, payload)
        self.assertEqual(again.status_code, 200)
        self.assertFalse(again.json()["created"])
        self.assertEqual(CheckIn.objects.count(), 1)
        visits = client.get("/api/v1/me/visits")
        self.assertEqual(len(visits.json()), 1)

    def test_anonymous(self):
        response = Client().post(
            "/api/v1/checkins",
            json.dumps({"poster_code": self.venue_a.qr_code, "client_id": str(uuid.uuid4())}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 401)

    def test_bad_input(self):
        client = self.device_client()
        response = client.post("/api/v1/checkins", "{not json", content_type="application/json")
        self.assertIn(response.status_code, (400, 403, 422))
        response = client.post(
            "/api/v1/checkins",
            json.dumps({"poster_code": "x", "client_id": "not-a-uuid"}),
            content_type="application/json",
        )
        self.assertIn(response.status_code, (403, 422))
        self.assertEqual(CheckIn.objects.count(), 0)

    def test_stale_declaration(self):
        HealthDeclaration.objects.update(created_at=timezone.now() - timedelta(days=3))
        client = Client(enforce_csrf_checks=True)
        client.cookies.update(self.device_client().cookies)
        response = self.post(client, {"poster_code": self.venue_a.qr_code, "client_id": str(uuid.uuid4())})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "declaration_stale")

    def test_someone_elses_client_id(self):
        from ravao.test import make_person

        other = make_person(name="Lê Thị Cúc", phone="0977000111")
        existing = CheckIn.objects.create(
            person=other, venue=self.venue_b, checked_in_at=timezone.now(), method="self"
        )
        client = Client(enforce_csrf_checks=True)
        client.cookies.update(self.device_client().cookies)
        response = self.post(
            client, {"poster_code": self.venue_a.qr_code, "client_id": str(existing.client_id)}
        )
        self.assertEqual(response.status_code, 409)
        self.assertNotIn("Cúc", response.content.decode())


class OpenApiTests(RavaoTestCase):
    def test_committed_schema_matches_the_code(self):
        out = StringIO()
        call_command("export_openapi_schema", api="ravao.api.api.api", indent=2, sorted=True, stdout=out)
        committed = (ROOT / "docs" / "api" / "openapi.json").read_text()
        # Python 3.13 renamed HTTP 422's phrase ("Unprocessable Entity" → "Unprocessable Content"), which
        # ninja copies into the schema; the file is written on 3.11 and compared on every supported version.
        generated = out.getvalue().replace('"Unprocessable Content"', '"Unprocessable Entity"')
        self.assertEqual(
            json.loads(generated), json.loads(committed), "docs/api/openapi.json is stale: run `make openapi`"
        )
