"""Formula injection is neutralised on CSV and XLSX (BRIEF §4: luca, 2021)."""

import csv
import io
from datetime import datetime

from django.test import SimpleTestCase
from openpyxl import load_workbook

from ravao.lib.exports import neutralise, write_csv, write_xlsx

PAYLOADS = ['=HYPERLINK("http://evil","x")', "+84912345678", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
# The full-width forms an East Asian input method types (issue 11, item 6).
FULL_WIDTH = ['＝HYPERLINK("http://evil")', "＋1", "－1", "＠SUM(A1)"]


class NeutraliseTest(SimpleTestCase):
    def test_it_prefixes_every_dangerous_start(self) -> None:
        for payload in PAYLOADS:
            self.assertEqual(neutralise(payload), "'" + payload)

    def test_it_prefixes_full_width_formula_starts(self) -> None:
        for payload in FULL_WIDTH:
            self.assertEqual(neutralise(payload), "'" + payload)
            rows = list(csv.reader(io.StringIO(write_csv([[payload]], ["h"]).decode("utf-8-sig"))))
            self.assertEqual(rows[1], ["'" + payload])
            sheet = load_workbook(io.BytesIO(write_xlsx([[payload]], ["h"], "s"))).active
            assert sheet is not None
            self.assertEqual(sheet["A2"].value, "'" + payload)

    def test_it_leaves_safe_values_alone(self) -> None:
        for value in ["Nguyễn Văn An", "0912345678", "", "a=b", 42, None, 1.5]:
            self.assertEqual(neutralise(value), value)


class CsvTest(SimpleTestCase):
    def test_it_writes_utf8_with_bom_and_neutralised_cells(self) -> None:
        data = write_csv([[p, "Nguyễn Văn An", 15] for p in PAYLOADS], ["value", "name", "minutes"])
        self.assertTrue(data.startswith("\ufeff".encode()))
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], ["value", "name", "minutes"])
        for payload, row in zip(PAYLOADS, rows[1:], strict=True):
            self.assertEqual(row, ["'" + payload, "Nguyễn Văn An", "15"])
            self.assertFalse(row[0].startswith(("=", "+", "-", "@", "\t", "\r")))

    def test_headers_are_neutralised_too(self) -> None:
        rows = list(csv.reader(io.StringIO(write_csv([], ["=cmd"]).decode("utf-8-sig"))))
        self.assertEqual(rows, [["'=cmd"]])


class XlsxTest(SimpleTestCase):
    def test_no_cell_is_a_formula(self) -> None:
        when = datetime(2021, 7, 1, 8, 30)
        data = write_xlsx([[p, 15, when] for p in PAYLOADS], ["value", "minutes", "at"], "F1: [case] 1")
        book = load_workbook(io.BytesIO(data))
        sheet = book.active
        assert sheet is not None
        self.assertEqual(sheet.title, "F1 case 1")
        self.assertEqual([c.value for c in sheet[1]], ["value", "minutes", "at"])
        for payload, row in zip(PAYLOADS, sheet.iter_rows(min_row=2), strict=True):
            # XML reads a stored CR back as LF; what matters is the quote in front.
            self.assertEqual(row[0].value, "'" + payload.replace("\r", "\n"))
            self.assertEqual(row[0].data_type, "s")
            self.assertEqual(row[1].value, 15)
            self.assertEqual(row[2].value, when)
        for row in sheet.iter_rows():
            for cell in row:
                self.assertNotEqual(cell.data_type, "f")
