from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ravao.accounts.models import Invitation, User
from ravao.test import PASSWORD, RavaoTestCase


class ClearedRateLimits(RavaoTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # these tests post many logins from one address: no 429 from earlier tests


# Too short, too common, only digits; a password close to the login is added per form.
WEAK = ["short-1", "password123", "1234567890123"]
PAYLOADS = [
    "' OR '1'='1' --",
    "admin'; DROP TABLE accounts_user; --",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
]


class PasswordRuleTests(ClearedRateLimits):
    def test_change_password(self):
        self.login(self.alice)
        other = Client()
        other.force_login(self.alice, backend="django.contrib.auth.backends.ModelBackend")
        response = self.client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "may-ha-bang-2021!",
                "new_password2": "may-ha-bang-2021!",
            },
        )
        self.assertRedirects(response, reverse("accounts:security"))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password("may-ha-bang-2021!"))
        # This session stays; every other session of the account ends.
        self.assertEqual(self.client.get(reverse("places:dashboard")).status_code, 200)
        self.assertEqual(other.get(reverse("places:dashboard")).status_code, 302)

    def test_weak_new_passwords_are_refused(self):
        self.login(self.alice)
        for weak in [*WEAK, "0900000001ab"]:
            with self.subTest(weak):
                response = self.client.post(
                    reverse("accounts:password_change"),
                    {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
                )
                self.assertEqual(response.status_code, 400)
        response = self.client.post(
            reverse("accounts:password_change"),
            {
                "old_password": "wrong",
                "new_password1": "may-ha-bang-2021!",
                "new_password2": "may-ha-bang-2021!",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(PASSWORD))

    def test_sign_up_refuses_weak_passwords(self):
        for weak in [*WEAK, "0912888999ab"]:
            with self.subTest(weak):
                response = self.client.post(
                    reverse("accounts:signup"),
                    {"full_name": "Hoa", "login": "0912888999", "password": weak, "password2": weak},
                )
                self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(username="0912888999").exists())

    def test_invitation_refuses_weak_passwords(self):
        Invitation.objects.create(
            venue=self.venue_a, login="0912777666", full_name="Lan", token="tok-weak", invited_by=self.alice
        )
        for weak in [*WEAK, "0912777666ab"]:
            with self.subTest(weak):
                response = self.client.post(
                    reverse("accounts:invitation", args=["tok-weak"]), {"password": weak}
                )
                self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(username="0912777666").exists())


class LockoutTests(ClearedRateLimits):
    def test_lockout_page_and_log(self):
        with self.assertLogs("axes", "WARNING") as logs:
            for _ in range(settings.AXES_FAILURE_LIMIT):
                self.client.post(reverse("accounts:login"), {"username": "0900000001", "password": "wrong"})
        self.assertTrue(any("login failure" in line for line in logs.output))
        self.assertTrue(AccessAttempt.objects.filter(username="0900000001").exists())
        response = self.client.post(
            reverse("accounts:login"),
            {"username": "0900000001", "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertContains(response, "Login locked", status_code=429)
        self.assertContains(response, "ra<b>vào</b>", status_code=429)  # the site's page, not bare text
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_another_account_from_the_same_address_still_logs_in(self):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.client.post(reverse("accounts:login"), {"username": "0900000001", "password": "wrong"})
        response = self.client.post(
            reverse("accounts:login"), {"username": "0900000002", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)


class SessionReplayTests(ClearedRateLimits):
    def test_a_session_cookie_copied_before_logout_is_worthless_after(self):
        self.client.post(reverse("accounts:login"), {"username": "0900000001", "password": PASSWORD})
        stolen = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        self.assertEqual(self.client.get(reverse("places:dashboard")).status_code, 200)
        self.client.post(reverse("accounts:logout"))

        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
        response = thief.get(reverse("places:dashboard"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
        self.assertNotContains(thief.get(reverse("home")), "Alice")

    def test_logout_by_get_is_refused(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("accounts:logout")).status_code, 405)
        self.assertEqual(self.client.get(reverse("places:dashboard")).status_code, 200)


class PayloadTests(ClearedRateLimits):
    def test_login_payloads_are_refused_escaped_and_logged(self):
        for payload in PAYLOADS:
            with self.subTest(payload), self.assertLogs("axes", "WARNING"):
                response = self.client.post(
                    reverse("accounts:login"), {"username": payload, "password": payload}
                )
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("_auth_user_id", self.client.session)
                self.assertNotIn(b"<script>alert", response.content)
                self.assertNotIn(b"<img src=x", response.content)
                self.assertNotIn(settings.SECRET_KEY.encode(), response.content)

    def test_sign_up_payloads_are_refused_or_escaped(self):
        for number, payload in enumerate(PAYLOADS):
            with self.subTest(payload):
                login = f"09128880{number:02d}"
                response = self.client.post(
                    reverse("accounts:signup"),
                    {"full_name": payload, "login": payload, "password": "x", "password2": "x"},
                )
                self.assertEqual(response.status_code, 400)
                self.assertNotIn(b"<script>alert", response.content)
                response = Client().post(
                    reverse("accounts:signup"),
                    {
                        "full_name": payload,
                        "login": login,
                        "password": "hoa-quan-pho-2021",
                        "password2": "hoa-quan-pho-2021",
                    },
                )
                self.assertIn(response.status_code, (302, 400))
                self.assertNotIn(b"<script>alert", response.content)
        # Markup never reaches the database; SQL-looking text is just text.
        self.assertFalse(User.objects.filter(full_name__contains="<").exists())
        self.assertEqual(User.objects.filter(full_name="' OR '1'='1' --").count(), 1)

    def test_markup_in_a_name_is_logged(self):
        with self.assertLogs("ravao.security", "WARNING"):
            self.client.post(
                reverse("accounts:signup"),
                {"full_name": "<script>x</script>", "login": "0912888999", "password": "x", "password2": "x"},
            )
