"""Moving a deployment from the 2021 map (province → district → commune) to the 2025 map (province → ward).

Design
- The mapping is the data package's own converter (`vietnamadminunits/data/converter_2025.json`), read as
  a file like `units.dataset_path()` reads the SQLite file. Its keys are folded names
  ("thanhphohanoi_huyenthachthat_xahabang"); the package's `dataset.db` gives each key its GSO code, so
  every old unit maps to `AdminUnit` rows by code ("v2021-10009" → "v2025-…"). Nothing is matched by name.
  * `DICT_PROVINCE_WARD_NO_DIVIDED`: new ward → the old communes it absorbed whole. Those move.
  * `DICT_PROVINCE_WARD_DIVIDED`: old commune → the new wards it was split between. Nothing on such a
    commune is moved: each venue, role, case, request and token (and the commune's people, as a group)
    is queued in `UnitSplitDecision` for an administrator; the converter's "default" ward is a suggestion.
  * `DICT_PROVINCE`: new province → old provinces. A province that stayed whole maps its province-level
    objects; a merged one queues them (an old province's admin must not silently gain a neighbour).
- Districts are gone. What served a district (district admins, district health offices, their cases and
  tokens) is queued with the new province and the new wards covering the district as candidates, unless
  the operator chooses `district_memberships="province"` for roles (documented in docs/operations.md).
- Writes go in batches (`batch_size` rows), each batch its own transaction, so a national run does not
  hold one long transaction and an interrupted run resumes: every step selects only rows still on an old
  unit, so a second run moves nothing and queues nothing twice.
- Old units are then retired (`AdminUnit.retired_at`), never deleted: memberships and roll-ups would be
  dropped by CASCADE, and cases, audit rows and queued objects still name them.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ravao.accounts.models import Invitation, Membership, Role
from ravao.oversight.models import DailyCommuneStats, DailyVenueStats, Reminder
from ravao.people.models import Person
from ravao.places.models import AdminUnit, UnitSplitDecision, Venue
from ravao.places.units import dataset_path, unit_code
from ravao.security.models import ApiToken
from ravao.tracing.models import Case, CaseRequest

Level = AdminUnit.Level
Kind = UnitSplitDecision.Kind
DistrictPolicy = Literal["queue", "province"]
_COUNTS = ("checkins", "self_scans", "gate_scans", "manual", "imported", "yellow", "red", "no_exit")


def converter_path() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The vietnamadminunits package is not installed.")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "converter_2025.json"
    if not path.is_file():
        raise RuntimeError(f"vietnamadminunits has no converter at {path}.")
    return path


@dataclass
class Plan:
    """Old unit id → where it goes. A unit is in at most one of `moves` and `queues`."""

    moves: dict[int, int] = field(default_factory=dict)
    # Old unit id → (candidate new unit ids, suggested id or None).
    queues: dict[int, tuple[list[int], int | None]] = field(default_factory=dict)
    old_units: list[AdminUnit] = field(default_factory=list)
    # Old commune codes the converter does not know (left in place, not retired).
    unmapped: list[str] = field(default_factory=list)


@dataclass
class RemapReport:
    dry_run: bool
    moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    merged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    queued: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retired: int = 0
    unmapped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "would move" if self.dry_run else "moved"
        out = [f"{label}: {verb} {count}" for label, count in sorted(self.moved.items()) if count]
        out += [
            f"{label}: merged {count} duplicates" for label, count in sorted(self.merged.items()) if count
        ]
        queued = "would queue" if self.dry_run else "queued"
        out += [f"decision {kind}: {queued} {count}" for kind, count in sorted(self.queued.items()) if count]
        out.append(f"old units {'to retire' if self.dry_run else 'retired'}: {self.retired}")
        if self.unmapped:
            out.append(f"not in the converter (left in place): {', '.join(self.unmapped)}")
        return out


def _read_keys(province_codes: Iterable[str]) -> tuple[dict[str, tuple[str, str, str]], dict[str, str]]:
    """Converter keys → GSO codes: old "prov_dist_ward" → (province, district, ward) codes, and
    new "prov_ward" (or "prov" for a province) → code."""
    codes = sorted(set(province_codes))
    marks = ", ".join("?" for _ in codes)
    connection = sqlite3.connect(f"{dataset_path().as_uri()}?mode=ro", uri=True)
    try:
        legacy = connection.execute(
            "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode "  # noqa: S608
            f"FROM admin_units_legacy WHERE provinceCode IN ({marks}) AND wardCode IS NOT NULL",
            codes,
        ).fetchall()
        current = connection.execute(
            "SELECT provinceKey, wardKey, provinceCode, wardCode FROM admin_units"
        ).fetchall()
    finally:
        connection.close()
    old = {f"{p}_{d}_{w}": (pc, dc, wc) for p, d, w, pc, dc, wc in legacy if w}
    new: dict[str, str] = {}
    for p, w, pc, wc in current:
        new[f"{p}_{w}"] = wc
        new[p] = pc
    # Old province keys (for DICT_PROVINCE) → old province code.
    for p, _d, _w, pc, _dc, _wc in legacy:
        new.setdefault(f"old:{p}", pc)
    return old, new


def build_plan(*, province_codes: Iterable[str] | None = None) -> Plan:
    """Where every loaded 2021 unit (of `province_codes`, or all) goes. Raises ValueError when a 2025 unit
    the converter points to is not loaded (the operator loads the 2025 map of the province first)."""
    old_prefix, new_prefix = unit_code("2021", ""), unit_code("2025", "")
    olds = AdminUnit.objects.filter(code__startswith=old_prefix)
    if province_codes:
        olds = olds.filter(path__regex=r"^2021/(" + "|".join(c.zfill(2) for c in province_codes) + ")/")
    old_units = list(olds.order_by("path"))
    plan = Plan(old_units=old_units)
    if not old_units:
        return plan
    provinces_in_scope = {u.path.split("/")[1] for u in old_units}
    old_keys, new_codes = _read_keys(provinces_in_scope)
    converter = json.loads(converter_path().read_text(encoding="utf-8"))
    new_ids = dict(AdminUnit.objects.filter(code__startswith=new_prefix).values_list("code", "id"))
    missing: set[str] = set()

    def new_id(gso: str) -> int | None:
        found = new_ids.get(unit_code("2025", gso))
        if found is None:
            missing.add(gso)
        return found

    # Old commune code → single new ward code, or candidate codes with the default first.
    single: dict[str, str] = {}
    split: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    old_province_of: dict[str, str] = {}  # old province code → new province code
    province_merged: dict[str, bool] = {}
    for new_pkey, old_pkeys in converter["DICT_PROVINCE"].items():
        for old_pkey in old_pkeys:
            if f"old:{old_pkey}" in new_codes:
                old_province_of[new_codes[f"old:{old_pkey}"]] = new_codes[new_pkey]
                province_merged[new_codes[f"old:{old_pkey}"]] = len(old_pkeys) > 1
    for new_pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, old_full_keys in wards.items():
            for old_key in old_full_keys:
                if old_key in old_keys:
                    single[old_keys[old_key][2]] = new_codes[f"{new_pkey}_{new_wkey}"]
    for new_pkey, olds_divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, options in olds_divided.items():
            if old_key in old_keys:
                for option in options:
                    code = new_codes[f"{new_pkey}_{option['newWardKey']}"]
                    split[old_keys[old_key][2]].append((code, bool(option.get("isDefaultNewWard"))))

    wards_of_district: dict[str, set[str]] = defaultdict(set)
    for unit in old_units:
        gso = unit.code.removeprefix(old_prefix)
        if unit.level == Level.COMMUNE:
            district = unit.path.split("/")[2] if unit.path.count("/") > 3 else None
            if gso in split:  # A split commune is never guessed, even if also listed whole somewhere.
                ids = [i for i in (new_id(c) for c, _ in split[gso]) if i is not None]
                default = next((new_id(c) for c, is_default in split[gso] if is_default), None)
                plan.queues[unit.pk] = (sorted(set(ids)), default)
                targets = {c for c, _ in split[gso]}
            elif gso in single:
                target = new_id(single[gso])
                if target is not None:
                    plan.moves[unit.pk] = target
                targets = {single[gso]}
            else:
                plan.unmapped.append(unit.code)
                targets = set()
            if district:
                wards_of_district[district] |= targets
    for unit in old_units:
        gso = unit.code.removeprefix(old_prefix)
        if unit.level == Level.PROVINCE:
            new_province = old_province_of.get(gso)
            target = new_id(new_province) if new_province else None
            if target is None:
                plan.unmapped.append(unit.code)
            elif province_merged.get(gso):
                plan.queues[unit.pk] = ([target], None)
            else:
                plan.moves[unit.pk] = target
        elif unit.level == Level.DISTRICT:
            province_gso = unit.path.split("/")[1]
            new_province = old_province_of.get(province_gso)
            province_id = new_id(new_province) if new_province else None
            ward_ids = [i for i in (new_id(c) for c in sorted(wards_of_district[gso])) if i is not None]
            plan.queues[unit.pk] = ([i for i in [province_id, *ward_ids] if i is not None], province_id)
    if missing:
        raise ValueError(
            "The 2025 map is not loaded for these units (run `ravao load_units --scheme 2025 --province …` "
            f"first): {', '.join(sorted(missing)[:20])}{' …' if len(missing) > 20 else ''}"
        )
    return plan


def _batches(queryset: models.QuerySet[Any], size: int) -> Iterable[list[int]]:
    """Primary keys of `queryset` in batches. Re-queried after each batch: rows moved leave the selection,
    so this terminates and resumes."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _move(model: type[models.Model], fk: str, old: int, new: int, report: RemapReport, size: int) -> None:
    selection = model._default_manager.filter(**{f"{fk}_id": old})
    label = model._meta.label
    if report.dry_run:
        report.moved[label] += selection.count()
        return
    for ids in _batches(selection, size):
        with transaction.atomic():
            report.moved[label] += model._default_manager.filter(pk__in=ids, **{f"{fk}_id": old}).update(
                **{f"{fk}_id": new}
            )


