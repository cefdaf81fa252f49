"""The JSON API under /api/v1/ (django-ninja). Routers and schemas only: the work is done by the
same services and selectors the pages use."""

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import APIKeyCookie

from ravao.api.integration import router as integration_router
from ravao.checkins.models import CheckIn
from ravao.checkins.onetap import OneTap, checkin_one_tap
from ravao.checkins.selectors import latest_declarations, person_visits
from ravao.checkins.visits import checkin_household
from ravao.people.devices import COOKIE_NAME, device_key_from_request
from ravao.people.models import Device
from ravao.people.selectors import declaration_is_fresh, device_by_key, household_members, person_status
from ravao.places.models import Area, Venue
from ravao.places.selectors import scan_target

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="ravao API",
    version="1",
    description=(
        "Check-in for visitors (the device cookie), and the integration API for the systems of a commune or "
        "ward, a health office or a province (a token created by an administrator: "
        "`Authorization: Bearer rv_…`). Times are ISO 8601 with offset. Errors carry a stable `code` and a "
        "`message` in the request's language (Accept-Language: vi, en)."
    ),
    urls_namespace="api",
)


class DeviceCookie(APIKeyCookie):
    """The visitor's remembered device (the same signed cookie as the pages); CSRF-checked. Only the
    signature is checked here: the device is read by the endpoint, the one-tap check-in together with
    everything else it needs in one query (`checkins.onetap`)."""

    param_name = COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        return device_key_from_request(request)


class ErrorOut(Schema):
    code: str
    message: str


class VenueOut(Schema):
    code: str
    name: str
    kind: str
    address: str
    area: str | None
    accepting: bool


class CheckInIn(Schema):
    poster_code: str
    client_id: uuid.UUID
    # Household members (public ids) checked in together with the holder (issue 9); the owner device only.
    members: list[uuid.UUID] = Field(
        default_factory=list,
        description="Public ids of household members to check in with the holder (owner device only). "
        "Each member's check-in id is uuid5(client_id, member public id).",
    )


class MemberCheckInOut(Schema):
    public_id: uuid.UUID
    full_name: str
    client_id: uuid.UUID
    checked_in_at: datetime
    status: str
    created: bool


class CheckInOut(Schema):
    client_id: uuid.UUID
    venue: str
    area: str | None
    checked_in_at: datetime
    checked_out_at: datetime | None
    checked_out_estimated: bool
    status: str
    created: bool
    members: list[MemberCheckInOut] = []


def _error(status: int, code: str, message: str) -> Status[dict[str, Any]]:
    """A refusal with a stable machine code and a message in the request's language."""
    return Status(status, {"code": code, "message": message})


def _checkin_out(checkin: CheckIn, *, status: str, created: bool) -> dict[str, Any]:
    return {
        "client_id": checkin.client_id,
        "venue": checkin.venue.name,
        "area": checkin.area.name if checkin.area else None,
        "checked_in_at": checkin.checked_in_at,
        "checked_out_at": checkin.checked_out_at,
        "checked_out_estimated": checkin.checked_out_estimated,
        "status": status,
        "created": created,
    }


@api.get("/scan/{code}", response={200: VenueOut, 404: ErrorOut}, tags=["check-in"])
def scan_info(request: HttpRequest, code: str) -> Status[dict[str, Any]]:
    """What a poster code points at, for a client that renders its own page."""
    target = scan_target(code)
    if target is None:
        return _error(404, "unknown_code", _("This code is unknown or was replaced."))
    venue, area = target
    return Status(
        200,
        {
            "code": venue.code,
            "name": venue.name,
            "kind": venue.kind,
            "address": venue.address,
            "area": area.name if area else None,
            "accepting": venue.status == Venue.Status.ACTIVE,
        },
    )


