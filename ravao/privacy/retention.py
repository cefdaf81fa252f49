"""Retention: personal data is deleted on schedule, in batches, and every deleted row is counted.

Design
- `retention_purge(now=...)` deletes gate-scan receipts, check-ins, health declarations and devices older
  than RAVAO_RETENTION_DAYS (default 28: BRIEF §3); phone-verification and password-reset codes after a
  day, the verification events,
  refused ID cards (CardMismatch), sent notifications and imported paper sheets after the same period (a
  sheet's preview nobody confirmed after a day); then calls every purger other apps registered (tracing
  registers one for closed cases past their own retention, RAVAO_CASE_RETENTION_DAYS), then persons.
- On PostgreSQL check-ins are partitioned by day (`ravao/checkins/partitions.py`): whole days before the
  cut-off are dropped, each in its own transaction with its counts; the rest goes through the batches.
- Each batch is deleted in its own short transaction, selected by primary key from an index on the time
  column, so a large backlog never holds long locks and a crash loses nothing but the batch in flight
  (the next run continues).
- Counts are proven, not estimated: each batch adds the per-model counts Django's `delete()` returns
  (cascaded rows included) to the PurgeRun row *in the batch's own transaction*, so a killed purge leaves
  counts equal to the rows it removed. Keys are model labels ("checkins.CheckIn", "tracing.Contact").
  `finished_at` is set when the run ends and stays empty for a run that did not.
- The PurgeRun row records the cut-off dates and the counts — never the data itself — so the purge is
  verifiable by the operator and by the deploying authority's lawyer.
- Persons themselves are deleted when nothing references them any more and they were created before the
  cut-off (a person is personal data too; keeping an empty shell would defeat the purpose). A person is
  kept while a row of another app refers to them through a PROTECT foreign key (tracing's cases and
  contact rows: kept until the case's own retention has passed), or while tracing follows them up
  (case_status set). The same rule decides whether a person may delete their own profile
  (`person_holds`; other apps register what holds a person with `register_person_keeper`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, ForeignObjectRel, OuterRef
from django.utils import timezone

from ravao.accounts.models import PasswordResetCode
from ravao.checkins.models import CardMismatch, CheckIn, GateScan, SheetImport
from ravao.checkins.partitions import AHEAD_DAYS, is_partitioned, partitions_drop_before, partitions_ensure
from ravao.notifications.models import Notification
from ravao.people.models import Device, HealthDeclaration, Person, PhoneVerification, PhoneVerificationEvent
from ravao.privacy.models import PurgeRun

# Called inside each batch's transaction with that batch's per-model deletion counts.
Recorder = Callable[[Mapping[str, int]], None]
# purger(now=..., record=...) -> the per-model counts it deleted (also passed to `record` batch by batch).
Purger = Callable[..., Mapping[str, int]]
_PURGERS: list[tuple[str, Purger]] = []
_CHECKIN, _CLIENT_KEY = "checkins.CheckIn", "checkins.CheckInClientKey"


@dataclass(frozen=True)
class Hold:
    """Why a person's record must be kept: a record of another app that refers to them.

    `kept_until` is the last day the record is kept (None while it is open: it is kept until closed,
    then `days_after_close` more days)."""

    kind: str  # "case": the person is the case; "contact": the person is on a case's contact list
    object_id: int
    kept_until: date | None
    days_after_close: int


HoldsOf = Callable[..., list[Hold]]  # holds(person=..., now=...)
Release = Callable[..., dict[str, int]]  # release(person=..., now=...): delete expired records of them
_KEEPERS: list[tuple[str, HoldsOf, Release]] = []


def register_purger(name: str, purger: Purger) -> None:
    """Another app's purge step, called as purger(now=..., record=...). Registered once."""
    if all(existing != name for existing, _ in _PURGERS):
        _PURGERS.append((name, purger))


def register_person_keeper(name: str, *, holds: HoldsOf, release: Release) -> None:
    """Another app's records that keep a person: `holds` says which and until when; `release` deletes
    the expired ones that still refer to the person (due for the purge anyway) before the person goes."""
    if all(existing != name for existing, _, _ in _KEEPERS):
        _KEEPERS.append((name, holds, release))


def person_holds(*, person: Person, now: datetime) -> list[Hold]:
    return [hold for _, holds, _ in _KEEPERS for hold in holds(person=person, now=now)]