def _move_memberships(old: int, new: int, report: RemapReport, size: int, *, dry_run: bool) -> None:
    """Memberships and pending invitations. A user who already holds the role on the new unit (two merged
    communes, one official on both) keeps that one: the old row is the same access, deleted as merged."""
    selection = Membership.objects.filter(unit_id=old)
    new_unit = AdminUnit.objects.get(pk=new)
    from ravao.accounts.services import role_fits_unit

    for ids in [] if dry_run else _batches(selection, size):
        with transaction.atomic():
            for membership in Membership.objects.select_for_update().filter(pk__in=ids, unit_id=old):
                if not role_fits_unit(membership.role, new_unit):
                    continue  # e.g. a district-level role over a province: left for the queue
                if Membership.objects.filter(
                    user_id=membership.user_id, role=membership.role, unit_id=new
                ).exists():
                    membership.delete()
                    report.merged["accounts.Membership"] += 1
                else:
                    membership.unit_id = new
                    membership.save(update_fields=["unit"])
                    report.moved["accounts.Membership"] += 1
    if dry_run:
        report.moved["accounts.Membership"] += sum(
            1 for role in selection.values_list("role", flat=True) if role_fits_unit(role, new_unit)
        )
    _move(Invitation, "unit", old, new, report, size)


def _merge_commune_stats(old: int, new: int, report: RemapReport, size: int) -> None:
    """A day of the old commune is added to the same day of the new ward (merged communes share a ward),
    hour by hour, or simply re-pointed when the ward has no row for that day yet."""
    selection = DailyCommuneStats.objects.filter(commune_id=old)
    label = DailyCommuneStats._meta.label
    if report.dry_run:
        report.moved[label] += selection.count()
        return
    for ids in _batches(selection, size):
        with transaction.atomic():
            rows = list(DailyCommuneStats.objects.select_for_update().filter(pk__in=ids, commune_id=old))
            existing = {
                row.day: row
                for row in DailyCommuneStats.objects.select_for_update().filter(
                    commune_id=new, day__in=[r.day for r in rows]
                )
            }
            for row in rows:
                target = existing.get(row.day)
                if target is None:
                    row.commune_id = new
                    row.save(update_fields=["commune"])
                    existing[row.day] = row
                    report.moved[label] += 1
                    continue
                for name in _COUNTS:
                    setattr(target, name, getattr(target, name) + getattr(row, name))
                hours = list(target.hours or [0] * 24)
                for i, value in enumerate(row.hours or []):
                    if i < len(hours):
                        hours[i] += value
                target.hours = hours
                target.save()
                row.delete()
                report.merged[label] += 1


