"""`ravao create_admin` (issue 10, item 1): the first district admin of a fresh install."""

import io
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from ravao.accounts.models import Invitation, Membership, Role, User
from ravao.privacy.models import AuditEvent
from ravao.test import make_units


class CreateAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.units = make_units()

    def run_command(self, *args: str) -> str:
        out = io.StringIO()
        call_command("create_admin", *args, stdout=out)
        return out.getvalue()

    def test_it_prints_a_one_time_sign_in_link(self):
        output = self.run_command(
            "--unit", "t-276", "--username", "0912 000 111", "--full-name", "Nguyễn Quản Trị"
        )
        invitation = Invitation.objects.get()
        link = reverse("accounts:invitation", args=[invitation.token])
        self.assertIn(link, output)
        self.assertEqual(
            (invitation.role, invitation.unit, invitation.login),
            (Role.DISTRICT_ADMIN, self.units["district"], "0912000111"),
        )
        self.assertTrue(AuditEvent.objects.filter(action="staffing.invite", actor=None).exists())
        # The link sets the password and makes the admin.
        response = self.client.post(link, {"password": "district-office-2021"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Membership.objects.filter(user__username="0912000111", role=Role.DISTRICT_ADMIN).exists()
        )
        # Run again: a new link, the old one dead.
        self.run_command("--unit", "t-276", "--username", "0912000222")
        self.assertEqual(self.client.get(link).status_code, 404)

    def test_password_prompt(self):
        with (
            mock.patch("sys.stdin.isatty", return_value=True),
            mock.patch("getpass.getpass", return_value="district-office-2021"),
        ):
            output = self.run_command("--unit", "t-01", "--username", "admin@example.vn", "--password-prompt")
        self.assertIn("admin@example.vn", output)
        user = User.objects.get(username="admin@example.vn")
        self.assertTrue(user.check_password("district-office-2021"))
        self.assertEqual(user.email, "admin@example.vn")
        self.assertTrue(Membership.objects.filter(user=user, unit=self.units["province"]).exists())
        event = AuditEvent.objects.get(action="staffing.grant")
        self.assertEqual(event.details["via"], "command")

    def test_password_prompt_refuses_without_a_terminal(self):
        with (
            mock.patch("sys.stdin.isatty", return_value=False),
            self.assertRaisesMessage(CommandError, "interactive terminal"),
        ):
            self.run_command("--unit", "t-276", "--username", "0912000111", "--password-prompt")
        self.assertFalse(User.objects.exists())

    def test_password_prompt_refuses_weak_or_differing_passwords(self):
        for answers in (["short", "short"], ["district-office-2021", "district-office-2022"]):
            with (
                mock.patch("sys.stdin.isatty", return_value=True),
                mock.patch("getpass.getpass", side_effect=answers),
                self.assertRaises(CommandError),
            ):
                self.run_command("--unit", "t-276", "--username", "0912000111", "--password-prompt")
        self.assertFalse(User.objects.exists())

    def test_refusals(self):
        cases = [
            (["--unit", "v2021-999", "--username", "0912000111"], "No administrative unit"),
            (["--unit", "t-10009", "--username", "0912000111"], "district or province"),
            (["--unit", "t-276", "--username", "not-a-login"], "--username"),
            (["--unit", "t-276", "--username", "0912000111", "--email", "nope"], "--email"),
        ]
        for args, message in cases:
            with self.assertRaisesMessage(CommandError, message):
                self.run_command(*args)
        self.assertFalse(Invitation.objects.exists())
