from django import forms
from django.utils.translation import gettext_lazy as _

from ravao.lib.phone import normalise_phone


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=40)
    actor = forms.CharField(label=_("Official (login)"), required=False, max_length=150)
    person_phone = forms.CharField(label=_("Person's phone"), required=False, max_length=20)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_person_phone(self) -> str | None:
        raw = self.cleaned_data.get("person_phone") or ""
        if not raw.strip():
            return None
        phone = normalise_phone(raw)
        if phone is None:
            raise forms.ValidationError(_("Enter a Vietnamese phone number, for example 0912 345 678."))
        return phone