def _move_case_request_units(old: int, new_ids: list[int], report: RemapReport) -> None:
    """The units whose officers may decide a pending case request: the old unit is replaced by its
    successor(s). For a split commune every candidate ward may decide (this widens who may answer a
    request; it does not place anything)."""
    through = CaseRequest.units.through
    rows = list(through.objects.filter(adminunit_id=old).values_list("pk", "caserequest_id"))
    label = "tracing.CaseRequest.units"
    report.moved[label] += len(rows)
    if report.dry_run or not rows:
        return
    with transaction.atomic():
        for pk, request_id in rows:
            for new in new_ids:
                through.objects.get_or_create(caserequest_id=request_id, adminunit_id=new)
            through.objects.filter(pk=pk).delete()


def _queue(
    kind: str,
    old: AdminUnit,
    object_ids: Iterable[int | None],
    candidates: list[int],
    suggested: int | None,
    report: RemapReport,
) -> None:
    for object_id in object_ids:
        if UnitSplitDecision.objects.filter(kind=kind, old_unit=old, object_id=object_id).exists():
            continue
        report.queued[kind] += 1
        if report.dry_run:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    decision = UnitSplitDecision.objects.create(
                        kind=kind, old_unit=old, object_id=object_id, suggested_id=suggested
                    )
            except IntegrityError:  # queued concurrently
                continue
            decision.candidates.set(candidates)