def person_release(*, person: Person, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, release in _KEEPERS:
        for label, count in release(person=person, now=now).items():
            counts[label] = counts.get(label, 0) + count
    return counts


def _delete_batch(model: type[models.Model], pks: list[Any]) -> dict[str, int]:
    """Delete one batch; the per-model counts include every row removed by cascade."""
    counts = dict(model._base_manager.filter(pk__in=pks).delete()[1])
    if counts.get(_CHECKIN) and is_partitioned():
        # On PostgreSQL a trigger deletes each check-in's client key with it (ravao/checkins/partitions.py).
        counts[_CLIENT_KEY] = counts.get(_CLIENT_KEY, 0) + counts[_CHECKIN]
    return counts


def delete_in_batches(
    queryset: models.QuerySet[Any], *, batch_size: int, record: Recorder | None = None
) -> dict[str, int]:
    """Delete the rows of `queryset` in batches of primary keys, each batch in its own transaction, and
    record each batch's per-model counts in that same transaction."""
    totals: dict[str, int] = {}
    while True:
        with transaction.atomic():
            pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                return totals
            counts = _delete_batch(queryset.model, pks)
            if record is not None:
                record(counts)
        for label, count in counts.items():
            totals[label] = totals.get(label, 0) + count


class _Ledger:
    """The run's counts, written to its PurgeRun row by each batch inside that batch's transaction."""

    def __init__(self, run: PurgeRun) -> None:
        self.run = run

    def record(self, deleted: Mapping[str, int]) -> None:
        counts = dict(self.run.counts)
        for label, count in deleted.items():
            counts[label] = counts.get(label, 0) + count
        PurgeRun.objects.filter(pk=self.run.pk).update(counts=counts)
        self.run.counts = counts


def kept_persons_excluded(persons: models.QuerySet[Person]) -> models.QuerySet[Person]:
    """Leave out persons that a row of another app refers to through a PROTECT (or RESTRICT) foreign key:
    deleting them would be refused by the database layer, and those rows are what keeps them."""
    # include_hidden: relations named "+" (Contact.person) are hidden from `related_objects`.
    for relation in Person._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel) or relation.on_delete not in (
            models.PROTECT,
            models.RESTRICT,
        ):
            continue
        referrer: type[models.Model] = relation.field.model  # the model holding the foreign key
        referrers = referrer._base_manager.filter(**{relation.field.name: OuterRef("pk")})
        persons = persons.exclude(Exists(referrers))
    return persons


HEADLINE_MODELS = (
    "checkins.GateScan",
    "checkins.CheckIn",
    "people.HealthDeclaration",
    "people.Device",
    "people.Person",
)


def retention_purge(*, now: datetime, batch_size: int = 2000) -> PurgeRun:
    cutoff = now - timedelta(days=settings.RAVAO_RETENTION_DAYS)
    run = PurgeRun.objects.create(
        started_at=now,
        cutoffs={"checkins_declarations_devices": cutoff.isoformat()},
        # The headline models show 0 rather than nothing.
        counts=dict.fromkeys(HEADLINE_MODELS, 0),
    )
    ledger = _Ledger(run)
    # The days ahead exist before they are needed, even if the `ravao partitions` cron stopped (PostgreSQL).
    partitions_ensure(today=timezone.localdate(now), ahead=AHEAD_DAYS)
    # Served by checkin_time, declaration created_at and device_created indexes.
    # Gate scan receipts (kept for exactly-once replay answers) go first: they point at check-ins.
    delete_in_batches(
        GateScan.objects.filter(scanned_at__lt=cutoff), batch_size=batch_size, record=ledger.record
    )
    # PostgreSQL: the days wholly before the cut-off go by dropping their partitions (one statement a day
    # instead of ≈ 350,000 row deletions); what is left before the cut-off (the day it falls in, the default
    # partition) goes by the batched DELETE, as everything does on SQLite.
    partitions_drop_before(cutoff=cutoff, record=ledger.record)
    delete_in_batches(
        CheckIn.objects.filter(checked_in_at__lt=cutoff), batch_size=batch_size, record=ledger.record
    )
    delete_in_batches(
        HealthDeclaration.objects.filter(created_at__lt=cutoff), batch_size=batch_size, record=ledger.record
    )
    delete_in_batches(
        Device.objects.filter(created_at__lt=cutoff).exclude(checkins__checked_in_at__gte=cutoff).distinct(),
        batch_size=batch_size,
        record=ledger.record,
    )
    # The short-lived rows of other features, each holding personal data (docs/privacy.md, "Deletion"):
    # a code sent to a phone, a card refused at a gate, a paper sheet waiting for its import, a message sent.
    short = now - timedelta(days=1)
    for queryset in (
        PhoneVerification.objects.filter(created_at__lt=short),
        PasswordResetCode.objects.filter(created_at__lt=short),
        PhoneVerificationEvent.objects.filter(at__lt=cutoff),
        CardMismatch.objects.filter(created_at__lt=cutoff),
        SheetImport.objects.filter(status=SheetImport.Status.PREVIEW, uploaded_at__lt=short),
        SheetImport.objects.filter(uploaded_at__lt=cutoff),
        Notification.objects.filter(created_at__lt=cutoff),
    ):
        delete_in_batches(queryset, batch_size=batch_size, record=ledger.record)
    for _name, purger in _PURGERS:
        totals = purger(now=now, record=ledger.record)
        # Already recorded batch by batch; this only lists the purger's models with 0 when nothing went.
        ledger.record(dict.fromkeys(totals, 0))
    orphans = kept_persons_excluded(
        Person.objects.filter(created_at__lt=cutoff, case_status="")
        .exclude(Exists(CheckIn.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(HealthDeclaration.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(Device.objects.filter(person=OuterRef("pk"))))
        # A household holder stays while a member is kept (`household_of` is PROTECT); a member with
        # nothing left goes like anyone else, and the holder with the next purge.
        .exclude(Exists(Person.objects.filter(household_of=OuterRef("pk"))))
    )
    delete_in_batches(orphans, batch_size=batch_size, record=ledger.record)
    # The real end of the run (a run that died keeps finished_at empty).
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run
