"""The health declaration form (Ministry of Health domestic form, 2021) and the visitor profile."""

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ravao.lib.ids import normalise_id_number
from ravao.lib.phone import normalise_phone
from ravao.lib.text import nfc
from ravao.people.models import HealthDeclaration, Sex
from ravao.people.services import Answers, MemberProfile, Profile
from ravao.places.models import AdminUnit
from ravao.places.units import communes_under, territory_roots, unit_choices_for_select
from ravao.places.widgets import CommuneSelect

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES_NO = [(False, _("No")), (True, _("Yes"))]


def _yes_no(label: "StrOrPromise") -> forms.TypedChoiceField:
    # No answer is chosen in advance (issue 12, finding 7): a pre-ticked "No" made a careless declaration
    # one tap. Each question must be answered, and an unanswered one says so in words.
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please answer this question: Yes or No.")},
    )


class CommuneChoiceField(forms.ModelChoiceField):
    """A commune of the deployment's territory, offered grouped and in Vietnamese order (issue 14)."""

    widget = CommuneSelect

    def label_from_instance(self, obj: AdminUnit) -> str:
        return f"{obj.name}, {obj.parent.name}" if obj.parent else obj.name

    def offer(self, *, near: AdminUnit | None = None, keep: AdminUnit | None = None) -> None:
        """Offer the communes of the territory (`near`'s only, when it lies inside it), of the map in use
        only. `keep`: a value already stored (e.g. a commune of the 2021 map before the move to 2025)
        stays selectable at the top, so saving a form unchanged does not erase it."""
        roots = territory_roots(near)
        queryset = communes_under(roots).select_related("parent")
        choices: list[Any] = [("", self.empty_label or "")] if self.empty_label is not None else []
        if keep is not None and not queryset.filter(pk=keep.pk).exists():
            queryset = queryset | AdminUnit.objects.filter(pk=keep.pk)
            choices.append((keep.pk, self.label_from_instance(keep)))
        self.queryset = queryset
        self.choices = choices + unit_choices_for_select(roots)


