"""Two-factor recovery codes (issue 10, item 1): ten single-use codes shown once at enrolment."""

from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.tests.test_two_factor import code
from ravao.privacy.models import AuditEvent
from ravao.security.services import recovery_codes_issue
from ravao.test import PASSWORD, RavaoTestCase


@override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=True)
class RecoveryCodeTests(RavaoTestCase):
    def enrol(self, user, next_url="/tracing/"):
        self.login(user)
        self.client.get(reverse("accounts:otp_enrol"))
        device = TOTPDevice.objects.get(user=user)
        return self.client.post(reverse("accounts:otp_enrol"), {"token": code(device), "next": next_url})

    def test_enrolment_shows_ten_codes_once(self):
        response = self.enrol(self.hana)
        response = self.client.get(response["Location"])
        self.assertEqual(response.status_code, 200)
        codes = response.context["codes"]
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        self.assertContains(response, codes[0])
        self.assertContains(response, 'href="/tracing/"')
        self.assertIn("no-store", response["Cache-Control"])
        again = self.client.get(reverse("accounts:otp_recovery"))
        self.assertEqual(again.context["codes"], [])
        self.assertEqual(again.context["left"], 10)

    def password_login(self, user):
        self.client.logout()
        return self.client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})

    def test_a_recovery_code_logs_in_once(self):
        TOTPDevice.objects.create(user=self.hana, name="ravao", confirmed=True)
        codes = recovery_codes_issue(user=self.hana)
        self.password_login(self.hana)
        typed = f"{codes[0][:4].upper()} {codes[0][4:]}"  # as people type it
        response = self.client.post(reverse("accounts:otp_verify"), {"token": typed, "next": "/tracing/"})
        self.assertRedirects(response, "/tracing/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/tracing/").status_code, 200)
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.hana, action="account.otp_recovery_use").exists()
        )
        # Used: it does not work a second time.
        self.password_login(self.hana)
        response = self.client.post(reverse("accounts:otp_verify"), {"token": codes[0]})
        self.assertEqual(response.status_code, 400)

    def test_bad_codes(self):
        TOTPDevice.objects.create(user=self.hana, name="ravao", confirmed=True)
        recovery_codes_issue(user=self.hana)
        self.password_login(self.hana)
        for token in ("", "abc", "abcdefgh1", "<script>", "zzzz-zzzz"):
            response = self.client.post(reverse("accounts:otp_verify"), {"token": token})
            self.assertEqual(response.status_code, 400, token)
        self.assertEqual(self.client.get("/tracing/").status_code, 302)

    def test_regenerate(self):
        self.enrol(self.hana)
        old = self.client.get(reverse("accounts:otp_recovery")).context  # codes consumed by the page
        del old
        response = self.client.post(reverse("accounts:otp_recovery_regenerate"))
        self.assertRedirects(response, reverse("accounts:otp_recovery"), fetch_redirect_response=False)
        codes = self.client.get(reverse("accounts:otp_recovery")).context["codes"]
        self.assertEqual(len(codes), 10)
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.hana, action="account.otp_recovery_renew").exists()
        )
        # Retried: another set, the previous one stops working.
        self.client.post(reverse("accounts:otp_recovery_regenerate"))
        self.assertEqual(self.client.get(reverse("accounts:security")).context["recovery_codes_left"], 10)

    def test_refusals(self):
        url = reverse("accounts:otp_recovery_regenerate")
        self.assertEqual(self.client.post(url).status_code, 302)  # anonymous → login
        self.login(self.sam)  # venue staff do not use two-factor login
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertEqual(self.client.get(reverse("accounts:otp_recovery")).status_code, 404)
        self.login(self.alice)  # no device yet
        self.assertEqual(self.client.post(url).status_code, 404)
        self.enrol(self.alice)
        self.assertEqual(self.client.get(url).status_code, 405)
        # An unverified session (password only) is sent to the code page first.
        self.password_login(self.alice)
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertTrue(
            self.client.get(reverse("accounts:otp_recovery"))["Location"].startswith(
                reverse("accounts:otp_verify")
            )
        )
