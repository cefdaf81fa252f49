"""The integration API: other systems of a commune or ward, a health office or a province, with a token.

An administrator (role key `district_admin`) creates the token (`/manage/api-tokens/`): named, acting with
one role over one administrative unit, expiring, revocable. Every call is audited with the token's prefix
and the office of its unit by name; what a call can reach is what an official of that role in that unit
could reach on the pages.
"""

from datetime import date, datetime, time
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer

from ravao.accounts.models import Role
from ravao.oversight.selectors import unit_figures
from ravao.people.models import Person
from ravao.places.models import AdminUnit, Venue
from ravao.privacy.services import audit_record, audit_record_daily, audit_record_many
from ravao.security.models import ApiToken
from ravao.security.services import api_token_authenticate
from ravao.tracing.imports import COLUMNS, CheckinImporter
from ravao.tracing.models import Case, Contact
from ravao.tracing.selectors import case_contacts

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


class InvalidOut(Schema):
    """A 422: bad parameters or body (`ravao.api.api.invalid`)."""

    code: str = Field(description="`invalid`")
    message: str
    errors: list[dict[str, Any]] = Field(
        description="Each bad field and why (from the validator, in English)"
    )


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
        unit=token.unit,
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


@router.get(
    "/registry/venues",
    auth=TokenAuth(),
    response={200: VenuePage, 401: ErrorOut, 422: InvalidOut},
    summary="Venues of the unit",
)
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


@router.get(
    "/figures",
    auth=TokenAuth(),
    response={200: FiguresOut, 401: ErrorOut},
    summary="Oversight figures of the unit",
)
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
    response={200: ImportOut, 401: ErrorOut, 403: ErrorOut, 422: InvalidOut},
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
        unit=token.unit,
        request=request,
        entries=[
            (person.pk, token, {"token": token.prefix, "system": token.name})
            for person in importer.persons.values()
        ],
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


# --- cases and their contacts (the health office's other systems) -------------------------------------
#
# What the other system gets, and what not (docs/privacy.md, "Other systems"): SORMAS and Go.Data already
# hold the case person (the lab notification the case was opened from is their record too), so a case is
# sent without the person's name, phone or ID number; `reference` (the lab notification number or the
# officer's reason) is what links it to their record. The contacts are what those systems import as new
# contact persons (SORMAS "contact" import, Go.Data contact import): name, a phone to call, year of birth,
# commune, and the exposure (venue, when, how close), the decision and the follow-up.

MAX_CONTACTS_PAGE = 1000


class TierCounts(Schema):
    high: int = 0
    medium: int = 0
    low: int = 0


class DecisionCounts(Schema):
    candidate: int = 0
    confirmed: int = 0
    dismissed: int = 0


class ContactCounts(Schema):
    total: int = 0
    f1: int = 0
    f2: int = 0
    by_tier: TierCounts
    by_decision: DecisionCounts


class CaseRow(Schema):
    id: int
    status: str = Field(description="`open` or `closed`")
    reference: str = Field(description="The lab notification number or the reason the case was opened with")
    unit_code: str
    unit: str
    opened_at: datetime
    closed_at: datetime | None
    onset_date: date | None
    sample_date: date | None
    isolated_on: date | None
    window_start: datetime
    window_end: datetime
    contacts: ContactCounts


class CasePage(Schema):
    count: int
    offset: int
    cases: list[CaseRow]


class ContactRow(Schema):
    id: int
    generation: int = Field(description="1 = F1, 2 = F2")
    via_contact_id: int | None = Field(description="For an F2: the F1 contact (its `id`) they met")
    full_name: str
    phone: str | None
    phone_kind: str | None = Field(
        description="`own`, `household` (a member reached through the household holder's phone) or "
        "`unverified` (a number the person typed that another person holds)"
    )
    year_of_birth: int
    sex: str
    commune_code: str | None
    commune: str | None
    tier: str = Field(description="`high`, `medium` or `low`")
    overlap_minutes: int
    reason: str = Field(description="Why this person is a contact, in the request's language")
    venue_code: str
    venue: str
    area: str | None
    exposure_start: datetime
    exposure_end: datetime
    exposure_estimated: bool
    case_presence_start: datetime
    case_presence_end: datetime
    decision: str = Field(description="`candidate`, `confirmed` or `dismissed`")
    followup: str = Field(description="`to_call`, `reached`, `quarantined`, `tested`, `negative`, `positive`")


class ContactPage(Schema):
    case_id: int
    count: int
    offset: int
    contacts: list[ContactRow]


def _tracing_refusal(request: HttpRequest) -> Status[dict[str, Any]] | None:
    """Case and contact lists are for a health office's systems only (purpose limitation, BRIEF §4)."""
    if _token(request).role != Role.HEALTH_OFFICER:
        return Status(
            403,
            {"code": "forbidden", "message": _("This token may not read cases; a health officer token may.")},
        )
    return None


def _cases_of(token: ApiToken) -> Any:
    """The cases owned by the token's unit or a unit below it, as for an officer of that unit."""
    return Case.objects.filter(unit__path__startswith=token.unit.path)


