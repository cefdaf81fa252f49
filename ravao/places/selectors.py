"""Reads of venues and areas."""

from django.db.models import QuerySet

from ravao.places.models import Area, Venue


def scan_target(code: str) -> tuple[Venue, Area | None] | None:
    """What a poster code points at: a venue's entrance or one of its areas. None for an unknown or
    rotated code. Suspended and pending venues still resolve; the caller decides what to show."""
    venue = Venue.objects.filter(qr_code=code).first()
    if venue is not None:
        return venue, None
    area = Area.objects.select_related("venue").filter(qr_code=code).first()
    if area is not None:
        return area.venue, area
    return None


def venue_areas(venue: Venue) -> QuerySet[Area]:
    return Area.objects.filter(venue=venue).select_related("parent").order_by("name")
