"""Password reset by email link or SMS code (issue 10, item 1)."""

import re
from datetime import timedelta
from unittest import mock

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ravao.accounts.models import PasswordResetCode
from ravao.lib.sms import LoggingSmsSender
from ravao.privacy.models import AuditEvent
from ravao.test import PASSWORD, RavaoTestCase

NEW = "a brand new passphrase"


def sent_code() -> str:
    match = re.search(r"\b(\d{6})\b", LoggingSmsSender.outbox[-1][1])
    assert match is not None
    return match.group(1)


class ResetBySmsTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        LoggingSmsSender.outbox = []

    def ask(self, login="0900 000 006"):
        return self.client.post(reverse("accounts:password_reset"), {"login": login})

    def redeem(self, code, password=NEW):
        return self.client.post(
            reverse("accounts:password_reset_code"),
            {"code": code, "password": password, "password2": password},
        )

    def test_it_works_and_ends_every_session(self):
        other_device = Client()
        other_device.force_login(self.hana, backend="django.contrib.auth.backends.ModelBackend")
        self.assertEqual(other_device.get(reverse("accounts:security")).status_code, 200)

        response = self.ask()
        self.assertRedirects(response, reverse("accounts:password_reset_code"))
        self.assertEqual(LoggingSmsSender.outbox[-1][0], "0900000006")
        # Only a keyed hash is stored.
        stored = PasswordResetCode.objects.get(user=self.hana)
        self.assertNotIn(sent_code(), stored.code_hash)

        response = self.redeem(sent_code())
        self.assertRedirects(response, reverse("accounts:password_reset_complete"))
        self.hana.refresh_from_db()
        self.assertTrue(self.hana.check_password(NEW))
        self.assertTrue(AuditEvent.objects.filter(actor=self.hana, action="account.password_reset").exists())
        # The other device's session ended.
        self.assertEqual(other_device.get(reverse("accounts:security")).status_code, 302)
        # Retried: the code was used, the page starts over.
        self.assertRedirects(self.redeem(sent_code()), reverse("accounts:password_reset"))

    def test_unknown_number_gets_the_same_answer(self):
        response = self.ask("0999 999 999")
        self.assertRedirects(response, reverse("accounts:password_reset_code"))
        self.assertEqual(LoggingSmsSender.outbox, [])
        page = self.client.get(reverse("accounts:password_reset_code"))
        known = Client()
        known.post(reverse("accounts:password_reset"), {"login": "0900000006"})
        self.assertEqual(
            page.content.count(b"<input"),
            known.get(reverse("accounts:password_reset_code")).content.count(b"<input"),
        )
        response = self.redeem("123456")
        self.assertEqual(response.status_code, 400)

    def test_wrong_codes_are_limited(self):
        self.ask()
        good = sent_code()
        wrong = f"{(int(good) + 1) % 1_000_000:06d}"
        for _ in range(5):
            self.assertEqual(self.redeem(wrong).status_code, 400)
        # Even the right code no longer works.
        self.assertEqual(self.redeem(good).status_code, 400)
        self.hana.refresh_from_db()
        self.assertTrue(self.hana.check_password(PASSWORD))

    def test_codes_expire(self):
        self.ask()
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            self.assertEqual(self.redeem(sent_code()).status_code, 400)

    def test_a_new_code_replaces_the_old_one(self):
        self.ask()
        first = sent_code()
        self.ask()
        if first != sent_code():
            self.assertEqual(self.redeem(first).status_code, 400)
        self.assertEqual(PasswordResetCode.objects.filter(user=self.hana).count(), 1)

    def test_bad_input(self):
        for login in ("", "hello", "<script>"):
            self.assertEqual(self.ask(login).status_code, 400)
        self.ask()
        for code, password in (("12ab56", NEW), ("123", NEW), (sent_code(), "short")):
            self.assertEqual(self.redeem(code, password).status_code, 400)
        response = self.client.post(
            reverse("accounts:password_reset_code"),
            {"code": sent_code(), "password": NEW, "password2": NEW + "x"},
        )
        self.assertEqual(response.status_code, 400)

    def test_at_most_a_few_messages_per_number_per_hour(self):
        for _ in range(5):
            self.ask()
        self.assertEqual(len(LoggingSmsSender.outbox), 3)

    def test_rate_limited_per_client(self):
        with self.settings(RAVAO_RATE_LIMITS={**self.rate_limits(), "login": 2}):
            self.ask("0999999991")
            self.ask("0999999992")
            self.assertEqual(self.ask("0999999993").status_code, 429)

    def rate_limits(self):
        from django.conf import settings

        return dict(settings.RAVAO_RATE_LIMITS)

    def test_wrong_method(self):
        self.assertEqual(self.client.put(reverse("accounts:password_reset")).status_code, 405)
        self.assertEqual(self.client.delete(reverse("accounts:password_reset_sent")).status_code, 405)

    def test_the_code_page_without_a_request_starts_over(self):
        self.assertRedirects(
            self.client.get(reverse("accounts:password_reset_code")), reverse("accounts:password_reset")
        )

    def test_a_logged_in_user_may_reset_too(self):
        self.login(self.hana)
        self.assertEqual(self.client.get(reverse("accounts:password_reset")).status_code, 200)

    def test_a_failing_sms_provider_gives_the_same_answer(self):
        with mock.patch.object(LoggingSmsSender, "send", side_effect=RuntimeError("down")):
            self.assertRedirects(self.ask(), reverse("accounts:password_reset_code"))


class ResetByEmailTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        self.dan.email = "dan@example.vn"
        self.dan.save()

    def test_it_works(self):
        other_device = Client()
        other_device.force_login(self.dan, backend="django.contrib.auth.backends.ModelBackend")
        response = self.client.post(reverse("accounts:password_reset"), {"login": "Dan@Example.vn"})
        self.assertRedirects(response, reverse("accounts:password_reset_sent"))
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
        response = self.client.get(link, follow=True)
        self.assertTrue(response.context["validlink"])
        response = self.client.post(
            response.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
        )
        self.assertRedirects(response, reverse("accounts:password_reset_complete"))
        self.dan.refresh_from_db()
        self.assertTrue(self.dan.check_password(NEW))
        self.assertTrue(AuditEvent.objects.filter(actor=self.dan, action="account.password_reset").exists())
        self.assertEqual(other_device.get(reverse("accounts:security")).status_code, 302)
        # The link works once.
        self.assertFalse(self.client.get(link, follow=True).context["validlink"])

    def test_unknown_address_gets_the_same_answer(self):
        response = self.client.post(reverse("accounts:password_reset"), {"login": "nobody@example.vn"})
        self.assertRedirects(response, reverse("accounts:password_reset_sent"))
        self.assertEqual(mail.outbox, [])

    def test_a_bad_link(self):
        response = self.client.get(reverse("accounts:password_reset_confirm", args=["MQ", "nonsense"]))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["validlink"])
        response = self.client.post(
            reverse("accounts:password_reset_confirm", args=["zzzz", "nonsense"]),
            {"new_password1": NEW, "new_password2": NEW},
        )
        self.assertEqual(response.status_code, 200)
        self.dan.refresh_from_db()
        self.assertTrue(self.dan.check_password(PASSWORD))