def _contact_counts(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    counts: dict[int, dict[str, Any]] = {}
    rows = (
        Contact.objects.filter(case_id__in=case_ids)
        .order_by()  # the model's ordering would split the groups
        .values_list("case_id", "generation", "tier", "decision")
        .annotate(n=Count("id"))
    )
    for case_id, generation, tier, decision, n in rows:
        entry = counts.setdefault(case_id, {"total": 0, "f1": 0, "f2": 0, "by_tier": {}, "by_decision": {}})
        entry["total"] += n
        entry[f"f{generation}"] += n
        entry["by_tier"][tier] = entry["by_tier"].get(tier, 0) + n
        entry["by_decision"][decision] = entry["by_decision"].get(decision, 0) + n
    return counts


@router.get(
    "/cases",
    auth=TokenAuth(),
    response={200: CasePage, 401: ErrorOut, 403: ErrorOut, 422: InvalidOut},
    summary="Cases of the unit (health officer tokens)",
)
def cases(
    request: HttpRequest,
    status: Literal["open", "closed"] | None = None,
    opened_since: date | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(200, ge=1, le=MAX_PAGE),
) -> Status[dict[str, Any]]:
    """The cases of the token's unit and the units below it, oldest first, with their contacts counted by
    generation, tier and decision; `status` open or closed, `opened_since` a day (local time). No name,
    phone or ID number of the case person: `reference` links the case to the health office's own record."""
    refusal = _tracing_refusal(request)
    if refusal is not None:
        return refusal
    found = _cases_of(_token(request)).select_related("unit").order_by("pk")
    if status:
        found = found.filter(status=status)
    if opened_since:
        since = datetime.combine(opened_since, time.min, tzinfo=timezone.get_current_timezone())
        found = found.filter(created_at__gte=since)
    page = list(found[offset : offset + limit])
    counts = _contact_counts([c.pk for c in page])
    _audit(request, "api.cases", offset=offset, returned=len(page), cases=[c.pk for c in page])
    empty = {"total": 0, "f1": 0, "f2": 0, "by_tier": {}, "by_decision": {}}
    return Status(
        200,
        {
            "count": found.count(),
            "offset": offset,
            "cases": [
                {
                    "id": c.pk,
                    "status": c.status,
                    "reference": c.reason,
                    "unit_code": c.unit.code,
                    "unit": c.unit.name,
                    "opened_at": c.created_at,
                    "closed_at": c.closed_at,
                    "onset_date": c.onset_date,
                    "sample_date": c.sample_date,
                    "isolated_on": c.isolated_on,
                    "window_start": c.window_start,
                    "window_end": c.window_end,
                    "contacts": counts.get(c.pk, empty),
                }
                for c in page
            ],
        },
    )


def _phone(person: Person, holders: dict[int, Person]) -> tuple[str | None, str | None]:
    """The number that reaches the contact, and whose it is (as the officer's export, plus households)."""
    if person.phone:
        return person.phone, "own"
    holder = holders.get(person.household_of_id) if person.household_of_id else None
    if holder is not None and holder.phone:
        return holder.phone, "household"
    if person.claimed_phone:
        return person.claimed_phone, "unverified"
    return None, None


@router.get(
    "/cases/{case_id}/contacts",
    auth=TokenAuth(),
    response={200: ContactPage, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="Contacts of a case (health officer tokens)",
)
def case_contact_list(
    request: HttpRequest,
    case_id: int,
    offset: int = Query(0, ge=0),
    limit: int = Query(MAX_CONTACTS_PAGE, ge=1, le=MAX_CONTACTS_PAGE),
) -> Status[dict[str, Any]]:
    """The case's contact list as the officer's export has it (F1 then F2, ranked), for a case of the token's
    unit; a case of another unit is a 404 like a missing one. Every contact returned is recorded as an
    export, once a day per token and case, and the contact sees it on their own page."""
    refusal = _tracing_refusal(request)
    if refusal is not None:
        return refusal
    token = _token(request)
    case = _cases_of(token).filter(pk=case_id).first()
    if case is None:
        return Status(404, {"code": "not_found", "message": _("No such case.")})
    everyone = case_contacts(case)
    page = everyone[offset : offset + limit]
    persons = [c.person for c in page]
    holders = Person.objects.in_bulk({p.household_of_id for p in persons if p.household_of_id})
    communes = AdminUnit.objects.in_bulk({p.commune_id for p in persons if p.commune_id})
    _audit(request, "api.case_contacts", case_id=case.pk, offset=offset, returned=len(page))
    # The same per-contact row as an officer's export, keyed by the token so each system is recorded.
    audit_record_daily(
        actor=None,
        action="tracing.contact_export",
        scope=f"case:{case.pk}|token:{token.prefix}",
        entries=[
            (
                c.person_id,
                c,
                {"case_id": case.pk, "generation": c.generation, "token": token.prefix, "system": token.name},
            )
            for c in page
        ],
        reason=f"case:{case.pk}",
        request=request,
        role=token.role,
        unit=token.unit,
    )
    rows = []
    for c in page:
        person = c.person
        phone, phone_kind = _phone(person, holders)
        commune = communes.get(person.commune_id) if person.commune_id else None
        rows.append(
            {
                "id": c.pk,
                "generation": c.generation,
                "via_contact_id": c.via_id,
                "full_name": person.full_name,
                "phone": phone,
                "phone_kind": phone_kind,
                "year_of_birth": person.year_of_birth,
                "sex": person.sex,
                "commune_code": commune.code if commune else None,
                "commune": commune.name if commune else None,
                "tier": c.tier,
                "overlap_minutes": c.overlap_minutes,
                "reason": c.reason,  # type: ignore[attr-defined]
                "venue_code": c.venue.code,
                "venue": c.venue.name,
                "area": c.area.name if c.area else None,
                "exposure_start": c.contact_start,
                "exposure_end": c.contact_end,
                "exposure_estimated": c.contact_estimated,
                "case_presence_start": c.source_start,
                "case_presence_end": c.source_end,
                "decision": c.decision,
                "followup": c.followup,
            }
        )
    return Status(200, {"case_id": case.pk, "count": len(everyone), "offset": offset, "contacts": rows})
