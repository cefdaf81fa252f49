"""Forms of the officer pages. Every string is translatable; every value is validated here."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ravao.places.models import AdminUnit
from ravao.tracing.models import Contact


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("ID number, phone or name"),
        max_length=120,
        min_length=2,
        strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


def _clean_reason(value: str) -> str:
    value = " ".join(value.split())
    if not any(c.isalnum() for c in value):
        raise forms.ValidationError(_("Enter the lab notification number or another reference."))
    if any(not c.isprintable() for c in value):
        raise forms.ValidationError(_("Enter the lab notification number or another reference."))
    return value


class CaseForm(forms.Form):
    # The purpose of the case (issue 9): required, stored with the case, shown on it and in the audit row.
    reason = forms.CharField(
        label=_("Reason (lab notification number or similar)"),
        max_length=200,
        min_length=3,
        help_text=_("For example the laboratory's notification number of the positive test."),
    )
    onset_date = forms.DateField(label=_("Symptom onset"), required=False, widget=DateInput)
    sample_date = forms.DateField(
        label=_("Positive sample taken"),
        required=False,
        widget=DateInput,
        help_text=_("When there are no symptoms, the window starts from this date."),
    )
    isolated_on = forms.DateField(label=_("Isolated on"), required=False, widget=DateInput)
    unit = forms.ModelChoiceField(
        label=_("Health office"), queryset=AdminUnit.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean_reason(self) -> str:
        return _clean_reason(self.cleaned_data["reason"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        onset, sample, isolated = data.get("onset_date"), data.get("sample_date"), data.get("isolated_on")
        if not onset and not sample and not self.errors:
            raise forms.ValidationError(_("Enter the symptom onset or the date of the positive sample."))
        for name in ("onset_date", "sample_date", "isolated_on"):
            value: date | None = data.get(name)
            if value and value > today:
                self.add_error(name, _("This date is in the future."))
        anchor = onset or sample
        if isolated and anchor and isolated < anchor:
            self.add_error("isolated_on", _("Isolation cannot be before the onset or the sample."))
        return data


class WindowForm(forms.Form):
    start = forms.DateTimeField(label=_("Infectious from"), widget=DateTimeInput)
    end = forms.DateTimeField(label=_("Infectious until"), widget=DateTimeInput)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The window must end after it starts."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Contact.Decision.choices)


class FollowUpForm(forms.Form):
    followup = forms.ChoiceField(label=_("Follow-up"), choices=Contact.FollowUp.choices)


class RequestDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
