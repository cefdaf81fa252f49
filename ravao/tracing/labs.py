"""Cases from lab lists (issue 11, item 7): a CSV/XLSX of positive results, matched to persons, previewed,
then opened as cases in one action.

Reading. Columns name, phone, ID number (CCCD), sample date, lab reference, with Vietnamese or English
headers in any order (`HEADERS`). A row is bad — reported by its line, never imported — when its name, its
lab reference or its sample date is missing, when it has neither a phone nor an ID number, when a value
cannot be read, when the sample date is in the future, or when its lab reference repeats an earlier line.

Matching (`match_rows`), the people app's de-duplication keys (keyed hashes, never a scan of names):
- the ID number first: it names one person. When the phone belongs to someone else (not a member of that
  person's household, whose phone it legitimately is), the row is *ambiguous* and the officer picks;
- else the phone: its holder, the members of the holder's household and the provisional persons claiming
  it. One candidate is the match; several are narrowed by the name (diacritics ignored); still several is
  ambiguous;
- else nobody: with a name and a phone the officer may create the person (the default), else skipped.
Ambiguous rows show each candidate as a masked name, year of birth and commune — what the officer needs to
tell them apart, no more — and default to "skip": no one gets a case by a guess.

Opening (`lab_import_commit`), one transaction for the whole list: a failure on any row rolls everything
back and the preview stays, so nothing is half-imported. Each row goes through the same rules as the "new
case" form: a person in the office's jurisdiction (living under it, or at a venue under it in the window
proposed from the sample date) gets a case (`case_open`, reason = the lab reference); anyone else gets a
*request* to their own office (`case_request_create`), as the form does — a lab list often covers several
districts, and the request tells the person's office without showing this office their visits. A person
created from the list has no commune and no visits anywhere yet: no other office holds anything about
them, so the case opens here.

Twice. A lab reference already used by an open case of the office (or a request already filed by the
officer), and a person who already has an open case, are skipped and said so, at the preview and again at
the import; the same file (same SHA-256) is also announced at the preview.
"""

import hashlib
import io
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ravao.accounts.models import User
from ravao.lib.ids import mask_id_number, normalise_id_number
from ravao.lib.phone import mask_phone, normalise_phone
from ravao.lib.tables import csv_rows
from ravao.people.models import Person
from ravao.people.services import Profile, person_register
from ravao.places.models import AdminUnit
from ravao.privacy.crypto import lookup_hash, name_index
from ravao.privacy.services import audit_record, audit_record_many
from ravao.tracing import conf
from ravao.tracing.access import (
    ROLE,
    cases_in_scope,
    in_jurisdiction,
    persons_in_jurisdiction,
    tracer_units,
)
from ravao.tracing.imports import _born
from ravao.tracing.models import Case, CaseRequest, LabImport
from ravao.tracing.selectors import masked_name
from ravao.tracing.services import case_open, case_request_create
from ravao.tracing.windows import proposed_window

COLUMNS = ("full_name", "phone", "id_number", "sample_date", "lab_ref")
# The headers of the downloadable template, in column order.
TEMPLATE_HEADERS = ["Họ và tên", "Số điện thoại", "Số CCCD", "Ngày lấy mẫu", "Mã xét nghiệm"]
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%Y/%m/%d")

# What a row became at the preview.
BAD, MATCHED, AMBIGUOUS, NEW, UNMATCHED, ALREADY = (
    "bad",
    "matched",
    "ambiguous",
    "new",
    "unmatched",
    "already",
)
# What a row became at the import.
OPENED, REQUESTED, SKIPPED = "opened", "requested", "skipped"
# The officer's choice for a row without a single match.
PICK_NEW, PICK_SKIP = "new", "skip"


class LabFileError(ValueError):
    """The file as a whole cannot be read; the message says what to fix."""


class BadRow(ValueError):
    """One row cannot be imported; the message says why."""


def _key(header: Any) -> str:
    text = unicodedata.normalize("NFC", str(header or "")).strip().lower()
    return " ".join(text.replace("_", " ").split())


