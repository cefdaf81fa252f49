"""Reads of check-ins."""

from django.db.models import QuerySet

from ravao.checkins.models import CheckIn
from ravao.people.models import Device, Person


def person_visits(person: Person, *, device: Device) -> QuerySet[CheckIn]:
    """A person's visits as their device may see them: everything for the owner device, otherwise only
    the visits made from this device (someone who typed a known phone number sees nothing else)."""
    visits = CheckIn.objects.filter(person=person).select_related("venue", "area", "venue__commune")
    if not device.is_owner:
        visits = visits.filter(device=device)
    return visits.order_by("-checked_in_at")


def open_visit_at(person: Person, *, venue_id: int) -> CheckIn | None:
    return (
        CheckIn.objects.filter(person=person, venue_id=venue_id, checked_out_at__isnull=True)
        .select_related("area")
        .order_by("-checked_in_at")
        .first()
    )