def _queue_unit(
    old: AdminUnit, candidates: list[int], suggested: int | None, report: RemapReport, policy: DistrictPolicy
) -> None:
    """Everything on `old` waits for a decision (objects keep their old unit meanwhile)."""
    if old.level == Level.DISTRICT and policy == "province" and suggested is not None:
        # The operator chose: district admins become administrators of the 2025 province. Only roles that
        # fit a province move (a district health officer's role does not): the others stay queued.
        _move_memberships(old.pk, suggested, report, 1000, dry_run=report.dry_run)
    _queue(
        Kind.VENUE,
        old,
        Venue.objects.filter(commune=old).values_list("pk", flat=True),
        candidates,
        suggested,
        report,
    )
    if Person.objects.filter(commune=old).exists():
        _queue(Kind.PEOPLE, old, [None], candidates, suggested, report)
    memberships = Membership.objects.filter(unit=old)
    if report.dry_run and old.level == Level.DISTRICT and policy == "province":
        memberships = memberships.exclude(role=Role.DISTRICT_ADMIN)
    _queue(Kind.MEMBERSHIP, old, memberships.values_list("pk", flat=True), candidates, suggested, report)
    _queue(
        Kind.CASE,
        old,
        Case.objects.filter(unit=old).values_list("pk", flat=True),
        candidates,
        suggested,
        report,
    )
    _queue(
        Kind.CASE_REQUEST,
        old,
        CaseRequest.objects.filter(unit=old, status=CaseRequest.Status.PENDING).values_list("pk", flat=True),
        candidates,
        suggested,
        report,
    )
    _queue(
        Kind.API_TOKEN,
        old,
        ApiToken.objects.filter(unit=old, revoked_at__isnull=True).values_list("pk", flat=True),
        candidates,
        suggested,
        report,
    )
    _move_case_request_units(old.pk, candidates, report)


