from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ravao.lib.phone import normalise_phone
from ravao.lib.text import nfc
from ravao.people.forms import CommuneChoiceField
from ravao.places.models import AdminUnit, Area, Shift, Venue, VenueKind


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Name of the venue"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=VenueKind.choices)
    commune = CommuneChoiceField(label=_("Commune / ward"), queryset=AdminUnit.objects.none())
    address = forms.CharField(label=_("Address"), max_length=250)
    phone = forms.CharField(label=_("Phone number of the venue"), max_length=20)
    opens_at = forms.TimeField(
        label=_("Opens at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes_at = forms.TimeField(
        label=_("Closes at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    typical_stay_minutes = forms.IntegerField(
        label=_("Typical stay of a visitor (minutes)"),
        required=False,
        min_value=5,
        max_value=24 * 60,
        help_text=_("Used when a visitor does not check out. Leave empty for the default of the kind."),
    )

    def __init__(self, *args: Any, keep: AdminUnit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, CommuneChoiceField)
        # The territory's communes; `keep`: the venue's current commune, even of an older map.
        field.offer(keep=keep)

    def clean_name(self) -> str:
        return nfc(self.cleaned_data["name"])

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("Enter a Vietnamese phone number, for example 0912 345 678."))
        return phone

    @classmethod
    def initial_from(cls, venue: Venue) -> dict[str, Any]:
        return {name: getattr(venue, name) for name in cls.base_fields}


class AreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Area.Kind.choices)
    parent = forms.ModelChoiceField(label=_("Inside"), queryset=Area.objects.none(), required=False)

    def __init__(self, *args: Any, venue: Venue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.venue = venue
        self.fields["parent"].queryset = Area.objects.filter(venue=venue)  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name = nfc(self.cleaned_data["name"])
        if Area.objects.filter(venue=self.venue, name=name).exists():
            raise forms.ValidationError(_("This venue already has an area with this name."))
        return name


class ShiftForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    starts_at = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, venue: Venue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.venue = venue

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_at") and data.get("starts_at") == data.get("ends_at"):
            self.add_error("ends_at", _("A shift must end at another time than it starts."))
        name = nfc(data.get("name") or "")
        if name and Shift.objects.filter(venue=self.venue, name=name).exists():
            self.add_error("name", _("This venue already has a shift with this name."))
        return data


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    login = forms.CharField(label=_("Phone number or email"), max_length=150)

    def clean_login(self) -> str:
        from ravao.accounts.forms import LOGIN_ERROR
        from ravao.accounts.services import normalise_login

        login = normalise_login(self.cleaned_data["login"])
        if login is None:
            raise forms.ValidationError(LOGIN_ERROR)
        return login
