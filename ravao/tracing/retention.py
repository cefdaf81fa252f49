"""Retention of cases (BRIEF §3: "cases and their contact lists per the health office's setting").

Design
- A case is kept while it is open and for RAVAO_CASE_RETENTION_DAYS after it is closed; then the purge
  deletes it with its contacts and alerts, in batches, each in its own short transaction so a large
  backlog never holds locks for long. Only counts leave this module (per model label, cascades
  included), recorded by the purge run inside each batch's transaction; never the data.
- Cases and contact rows refer to persons through PROTECT foreign keys: a person cannot be deleted (by
  the purge or by themselves) while a kept case or contact row names them. `person_holds` tells the
  person what keeps their record and until when; once the case's own retention has passed,
  `person_release` deletes those expired cases (due for the purge anyway) so the person can go.
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ravao.people.models import Person
from ravao.privacy.retention import Hold
from ravao.tracing import conf
from ravao.tracing.models import Alert, Case, CaseRequest, Contact

BATCH = 500


def _cutoff(now: datetime) -> datetime:
    return now - timedelta(days=conf.CASE_RETENTION_DAYS)


def _add(totals: dict[str, int], counts: Mapping[str, int]) -> None:
    for label, count in counts.items():
        totals[label] = totals.get(label, 0) + count


def delete_cases(ids: list[int]) -> dict[str, int]:
    """Delete these cases with their contacts and alerts; per-model counts of every row removed."""
    counts: dict[str, int] = {}
    # A case opened from a contact points at it; drop that link first so the order does not matter.
    Case.objects.filter(source_contact__case_id__in=ids).update(source_contact=None)
    _add(counts, Alert.objects.filter(case_id__in=ids).delete()[1])
    # F2 rows point at F1 rows of the same case: delete F2 first.
    _add(counts, Contact.objects.filter(case_id__in=ids, generation=2).delete()[1])
    _add(counts, Contact.objects.filter(case_id__in=ids).delete()[1])
    _add(counts, Case.objects.filter(pk__in=ids).delete()[1])
    return counts


def purge_closed_cases(
    *,
    now: datetime,
    batch_size: int = BATCH,
    record: Callable[[Mapping[str, int]], None] | None = None,
) -> dict[str, int]:
    """Delete cases closed before the retention cut-off (never open ones), batch by batch."""
    cutoff = _cutoff(now)
    totals = {"tracing.Case": 0, "tracing.Contact": 0, "tracing.Alert": 0, "tracing.CaseRequest": 0}
    # Requests to open a case name a person and a reason: kept as long as a closed case would be, counted
    # from the request (a pending request that old was never decided and is moot).
    while True:
        with transaction.atomic():
            ids = list(
                CaseRequest.objects.filter(created_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            counts = dict(CaseRequest.objects.filter(pk__in=ids).delete()[1])
            if record is not None:
                record(counts)
        _add(totals, counts)
    while True:
        with transaction.atomic():
            ids = list(
                Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return totals
            counts = delete_cases(ids)
            if record is not None:
                record(counts)
        _add(totals, counts)


def _kept(now: datetime) -> Q:
    """Cases still kept at `now`: open, or closed within the retention period (the purge's complement)."""
    return Q(status=Case.Status.OPEN) | Q(closed_at__gte=_cutoff(now))


def person_holds(*, person: Person, now: datetime) -> list[Hold]:
    """The kept cases that name this person, as the case or on the contact list."""
    holds: list[Hold] = []
    days = conf.CASE_RETENTION_DAYS
    as_case = Case.objects.filter(_kept(now), person=person).values_list("pk", "closed_at", "status")
    as_contact = (
        Case.objects.filter(_kept(now), contacts__person=person)
        .distinct()
        .values_list("pk", "closed_at", "status")
    )
    for kind, rows in (("case", as_case), ("contact", as_contact)):
        for pk, closed_at, status in rows:
            until = None
            if status == Case.Status.CLOSED and closed_at is not None:
                until = timezone.localdate(closed_at + timedelta(days=days))
            holds.append(Hold(kind=kind, object_id=pk, kept_until=until, days_after_close=days))
    return holds


def person_release(*, person: Person, now: datetime) -> dict[str, int]:
    """Delete the expired cases that still name this person (past their retention, due for the purge),
    so the person can be deleted. Call only when `person_holds` is empty."""
    expired = Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=_cutoff(now)).filter(
        Q(person=person) | Q(contacts__person=person)
    )
    ids = list(expired.distinct().values_list("pk", flat=True))
    return delete_cases(ids) if ids else {}
