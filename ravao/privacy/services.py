"""Writing the audit trail. Call `audit_record` inside the transaction of the write it records, or
right after a read of personal data by an official."""

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from ravao.privacy.models import AuditEvent


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by clients too; a proxy deployment rewrites REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


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
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object / whose data, why, when and from where."""
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=role,
        actor_office=office[:200],
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
) -> None:
    """The same rows as `audit_record`, one per (person_id, object, details), in one statement: a gate
    batch of hundreds of look-ups is audited without a query per look-up."""
    at, ip_address = timezone.now(), _client_ip(request)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=at,
                actor=actor,
                actor_role=role,
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
