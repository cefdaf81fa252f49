"""Messages in bulk to the contacts of a case (issue 11, item 8): compose, preview, send; then the case's
messages page with each delivery's outcome."""

import secrets
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ravao.lib.phone import mask_phone
from ravao.notifications.models import Notification
from ravao.tracing import conf
from ravao.tracing.access import access_case
from ravao.tracing.forms import DateInput
from ravao.tracing.messages import (
    LANGUAGES,
    MessageParams,
    case_messages,
    contact_address,
    contacts_message_send,
    message_text,
    sms_parts,
)
from ravao.tracing.models import Case, Contact, MessageBatch
from ravao.tracing.services import contacts_audit_shown
from ravao.tracing.views import _audit, _open_case, _user, tracer_required

WHO: dict[str, dict[str, str]] = {
    "confirmed": {"decision": Contact.Decision.CONFIRMED},
    "high": {"tier": Contact.Tier.HIGH},
    "all": {},
}


class ComposeForm(forms.Form):
    template = forms.ChoiceField(
        label=gettext_lazy("Message"),
        choices=MessageBatch.Template.choices,
        initial=MessageBatch.Template.QUARANTINE,
        widget=forms.RadioSelect,
    )
    day = forms.DateField(label=gettext_lazy("Test date"), required=False, widget=DateInput)
    at = forms.TimeField(
        label=gettext_lazy("Test time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    place = forms.CharField(label=gettext_lazy("Test place"), required=False, max_length=120)
    text = forms.CharField(
        label=gettext_lazy("Free text"),
        required=False,
        max_length=480,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Send by"),
        choices=[(Notification.Channel.SMS, "SMS"), (Notification.Channel.EMAIL, gettext_lazy("Email"))],
        initial=[Notification.Channel.SMS],
        widget=forms.CheckboxSelectMultiple,
    )
    ascii_sms = forms.BooleanField(
        label=gettext_lazy("SMS without diacritics (160 characters per SMS instead of 70: cheaper)"),
        required=False,
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)

    def clean_place(self) -> str:
        return " ".join(self.cleaned_data["place"].split())

    def clean_text(self) -> str:
        value = " ".join(self.cleaned_data["text"].split())
        if any(not c.isprintable() for c in value):
            raise forms.ValidationError(_("The text has characters that cannot be sent."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = data.get("template")
        if template == MessageBatch.Template.APPOINTMENT:
            for name in ("day", "at", "place"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for a test appointment."))
            day, at = data.get("day"), data.get("at")
            if day and at:
                when = timezone.make_aware(datetime.combine(day, at))
                if when < timezone.now():
                    self.add_error("day", _("The appointment is in the past."))
        if template == MessageBatch.Template.FREE and not data.get("text") and "text" not in self.errors:
            self.add_error("text", _("Write the message."))
        return data

    def params(self) -> MessageParams:
        data = self.cleaned_data
        template = data["template"]
        appointment = template == MessageBatch.Template.APPOINTMENT
        return MessageParams(
            template=template,
            day=data.get("day") if appointment else None,
            at=data.get("at") if appointment else None,
            place=data.get("place", "") if appointment else "",
            text=data.get("text", "") if template == MessageBatch.Template.FREE else "",
            ascii_sms=bool(data.get("ascii_sms")),
        )


def _selected(request: HttpRequest, case: Case) -> list[Contact]:
    """The contacts chosen: POSTed `contact` ids (from the triage list or this form) or a filter. An id
    that is not a contact of this case is a 404, like any guessed id."""
    source = request.POST if request.method == "POST" else request.GET
    raw = source.getlist("contact")
    contacts = Contact.objects.filter(case=case).select_related("person", "person__household_of")
    if raw:
        try:
            ids = {int(value) for value in raw}
        except ValueError:
            raise Http404 from None
        found = list(contacts.filter(pk__in=ids))
        if len(found) != len(ids):
            raise Http404
        return found
    who = WHO.get(source.get("who", "confirmed"))
    if who is None:
        raise Http404
    return list(contacts.filter(**who))


def _recipients(contacts: list[Contact], languages: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for contact in contacts:
        phone = contact_address(contact, Notification.Channel.SMS)
        rows.append(
            {
                "contact": contact,
                "name": contact.person.full_name,
                "phone": mask_phone(phone) if phone else "",
                "email": bool(contact_address(contact, Notification.Channel.EMAIL)),
                "language": languages.get(contact.pk, "vi"),
            }
        )
    return rows


def _languages(request: HttpRequest, contacts: list[Contact]) -> dict[int, str]:
    chosen = {}
    for contact in contacts:
        value = request.POST.get(f"lang-{contact.pk}", "vi")
        chosen[contact.pk] = value if value in LANGUAGES else "vi"
    return chosen


def _previews(
    case: Case, contacts: list[Contact], params: MessageParams, channels: list[str], used: set[str]
) -> list[Any]:
    """The text as the first recipient would get it, in each language chosen, with its SMS length."""
    if not contacts:
        return []
    previews = []
    for language, label in (("vi", "Tiếng Việt"), ("en", "English")):
        if language not in used:
            continue
        for channel in channels:
            subject, body = message_text(
                params=params, contact=contacts[0], case=case, language=language, channel=channel
            )
            chars, parts = sms_parts(body)
            previews.append(
                {
                    "language": label,
                    "channel": channel,
                    "subject": subject,
                    "body": body,
                    "chars": chars,
                    "parts": parts,
                }
            )
    return previews


@tracer_required
@require_http_methods(["GET", "POST"])
def contacts_message(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _open_case(request, case_id)
    contacts = _selected(request, case)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    languages = _languages(request, contacts) if step else {}
    status = 200
    previews: list[Any] = []
    if step in ("preview", "send"):
        form = ComposeForm(request.POST)
        if not contacts:
            form.add_error(None, _("No contact is selected."))
        elif len(contacts) > conf.MESSAGE_MAX_RECIPIENTS:
            form.add_error(None, _("At most %(n)d recipients at once.") % {"n": conf.MESSAGE_MAX_RECIPIENTS})
        if form.is_valid():
            channels = form.cleaned_data["channels"]
            if step == "send":
                batch, created = contacts_message_send(
                    case=case,
                    contacts=contacts,
                    params=form.params(),
                    channels=channels,
                    languages=languages,
                    token=form.cleaned_data["token"],
                    acting_user=_user(request),
                    request=request,
                )
                if created:
                    messages.success(
                        request,
                        _("%(n)d messages queued; their delivery is shown below.")
                        % {"n": batch.messages.count()},
                    )
                else:
                    messages.info(request, _("These messages were already sent: nothing was queued again."))
                return redirect("tracing:case_messages", case_id=case.pk)
            previews = _previews(case, contacts, form.params(), channels, set(languages.values()))
        else:
            status = 400
    else:
        # A first view (a link, or the triage list's "send a message"): a fresh token for this send.
        form = ComposeForm(initial={"token": secrets.token_urlsafe(24)})
    recipients = _recipients(contacts, languages)
    _audit(
        request,
        "case.message_compose",
        case=case,
        person_id=case.person_id,
        details={"contacts": len(contacts)},
    )
    contacts_audit_shown(
        case=case,
        contacts=contacts,
        action="tracing.contact_view",
        acting_user=_user(request),
        request=request,
    )
    context = {
        "case": case,
        "form": form,
        "recipients": recipients,
        "no_phone": [r for r in recipients if not r["phone"]],
        "no_email": [r for r in recipients if not r["email"]],
        "previews": previews,
        "languages": [("vi", "Tiếng Việt"), ("en", "English")],
    }
    return render(request, "tracing/messages/compose.html", context, status=status)


@tracer_required
@require_GET
def case_messages_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(_user(request), case_id)
    sent = case_messages(case)
    _audit(
        request, "case.messages_view", case=case, person_id=case.person_id, details={"messages": len(sent)}
    )
    contacts = list({m.contact_id: m.contact for m in sent}.values())
    contacts_audit_shown(
        case=case,
        contacts=contacts,
        action="tracing.contact_view",
        acting_user=_user(request),
        request=request,
    )
    return render(
        request,
        "tracing/messages/list.html",
        {"case": case, "sent": sent},
    )