HEADERS: dict[str, str] = {
    _key(header): column
    for column, headers in {
        "full_name": ["Họ và tên", "Họ tên", "Tên", "Họ và tên người bệnh", "name", "full name", "full_name"],
        "phone": ["Số điện thoại", "Điện thoại", "SĐT", "SDT", "phone", "phone number", "mobile"],
        "id_number": [
            "Số CCCD",
            "CCCD",
            "Số CCCD/CMND",
            "CCCD/CMND",
            "CMND",
            "Số định danh",
            "Số giấy tờ",
            "ID number",
            "id_number",
            "national ID",
        ],
        "sample_date": [
            "Ngày lấy mẫu",
            "Ngày XN",
            "Ngày xét nghiệm",
            "sample date",
            "sample_date",
            "sampled on",
        ],
        "lab_ref": [
            "Mã xét nghiệm",
            "Mã XN",
            "Mã mẫu",
            "Số phiếu",
            "lab reference",
            "lab_ref",
            "lab ref",
            "reference",
        ],
    }.items()
    for header in headers
}


# --- reading -----------------------------------------------------------------------------------------
def _table_of_csv(data: bytes) -> list[list[Any]]:
    try:
        rows = csv_rows(data)
    except UnicodeError:
        raise LabFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” or as .xlsx.")
        ) from None
    return [list(row) for row in rows[: conf.LAB_IMPORT_MAX_ROWS + 2]]


