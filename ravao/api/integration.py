"""The integration API: other systems of a commune, a district's health office or a province, with a token.

A district administrator creates the token (`/manage/api-tokens/`): named, acting with one role over one
administrative unit, expiring, revocable. Every call is audited with the token's prefix; what a call can reach
is what an official of that role in that unit could reach on the pages.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer

from ravao.accounts.models import Role
from ravao.oversight.selectors import unit_figures
from ravao.places.models import Venue
from ravao.privacy.services import audit_record, audit_record_many
from ravao.security.models import ApiToken
from ravao.security.services import api_token_authenticate
from ravao.tracing.imports import COLUMNS, CheckinImporter

router = Router(tags=["integration"])

MAX_IMPORT_ROWS = 1000
MAX_PAGE = 1000


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rv_<prefix>_<secret>`; a revoked, expired or unknown token is refused (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return api_token_authenticate(token, now=timezone.now())


class ErrorOut(Schema):
    code: str
    message: str


def _token(request: HttpRequest) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return token


def _audit(request: HttpRequest, action: str, **details: Any) -> None:
    token = _token(request)
    audit_record(
        actor=None,
        action=action,
        request=request,
        role=token.role,
        office=token.unit.name,
        obj=token,
        details={"token": token.prefix, **details},
    )


def _venues_of(token: ApiToken) -> Any:
    return Venue.objects.filter(commune__path__startswith=token.unit.path)


# --- venue registry ------------------------------------------------------------------------------------


class VenueRow(Schema):
    code: str
    name: str
    kind: str
    status: str
    commune_code: str | None
    commune: str | None
    address: str
    phone: str
    registered_at: datetime


class VenuePage(Schema):
    count: int
    offset: int
    venues: list[VenueRow]


@router.get("/registry/venues", auth=TokenAuth(), response={200: VenuePage}, summary="Venues of the unit")
def registry_venues(
    request: HttpRequest,
    status: str | None = None,
    kind: str | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(200, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    """Every venue under the token's unit (registered, pending, suspended), oldest first, a page at a time."""
    venues = _venues_of(_token(request)).select_related("commune").order_by("pk")
    if status:
        venues = venues.filter(status=status)
    if kind:
        venues = venues.filter(kind=kind)
    page = list(venues[offset : offset + limit])
    _audit(request, "api.registry", offset=offset, returned=len(page))
    return {
        "count": venues.count(),
        "offset": offset,
        "venues": [
            {
                "code": v.code,
                "name": v.name,
                "kind": v.kind,
                "status": v.status,
                "commune_code": v.commune.code if v.commune else None,
                "commune": v.commune.name if v.commune else None,
                "address": v.address,
                "phone": v.phone,
                "registered_at": v.created_at,
            }
            for v in page
        ],
    }


# --- oversight figures ---------------------------------------------------------------------------------


class DayFigures(Schema):
    day: date
    checkins: int
    self_scans: int
    gate_scans: int
    manual: int
    imported: int
    yellow: int
    red: int
    no_exit: int


class UnitActivity(Schema):
    code: str
    name: str
    registered: int
    pending: int
    active_today: int
    active_week: int


class FiguresOut(Schema):
    unit: UnitActivity
    per_day: list[DayFigures]
    children: list[UnitActivity]


@router.get("/figures", auth=TokenAuth(), response={200: FiguresOut}, summary="Oversight figures of the unit")
def figures(request: HttpRequest) -> dict[str, Any]:
    """The numbers of the unit's oversight page: venues registered and active, check-ins per day by method,
    yellow/red admitted, visits without an exit; the same for each unit below. Counts only, no persons."""
    token = _token(request)
    data = unit_figures(token.unit, now=timezone.now())

    def activity(unit: Any, act: Any) -> dict[str, Any]:
        return {
            "code": unit.code,
            "name": unit.name,
            "registered": act.registered,
            "pending": act.pending,
            "active_today": act.active_today,
            "active_week": act.active_week,
        }

    _audit(request, "api.figures")
    return {
        "unit": activity(token.unit, data.total),
        "per_day": [{"day": day, **counts.__dict__} for day, counts in sorted(data.per_day.items())],
        "children": [activity(unit, act) for unit, act in data.children],
    }


# --- importing visits ----------------------------------------------------------------------------------


class ImportRowIn(Schema):
    venue_code: str = Field(max_length=40)
    area: str = Field("", max_length=120)
    full_name: str = Field("", max_length=120)
    phone: str = Field("", max_length=30)
    id_number: str = Field("", max_length=30)
    checked_in_at: str = Field(max_length=40)
    checked_out_at: str = Field("", max_length=40)


class ImportIn(Schema):
    rows: list[ImportRowIn] = Field(max_length=MAX_IMPORT_ROWS)


class BadRowOut(Schema):
    row: int = Field(description="1-based position of the row in `rows`")
    reason: str


class ImportOut(Schema):
    read: int
    new: int
    repeated: int
    bad: list[BadRowOut]


@router.post(
    "/import/checkins",
    auth=TokenAuth(),
    response={200: ImportOut, 403: ErrorOut},
    summary="Import visits (paper sheets, another system)",
)
def import_checkins(request: HttpRequest, payload: ImportIn) -> Status[dict[str, Any]]:
    """Visits at venues of the token's unit, up to 1,000 rows a request, columns as in
    `ravao import_checkins`; a bad row is reported with its position and reason (in the request's
    language) and the others are kept; sending the same rows again stores nothing twice (`repeated`)."""
    token = _token(request)
    if token.role not in (Role.DISTRICT_ADMIN, Role.COMMUNE_OFFICIAL, Role.HEALTH_OFFICER):
        return Status(403, {"code": "forbidden", "message": _("This token may not import visits.")})
    importer = CheckinImporter(now=timezone.now(), venues=_venues_of(token))
    rows = ((n, {c: getattr(row, c) for c in COLUMNS}) for n, row in enumerate(payload.rows, start=1))
    result = importer.run(rows)
    _audit(request, "api.import", read=result.read, new=result.new, bad=len(result.bad))
    # The persons whose visits a system wrote, as for a visitor entered by hand at a gate.
    audit_record_many(
        actor=None,
        action="api.import_person",
        role=token.role,
        request=request,
        entries=[(person.pk, token, {"token": token.prefix}) for person in importer.persons.values()],
    )
    return Status(
        200,
        {
            "read": result.read,
            "new": result.new,
            "repeated": result.repeated,
            "bad": [{"row": line, "reason": reason} for line, reason in result.bad],
        },
    )
