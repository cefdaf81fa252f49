"""Reads of the audit trail."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ravao.privacy.models import AuditEvent, PurgeRun


def audit_events_about(person_id: int) -> QuerySet[AuditEvent]:
    """What officials did with a person's data, for the person's own page (newest first)."""
    return AuditEvent.objects.filter(person_id=person_id, actor__isnull=False).order_by("-at")


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
