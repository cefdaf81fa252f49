"""Retention: personal data is deleted on schedule, in batches, and the deletion is logged.

Design
- `retention_purge(now=...)` deletes check-ins, health declarations and devices older than
  RAVAO_RETENTION_DAYS (default 28: BRIEF §3), then calls every purger other apps registered (tracing
  registers one for closed cases and their contact lists, with its own setting).
- Each batch is deleted in its own short transaction, selected by primary key from an index on the time
  column, so a large backlog never holds long locks and a crash loses nothing but the batch in flight
  (the next run continues).
- A PurgeRun row records the cut-off dates and the counts — never the data itself — so the purge is
  verifiable by the operator and by the district's lawyer.
- Persons themselves are deleted when nothing references them any more and they were created before the
  cut-off (a person is personal data too; keeping an empty shell would defeat the purpose). Persons under
  tracing follow-up (case_status set) are kept until tracing lets go of them.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef

from ravao.checkins.models import CheckIn, GateScan
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.privacy.models import PurgeRun

Purger = Callable[..., dict[str, int]]
_PURGERS: list[tuple[str, Purger]] = []


def register_purger(name: str, purger: Purger) -> None:
    """Another app's purge step, called as purger(now=...) -> {label: count}. Registered once."""
    if all(existing != name for existing, _ in _PURGERS):
        _PURGERS.append((name, purger))


def delete_in_batches(queryset: models.QuerySet[Any], *, batch_size: int) -> int:
    """Delete the rows of `queryset` in batches of primary keys, each batch in its own transaction."""
    deleted = 0
    while True:
        with transaction.atomic():
            pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                return deleted
            queryset.model.objects.filter(pk__in=pks).delete()
            deleted += len(pks)


def retention_purge(*, now: datetime, batch_size: int = 2000) -> PurgeRun:
    cutoff = now - timedelta(days=settings.RAVAO_RETENTION_DAYS)
    run = PurgeRun.objects.create(
        started_at=now, cutoffs={"checkins_declarations_devices": cutoff.isoformat()}
    )
    counts: dict[str, int] = {}
    # Served by checkin_time, declaration created_at and device_created indexes.
    # Gate scan receipts (kept for exactly-once replay answers) go first: they point at check-ins.
    counts["gate_scans"] = delete_in_batches(
        GateScan.objects.filter(scanned_at__lt=cutoff), batch_size=batch_size
    )
    counts["checkins"] = delete_in_batches(
        CheckIn.objects.filter(checked_in_at__lt=cutoff), batch_size=batch_size
    )
    counts["declarations"] = delete_in_batches(
        HealthDeclaration.objects.filter(created_at__lt=cutoff), batch_size=batch_size
    )
    counts["devices"] = delete_in_batches(
        Device.objects.filter(created_at__lt=cutoff).exclude(checkins__checked_in_at__gte=cutoff).distinct(),
        batch_size=batch_size,
    )
    for name, purger in _PURGERS:
        for label, count in purger(now=now).items():
            counts[f"{name}.{label}"] = count
    orphans = (
        Person.objects.filter(created_at__lt=cutoff, case_status="")
        .exclude(Exists(CheckIn.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(HealthDeclaration.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(Device.objects.filter(person=OuterRef("pk"))))
        # A household holder stays while a member is kept (`household_of` is PROTECT); a member with
        # nothing left goes like anyone else, and the holder with the next purge.
        .exclude(Exists(Person.objects.filter(household_of=OuterRef("pk"))))
    )
    counts["persons"] = delete_in_batches(orphans, batch_size=batch_size)
    run.counts = counts
    run.finished_at = now
    run.save(update_fields=["counts", "finished_at"])
    return run
