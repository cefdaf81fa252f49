from datetime import timedelta

import time_machine
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.models import Role
from ravao.privacy.models import AuditEvent
from ravao.security.decorators import otp_required_for_role
from ravao.security.otp import url_with_next
from ravao.test import PASSWORD, RavaoTestCase


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong(device: TOTPDevice) -> str:
    return f"{(int(code(device)) + 1) % 1_000_000:06d}"


@override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=True)
class TwoFactorTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # the code pages are rate-limited: no 429 left by earlier tests

    def password_login(self, user, next_url=""):
        data = {"username": user.username, "password": PASSWORD}
        if next_url:
            data["next"] = next_url
        return self.client.post(reverse("accounts:login"), data)

    def confirmed_device(self, user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="ravao", confirmed=True)

    def test_enrolment_shows_a_qr_code_and_the_secret_then_confirms(self):
        self.login(self.alice)
        response = self.client.get(reverse("accounts:otp_enrol"))
        self.assertContains(response, 'src="data:image/svg+xml')
        device = TOTPDevice.objects.get(user=self.alice, confirmed=False)
        self.assertContains(response, response.context["secret"])
        self.assertEqual(len(response.context["secret"].replace(" ", "")), 32)

        response = self.client.post(reverse("accounts:otp_enrol"), {"token": wrong(device)})
        self.assertEqual(response.status_code, 400)
        with time_machine.travel(timezone.now() + timedelta(seconds=3)):  # past the throttle delay
            response = self.client.post(reverse("accounts:otp_enrol"), {"token": code(device)})
        # Enrolment shows the recovery codes once, then goes on to where the user was going.
        recovery = url_with_next("accounts:otp_recovery", reverse("accounts:security"))
        self.assertRedirects(response, recovery)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertTrue(AuditEvent.objects.filter(actor=self.alice, action="account.otp_enable").exists())
        self.assertEqual(self.client.get(reverse("places:dashboard")).status_code, 200)

    def test_a_reload_keeps_the_same_secret(self):
        self.login(self.carol)
        first = self.client.get(reverse("accounts:otp_enrol")).context["secret"]
        self.assertEqual(self.client.get(reverse("accounts:otp_enrol")).context["secret"], first)

    def test_login_with_a_device_asks_for_the_code(self):
        device = self.confirmed_device(self.alice)
        response = self.password_login(self.alice)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_verify")))
        # Every page waits for the code, and so does enrolling another device.
        response = self.client.get(reverse("places:dashboard"))
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_verify")))
        response = self.client.get(reverse("accounts:otp_enrol"))
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_verify")))
        self.assertEqual(TOTPDevice.objects.filter(user=self.alice).count(), 1)

        response = self.client.post(reverse("accounts:otp_verify"), {"token": "12ab"})
        self.assertEqual(response.status_code, 400)
        response = self.client.post(reverse("accounts:otp_verify"), {"token": wrong(device)})
        self.assertEqual(response.status_code, 400)
        with time_machine.travel(timezone.now() + timedelta(seconds=3)):  # past the throttle delay
            response = self.client.post(
                reverse("accounts:otp_verify"), {"token": code(device), "next": reverse("places:dashboard")}
            )
        self.assertRedirects(response, reverse("places:dashboard"))
        self.assertEqual(self.client.get(reverse("places:dashboard")).status_code, 200)

    def test_verify_refuses_an_outside_next(self):
        device = self.confirmed_device(self.alice)
        self.password_login(self.alice)
        response = self.client.post(
            reverse("accounts:otp_verify"), {"token": code(device), "next": "https://evil.example/"}
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_repeated_wrong_codes_are_throttled(self):
        device = self.confirmed_device(self.alice)
        self.password_login(self.alice)
        for _ in range(3):
            self.client.post(reverse("accounts:otp_verify"), {"token": wrong(device)})
        self.client.cookies["django_language"] = "en"  # the assertion reads the English message
        response = self.client.post(reverse("accounts:otp_verify"), {"token": code(device)})
        self.assertContains(response, "Too many wrong codes", status_code=400)
        self.assertEqual(self.client.get(reverse("places:dashboard")).status_code, 302)

    def test_health_officer_enrols_before_tracing(self):
        response = self.password_login(self.hana, next_url="/tracing/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_enrol")))
        response = self.client.get("/tracing/")
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_enrol")))
        # Pages outside tracing stay reachable.
        self.assertEqual(self.client.get(reverse("accounts:security")).status_code, 200)
        self.client.get(reverse("accounts:otp_enrol"))
        device = TOTPDevice.objects.get(user=self.hana)
        response = self.client.post(
            reverse("accounts:otp_enrol"), {"token": code(device), "next": "/tracing/"}
        )
        self.assertEqual(response["Location"], url_with_next("accounts:otp_recovery", "/tracing/"))
        self.assertNotIn(reverse("accounts:otp_enrol"), self.client.get("/tracing/").get("Location", ""))

    def test_health_officer_with_a_device_verifies_before_tracing(self):
        device = self.confirmed_device(self.hana)
        self.login(self.hana)  # a session without the code
        response = self.client.get("/tracing/cases/")
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_verify")))
        with time_machine.travel(timezone.now() + timedelta(seconds=1)):
            self.client.post(reverse("accounts:otp_verify"), {"token": code(device)})
        self.assertNotIn("otp", self.client.get("/tracing/cases/").get("Location", ""))

    @override_settings(RAVAO_2FA_PROTECTED_PREFIXES=["/tracing/", "/api/v1/tracing/"])
    def test_protected_api_prefix_answers_json(self):
        self.login(self.hana)
        response = self.client.get("/api/v1/tracing/cases")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "otp_required")

    @override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False)
    def test_the_requirement_can_be_off(self):
        response = self.password_login(self.hana)
        self.assertFalse(response["Location"].startswith(reverse("accounts:otp_enrol")))
        self.assertNotIn("otp", self.client.get("/tracing/").get("Location", ""))

    def test_other_roles_are_not_stopped_at_tracing(self):
        self.login(self.dan)
        self.assertNotIn("otp", self.client.get("/tracing/").get("Location", ""))

    def test_disable(self):
        self.client.get(reverse("home"))
        self.login(self.alice)
        self.client.get(reverse("accounts:otp_enrol"))
        device = TOTPDevice.objects.get(user=self.alice)
        self.client.post(reverse("accounts:otp_enrol"), {"token": code(device)})
        self.assertEqual(self.client.get(reverse("accounts:otp_disable")).status_code, 200)
        with time_machine.travel(timezone.now() + timedelta(seconds=31)):
            device.refresh_from_db()
            response = self.client.post(reverse("accounts:otp_disable"), {"token": code(device)})
        self.assertRedirects(response, reverse("accounts:security"))
        self.assertFalse(TOTPDevice.objects.filter(user=self.alice).exists())
        self.assertTrue(AuditEvent.objects.filter(actor=self.alice, action="account.otp_disable").exists())

    def test_disable_needs_a_correct_code_and_a_verified_session(self):
        device = self.confirmed_device(self.alice)
        self.login(self.alice)
        response = self.client.get(reverse("accounts:otp_disable"))
        self.assertTrue(response["Location"].startswith(reverse("accounts:otp_verify")))
        self.client.post(reverse("accounts:otp_verify"), {"token": code(device)})
        response = self.client.post(reverse("accounts:otp_disable"), {"token": wrong(device)})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(TOTPDevice.objects.filter(user=self.alice).exists())

    def test_health_officer_cannot_disable_while_required(self):
        device = self.confirmed_device(self.hana)
        self.login(self.hana)
        self.client.post(reverse("accounts:otp_verify"), {"token": code(device)})
        with time_machine.travel(timezone.now() + timedelta(seconds=31)):
            response = self.client.post(reverse("accounts:otp_disable"), {"token": code(device)})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(TOTPDevice.objects.filter(user=self.hana).exists())

    def test_anonymous_is_sent_to_login(self):
        for name in ["security", "password_change", "otp_enrol", "otp_verify", "otp_disable"]:
            with self.subTest(name):
                response = self.client.get(reverse(f"accounts:{name}"))
                self.assertTrue(response["Location"].startswith(reverse("accounts:login")))

    def test_wrong_role(self):
        self.login(self.sam)  # gate staff share devices: no two-factor for them
        self.assertEqual(self.client.get(reverse("accounts:otp_enrol")).status_code, 404)
        self.assertEqual(self.client.get(reverse("accounts:otp_disable")).status_code, 404)
        self.assertNotContains(self.client.get(reverse("accounts:security")), "Two-factor")

    def test_wrong_method(self):
        self.login(self.alice)
        for name in ["security", "password_change", "otp_enrol", "otp_verify", "otp_disable"]:
            with self.subTest(name):
                self.assertEqual(self.client.put(reverse(f"accounts:{name}")).status_code, 405)

    def test_decorator(self):
        @otp_required_for_role(Role.HEALTH_OFFICER)
        def view(request):
            return HttpResponse("ok")

        for user, expected in [(self.hana, 302), (self.dan, 200)]:
            with self.subTest(user=user):
                request = RequestFactory().get("/tracing/x")
                request.user = user
                request.session = {}
                user.is_verified = lambda: False
                self.assertEqual(view(request).status_code, expected)
