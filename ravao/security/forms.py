"""Forms of the security app: an API token."""

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ravao.accounts.models import UNIT_ROLES, Role
from ravao.places.models import AdminUnit

MAX_TOKEN_DAYS = 366


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("Which system uses it, e.g. “Province health office reporting”."),
    )
    role = forms.ChoiceField(
        label=_("Acts as"), choices=[(r.value, r.label) for r in Role if r in UNIT_ROLES]
    )
    unit = forms.ModelChoiceField(label=_("Over the unit"), queryset=AdminUnit.objects.none())
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=90
    )

    def __init__(self, *args: Any, units: QuerySet[AdminUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units.order_by("path")

    def expires_at(self) -> Any:
        return timezone.now() + timedelta(days=self.cleaned_data["valid_days"])
