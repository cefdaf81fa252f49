"""`ravao create_admin --unit v2025-01 --username 0912345678 [--full-name N] [--email E] [--password-prompt]`

Makes the first administrator (role key `district_admin`) of a province, or of a district on the 2021 map,
on a fresh install (and any later one, when nobody can sign in to invite
them). By default it prints a one-time sign-in link (an invitation, single use, expiring after
RAVAO_INVITATION_DAYS) that sets the password in the browser; `--password-prompt` asks for the password
on the terminal instead. Either way the grant is audited ("staffing.*", actor: the command)."""

import getpass
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.urls import reverse

from ravao.accounts import conf
from ravao.accounts.models import Role, User
from ravao.accounts.services import normalise_login, official_create, official_invite, role_fits_unit
from ravao.places.models import AdminUnit


class Command(BaseCommand):
    help = (
        "Create an administrator of a province (or of a district on the 2021 map): prints a one-time "
        "sign-in link, "
        "or sets a password typed at a prompt (--password-prompt)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--unit",
            required=True,
            help="The unit's code, e.g. v2025-01 (Hà Nội) or v2021-276 (Thạch Thất, 2021 map).",
        )
        parser.add_argument(
            "--username", required=True, help="The login: a Vietnamese phone number or an email address."
        )
        parser.add_argument("--full-name", default="", help="The administrator's name (default: the login).")
        parser.add_argument("--email", default="", help="An email address for password resets.")
        parser.add_argument(
            "--password-prompt",
            action="store_true",
            help="Ask for the password on the terminal instead of printing a sign-in link.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unit = AdminUnit.objects.filter(code=options["unit"].strip()).first()
        if unit is None:
            raise CommandError(
                f"No administrative unit has the code {options['unit']!r}. Codes look like v2021-276; "
                "load the units first (ravao load_units --scheme 2021 --province 01)."
            )
        if not role_fits_unit(Role.DISTRICT_ADMIN, unit):
            raise CommandError(
                f"{unit.name} is a {unit.level}: an administrator serves a province "
                "(or a district or province on the 2021 map)."
            )
        login = normalise_login(options["username"])
        if login is None:
            raise CommandError(
                "--username must be a Vietnamese phone number (0912345678) or an email address."
            )
        email = options["email"].strip().lower()
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError(f"--email is not an email address: {email!r}") from error
        elif "@" in login:
            email = login
        full_name = options["full_name"].strip() or login

        if options["password_prompt"]:
            self._create_with_password(unit, login, full_name, email)
            return
        invitation = official_invite(
            unit=unit, role=Role.DISTRICT_ADMIN, login=login, full_name=full_name, invited_by=None
        )
        link = settings.SITE_URL + reverse("accounts:invitation", args=[invitation.token])
        self.stdout.write(
            f"Administrator of {unit.name}: open this link within {conf.INVITATION_DAYS} days to choose "
            f"the password and sign in (it works once; run the command again for a new one):\n{link}"
        )

    def _create_with_password(self, unit: AdminUnit, login: str, full_name: str, email: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError(
                "--password-prompt needs an interactive terminal; "
                "without it the command prints a sign-in link."
            )
        existing = User.objects.filter(username=login).exists()
        password = ""
        if not existing:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was created.")
            try:
                password_validation.validate_password(password, User(username=login, full_name=full_name))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        official_create(
            unit=unit,
            role=Role.DISTRICT_ADMIN,
            login=login,
            full_name=full_name,
            password=password,
            email=email,
        )
        note = " (existing account: password unchanged)" if existing else ""
        self.stdout.write(
            f"{login} is now administrator of {unit.name}{note}. "
            f"Sign in at {settings.SITE_URL}{reverse('accounts:login')}"
        )
