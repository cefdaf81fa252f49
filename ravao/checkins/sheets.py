"""Reading paper sign-in sheets typed into a spreadsheet: CSV or XLSX, Vietnamese or English headers.

The rows come out as the columns of `ravao.tracing.imports` (which checks and stores them), with times as
ISO 8601 with the installation's offset: a sheet says "29/11/2026 08:15", meaning local time.
"""

import contextlib
import csv
import hashlib
import io
import json
import unicodedata
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ravao.accounts.models import Role
from ravao.accounts.selectors import venues_in_scope_of, venues_served_by
from ravao.checkins.models import SheetImport
from ravao.lib.exports import write_csv, write_xlsx
from ravao.places.models import Venue
from ravao.privacy.services import audit_record, audit_record_many
from ravao.tracing.imports import COLUMNS, CheckinImporter

# Header of each column in the downloadable template, in column order.
TEMPLATE_HEADERS = [
    "Mã địa điểm",
    "Khu vực",
    "Họ và tên",
    "Số điện thoại",
    "Số CCCD/CMND",
    "Giờ vào",
    "Giờ ra",
]
TEMPLATE_EXAMPLE = ["V000001", "", "Nguyễn Văn An", "0912345678", "", "29/11/2026 07:30", "29/11/2026 11:00"]
MAX_ROWS = 5000
TIME_COLUMNS = ("checked_in_at", "checked_out_at")
REQUIRED = ("venue_code", "checked_in_at")
LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %Hh%M", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M")


class SheetError(ValueError):
    """The file as a whole cannot be read; the message says what to fix."""


def _key(header: Any) -> str:
    return unicodedata.normalize("NFC", str(header or "")).strip().lower()


HEADER_TO_COLUMN = {
    **{_key(header): column for header, column in zip(TEMPLATE_HEADERS, COLUMNS, strict=True)},
    **{column: column for column in COLUMNS},
    "số cccd": "id_number",
    "cccd": "id_number",
    "điện thoại": "phone",
    "họ tên": "full_name",
}


def _local_iso(value: Any) -> str:
    """A sheet's time as ISO 8601 with an offset; an unreadable value is passed on for the importer."""
    tz = timezone.get_current_timezone()
    if isinstance(value, datetime):
        moment = value if value.tzinfo else timezone.make_aware(value, tz)
        return moment.isoformat()
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time()), tz).isoformat()
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for fmt in LOCAL_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)  # local time, made aware below
                break
            except ValueError:
                continue
        else:
            return text
    return (moment if moment.tzinfo else timezone.make_aware(moment, tz)).isoformat()


def _rows_of_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” or as .xlsx."))
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or an odd sheet: Excel's comma dialect
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]


def _rows_of_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise SheetError(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    sheet = workbook.worksheets[0]
    rows: list[list[Any]] = []
    for row in sheet.iter_rows(values_only=True):
        if any(cell not in (None, "") for cell in row):
            rows.append(list(row))
        if len(rows) > MAX_ROWS + 1:
            break
    workbook.close()
    return rows


def read_sheet(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(line in the sheet, {column: value}) for each row under the header. Raises SheetError."""
    if filename.lower().endswith(".xlsx"):
        table = _rows_of_xlsx(data)
    elif filename.lower().endswith((".csv", ".txt")):
        table = _rows_of_csv(data)
    else:
        raise SheetError(_("Upload a .csv or .xlsx file (download the template below)."))
    if not table:
        raise SheetError(_("The file is empty."))
    header = [HEADER_TO_COLUMN.get(_key(cell), "") for cell in table[0]]
    missing = [TEMPLATE_HEADERS[COLUMNS.index(column)] for column in REQUIRED if column not in header]
    if missing:
        raise SheetError(
            _("The first row must name the columns; missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise SheetError(_("At most %(n)d rows per file; split the sheet.") % {"n": MAX_ROWS})
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {column: "" for column in COLUMNS}
        for column, cell in zip(header, cells, strict=False):
            if column:
                values[column] = _local_iso(cell) if column in TIME_COLUMNS else str(cell or "").strip()
        rows.append((line, values))
    return rows


def template_csv() -> bytes:
    return write_csv([TEMPLATE_EXAMPLE], TEMPLATE_HEADERS)


def template_xlsx() -> bytes:
    return write_xlsx([TEMPLATE_EXAMPLE], TEMPLATE_HEADERS, sheet_title="Ra vào")


# --- preview and import (services) ---------------------------------------------------------------------


def sheet_venues(user: Any) -> QuerySet[Venue]:
    """The venues a user may import visits into: the venues they manage, and those of the units they serve
    as a commune official or administrator."""
    managed = venues_served_by(user, roles=(Role.VENUE_MANAGER,)).values("pk")
    official = venues_in_scope_of(user, roles=(Role.DISTRICT_ADMIN, Role.COMMUNE_OFFICIAL)).values("pk")
    return Venue.objects.filter(Q(pk__in=managed) | Q(pk__in=official))


def sheet_already_imported(sha256: str) -> SheetImport | None:
    return SheetImport.objects.filter(sha256=sha256, status=SheetImport.Status.IMPORTED).first()


@transaction.atomic
def sheet_preview(*, data: bytes, filename: str, user: Any, now: datetime) -> SheetImport:
    """Read and check a sheet without importing it. Raises SheetError for a file that cannot be read, or
    that was already imported (the same bytes: importing it again would only count repeats)."""
    earlier = sheet_already_imported(hashlib.sha256(data).hexdigest())
    if earlier is not None and earlier.imported_at is not None:
        raise SheetError(
            _("This file was already imported on %(when)s: nothing was imported again.")
            % {"when": timezone.localtime(earlier.imported_at).strftime("%d/%m/%Y %H:%M")}
        )
    rows = read_sheet(data, filename)
    result = CheckinImporter(now=now, venues=sheet_venues(user)).check(rows)
    bad_lines = {line for line, _reason in result.bad}
    sheet = SheetImport.objects.create(
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename[:200],
        uploaded_by=user,
        uploaded_at=now,
        rows=json.dumps([[line, row] for line, row in rows if line not in bad_lines], ensure_ascii=False),
        bad_rows=[[line, reason] for line, reason in result.bad],
        read=result.read,
    )
    audit_record(
        actor=user, action="sheet.preview", obj=sheet, details={"read": result.read, "bad": len(result.bad)}
    )
    return sheet


@transaction.atomic
def sheet_import(*, sheet: SheetImport, user: Any, now: datetime) -> SheetImport:
    """Import the good rows of a previewed sheet, once: a second call (a double click, a retried request)
    returns the sheet as it is. The waiting rows are erased; the counts stay."""
    sheet = SheetImport.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status == SheetImport.Status.IMPORTED:
        return sheet
    rows = [(line, row) for line, row in json.loads(sheet.rows or "[]")]
    importer = CheckinImporter(now=now, venues=sheet_venues(user))
    result = importer.run(rows)
    sheet.status, sheet.imported_at, sheet.rows = SheetImport.Status.IMPORTED, now, ""
    sheet.new, sheet.repeated = result.new, result.repeated
    # Rows that became bad since the preview (a venue suspended, an area removed) join the bad rows.
    sheet.bad_rows = sorted([*sheet.bad_rows, *[[line, reason] for line, reason in result.bad]])
    sheet.save()
    audit_record(
        actor=user, action="sheet.import", obj=sheet, details={"new": result.new, "repeated": result.repeated}
    )
    audit_record_many(
        actor=user,
        action="sheet.import_person",
        entries=[(person.pk, sheet, {}) for person in importer.persons.values()],
    )
    return sheet