class DeclarationForm(forms.Form):
    """The questions, each about the last N days (RAVAO_DECLARATION_LOOKBACK_DAYS)."""

    places_visited = forms.CharField(
        label=_("Places you visited in the last 14 days (province, city)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    fever = _yes_no(_("Fever"))
    cough = _yes_no(_("Cough"))
    shortness_of_breath = _yes_no(_("Shortness of breath"))
    pneumonia = _yes_no(_("Pneumonia"))
    sore_throat = _yes_no(_("Sore throat"))
    fatigue = _yes_no(_("Fatigue"))
    contact_case = _yes_no(_("Contact with a COVID-19 patient or suspected case"))
    contact_abroad = _yes_no(_("Contact with a person from a country with COVID-19"))
    contact_symptomatic = _yes_no(_("Contact with a person with fever, cough or shortness of breath"))
    vaccine_doses = forms.TypedChoiceField(
        label=_("Vaccine doses received"),
        required=False,
        choices=[("", _("Prefer not to say")), *[(str(n), str(n)) for n in range(0, 5)]],
        coerce=int,
        empty_value=None,
    )
    last_dose_date = forms.DateField(
        label=_("Date of the last dose"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent = forms.BooleanField(
        label=_(
            "I declare that the information above is true. I understand that a false declaration "
            "may be punished under Vietnamese law, and I agree that the health authorities use it "
            "for epidemic prevention."
        ),
        error_messages={"required": _("Please confirm the declaration before sending it.")},
    )

    SYMPTOMS = HealthDeclaration.SYMPTOM_FIELDS
    CONTACTS = HealthDeclaration.CONTACT_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = settings.RAVAO_DECLARATION_LOOKBACK_DAYS
        self.fields["places_visited"].label = _(
            "Places you visited in the last %(days)d days (province, city)"
        ) % {"days": days}
        self.lookback_days = days

    def clean_last_dose_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("last_dose_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of the last dose cannot be in the future."))
        return value

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(**{name: data.get(name) for name in Answers.__dataclass_fields__})  # type: ignore[arg-type]

    def symptom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SYMPTOMS]

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONTACTS]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("ID number (CCCD/CMND/passport)"),
        max_length=20,
        required=False,
    )
    year_of_birth = forms.IntegerField(
        label=_("Year of birth"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    nationality = forms.CharField(label=_("Nationality"), max_length=60, initial="Việt Nam")
    commune = CommuneChoiceField(
        label=_("Commune / ward of residence"), queryset=AdminUnit.objects.none(), required=False
    )
    address = forms.CharField(label=_("Street address"), max_length=250, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(
        self, *args: Any, near: AdminUnit | None = None, keep: AdminUnit | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only the communes around the venue: a whole country's 3,321 would make the page heavy on 3G.
        field = self.fields["commune"]
        assert isinstance(field, CommuneChoiceField)
        field.offer(near=near, keep=keep)

    def clean_full_name(self) -> str:
        name = nfc(self.cleaned_data["full_name"])
        if len(name) < 2 or any(ch.isdigit() for ch in name):
            raise forms.ValidationError(_("Enter the full name as on your ID card."))
        return name

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("Enter a Vietnamese phone number, for example 0912 345 678."))
        return phone

    def clean_id_number(self) -> str | None:
        raw = self.cleaned_data.get("id_number") or ""
        if not raw.strip():
            return None
        value = normalise_id_number(raw)
        if value is None:
            raise forms.ValidationError(
                _("An ID number has 12 digits (CCCD), 9 digits (CMND) or a letter and 7–8 digits (passport).")
            )
        return value

    def clean_year_of_birth(self) -> int:
        year: int = self.cleaned_data["year_of_birth"]
        this_year = timezone.localdate().year
        if not 1900 <= year <= this_year:
            raise forms.ValidationError(
                _("Enter a year of birth between 1900 and %(year)d.") % {"year": this_year}
            )
        return year

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            full_name=data["full_name"],
            phone=data["phone"],
            id_number=data.get("id_number"),
            year_of_birth=data["year_of_birth"],
            sex=data["sex"],
            nationality=data["nationality"],
            commune=data.get("commune"),
            address=data.get("address") or "",
            email=data.get("email") or "",
        )


class GateVisitorForm(forms.Form):
    """A visitor without a smartphone, entered by gate staff (J5): the least that makes them traceable."""

    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("The visitor's own number, or a family member's."),
    )
    id_number = forms.CharField(label=_("ID number (CCCD/CMND/passport)"), max_length=20, required=False)
    year_of_birth = forms.IntegerField(
        label=_("Year of birth"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    clean_full_name = ProfileForm.clean_full_name
    clean_phone = ProfileForm.clean_phone
    clean_id_number = ProfileForm.clean_id_number
    clean_year_of_birth = ProfileForm.clean_year_of_birth

    def __init__(self, *args: Any, areas: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._areas = {area.pk: area for area in areas or []}
        self.fields["area"].choices = [("", _("Whole venue")), *((a.pk, a.name) for a in areas or [])]  # type: ignore[attr-defined]
        if not self._areas:
            del self.fields["area"]

    def chosen_area(self) -> Any:
        return self._areas.get(self.cleaned_data.get("area") or -1)

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            full_name=data["full_name"],
            phone=data["phone"],
            id_number=data.get("id_number"),
            year_of_birth=data["year_of_birth"],
            sex=data["sex"],
            nationality="Việt Nam",
            commune=None,
            address="",
            email="",
        )


class HouseholdMemberForm(forms.Form):
    """A household member (issue 9): a child or an elderly parent who shares the holder's phone. A phone
    of their own is optional; left empty (or the holder's own number) they are found through the holder."""

    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(
        label=_("Their own phone number (if they have one)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Leave empty when they use your phone."),
    )
    id_number = forms.CharField(label=_("ID number (CCCD/CMND/passport)"), max_length=20, required=False)
    year_of_birth = forms.IntegerField(
        label=_("Year of birth"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)

    clean_full_name = ProfileForm.clean_full_name
    clean_id_number = ProfileForm.clean_id_number
    clean_year_of_birth = ProfileForm.clean_year_of_birth

    def __init__(self, *args: Any, with_phone: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_phone:
            # Editing a member: a phone is not theirs to change here (it identifies them at gates).
            del self.fields["phone"]

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data.get("phone") or ""
        if not raw.strip():
            return None
        phone = normalise_phone(raw)
        if phone is None:
            raise forms.ValidationError(_("Enter a Vietnamese phone number, for example 0912 345 678."))
        return phone

    def member(self, *, holder_phone: str | None = None) -> MemberProfile:
        data = self.cleaned_data
        phone = data.get("phone")
        return MemberProfile(
            full_name=data["full_name"],
            year_of_birth=data["year_of_birth"],
            sex=data["sex"],
            id_number=data.get("id_number"),
            # The holder's own number is the household's, not the member's.
            phone=None if phone == holder_phone else phone,
        )
