"""The JSON one-tap check-in with household members (issue 9, build item 3)."""

import json
import uuid
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.people.models import Device, HealthDeclaration
from ravao.people.services import Answers, device_register
from ravao.people.tests.test_household import add_member
from ravao.test import RavaoTestCase, make_person


class HouseholdCheckInApiTests(RavaoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.child = add_member(self.visitor, "Nguyễn Thị Con")
        self.grandma = add_member(self.visitor, "Trần Thị Bà")

    def post(self, payload: dict[str, Any], device: Device | None = None) -> Any:
        client = Client(enforce_csrf_checks=True)
        client.cookies.update(self.device_client(device).cookies)
        client.get("/")
        token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
        return client.post(
            "/api/v1/checkins", json.dumps(payload), content_type="application/json", HTTP_X_CSRFTOKEN=token
        )

    def payload(self, *members: object, client_id: str | None = None) -> dict[str, Any]:
        return {
            "poster_code": self.venue_a.qr_code,
            "client_id": client_id or str(uuid.uuid4()),
            "members": [str(m) for m in members],
        }

    def test_the_holder_and_the_chosen_members_check_in_once(self) -> None:
        payload = self.payload(self.child.public_id, self.grandma.public_id)
        first = self.post(payload)
        self.assertEqual(first.status_code, 201, first.content)
        body = first.json()
        self.assertEqual(str(body["client_id"]), payload["client_id"])
        self.assertEqual([m["full_name"] for m in body["members"]], ["Nguyễn Thị Con", "Trần Thị Bà"])
        expected = str(uuid.uuid5(uuid.UUID(payload["client_id"]), str(self.child.public_id)))
        self.assertEqual(body["members"][0]["client_id"], expected)
        self.assertEqual(CheckIn.objects.count(), 3)
        again = self.post(payload)
        self.assertEqual(again.status_code, 200)
        self.assertFalse(any(m["created"] for m in again.json()["members"]))
        self.assertEqual(CheckIn.objects.count(), 3)

    def test_no_members_is_the_plain_one_tap(self) -> None:
        response = self.post(self.payload())
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["members"], [])

    def test_unknown_foreign_and_non_owner_members_are_404(self) -> None:
        foreign = add_member(make_person(name="Phạm Văn Khác", phone="0987000999"), "Phạm Thị Nhỏ")
        non_owner = device_register(person=self.visitor, owner=False)
        for response in (
            self.post(self.payload(uuid.uuid4())),
            self.post(self.payload(foreign.public_id)),
            self.post(self.payload(self.child.public_id), device=non_owner),
        ):
            self.assertEqual(response.status_code, 404)
            self.assertEqual(response.json()["code"], "unknown_member")
            self.assertNotIn("Nhỏ", response.content.decode())
        self.assertFalse(CheckIn.objects.exists())

    def test_a_stale_member_declaration_is_refused(self) -> None:
        HealthDeclaration.objects.filter(person=self.grandma).update(
            created_at=timezone.now() - timedelta(days=2)
        )
        response = self.post(self.payload(self.child.public_id, self.grandma.public_id))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "member_declaration_stale")
        self.assertFalse(CheckIn.objects.exists())

    def test_bad_input_and_anonymous(self) -> None:
        response = self.post({**self.payload(), "members": ["nope"]})
        self.assertEqual(response.status_code, 422)
        anonymous = Client().post(
            "/api/v1/checkins",
            json.dumps(self.payload(self.child.public_id)),
            content_type="application/json",
        )
        self.assertEqual(anonymous.status_code, 401)
        self.assertFalse(CheckIn.objects.exists())

    def test_each_member_gets_their_own_colour(self) -> None:
        from ravao.people.services import declaration_submit

        declaration_submit(
            person=self.child, answers=Answers(fever=True), now=timezone.now(), declared_by=self.visitor
        )
        body = self.post(self.payload(self.child.public_id)).json()
        self.assertEqual(body["status"], "green")
        self.assertEqual(body["members"][0]["status"], "yellow")
