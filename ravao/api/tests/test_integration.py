"""The integration API with tokens (issue 10, item 6) and the district administrator's token page."""

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ravao.accounts.models import Role
from ravao.checkins.models import CheckIn
from ravao.privacy.models import AuditEvent
from ravao.security.models import ApiToken
from ravao.security.services import api_token_create, api_token_revoke
from ravao.test import RavaoTestCase


class TokenTestCase(RavaoTestCase):
    def make_token(self, *, role: str = Role.DISTRICT_ADMIN, unit: str = "district", days: int = 30) -> str:
        _token, secret = api_token_create(
            name="Hệ thống báo cáo",
            role=role,
            unit=self.units[unit],
            expires_at=timezone.now() + timedelta(days=days),
            created_by=self.dan,
        )
        return secret

    def api(self, method: str, path: str, secret: str | None, **kwargs: Any) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        return getattr(Client(), method)(f"/api/v1{path}", **headers, **kwargs)


class AuthenticationTests(TokenTestCase):
    def test_missing_unknown_revoked_and_expired_tokens_get_the_same_401(self) -> None:
        secret = self.make_token()
        self.assertEqual(self.api("get", "/registry/venues", secret).status_code, 200)
        token = ApiToken.objects.get()
        candidates = [None, "rv_deadbeef_nope", secret[:-2] + "xx", "Basic abc", "rv_" + "a" * 300]
        for candidate in candidates:
            with self.subTest(candidate=candidate):
                response = self.api("get", "/registry/venues", candidate, HTTP_ACCEPT_LANGUAGE="en")
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["code"], "unauthenticated")
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            self.assertEqual(self.api("get", "/registry/venues", secret).status_code, 401)
        api_token_revoke(token=token, by=self.dan)
        response = self.api("get", "/registry/venues", secret, HTTP_ACCEPT_LANGUAGE="vi")
        self.assertEqual(response.status_code, 401)
        self.assertIn("thu hồi", response.json()["message"])

    def test_only_the_hash_of_the_secret_is_stored(self) -> None:
        secret = self.make_token()
        token = ApiToken.objects.get()
        self.assertNotIn(secret.split("_", 2)[2], token.secret_hash)
        self.assertTrue(secret.startswith(f"rv_{token.prefix}_"))

    def test_every_use_is_audited_with_the_token_prefix(self) -> None:
        secret = self.make_token()
        self.api("get", "/figures", secret)
        event = AuditEvent.objects.filter(action="api.figures").get()
        self.assertEqual(event.details["token"], ApiToken.objects.get().prefix)
        self.assertEqual((event.actor_office, event.actor_unit_kind), ("UBND Huyện Thạch Thất", "district"))


class RegistryTests(TokenTestCase):
    def test_a_commune_token_sees_the_venues_of_its_commune_only(self) -> None:
        body = self.api("get", "/registry/venues", self.make_token(unit="ha_bang")).json()
        self.assertEqual([v["code"] for v in body["venues"]], ["V000001"])
        body = self.api("get", "/registry/venues?status=active&limit=1", self.make_token()).json()
        self.assertEqual((body["count"], len(body["venues"])), (2, 1))

    def test_bad_paging_is_a_422_not_a_500(self) -> None:
        response = self.api("get", "/registry/venues?limit=100000", self.make_token())
        self.assertEqual(response.status_code, 422)


class FiguresTests(TokenTestCase):
    def test_it_gives_the_unit_and_its_communes(self) -> None:
        body = self.api("get", "/figures", self.make_token()).json()
        self.assertEqual(body["unit"]["registered"], 2)
        self.assertEqual({c["name"] for c in body["children"]}, {"Xã Hạ Bằng", "Thị trấn Liên Quan"})
        self.assertTrue(body["per_day"])
        self.assertNotIn("Nguyễn", str(body))


