"""Human-readable reasons ("same production line, 2 h 10 min overlap"), translated when rendered."""

from datetime import datetime, timedelta

from django.utils.translation import get_language, gettext, gettext_noop

from ravao.tracing import conf

AREA_PHRASES = {
    "line": gettext_noop("same production line"),
    "room": gettext_noop("same room"),
    "floor": gettext_noop("same floor"),
    "building": gettext_noop("same building"),
}
_CACHE: dict[tuple[str | None, str], str] = {}


def _(message: str) -> str:
    """gettext, memoised per language: a list of thousands of F2s explains each one with several
    phrases, and Django's gettext costs a thread-local look-up per call."""
    key = (get_language(), message)
    text = _CACHE.get(key)
    if text is None:
        text = _CACHE[key] = gettext(message)
    return text


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
    phrase = AREA_PHRASES.get(area_kind or "")
    place = _(phrase) if same_area and phrase else ""
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
