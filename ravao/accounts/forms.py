import logging
import re
from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from ravao.accounts.models import User
from ravao.accounts.services import normalise_login
from ravao.lib.text import nfc

logger = logging.getLogger("ravao.security")
# A person's name has no markup or control characters; refusing them keeps stored scripts out entirely
# (templates escape anyway).
_NOT_IN_NAMES = re.compile(r"[<>{}\\\x00-\x1f\x7f]")

LOGIN_ERROR = _("Enter a Vietnamese phone number (0912 345 678) or an email address.")


class LoginField(forms.CharField):
    def clean(self, value: Any) -> str:
        raw = super().clean(value)
        login = normalise_login(raw)
        if login is None:
            raise forms.ValidationError(LOGIN_ERROR)
        return login


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=120)
    login = LoginField(label=_("Phone number or email"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_full_name(self) -> str:
        name = nfc(self.cleaned_data["full_name"])
        if _NOT_IN_NAMES.search(name):
            logger.warning("sign-up refused: markup or control characters in the name")
            raise forms.ValidationError(_("A name cannot contain < > { } \\ or control characters."))
        return name

    def clean_login(self) -> str:
        login: str = self.cleaned_data["login"]
        if User.objects.filter(username=login).exists():
            raise forms.ValidationError(_("An account with this phone number or email already exists."))
        return login

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, password2 = data.get("password"), data.get("password2")
        if password and password2 and password != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            user = User(username=data.get("login", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class LoginForm(AuthenticationForm):
    """Django's login form, accepting a phone number in any common spelling."""

    def clean_username(self) -> str:
        raw = self.cleaned_data.get("username", "")
        return normalise_login(raw) or raw.strip().lower()


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, login: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.login = login

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password, User(username=self.login))
        return password


class OTPTokenForm(forms.Form):
    """The six digits shown by an authenticator app."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the 6 digits shown by the app."))
        return token


_RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


class OTPOrRecoveryForm(forms.Form):
    """The code page: the authenticator's six digits, or one of the recovery codes (8 letters/digits)."""

    token = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}),
    )

    def clean_token(self) -> str:
        token = re.sub(r"[\s-]", "", self.cleaned_data["token"]).lower()
        if not (re.fullmatch(r"\d{6}", token) or _RECOVERY_CODE.fullmatch(token)):
            raise forms.ValidationError(_("Enter the 6 digits shown by the app, or a recovery code."))
        return token

    @property
    def is_recovery_code(self) -> bool:
        return bool(_RECOVERY_CODE.fullmatch(self.cleaned_data.get("token", "")))


class StaffInviteForm(forms.Form):
    """An administrator (or a commune official, when allowed) invites an official to a unit."""

    full_name = forms.CharField(label=_("Full name"), max_length=120)
    login = LoginField(label=_("Phone number or email"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)

    def __init__(self, *args: Any, roles: list[tuple[str, Any]], units: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = roles
        cast(forms.ChoiceField, self.fields["unit"]).choices = units

    def clean_full_name(self) -> str:
        name = nfc(self.cleaned_data["full_name"]).strip()
        if _NOT_IN_NAMES.search(name):
            raise forms.ValidationError(_("A name cannot contain < > { } \\ or control characters."))
        return name


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: list[tuple[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = roles


class PasswordResetRequestForm(forms.Form):
    login = LoginField(label=_("Phone number or email of your account"), max_length=150)


class PasswordResetCodeForm(forms.Form):
    """The code received by SMS and the new password."""

    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput, strip=False)

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Enter the 6 digits of the SMS."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, password2 = data.get("password"), data.get("password2")
        if password and password2 and password != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            try:
                password_validation.validate_password(password)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data
