"""Writing the audit trail. Call `audit_record` inside the transaction of the write it records, or
right after a read of personal data by an official."""

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone, translation

from ravao.privacy.models import AuditEvent


def _office_of(actor: Any, role: str, office: str, unit: Any) -> tuple[str, str]:
    """(office, kind) for a row: a unit named by the caller (a token's unit) first, then an office named by
    the caller (kind unknown), then the actor's own membership."""
    if unit is not None:
        name, kind = unit_office(unit, role)
    elif office:
        name, kind = office, ""
    else:
        name, kind = actor_office(actor, role)
    return name[:200], kind


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by clients too; a proxy deployment rewrites REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


def actor_office(actor: Any, role: str = "") -> tuple[str, str]:
    """The office the actor acts for, as a person reads it on their page, and the kind of unit: for a unit
    role its office by name in Vietnamese ("UBND Thành phố Hà Nội", "Trạm Y tế Phường Hoàn Kiếm": the
    official name, stored as it was), for a venue role the venue's name (kind ""). The membership with
    `role` (any membership without one), the highest unit first. Cached on the user object: a page records
    several events."""
    if not getattr(actor, "is_authenticated", False):
        return "", ""
    cache: dict[str, tuple[str, str]] | None = getattr(actor, "_ravao_offices", None)
    if cache is None:
        cache = {}
        actor._ravao_offices = cache
    if role not in cache:
        from ravao.accounts.models import Membership

        memberships = Membership.objects.filter(user=actor).select_related("unit", "venue")
        if role:
            memberships = memberships.filter(role=role)
        first = memberships.order_by("unit__path", "venue__name").first()
        cache[role] = ("", "")
        if first is not None and first.unit is not None:
            cache[role] = unit_office(first.unit, first.role)
        elif first is not None and first.venue is not None:
            cache[role] = (first.venue.name, "")
    return cache[role]


def unit_office(unit: Any, role: str) -> tuple[str, str]:
    """(office name in Vietnamese, kind of unit) of a role over `unit`: what an audit row keeps."""
    from ravao.accounts.selectors import office_name, unit_kind

    with translation.override("vi"):
        return office_name(unit, role), unit_kind(unit)


def audit_record(
    *,
    actor: Any,
    action: str,
    person_id: int | None = None,
    obj: models.Model | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    role: str = "",
    office: str = "",
    unit: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object / whose data, why, when and from where. The acting office is
    `unit`'s (another system's token acting for a unit), else `office`, else the actor's own membership
    with `role` (`actor_office`)."""
    office, kind = _office_of(actor, role, office, unit)
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=role,
        actor_office=office,
        actor_unit_kind=kind,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person_id,
        reason=reason[:300],
        ip_address=_client_ip(request),
        details=details or {},
    )


def audit_record_many(
    *,
    actor: Any,
    action: str,
    entries: list[tuple[int | None, models.Model | None, dict[str, Any]]],
    request: HttpRequest | None = None,
    role: str = "",
    office: str = "",
    unit: Any = None,
) -> None:
    """The same rows as `audit_record`, one per (person_id, object, details), in one statement: a gate
    batch of hundreds of look-ups is audited without a query per look-up. `unit` or `office`: the acting
    office, when the caller knows it (a token's unit); left empty otherwise."""
    at, ip_address = timezone.now(), _client_ip(request)
    # Named by the caller only: no membership query per batch.
    office, kind = _office_of(None, role, office, unit)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=at,
                actor=actor,
                actor_role=role,
                actor_office=office,
                actor_unit_kind=kind,
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                person_id=person_id,
                ip_address=ip_address,
                details=details,
            )
            for person_id, obj, details in entries
        ]
    )


def audit_record_daily(
    *,
    actor: Any,
    action: str,
    scope: str,
    entries: list[tuple[int, models.Model | None, dict[str, Any]]],
    reason: str = "",
    request: HttpRequest | None = None,
    role: str = "",
    office: str = "",
    unit: Any = None,
) -> int:
    """One row per (action, actor, scope, person, local calendar day), whatever the number of reads: the
    contacts of a case page viewed ten times today are recorded once each, tomorrow again. One INSERT for
    all the entries; the unique `coalesce_key` drops the repeats. Returns the number of entries offered.
    `unit` (or `office`) names the office when there is no actor (another system's token acting for a
    unit); a reader
    without an actor (a token) must put itself into `scope`, or two systems would coalesce into one row."""
    at, ip_address = timezone.now(), _client_ip(request)
    day = timezone.localdate(at).isoformat()
    authenticated = getattr(actor, "is_authenticated", False)
    office, kind = _office_of(actor, role, office, unit)
    actor_key = str(actor.pk) if authenticated else "-"
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=at,
                actor=actor if authenticated else None,
                actor_role=role,
                actor_office=office,
                actor_unit_kind=kind,
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                person_id=person_id,
                reason=reason[:300],
                ip_address=ip_address,
                details=details,
                coalesce_key=f"{action}|{actor_key}|{scope}|{person_id}|{day}"[:160],
            )
            for person_id, obj, details in entries
        ],
        ignore_conflicts=True,
    )
    return len(entries)