def _table_of_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise LabFileError(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    table: list[list[Any]] = []
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        if any(cell not in (None, "") for cell in row):
            table.append(list(row))
        if len(table) > conf.LAB_IMPORT_MAX_ROWS + 1:
            break
    workbook.close()
    return table


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone or CCCD typed as a number in Excel
    return str(value if value is not None else "").strip()


def read_lab_file(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(line in the file, {column: text}) for each row under the header. Raises LabFileError."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _table_of_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        table = _table_of_csv(data)
    else:
        raise LabFileError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise LabFileError(_("The file is empty."))
    header = [HEADERS.get(_key(cell), "") for cell in table[0]]
    needed = {"full_name": "Họ và tên", "sample_date": "Ngày lấy mẫu", "lab_ref": "Mã xét nghiệm"}
    missing = [label for column, label in needed.items() if column not in header]
    if "phone" not in header and "id_number" not in header:
        missing.append("Số điện thoại / Số CCCD")
    if missing:
        raise LabFileError(
            _("The first row must name the columns; missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > conf.LAB_IMPORT_MAX_ROWS:
        raise LabFileError(
            _("At most %(n)d rows per file; split the list.") % {"n": conf.LAB_IMPORT_MAX_ROWS}
        )
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = dict.fromkeys(COLUMNS, "")
        for column, cell in zip(header, cells, strict=False):
            if column and not values[column]:
                values[column] = _cell(cell)
        rows.append((line, values))
    return rows


def _sample_date(text: str, today: date) -> date:
    text = text.strip()
    found: date | None = None
    for fmt in DATE_FORMATS:
        try:
            found = datetime.strptime(text.split(" ")[0].split("T")[0], fmt).date()
            break
        except ValueError:
            continue
    if found is None:
        raise BadRow(_("the sample date %(value)s is not a date (e.g. 29/11/2026)") % {"value": text})
    if found > today:
        raise BadRow(_("the sample date %(value)s is in the future") % {"value": found.strftime("%d/%m/%Y")})
    return found


def check_row(values: dict[str, str], today: date) -> dict[str, Any]:
    """The row's values in canonical form. Raises BadRow."""
    name, ref = values["full_name"].strip(), values["lab_ref"].strip()
    if not name:
        raise BadRow(_("the name is missing"))
    if not ref:
        raise BadRow(_("the lab reference is missing"))
    if len(ref) > 200:
        raise BadRow(_("the lab reference is longer than 200 characters"))
    if not values["sample_date"].strip():
        raise BadRow(_("the sample date is missing"))
    # Excel drops the leading 0 of a phone or a CCCD typed as a number (912345678, 1092012345).
    if values["phone"].isdigit() and len(values["phone"]) == 9:
        values = {**values, "phone": "0" + values["phone"]}
    if values["id_number"].isdigit() and len(values["id_number"]) in (10, 11):
        values = {**values, "id_number": values["id_number"].zfill(12)}
    phone = normalise_phone(values["phone"]) if values["phone"] else None
    if values["phone"] and phone is None:
        raise BadRow(_("not a Vietnamese phone number: %(value)s") % {"value": values["phone"]})
    id_number = normalise_id_number(values["id_number"]) if values["id_number"] else None
    if values["id_number"] and id_number is None:
        raise BadRow(_("not an ID number: %(value)s") % {"value": values["id_number"]})
    if not phone and not id_number:
        raise BadRow(_("a phone or an ID number is needed to find the person"))
    sampled = _sample_date(values["sample_date"], today)
    return {"name": name, "phone": phone, "id": id_number, "sample_date": sampled.isoformat(), "ref": ref}


def check_rows(rows: list[tuple[int, dict[str, str]]], *, today: date) -> list[dict[str, Any]]:
    """Each row checked, bad ones with their reason; a lab reference seen on an earlier line is bad."""
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, values in rows:
        try:
            row = check_row(values, today)
            first = seen.setdefault(row["ref"].casefold(), line)
            if first != line:
                raise BadRow(
                    _("the lab reference %(ref)s is already on line %(line)d")
                    % {"ref": row["ref"], "line": first}
                )
            row.update(line=line, outcome="")
        except BadRow as exc:
            row = {"line": line, "outcome": BAD, "reason": str(exc), "name": values["full_name"]}
            row["ref"] = values["lab_ref"]
        checked.append(row)
    return checked


# --- matching ----------------------------------------------------------------------------------------
def _phone_candidates(phone: str) -> list[Person]:
    """Who a phone may stand for: its holder, the holder's household, the provisional persons claiming it."""
    phone_hash = lookup_hash(phone)
    holders = list(Person.objects.filter(phone_hash=phone_hash))
    others = Person.objects.filter(
        Q(household_of__in=holders) | Q(claimed_phone_hash=phone_hash, merged_into__isnull=True)
    ).order_by("pk")
    return holders + [p for p in others if p not in holders]


def match_row(row: dict[str, Any]) -> None:
    """Set the row's outcome (matched, ambiguous, new, unmatched) with its person or candidates."""
    by_id = Person.objects.filter(id_hash=lookup_hash(row["id"])).first() if row["id"] else None
    by_phone = _phone_candidates(row["phone"]) if row["phone"] else []
    if by_id is not None:
        holder = next((p for p in by_phone if p.phone and p.phone == row["phone"]), None)
        household = holder is not None and by_id.household_of_id == holder.pk
        if holder is None or holder.pk == by_id.pk or household:
            row.update(outcome=MATCHED, person=by_id.pk)  # the ID number wins: it names one person
        else:
            row.update(outcome=AMBIGUOUS, candidates=[by_id.pk, holder.pk])
        return
    if row["id"]:
        # An ID number nobody has: a phone holder with another ID number on file is someone else.
        by_phone = [p for p in by_phone if not p.id_number or p.id_number == row["id"]] or by_phone
    if len(by_phone) > 1:
        named = [p for p in by_phone if p.name_index == name_index(row["name"])]
        by_phone = named if len(named) == 1 else by_phone
    if len(by_phone) == 1:
        person = by_phone[0]
        if row["id"] and person.id_number and person.id_number != row["id"]:
            row.update(outcome=AMBIGUOUS, candidates=[person.pk])
        else:
            row.update(outcome=MATCHED, person=person.pk)
    elif by_phone:
        row.update(outcome=AMBIGUOUS, candidates=[p.pk for p in by_phone])
    elif row["phone"]:
        row.update(outcome=NEW)
    else:
        row.update(
            outcome=UNMATCHED, reason=_("nobody has this ID number; a phone is needed to add the person")
        )


def _window(row: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    sampled = date.fromisoformat(row["sample_date"])
    return proposed_window(onset_date=None, sample_date=sampled, isolated_on=None, now=now)


def _already(rows: list[dict[str, Any]], *, unit: AdminUnit, user: User) -> None:
    """Mark rows whose lab reference or person already has an open case (or the officer's request)."""
    refs = {row["ref"] for row in rows if row["outcome"] != BAD}
    open_refs = set(
        cases_in_scope(user).filter(status=Case.Status.OPEN, reason__in=refs).values_list("reason", flat=True)
    )
    requested = set(
        CaseRequest.objects.filter(
            requester=user, status=CaseRequest.Status.PENDING, reason__in=refs
        ).values_list("reason", flat=True)
    )
    persons = {row["person"] for row in rows if row["outcome"] == MATCHED}
    with_case = set(
        Case.objects.filter(person_id__in=persons, status=Case.Status.OPEN).values_list(
            "person_id", flat=True
        )
    )
    for row in rows:
        if row["outcome"] == BAD:
            continue
        if row["ref"] in open_refs:
            row.update(outcome=ALREADY, reason=_("a case with this lab reference is already open"))
        elif row["ref"] in requested:
            row.update(outcome=ALREADY, reason=_("you already asked to open a case with this lab reference"))
        elif row["outcome"] == MATCHED and row["person"] in with_case:
            row.update(outcome=ALREADY, reason=_("this person already has an open case"))


def match_rows(rows: list[dict[str, Any]], *, unit: AdminUnit, user: User, now: datetime) -> None:
    """Match every good row, mark the ones already opened and whether each match is in the jurisdiction
    (two queries per distinct sample date)."""
    for row in rows:
        if row["outcome"] != BAD:
            match_row(row)
    _already(rows, unit=unit, user=user)
    by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["outcome"] == MATCHED:
            by_date[row["sample_date"]].append(row)
    for day_rows in by_date.values():
        start, end = _window(day_rows[0], now)
        persons = Person.objects.filter(pk__in=[row["person"] for row in day_rows])
        inside = persons_in_jurisdiction(persons, [unit.path], start=start, end=end)
        for row in day_rows:
            row["inside"] = row["person"] in inside


# --- preview and import (services) ---------------------------------------------------------------------
def lab_file_seen(*, sha256: str, user: User) -> LabImport | None:
    """The earlier import of the same file by this officer's offices, if it was imported."""
    return (
        LabImport.objects.filter(sha256=sha256, status=LabImport.Status.IMPORTED, unit__in=tracer_units(user))
        .order_by("-imported_at")
        .first()
    )


@transaction.atomic
def lab_import_preview(
    *,
    data: bytes,
    filename: str,
    unit: AdminUnit,
    acting_user: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> LabImport:
    """Read, check and match a lab list without opening anything. Raises LabFileError."""
    now = now or timezone.now()
    rows = check_rows(read_lab_file(data, filename), today=timezone.localdate(now))
    match_rows(rows, unit=unit, user=acting_user, now=now)
    lab_import = LabImport.objects.create(
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename[:200],
        unit=unit,
        uploaded_by=acting_user,
        uploaded_at=now,
        rows=rows,  # type: ignore[misc]  # an EncryptedJSONField (typed as text by the stubs)
        read=len(rows),
    )
    counts = outcome_counts(rows)
    audit_record(
        actor=acting_user,
        action="lab_import.preview",
        obj=lab_import,
        reason=f"lab_import:{lab_import.pk}",
        request=request,
        role=ROLE,
        details={"read": len(rows), **counts},
    )
    # The officer is shown (masked) who each row matched: one audit row per person, in one statement.
    shown = {row["person"] for row in rows if row.get("person")}
    shown |= {pk for row in rows for pk in row.get("candidates", [])}
    audit_record_many(
        actor=acting_user,
        action="lab_import.match",
        entries=[(pk, lab_import, {"lab_import_id": lab_import.pk}) for pk in sorted(shown)],
        request=request,
        role=ROLE,
    )
    return lab_import


def outcome_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys((BAD, MATCHED, AMBIGUOUS, NEW, UNMATCHED, ALREADY), 0)
    for row in rows:
        counts[row["outcome"]] += 1
    return counts


def _person_for(row: dict[str, Any], pick: str) -> Person | None:
    """The person a row opens a case on, after the officer's pick; None when the row is skipped."""
    if row["outcome"] == MATCHED:
        return Person.objects.filter(pk=row["person"]).first()
    if row["outcome"] == AMBIGUOUS and pick.isdecimal() and int(pick) < len(row["candidates"]):
        return Person.objects.filter(pk=row["candidates"][int(pick)]).first()
    if row["outcome"] == NEW and pick != PICK_SKIP:
        year, sex = _born(row["id"])
        person, _created = person_register(
            profile=Profile(
                full_name=row["name"],
                phone=row["phone"],
                id_number=row["id"],
                year_of_birth=year,
                sex=sex,
                nationality="Việt Nam",
                commune=None,
                address="",
                email="",
            )
        )
        row["created"] = _created
        return person
    return None


def _open_row(
    row: dict[str, Any],
    person: Person,
    *,
    lab_import: LabImport,
    user: User,
    request: HttpRequest | None,
    now: datetime,
) -> None:
    if Case.objects.filter(person=person, status=Case.Status.OPEN).exists():
        row.update(result=SKIPPED, reason=_("this person already has an open case"))
        return
    sampled = date.fromisoformat(row["sample_date"])
    start, end = _window(row, now)
    if row.get("created") or in_jurisdiction(person, lab_import.unit, start=start, end=end):
        case = case_open(
            person=person,
            unit=lab_import.unit,
            onset_date=None,
            sample_date=sampled,
            isolated_on=None,
            acting_user=user,
            reason=row["ref"],
            request=request,
            now=now,
        )
        row.update(result=OPENED, case=case.pk)
    else:
        found = case_request_create(
            person=person,
            unit=lab_import.unit,
            reason=row["ref"],
            onset_date=None,
            sample_date=sampled,
            isolated_on=None,
            acting_user=user,
            request=request,
            now=now,
        )
        row.update(result=REQUESTED, request_id=found.pk)


@transaction.atomic
def lab_import_commit(
    *,
    lab_import: LabImport,
    picks: dict[int, str],
    acting_user: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> LabImport:
    """Open the cases of a previewed list, all or none: an exception on any row rolls back every case,
    person and request of the list. `picks` maps a line to the officer's choice for an ambiguous row (the
    index of a candidate, or "skip") or a row without a match ("new" or "skip"). A second call (a double
    click, a retried request) returns the import as it is."""
    now = now or timezone.now()
    locked = LabImport.objects.select_for_update().get(pk=lab_import.pk)
    if locked.status == LabImport.Status.IMPORTED:
        return locked
    rows: list[dict[str, Any]] = locked.rows
    # Checked again now: a case opened since the preview (by a colleague, by another list) is not doubled.
    pending = [row for row in rows if row["outcome"] in (MATCHED, AMBIGUOUS, NEW)]
    _already(pending, unit=locked.unit, user=acting_user)
    for row in rows:
        if row["outcome"] in (BAD, UNMATCHED, ALREADY):
            row["result"] = SKIPPED
            continue
        person = _person_for(row, picks.get(row["line"], PICK_SKIP if row["outcome"] == AMBIGUOUS else ""))
        if person is None:
            row.update(result=SKIPPED, reason=_("not picked"))
            continue
        _open_row(row, person, lab_import=locked, user=acting_user, request=request, now=now)
    locked.rows = rows
    locked.status, locked.imported_at = LabImport.Status.IMPORTED, now
    locked.opened = sum(1 for row in rows if row.get("result") == OPENED)
    locked.requested = sum(1 for row in rows if row.get("result") == REQUESTED)
    locked.skipped = sum(1 for row in rows if row.get("result") == SKIPPED)
    locked.save()
    audit_record(
        actor=acting_user,
        action="lab_import.commit",
        obj=locked,
        reason=f"lab_import:{locked.pk}",
        request=request,
        role=ROLE,
        details={"opened": locked.opened, "requested": locked.requested, "skipped": locked.skipped},
    )
    return locked


# --- reading for the pages -----------------------------------------------------------------------------
def lab_rows_for_display(lab_import: LabImport) -> list[dict[str, Any]]:
    """The rows with what the page shows of each person: a masked name, the year of birth, the commune."""
    rows: list[dict[str, Any]] = [dict(row) for row in lab_import.rows or []]
    ids = {row["person"] for row in rows if row.get("person")}
    ids |= {pk for row in rows for pk in row.get("candidates", [])}
    persons = Person.objects.select_related("commune").in_bulk(ids)

    def shown(pk: int) -> dict[str, Any]:
        person = persons.get(pk)
        if person is None:
            return {"name": "?", "year": "", "commune": ""}
        return {
            "name": masked_name(person.full_name),
            "year": person.year_of_birth or "",
            "commune": person.commune.name if person.commune else "",
        }

    for row in rows:
        if row.get("person"):
            row["match"] = shown(row["person"])
        row["choices"] = [shown(pk) for pk in row.get("candidates", [])]
        row["sample_shown"] = (
            date.fromisoformat(row["sample_date"]).strftime("%d/%m/%Y") if row.get("sample_date") else ""
        )
        row["masked_id"] = mask_id_number(row["id"]) if row.get("id") else ""
        row["masked_phone"] = mask_phone(row["phone"]) if row.get("phone") else ""
    return rows


def purge_lab_imports(*, now: datetime, record: Any = None, batch_size: int = 500) -> dict[str, int]:
    """`ravao purge`: a preview nobody confirmed after a day, any list after RAVAO_RETENTION_DAYS (its rows
    name people; the cases it opened stay, with their own retention)."""
    from django.conf import settings

    from ravao.privacy.retention import delete_in_batches

    totals = {"tracing.LabImport": 0}
    for queryset in (
        LabImport.objects.filter(status=LabImport.Status.PREVIEW, uploaded_at__lt=now - timedelta(days=1)),
        LabImport.objects.filter(uploaded_at__lt=now - timedelta(days=settings.RAVAO_RETENTION_DAYS)),
    ):
        for label, count in delete_in_batches(queryset, batch_size=batch_size, record=record).items():
            totals[label] = totals.get(label, 0) + count
    return totals
