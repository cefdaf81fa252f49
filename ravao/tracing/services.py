"""Writes of tracing: cases, contacts, follow-up, alerts. Each service is one transaction and writes its
audit event in it (the case id is the purpose of every tracing access)."""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ravao.accounts.models import Role, User
from ravao.accounts.selectors import user_roles
from ravao.checkins.models import CheckIn
from ravao.checkins.visits import estimate_end
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue
from ravao.people.models import Person
from ravao.people.services import person_set_case_status
from ravao.places.models import AdminUnit, Area, Venue
from ravao.privacy.services import audit_record, audit_record_daily
from ravao.tracing import conf
from ravao.tracing.access import ROLE, units_of_person
from ravao.tracing.clusters import clusters_propose
from ravao.tracing.engine import Exposure, IndexCase, best_by_person, trace
from ravao.tracing.followup import followup_clear, followup_open
from ravao.tracing.models import Alert, Case, CaseRequest, Contact
from ravao.tracing.windows import proposed_window

log = logging.getLogger("ravao.tracing")


def _audit(
    actor: Any,
    action: str,
    case: Case,
    *,
    person_id: int | None = None,
    obj: Any = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        person_id=person_id if person_id is not None else case.person_id,
        obj=obj if obj is not None else case,
        reason=f"case:{case.pk}",
        request=request,
        role=ROLE,
        details=details,
    )


# --- cases -------------------------------------------------------------------------------------------
@transaction.atomic
def case_open(
    *,
    person: Person,
    unit: AdminUnit,
    onset_date: date | None,
    sample_date: date | None,
    isolated_on: date | None,
    acting_user: User | None,
    reason: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
    source_contact: Contact | None = None,
) -> Case:
    """Record a confirmed case (F0), propose its window, mark the person red and trace the F1s.

    `reason` is the purpose (lab notification number ...): the officer's form requires it and checks the
    jurisdiction before calling this; a positive follow-up records its own."""
    now = now or timezone.now()
    existing = Case.objects.filter(person=person, status=Case.Status.OPEN).first()
    if existing is not None:
        return existing
    start, end = proposed_window(
        onset_date=onset_date, sample_date=sample_date, isolated_on=isolated_on, now=now
    )
    case = Case.objects.create(
        person=person,
        unit=unit,
        onset_date=onset_date,
        sample_date=sample_date,
        isolated_on=isolated_on,
        window_start=start,
        window_end=end,
        created_by=acting_user,
        source_contact=source_contact,
        reason=reason.strip()[:200],
    )
    person_set_case_status(person=person, case_status="case")
    _audit(acting_user, "case.create", case, request=request, details={"reason": case.reason})
    case_trace(case=case, acting_user=acting_user, request=request, now=now)
    return case