@api.post(
    "/checkins",
    auth=DeviceCookie(),
    response={200: CheckInOut, 201: CheckInOut, 404: ErrorOut, 409: ErrorOut},
    tags=["check-in"],
)
def create_checkin(request: HttpRequest, payload: CheckInIn) -> Status[dict[str, Any]]:
    """One-tap check-in of a remembered device with a fresh declaration. Idempotent on client_id:
    a replay answers 200 with the first check-in, a new one 201. With `members`, the chosen household
    members are checked in too (each with a fresh declaration of their own), listed in `members`."""
    key: str = request.auth  # type: ignore[attr-defined]
    now = timezone.now()
    if payload.members:
        device = device_by_key(key)
        if device is None:
            raise AuthenticationError
        target = scan_target(payload.poster_code)
        if target is None:
            return _error(404, "unknown_code", _("This code is unknown or was replaced."))
        if target[0].status != Venue.Status.ACTIVE:
            return _error(409, "venue_inactive", _("This venue does not accept check-ins now."))
        return _household_checkin(device, payload, venue=target[0], area=target[1], now=now)

    def status_of(read: OneTap) -> str:
        # "" refuses: the answer is chosen below from the same read.
        if read.venue is None or read.venue.status != Venue.Status.ACTIVE:
            return ""
        if not declaration_is_fresh(read.declaration, now=now):
            return ""
        return person_status(read.person, read.declaration, now=now)

    # Four round trips: read and lock, one write, BEGIN and COMMIT (checkins/onetap.py).
    read, checkin, created = checkin_one_tap(
        device_key=key, code=payload.poster_code, client_id=payload.client_id, at=now, status_of=status_of
    )
    if read is None:
        raise AuthenticationError  # a forgotten or unknown device: the same 401 as no cookie
    if read.venue is None:
        return _error(404, "unknown_code", _("This code is unknown or was replaced."))
    if read.venue.status != Venue.Status.ACTIVE:
        return _error(409, "venue_inactive", _("This venue does not accept check-ins now."))
    if checkin is None:
        return _error(409, "declaration_stale", _("Re-confirm your health declaration first."))
    if checkin.person_id != read.person.pk:
        # Someone else's client_id: answer as if unknown rather than reveal another visit.
        return _error(409, "client_id_taken", _("Use a new client_id."))
    status = status_of(read) or checkin.status_at_entry
    return Status((201 if created else 200), _checkin_out(checkin, status=status, created=created))


def _household_checkin(
    device: Device, payload: CheckInIn, *, venue: Venue, area: Area | None, now: datetime
) -> Status[dict[str, Any]]:
    """The holder and the chosen household members, one check-in each (`checkin_household`). Unlike the
    page, a stale declaration is not re-confirmed here: the client asks the person on the page first."""
    holder = device.person
    household = {m.public_id: m for m in household_members(holder)} if device.is_owner else {}
    if any(public_id not in household for public_id in payload.members):
        # Someone else's member, a made-up id or a non-owner device: all alike.
        return _error(404, "unknown_member", _("No such member in your household."))
    members = [household[public_id] for public_id in dict.fromkeys(payload.members)]
    declarations = latest_declarations({holder.pk, *(m.pk for m in members)})
    if not declaration_is_fresh(declarations.get(holder.pk), now=now):
        return _error(409, "declaration_stale", _("Re-confirm your health declaration first."))
    if any(not declaration_is_fresh(declarations.get(m.pk), now=now) for m in members):
        return _error(
            409, "member_declaration_stale", _("Re-confirm the health declaration of each member first.")
        )
    entries = checkin_household(
        device=device,
        venue=venue,
        area=area,
        persons=[holder, *members],
        declarations=declarations,
        client_id=payload.client_id,
        at=now,
    )
    if not entries or entries[0].person.pk != holder.pk or len(entries) != 1 + len(members):
        return _error(409, "client_id_taken", _("Use a new client_id."))
    first, rest = entries[0], entries[1:]
    first.checkin.area = area
    body = _checkin_out(first.checkin, status=first.status, created=first.created)
    body["members"] = [
        {
            "public_id": e.person.public_id,
            "full_name": e.person.full_name,
            "client_id": e.checkin.client_id,
            "checked_in_at": e.checkin.checked_in_at,
            "status": e.status,
            "created": e.created,
        }
        for e in rest
    ]
    return Status(201 if any(e.created for e in entries) else 200, body)


@api.get("/me/visits", auth=DeviceCookie(), response=list[CheckInOut], tags=["personal"])
def my_visits(request: HttpRequest) -> list[dict[str, Any]]:
    device = device_by_key(request.auth)  # type: ignore[attr-defined]
    if device is None:
        raise AuthenticationError  # a forgotten or unknown device: the same 401 as no cookie
    return [
        _checkin_out(v, status=v.status_at_entry, created=False)
        for v in person_visits(device.person, device=device)[:200]
    ]


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """No device cookie, or a missing, unknown, revoked or expired token: the same answer for each."""
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": _("Sign-in is missing, expired or revoked.")},
        status=401,
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Bad parameters or body: a 422 with a code and a message in the request's language like every other
    refusal; `errors` keeps the validator's details (field and reason) for the other system's developer."""
    return api.create_response(
        request,
        {"code": "invalid", "message": _("The request is not valid."), "errors": exc.errors},
        status=422,
    )


@api.exception_handler(DatabaseError)
def unavailable(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    """The database is unreachable (an outage, a failover, a lock timeout): the documented 503 with a code
    the phone or the other system can act on (try again later), not Django's HTML 500 (issue 12, finding
    9). Logged with its traceback like any server error."""
    logger.error("API request failed on the database", exc_info=exc)
    return api.create_response(
        request,
        {"code": "unavailable", "message": _("The service is unavailable for a moment; try again.")},
        status=503,
    )


# The integration API for other systems (token-authenticated).
api.add_router("/", integration_router)
