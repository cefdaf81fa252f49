"""`{% load oversight %}{% venue_reminders venue %}`: the reminders a venue received, for any venue page."""

from typing import Any

from django import template

from ravao.notifications.selectors import deliveries
from ravao.oversight.selectors import venue_reminders as reminders_of
from ravao.places.models import Venue

register = template.Library()


@register.inclusion_tag("oversight/_venue_reminders.html")
def venue_reminders(venue: Venue) -> dict[str, Any]:
    reminders = list(reminders_of(venue))
    sent = deliveries("oversight.reminder", [r.pk for r in reminders])
    return {"reminders": [(r, sent.get(str(r.pk), [])) for r in reminders], "venue": venue}