@transaction.atomic
def case_edit_window(
    *,
    case: Case,
    start: datetime,
    end: datetime,
    reason: str,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Case:
    if end < start:
        raise ValueError("the window ends before it starts")
    if not reason.strip():
        raise ValueError("a reason is required")
    case.window_start, case.window_end, case.window_reason = start, end, reason.strip()[:300]
    case.save(update_fields=["window_start", "window_end", "window_reason"])
    _audit(
        acting_user,
        "case.window",
        case,
        request=request,
        details={"start": start.isoformat(), "end": end.isoformat()},
    )
    case_trace(case=case, acting_user=acting_user, request=request)
    return case


@transaction.atomic
def case_close(*, case: Case, acting_user: User, request: HttpRequest | None = None) -> Case:
    case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
    case.save(update_fields=["status", "closed_at"])
    if not Case.objects.filter(person_id=case.person_id, status=Case.Status.OPEN).exists():
        _refresh_person_status(case.person)
    _audit(acting_user, "case.close", case, request=request)
    return case


def _refresh_person_status(person: Person) -> None:
    """Red while the person has an open case, yellow while confirmed as a contact under follow-up of an
    open case (not yet negative), cleared otherwise."""
    if Case.objects.filter(person=person, status=Case.Status.OPEN).exists():
        status = "case"
    elif (
        Contact.objects.filter(
            person=person, decision=Contact.Decision.CONFIRMED, case__status=Case.Status.OPEN
        )
        # Issue 11: a contact whose follow-up period was completed is no longer yellow.
        .exclude(
            followup__in=[Contact.FollowUp.NEGATIVE, Contact.FollowUp.POSITIVE, Contact.FollowUp.COMPLETED]
        )
        .exists()
    ):
        status = "contact"
    else:
        status = ""
    if person.case_status != status:
        person_set_case_status(person=person, case_status=status)


# --- tracing -----------------------------------------------------------------------------------------
def _exposure_json(exposure: Exposure) -> dict[str, Any]:
    return {
        "venue": exposure.visit.venue_id,
        "area": exposure.visit.area_id or exposure.source_visit.area_id,
        "tier": exposure.tier,
        "minutes": exposure.overlap_minutes,
        "source_start": exposure.presence_start.isoformat(),
        "source_end": exposure.presence_end.isoformat(),
        "start": exposure.visit.start.isoformat(),
        "end": exposure.visit.end.isoformat(),
        "estimated": exposure.visit.estimated,
    }


def _contact_fields(best: Exposure, all_: list[Exposure]) -> dict[str, Any]:
    same_area = best.visit.area_id is not None and best.visit.area_id == best.source_visit.area_id
    return {
        "venue_id": best.visit.venue_id,
        "area_id": best.visit.area_id or best.source_visit.area_id,
        "same_area": same_area,
        "tier": best.tier,
        "overlap_minutes": best.overlap_minutes,
        "source_start": best.presence_start,
        "source_end": best.presence_end,
        "source_estimated": best.source_visit.estimated,
        "contact_start": best.visit.start,
        "contact_end": best.visit.end,
        "contact_estimated": best.visit.estimated,
        "exposed_at": best.at,
        "exposures": [_exposure_json(e) for e in all_[:20]],
    }


_CONTACT_FIELDS = [
    "via",
    "venue",
    "area",
    "same_area",
    "tier",
    "overlap_minutes",
    "source_start",
    "source_end",
    "source_estimated",
    "contact_start",
    "contact_end",
    "contact_estimated",
    "exposed_at",
    "exposures",
    "updated_at",
]


def _upsert_contacts(
    case: Case, generation: int, found: dict[int, tuple[int | None, list[Exposure]]]
) -> dict[str, int]:
    """Store the contacts found (person → (via contact id, exposures best first)), keeping the officer's
    decisions and follow-up; candidates no longer found are removed.

    One INSERT … ON CONFLICT (case, person, generation) DO UPDATE for all of them (issue 13 item 3: a
    re-trace wrote one UPDATE per contact): the engine's fields are replaced, the officer's columns
    (decision, follow-up, quarantine, team) are not in the update list, so they stay."""
    existing = dict(
        Contact.objects.filter(case=case, generation=generation).values_list("person_id", "decision")
    )
    rows = [
        Contact(
            case=case,
            person_id=person_id,
            generation=generation,
            via_id=via_id,
            **_contact_fields(exposures[0], exposures),
        )
        for person_id, (via_id, exposures) in found.items()
    ]
    if rows:
        Contact.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["case", "person", "generation"],
            update_fields=_CONTACT_FIELDS,
        )
    updated = sum(1 for person_id in found if person_id in existing)
    stale = [
        p for p, decision in existing.items() if p not in found and decision == Contact.Decision.CANDIDATE
    ]
    removed = (
        Contact.objects.filter(case=case, generation=generation, person_id__in=stale).delete()[0]
        if stale
        else 0
    )
    return {"created": len(found) - updated, "updated": updated, "removed": removed}


@transaction.atomic
def case_trace(
    *, case: Case, acting_user: User | None, request: HttpRequest | None = None, now: datetime | None = None
) -> dict[str, int]:
    """(Re)compute the F1 candidates of a case."""
    result = trace([IndexCase(case.pk, case.person_id, case.window_start, case.window_end)])
    found: dict[int, tuple[int | None, list[Exposure]]] = {
        person_id: (None, exposures)
        for (_source, person_id), exposures in best_by_person(result.exposures).items()
    }
    counts = _upsert_contacts(case, 1, found)
    case.traced_at = now or timezone.now()
    case.save(update_fields=["traced_at"])
    clusters_propose(case=case, acting_user=acting_user)  # clusters (issue 11): co-present cases proposed
    _audit(acting_user, "case.trace", case, request=request, details={"f1": len(found)})
    return counts


def f1_index(contact: Contact, *, now: datetime) -> IndexCase:
    """An F1 is an index person from their exposure until their quarantine (at most F1_FOLLOWUP_DAYS)."""
    end = min(contact.quarantined_at or now, contact.exposed_at + timedelta(days=conf.F1_FOLLOWUP_DAYS))
    return IndexCase(contact.pk, contact.person_id, contact.exposed_at, max(end, contact.exposed_at))


