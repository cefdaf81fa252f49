from django.urls import reverse

from ravao.accounts.models import User
from ravao.test import PASSWORD, RavaoTestCase


class SignupTests(RavaoTestCase):
    def test_it_creates_an_account_and_logs_in(self):
        response = self.client.post(
            reverse("accounts:signup"),
            {
                "full_name": "Phạm Thị Hoa",
                "login": "+84 912 888 999",
                "password": "hoa-quan-pho-2021",
                "password2": "hoa-quan-pho-2021",
            },
        )
        self.assertRedirects(response, reverse("places:venue_new"))
        user = User.objects.get(username="0912888999")
        self.assertEqual(user.full_name, "Phạm Thị Hoa")

    def test_email_login(self):
        self.client.post(
            reverse("accounts:signup"),
            {
                "full_name": "Hoa",
                "login": "Hoa@Example.VN",
                "password": "hoa-quan-pho-2021",
                "password2": "hoa-quan-pho-2021",
            },
        )
        self.assertTrue(User.objects.filter(username="hoa@example.vn").exists())

    def test_bad_input(self):
        cases = [
            {"login": "123", "password": "hoa-quan-pho-2021", "password2": "hoa-quan-pho-2021"},
            {"login": "0912888999", "password": "short", "password2": "short"},
            {"login": "0912888999", "password": "hoa-quan-pho-2021", "password2": "different-2021"},
            {"login": self.alice.username, "password": "hoa-quan-pho-2021", "password2": "hoa-quan-pho-2021"},
        ]
        for data in cases:
            with self.subTest(data=data):
                response = self.client.post(reverse("accounts:signup"), {"full_name": "Hoa", **data})
                self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(full_name="Hoa").exists())


class LoginTests(RavaoTestCase):
    def test_login_with_any_phone_spelling(self):
        response = self.client.post(
            reverse("accounts:login"), {"username": "090 000 0001", "password": PASSWORD}
        )
        self.assertRedirects(response, reverse("home"), target_status_code=302)

    def test_lockout_after_repeated_failures(self):
        for _ in range(5):
            self.client.post(reverse("accounts:login"), {"username": "0900000001", "password": "wrong"})
        response = self.client.post(
            reverse("accounts:login"), {"username": "0900000001", "password": PASSWORD}
        )
        self.assertNotEqual(response.status_code, 302)
