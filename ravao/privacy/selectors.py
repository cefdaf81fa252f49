"""Reads of the audit trail."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ravao.privacy.models import AuditEvent, PurgeRun


def audit_events_about(person_id: int) -> QuerySet[AuditEvent]:
    """What officials did with a person's data, for the person's own page (newest first); and what another
    system did with a token (no actor: the token is in the details) when it read a contact list."""
    by_system = Q(actor__isnull=True, details__has_key="token") & Q(
        action__in=("tracing.contact_export", "api.import_person")
    )
    return AuditEvent.objects.filter(Q(actor__isnull=False) | by_system, person_id=person_id).order_by("-at")


@dataclass(frozen=True)
class AccessLine:
    """One access to a person's data, in words, for their own page."""

    at: datetime
    text: str


def _official(event: AuditEvent) -> str:
    if event.actor_office:
        return _("%(role)s of %(office)s") % {"role": event.role_label(), "office": event.actor_office}
    return event.role_label() or _("An official")


def person_accesses(person_id: int, *, limit: int = 50) -> list[AccessLine]:
    """What officials did with a person's data, newest first, each in a sentence: who (role and office),
    what and why. Venues named by gate look-ups are read in one query."""
    from ravao.places.models import Venue

    events = list(audit_events_about(person_id)[:limit])
    venue_ids = {
        e.details.get("venue_id")
        for e in events
        if e.action.startswith("gate.") and isinstance(e.details, dict)
    }
    venues = Venue.objects.only("name").in_bulk({v for v in venue_ids if isinstance(v, int)})
    lines = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        generation = details.get("generation", 1)
        if event.action == "tracing.contact_view":
            text = _(
                "%(official)s viewed your data because you are a contact (F%(generation)s) of a case"
            ) % {"official": _official(event), "generation": generation}
        elif event.action == "tracing.contact_export" and event.actor_id is None and details.get("token"):
            text = _(
                "The system “%(system)s” of %(office)s (%(role)s) took your data in a contact list because"
                " you are a contact (F%(generation)s) of a case"
            ) % {
                "system": details.get("system") or details["token"],
                "office": event.actor_office or _("a health office"),
                "role": event.role_label(),
                "generation": generation,
            }
        elif event.action == "api.import_person" and event.actor_id is None and details.get("token"):
            text = _("The system “%(system)s” of %(office)s recorded visits of yours it sent") % {
                "system": details.get("system") or details["token"],
                "office": event.actor_office or _("a health office"),
            }
        elif event.action == "tracing.contact_export":
            text = _(
                "%(official)s exported your data in a contact list because you are a contact"
                " (F%(generation)s) of a case"
            ) % {"official": _official(event), "generation": generation}
        elif event.action.startswith("gate.") and details.get("venue_id") in venues:
            text = _("Staff of %(venue)s checked your status at the gate") % {
                "venue": venues[details["venue_id"]].name
            }
        else:
            text = f"{_official(event)} ({event.purpose_label()})"
        lines.append(AccessLine(event.at, text))
    return lines


def audit_search(
    *,
    action: str = "",
    actor_login: str = "",
    person_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-at")
    if action:
        events = events.filter(action__startswith=action)
    if actor_login:
        events = events.filter(actor__username=actor_login)
    if person_id is not None:
        events = events.filter(person_id=person_id)
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz))
    return events


def recent_purges(limit: int = 20) -> QuerySet[PurgeRun]:
    return PurgeRun.objects.order_by("-started_at")[:limit]