@transaction.atomic
def case_expand_f2(
    *, case: Case, acting_user: User | None, request: HttpRequest | None = None, now: datetime | None = None
) -> dict[str, int]:
    """F2 candidates from the case's confirmed F1s, in one engine run for all of them."""
    now = now or timezone.now()
    f1s = list(Contact.objects.filter(case=case, generation=1, decision=Contact.Decision.CONFIRMED))
    result = trace([f1_index(c, now=now) for c in f1s])
    found: dict[int, tuple[int | None, list[Exposure]]] = {}
    for (source, person_id), exposures in best_by_person(result.exposures).items():
        if person_id == case.person_id:
            continue  # the F0 is not their own F2
        if person_id not in found or exposures[0].rank_key() > found[person_id][1][0].rank_key():
            found[person_id] = (source, exposures)
    counts = _upsert_contacts(case, 2, found)
    _audit(acting_user, "case.f2", case, request=request, details={"f1": len(f1s), "f2": len(found)})
    return counts


# --- contacts ----------------------------------------------------------------------------------------
@transaction.atomic
def contact_decide(
    *, contact: Contact, decision: str, acting_user: User, request: HttpRequest | None = None
) -> Contact:
    if decision not in (Contact.Decision.CONFIRMED, Contact.Decision.DISMISSED, Contact.Decision.CANDIDATE):
        raise ValueError(f"unknown decision {decision!r}")
    was_confirmed = contact.decision == Contact.Decision.CONFIRMED
    contact.decision = decision
    contact.save(update_fields=["decision", "updated_at"])
    # Issue 11 (ravao.tracing.followup): confirming opens the daily follow-up period and picks the team;
    # dismissing ends the period.
    if decision == Contact.Decision.CONFIRMED and not was_confirmed:
        followup_open(contact=contact)
    elif decision == Contact.Decision.DISMISSED:
        followup_clear(contact=contact)
    _refresh_person_status(contact.person)
    _audit(
        acting_user,
        f"contact.{decision}",
        contact.case,
        person_id=contact.person_id,
        obj=contact,
        request=request,
    )
    # A household member without a phone of their own is reached through the holder's.
    phone = contact.person.contact_phone
    if decision == Contact.Decision.CONFIRMED and not was_confirmed and phone:
        # Queued in this transaction (sent by `ravao send_notifications`, recorded with its delivery).
        notification_queue(
            channel=Notification.Channel.SMS,
            address=phone,
            body=_notify_text(),
            topic="tracing.contact",
            ref_id=contact.pk,
        )
    return contact


def _notify_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "ravao: you may have been exposed to COVID-19. Please stay home;"
            " the health station will call you. See your page for details."
        )


def _followup_reason(contact: Contact) -> str:
    # Stored with the case: written in the deployment's language, not the officer's.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Positive follow-up of a contact of case #%(case)s") % {"case": contact.case_id}


@dataclass(frozen=True)
class FollowUpResult:
    contact: Contact
    new_case: Case | None


