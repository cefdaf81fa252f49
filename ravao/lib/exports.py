"""CSV and XLSX writers for exports that field teams open in spreadsheets.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (CSV injection; it reached German health offices through luca in 2021). The
full-width forms `＝ ＋ － ＠` (what a Vietnamese or CJK input method types) are read as formulas too by
spreadsheets that fold them to ASCII (Excel with East Asian input, LibreOffice's autocorrect on open).
Every text cell is neutralised by prefixing a single quote, which spreadsheets show as plain text.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """The value, or for a text that a spreadsheet would run as a formula, the text prefixed with '."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cells(row: Iterable[Any]) -> list[Any]:
    return [neutralise("" if v is None else v) for v in row]


def write_csv(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> bytes:
    """UTF-8 with a BOM (Excel then reads Vietnamese correctly), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_cells(headers))
    for row in rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[Sequence[Any]], headers: Sequence[str], sheet_title: str) -> bytes:
    """One sheet; text cells are stored as strings (never formulas), every cell neutralised."""
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    # Sheet titles may not hold []:*?/\ and are at most 31 characters.
    sheet.title = "".join(c for c in sheet_title if c not in "[]:*?/\\")[:31] or "Sheet"
    for r, row in enumerate([list(headers), *rows], start=1):
        for c, value in enumerate(_cells(row), start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                # openpyxl turns any string starting with "=" into a formula; pin it as text anyway.
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