class ImportTests(TokenTestCase):
    def rows(self, count: int, *, venue: str = "V000001") -> list[dict[str, str]]:
        start = timezone.now() - timedelta(days=2)
        return [
            {
                "venue_code": venue,
                "full_name": f"Người thứ {n}",
                "phone": f"091{n:07d}",
                "checked_in_at": (start + timedelta(minutes=n)).isoformat(),
            }
            for n in range(count)
        ]

    def post(self, secret: str, rows: list[dict[str, str]], lang: str = "vi") -> Any:
        return self.api(
            "post",
            "/import/checkins",
            secret,
            data={"rows": rows},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=lang,
        )

    def test_a_thousand_rows_are_imported_once(self) -> None:
        secret = self.make_token(role=Role.HEALTH_OFFICER)
        rows = self.rows(1000)
        before = CheckIn.objects.count()
        body = self.post(secret, rows).json()
        self.assertEqual((body["read"], body["new"], body["repeated"], body["bad"]), (1000, 1000, 0, []))
        self.assertEqual(CheckIn.objects.count(), before + 1000)
        body = self.post(secret, rows).json()  # the same file sent again
        self.assertEqual((body["new"], body["repeated"]), (0, 1000))
        self.assertEqual(CheckIn.objects.count(), before + 1000)
        self.assertEqual(AuditEvent.objects.filter(action="api.import_person").count(), 2000)

    def test_bad_rows_are_reported_by_position_in_the_request_language(self) -> None:
        secret = self.make_token(unit="ha_bang", role=Role.COMMUNE_OFFICIAL)
        rows = self.rows(3)
        rows[1]["checked_in_at"] = "hôm qua"
        rows[2]["venue_code"] = "V000002"  # a venue of another commune: unknown to this token
        body = self.post(secret, rows).json()
        self.assertEqual(body["new"], 1)
        self.assertEqual([bad["row"] for bad in body["bad"]], [2, 3])
        self.assertIn("không phải", body["bad"][0]["reason"])
        body = self.post(secret, rows, lang="en").json()
        self.assertIn("unknown venue code", body["bad"][1]["reason"])
        self.assertFalse(CheckIn.objects.filter(venue=self.venue_b, method="import").exists())

    def test_more_than_a_thousand_rows_or_a_malformed_body_is_refused(self) -> None:
        secret = self.make_token()
        self.assertEqual(self.post(secret, self.rows(1001)).status_code, 422)
        response = self.api(
            "post", "/import/checkins", secret, data="{not json", content_type="application/json"
        )
        self.assertIn(response.status_code, (400, 422))
        self.assertEqual(CheckIn.objects.filter(method="import").count(), 0)


class TokenPageTests(TokenTestCase):
    url = reverse("security:api_tokens")

    def test_the_admin_creates_a_token_and_sees_the_secret_once(self) -> None:
        self.login(self.dan)
        data = {
            "name": "Sở Y tế",
            "role": Role.HEALTH_OFFICER,
            "unit": self.units["district"].pk,
            "valid_days": 30,
        }
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 200)
        token = ApiToken.objects.get()
        secret = response.context["secret"]
        self.assertContains(response, secret)
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(self.api("get", "/figures", secret).status_code, 200)
        again = self.client.get(self.url)
        self.assertNotContains(again, secret)
        self.assertContains(again, token.prefix)
        self.assertTrue(AuditEvent.objects.filter(action="api_token.create", actor=self.dan).exists())

    def test_bad_input_is_a_400_with_the_form(self) -> None:
        self.login(self.dan)
        response = self.client.post(self.url, {"name": "", "role": "venue_staff", "valid_days": 0})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ApiToken.objects.exists())

    def test_a_unit_outside_the_admins_units_is_refused(self) -> None:
        self.login(self.dan)
        other = self.units["province"]  # above the district: not the administrator's to hand out
        data = {"name": "X", "role": Role.DISTRICT_ADMIN, "unit": other.pk, "valid_days": 30}
        self.assertEqual(self.client.post(self.url, data).status_code, 400)

    def test_others_get_a_404_and_anonymous_users_the_login(self) -> None:
        for user in (self.carol, self.hana, self.alice, self.sam):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_revoke_works_once_and_only_by_post(self) -> None:
        secret = self.make_token()
        token = ApiToken.objects.get()
        revoke = reverse("security:api_token_revoke", args=[token.pk])
        self.login(self.dan)
        self.assertEqual(self.client.get(revoke).status_code, 405)
        self.assertEqual(self.client.post(revoke).status_code, 302)
        self.assertEqual(self.client.post(revoke).status_code, 302)  # a retried click
        self.assertEqual(AuditEvent.objects.filter(action="api_token.revoke").count(), 1)
        self.assertEqual(self.api("get", "/figures", secret).status_code, 401)
        self.login(self.carol)
        self.assertEqual(self.client.post(revoke).status_code, 404)