def remap_units(
    *,
    province_codes: Iterable[str] | None = None,
    dry_run: bool = False,
    batch_size: int = 1000,
    district_memberships: DistrictPolicy = "queue",
) -> RemapReport:
    """Move everything on 2021 units to the 2025 map (see the module docstring). Idempotent."""
    plan = build_plan(province_codes=province_codes)
    report = RemapReport(dry_run=dry_run, unmapped=plan.unmapped)
    units = {u.pk: u for u in plan.old_units}
    for old, new in plan.moves.items():
        _move(Venue, "commune", old, new, report, batch_size)
        _move(Person, "commune", old, new, report, batch_size)
        _move_memberships(old, new, report, batch_size, dry_run=dry_run)
        _move(Case, "unit", old, new, report, batch_size)
        _move(CaseRequest, "unit", old, new, report, batch_size)
        _move(ApiToken, "unit", old, new, report, batch_size)
        _move(DailyVenueStats, "commune", old, new, report, batch_size)
        _merge_commune_stats(old, new, report, batch_size)
        _move(Reminder, "commune", old, new, report, batch_size)
        _move_case_request_units(old, [new], report)
    for old, (candidates, suggested) in plan.queues.items():
        _queue_unit(units[old], candidates, suggested, report, district_memberships)
    unmapped = set(plan.unmapped)
    to_retire = [u.pk for u in plan.old_units if u.retired_at is None and u.code not in unmapped]
    report.retired = len(to_retire)
    if not dry_run and to_retire:
        with transaction.atomic():
            AdminUnit.objects.filter(pk__in=to_retire).update(retired_at=timezone.now())
    return report


class DecisionError(ValueError):
    """The chosen unit is not one of the decision's candidates, or the decision was made otherwise."""


def _apply(decision: UnitSplitDecision, unit: AdminUnit) -> int:
    """Move the decided object(s) from the old unit to `unit`; returns how many rows moved."""
    old = decision.old_unit_id
    if decision.kind == Kind.PEOPLE:
        return Person.objects.filter(commune_id=old).update(commune=unit)
    object_id = decision.object_id or 0
    if decision.kind == Kind.VENUE:
        moved = Venue.objects.filter(pk=object_id, commune_id=old).update(commune=unit)
        # Derived rows follow the venue; the old commune's day totals stay (history; rollup_stats rebuilds).
        DailyVenueStats.objects.filter(venue_id=object_id, commune_id=old).update(commune=unit)
        Reminder.objects.filter(venue_id=object_id, commune_id=old).update(commune=unit)
        return moved
    if decision.kind == Kind.MEMBERSHIP:
        from ravao.accounts.services import role_fits_unit

        membership = Membership.objects.select_for_update().filter(pk=object_id, unit_id=old).first()
        if membership is None:
            return 0
        if not role_fits_unit(membership.role, unit):
            raise DecisionError("role does not fit the unit")
        if Membership.objects.filter(user_id=membership.user_id, role=membership.role, unit=unit).exists():
            membership.delete()  # the same access already exists on the chosen unit
        else:
            membership.unit = unit
            membership.save(update_fields=["unit"])
        return 1
    model: type[models.Model] = {Kind.CASE: Case, Kind.CASE_REQUEST: CaseRequest, Kind.API_TOKEN: ApiToken}[
        Kind(decision.kind)
    ]
    return model._default_manager.filter(pk=object_id, unit_id=old).update(unit=unit)


