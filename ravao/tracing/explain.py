"""Human-readable reasons ("same production line, 2 h 10 min overlap"), translated when rendered."""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ravao.tracing import conf

AREA_PHRASES = {
    "line": gettext_lazy("same production line"),
    "room": gettext_lazy("same room"),
    "floor": gettext_lazy("same floor"),
    "building": gettext_lazy("same building"),
}


def duration(minutes: int) -> str:
    if minutes < 1:
        return _("less than 1 min")
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min") % {"m": rest}
    if not rest:
        return _("%(h)d h") % {"h": hours}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}


def reason(
    *,
    tier: str,
    overlap_minutes: int,
    area_kind: str | None,
    same_area: bool,
    source_start: datetime,
    source_end: datetime,
    contact_start: datetime,
    estimated: bool,
) -> str:
    """Why a person is a contact. `source_end` is the index person's presence end with the buffer."""
    place = str(AREA_PHRASES.get(area_kind or "", "")) if same_area else ""
    place = place or _("same venue")
    if tier == "low":
        if contact_start < source_start:
            gap = int((source_start - contact_start).total_seconds() // 60)
            text = _("%(place)s, checked in %(gap)s before the case arrived, no overlap")
        else:
            left = source_end - timedelta(minutes=conf.BUFFER_MINUTES)
            gap = max(0, int((contact_start - left).total_seconds() // 60))
            text = _("%(place)s, checked in %(gap)s after the case left, no overlap")
        text = text % {"place": place, "gap": duration(gap)}
    else:
        text = _("%(place)s, %(duration)s overlap") % {"place": place, "duration": duration(overlap_minutes)}
    if estimated:
        text += " " + _("(times partly estimated)")
    return text[:1].upper() + text[1:]