@transaction.atomic
def contact_set_followup(
    *,
    contact: Contact,
    followup: str,
    acting_user: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> FollowUpResult:
    """Follow-up of a contact; "positive" opens a case for them (sample date: today)."""
    if followup not in Contact.FollowUp.values:
        raise ValueError(f"unknown follow-up status {followup!r}")
    now = now or timezone.now()
    contact.followup = followup
    if followup == Contact.FollowUp.QUARANTINED and contact.quarantined_at is None:
        contact.quarantined_at = now
    opens_period = contact.decision != Contact.Decision.CONFIRMED or contact.followup_start is None
    if contact.decision == Contact.Decision.CANDIDATE:
        # Following a person up is confirming them as a contact.
        contact.decision = Contact.Decision.CONFIRMED
    contact.save(update_fields=["followup", "quarantined_at", "decision", "updated_at"])
    # Issue 11: a contact confirmed this way gets its follow-up period and team too.
    if opens_period and contact.decision == Contact.Decision.CONFIRMED:
        followup_open(contact=contact, now=now)
    _audit(
        acting_user,
        "contact.followup",
        contact.case,
        person_id=contact.person_id,
        obj=contact,
        request=request,
        details={"followup": followup},
    )
    new_case = None
    if followup == Contact.FollowUp.POSITIVE:
        new_case = case_open(
            person=contact.person,
            unit=contact.case.unit,
            onset_date=None,
            sample_date=timezone.localdate(now),
            isolated_on=timezone.localdate(now),
            acting_user=acting_user,
            reason=_followup_reason(contact),
            request=request,
            now=now,
            source_contact=contact,
        )
    _refresh_person_status(contact.person)
    return FollowUpResult(contact, new_case)


def contacts_audit_shown(
    *, case: Case, contacts: list[Contact], action: str, acting_user: User, request: HttpRequest | None = None
) -> int:
    """Record that an officer was shown (or exported) these contacts of a case: one audit row per contact,
    case, officer and day (`audit_record_daily`), in one INSERT whatever the number of contacts. The row
    is about the contact (their person id), so it appears on the contact's own page."""
    return audit_record_daily(
        actor=acting_user,
        action=action,
        scope=f"case:{case.pk}",
        entries=[(c.person_id, c, {"case_id": case.pk, "generation": c.generation}) for c in contacts],
        reason=f"case:{case.pk}",
        request=request,
        role=ROLE,
    )


# --- requests to open a case outside the jurisdiction ------------------------------------------------
@transaction.atomic
def case_request_create(
    *,
    person: Person,
    unit: AdminUnit,
    reason: str,
    onset_date: date | None,
    sample_date: date | None,
    isolated_on: date | None,
    acting_user: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> CaseRequest:
    """File a request to open a case on a person outside the officer's jurisdiction. A retry while the
    first is pending returns it (updated with the new reason and dates)."""
    if not reason.strip():
        raise ValueError("a reason is required")
    now = now or timezone.now()
    start, end = proposed_window(
        onset_date=onset_date, sample_date=sample_date, isolated_on=isolated_on, now=now
    )
    fields = {
        "unit": unit,
        "reason": reason.strip()[:200],
        "onset_date": onset_date,
        "sample_date": sample_date,
        "isolated_on": isolated_on,
    }
    found, created = CaseRequest.objects.select_for_update().get_or_create(
        requester=acting_user, person=person, status=CaseRequest.Status.PENDING, defaults=fields
    )
    if not created:
        for name, value in fields.items():
            setattr(found, name, value)
        found.save()
    found.units.set(units_of_person(person, start=start, end=end))
    audit_record(
        actor=acting_user,
        action="case.request",
        person_id=person.pk,
        obj=found,
        reason=found.reason,
        request=request,
        role=ROLE,
        details={"unit_id": unit.pk, "retry": not created},
    )
    return found


@transaction.atomic
def case_request_decide(
    *, case_request: CaseRequest, approve: bool, acting_user: User, request: HttpRequest | None = None
) -> CaseRequest:
    """Approve (the case is opened under the requester's unit, created by the requester) or reject a
    pending request. Deciding an already decided request changes nothing."""
    locked = CaseRequest.objects.select_for_update().get(pk=case_request.pk)
    if locked.status != CaseRequest.Status.PENDING:
        return locked
    locked.decided_by, locked.decided_at = acting_user, timezone.now()
    if approve:
        case = case_open(
            person=locked.person,
            unit=locked.unit,
            onset_date=locked.onset_date,
            sample_date=locked.sample_date,
            isolated_on=locked.isolated_on,
            acting_user=acting_user,
            reason=locked.reason,
            request=request,
        )
        if case.created_by_id == acting_user.pk and case.unit_id == locked.unit_id:
            Case.objects.filter(pk=case.pk).update(created_by=locked.requester)
        locked.case, locked.status = case, CaseRequest.Status.APPROVED
    else:
        locked.status = CaseRequest.Status.REJECTED
    locked.save(update_fields=["status", "decided_by", "decided_at", "case"])
    audit_record(
        actor=acting_user,
        action=f"case.request_{'approve' if approve else 'reject'}",
        person_id=locked.person_id,
        obj=locked,
        reason=locked.reason,
        request=request,
        role=ROLE if Role.HEALTH_OFFICER in user_roles(acting_user) else Role.DISTRICT_ADMIN.value,
        details={"case_id": locked.case_id, "requester_id": locked.requester_id},
    )
    return locked


# --- alerts ------------------------------------------------------------------------------------------
@transaction.atomic
def case_send_alerts(*, case: Case, acting_user: User, request: HttpRequest | None = None) -> int:
    """Tell the managers of every venue in the case's timeline when the case was there (never who): an
    in-app alert, an email, and an SMS, queued in this transaction (`ravao send_notifications` sends them and
    records each delivery). Returns the number of new alerts."""
    result = trace([IndexCase(case.pk, case.person_id, case.window_start, case.window_end)])
    spans: dict[int, tuple[datetime, datetime]] = {}
    for visit in result.visits.get(case.pk, []):
        start, end = max(visit.start, case.window_start), min(visit.end, case.window_end)
        old = spans.get(visit.venue_id)
        spans[visit.venue_id] = (min(old[0], start), max(old[1], end)) if old else (start, end)
    created = 0
    for venue_id, (start, end) in spans.items():
        alert, new = Alert.objects.get_or_create(
            case=case, venue_id=venue_id, defaults={"window_start": start, "window_end": end}
        )
        if new:
            created += 1
            _queue_alert(alert)
    _audit(acting_user, "case.alert", case, request=request, details={"venues": len(spans), "new": created})
    return created


def _queue_alert(alert: Alert) -> None:
    """One email and one SMS per manager of the alerted venue, each a notification row."""
    venue = Venue.objects.get(pk=alert.venue_id)
    managers = User.objects.filter(memberships__venue=venue, memberships__role=Role.VENUE_MANAGER).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        start = timezone.localtime(alert.window_start)
        end = timezone.localtime(alert.window_end)
        text = _(
            "ravao: a confirmed COVID-19 case visited %(venue)s between %(start)s and %(end)s."
            " The health office may contact you. Details: %(url)s"
        ) % {
            "venue": venue.name,
            "start": start.strftime("%d/%m/%Y %H:%M"),
            "end": end.strftime("%d/%m/%Y %H:%M"),
            "url": f"{settings.SITE_URL}/tracing/alerts/",
        }
        subject = _("Alert: a confirmed case visited %(venue)s") % {"venue": venue.name}
    for manager in managers:
        email = manager.email or (manager.username if "@" in manager.username else "")
        phone = manager.phone or (manager.username if manager.username.isdigit() else "")
        for channel, address in ((Notification.Channel.EMAIL, email), (Notification.Channel.SMS, phone)):
            if address:
                notification_queue(
                    channel=channel,
                    address=address,
                    subject=subject,
                    body=text,
                    topic="tracing.alert",
                    ref_id=alert.pk,
                    venue=venue,
                    user=manager,
                )


@transaction.atomic
def alert_mark_read(*, alert: Alert) -> Alert:
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


# --- imports -----------------------------------------------------------------------------------------
IMPORT_NAMESPACE = uuid.UUID("5b0e8f0c-3f55-4a55-9c1e-2f0b8f6a9a11")


@dataclass(frozen=True)
class ImportRow:
    venue: Venue
    area: Area | None
    person: Person
    checked_in_at: datetime
    checked_out_at: datetime | None


def import_client_id(*, venue_code: str, person_key: str, checked_in_at: datetime) -> uuid.UUID:
    """The same row imported twice gets the same client_id: the unique constraint drops the repeat."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{venue_code}|{person_key}|{checked_in_at.isoformat()}")


@transaction.atomic
def checkins_import(*, rows: list[tuple[uuid.UUID, ImportRow]], now: datetime) -> int:
    """Insert imported visits (paper sheets, another system). A visit with no exit gets its estimated end
    when that has passed. Returns how many were new."""
    ids = [client_id for client_id, _row in rows]
    known = set(CheckIn.objects.filter(client_id__in=ids).values_list("client_id", flat=True))
    shifts: dict[int, list[Any]] = defaultdict(list)
    for venue_id, shift in ((s.venue_id, s) for s in _shifts_of({r.venue.pk for _i, r in rows})):
        shifts[venue_id].append(shift)
    new = []
    for client_id, row in rows:
        if client_id in known:
            continue
        known.add(client_id)
        out, estimated = row.checked_out_at, False
        if out is None:
            guess = estimate_end(
                venue=row.venue, checked_in_at=row.checked_in_at, shifts=shifts[row.venue.pk]
            )
            if guess <= now:
                out, estimated = guess, True
        new.append(
            CheckIn(
                client_id=client_id,
                person=row.person,
                venue=row.venue,
                area=row.area,
                checked_in_at=row.checked_in_at,
                checked_out_at=out,
                checked_out_estimated=estimated,
                method=CheckIn.Method.IMPORT,
            )
        )
    CheckIn.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _shifts_of(venue_ids: set[int]) -> list[Any]:
    from ravao.places.models import Shift

    return list(Shift.objects.filter(venue_id__in=venue_ids))