@transaction.atomic
def split_decision_decide(
    *, decision: UnitSplitDecision, unit: AdminUnit, acting_user: Any, request: Any = None
) -> UnitSplitDecision:
    """An administrator places a queued object on one of the candidate units. Audited. Repeating the same
    decision (a retried request) changes nothing; a different one on a decided row is refused."""
    from ravao.privacy.services import audit_record

    locked = UnitSplitDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.chosen_id is not None:
        if locked.chosen_id == unit.pk:
            return locked
        raise DecisionError("already decided")
    if not locked.candidates.filter(pk=unit.pk).exists():
        raise DecisionError("not a candidate")
    moved = _apply(locked, unit)
    locked.chosen = unit
    locked.decided_by = acting_user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["chosen", "decided_by", "decided_at"])
    audit_record(
        actor=acting_user,
        action="unit_split_decided",
        obj=locked,
        request=request,
        details={
            "kind": locked.kind,
            "object_id": locked.object_id,
            "old_unit": locked.old_unit_id,
            "chosen": unit.pk,
            "chosen_name": unit.name,
            "moved": moved,
        },
    )
    return locked


@dataclass
class DecisionRow:
    decision: UnitSplitDecision
    label: str
    url: str = ""


@dataclass
class DecisionGroup:
    old_unit: AdminUnit
    candidates: list[AdminUnit]
    suggested_id: int | None
    rows: list[DecisionRow]


def split_decision_groups(decisions: models.QuerySet[UnitSplitDecision]) -> list[DecisionGroup]:
    """Open decisions grouped by old unit and candidate set (one bulk form each), objects described in
    words: a few queries per kind, not one per row."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    open_ = list(
        decisions.filter(decided_at__isnull=True)
        .select_related("old_unit")
        .prefetch_related("candidates")
        .order_by("old_unit__path", "kind", "object_id")[:1000]
    )
    ids: dict[str, list[int]] = defaultdict(list)
    for d in open_:
        if d.object_id is not None:
            ids[d.kind].append(d.object_id)
    venues = Venue.objects.in_bulk(ids[Kind.VENUE])
    memberships = Membership.objects.select_related("user").in_bulk(ids[Kind.MEMBERSHIP])
    tokens = ApiToken.objects.in_bulk(ids[Kind.API_TOKEN])
    people = dict(
        Person.objects.filter(commune_id__in=[d.old_unit_id for d in open_ if d.kind == Kind.PEOPLE])
        .values("commune_id")
        .annotate(n=models.Count("pk"))
        .values_list("commune_id", "n")
    )
    groups: dict[tuple[int, tuple[int, ...]], DecisionGroup] = {}
    for d in open_:
        candidates = sorted(d.candidates.all(), key=lambda u: (u.level != Level.PROVINCE, u.name))
        key = (d.old_unit_id, tuple(u.pk for u in candidates))
        group = groups.setdefault(key, DecisionGroup(d.old_unit, candidates, d.suggested_id, []))
        oid = d.object_id or 0
        row = DecisionRow(d, f"#{oid}")
        if d.kind == Kind.VENUE and oid in venues:
            row = DecisionRow(d, venues[oid].name, reverse("places:venue", args=[oid]))
        elif d.kind == Kind.MEMBERSHIP and oid in memberships:
            m = memberships[oid]
            row = DecisionRow(d, f"{m.user} – {m.get_role_display()}")
        elif d.kind == Kind.API_TOKEN and oid in tokens:
            row = DecisionRow(d, tokens[oid].name)
        elif d.kind == Kind.PEOPLE:
            row = DecisionRow(d, _("%(count)s people") % {"count": people.get(d.old_unit_id, 0)})
        elif d.kind == Kind.CASE:
            row = DecisionRow(d, _("Case #%(id)s") % {"id": oid})
        elif d.kind == Kind.CASE_REQUEST:
            row = DecisionRow(d, _("Case request #%(id)s") % {"id": oid})
        group.rows.append(row)
    return list(groups.values())
