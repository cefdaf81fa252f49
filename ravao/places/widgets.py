"""The commune picker: a plain grouped `<select>` that a small script turns into a searchable combobox.

Without JavaScript (or before the script arrives) it is an ordinary select with `<optgroup>`s. A long list
carries `data-combobox` with the script's address; `app.js` loads `combobox.js` only when such a select is
on the page, so the check-in page of a district (a handful of communes) does not pay for it (issue 14)."""

from typing import Any

from django import forms
from django.templatetags.static import static
from django.utils.translation import gettext as _

# Below this many options a select is quicker than typing; above it, the search box is added.
COMBOBOX_MIN_OPTIONS = 25


class CommuneSelect(forms.Select):
    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        count = sum(len(group[1]) if isinstance(group[1], list | tuple) else 1 for group in self.choices)
        if count >= COMBOBOX_MIN_OPTIONS:
            attrs = context["widget"]["attrs"]
            attrs["data-combobox"] = static("ravao/combobox.js")
            attrs["data-combobox-placeholder"] = _("Type to search, e.g. hoan kiem")
            # "%(count)s" is replaced by the script; a screen reader hears how many communes match.
            attrs["data-combobox-results"] = _("%(count)s communes or wards match") % {"count": "%(count)s"}
            attrs["data-combobox-none"] = _("No commune or ward matches")
        return context
