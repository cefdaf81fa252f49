"""`ravao import_checkins` and `ravao trace`."""

import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from ravao.checkins.models import CheckIn
from ravao.people.selectors import person_by_phone_or_id
from ravao.privacy.models import AuditEvent
from ravao.tracing.tests.base import TracingTestCase

HEADER = "venue_code,area,full_name,phone,id_number,checked_in_at,checked_out_at\n"


class ImportCheckinsTest(TracingTestCase):
    def run_import(self, text: str) -> tuple[str, str]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sheet.csv"
            path.write_text(text, encoding="utf-8")
            out, err = io.StringIO(), io.StringIO()
            with translation.override("en"):  # reasons are asserted in English
                call_command("import_checkins", str(path), stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_it_imports_good_rows_reports_bad_ones_and_is_idempotent(self) -> None:
        text = HEADER + (
            "V000001,Dây chuyền 1,Đỗ Thị Giang,0913 000 111,,"
            "2021-07-10T06:00:00+07:00,2021-07-10T14:00:00+07:00\n"
            "V000001,,Nguyễn Văn An,,001092012345,2021-07-10T06:05:00+07:00,\n"  # known by ID, open visit
            "V000002,,Bùi Văn Hùng,,001203000001,2021-07-10T08:00:00+07:00,2021-07-10T08:30:00+07:00\n"
            "NOPE,,X,0913000112,,2021-07-10T06:00:00+07:00,\n"
            "V000001,Line 9,X,0913000113,,2021-07-10T06:00:00+07:00,\n"
            "V000001,,X,,,2021-07-10T06:00:00+07:00,\n"
            "V000001,,X,0913000114,,2021-07-10 06:00,\n"
            "V000001,,X,0913000115,,yesterday,\n"
            "V000001,,X,0913000116,,2021-07-10T06:00:00+07:00,2021-07-10T05:00:00+07:00\n"
            "V000001,,X,12345,,2021-07-10T06:00:00+07:00,\n"
            "V000001,,X\n"
        )
        before = CheckIn.objects.count()
        out, err = self.run_import(text)
        self.assertIn("11 rows read: 3 new visits, 0 already there, 8 bad rows.", out)
        lines = [line.split(":")[0] for line in err.strip().splitlines()]
        self.assertEqual(lines, [f"line {n}" for n in range(5, 13)])
        self.assertIn("unknown venue code 'NOPE'", err)
        self.assertIn("needs an offset", err)
        self.assertEqual(CheckIn.objects.count(), before + 3)
        giang = person_by_phone_or_id(phone="0913000111", id_number=None)
        assert giang is not None
        visit = CheckIn.objects.get(person=giang)
        self.assertEqual((visit.area, visit.method), (self.line1, "import"))
        open_visit = CheckIn.objects.get(person=self.f0, checked_in_at__year=2021)
        self.assertTrue(open_visit.checked_out_estimated)  # closed at its estimated end, long past
        hung = person_by_phone_or_id(phone=None, id_number="001203000001")
        assert hung is not None
        self.assertEqual((hung.year_of_birth, hung.sex), (2003, "male"))

        out, _err = self.run_import(text)
        self.assertIn("11 rows read: 0 new visits, 3 already there, 8 bad rows.", out)
        self.assertEqual(CheckIn.objects.count(), before + 3)

    def test_a_wrong_header_or_missing_file_is_an_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "the header must be"):
            self.run_import("a,b,c\n1,2,3\n")
        with self.assertRaisesMessage(CommandError, "cannot read"):
            call_command("import_checkins", "/nonexistent/file.csv")


class TraceCommandTest(TracingTestCase):
    def trace(self, *args: str) -> dict:
        out = io.StringIO()
        with translation.override("en"):  # reasons are asserted in English
            call_command("trace", *args, "--json", stdout=out)
        return json.loads(out.getvalue())

    def test_it_prints_window_visits_and_ranked_contacts(self) -> None:
        onset = (timezone.localdate() - timedelta(days=1)).isoformat()
        report = self.trace("--phone", "0912 000 001", "--onset", onset)
        self.assertEqual(len(report["visits"]), 2)
        contacts = report["contacts"]
        self.assertEqual([c["phone"] for c in contacts], ["0912000002", "0912000004"])
        first = contacts[0]
        self.assertEqual((first["tier"], first["overlap_minutes"], first["generation"]), ("high", 480, 1))
        self.assertEqual((first["venue_code"], first["area"]), ("V000001", "Dây chuyền 1"))
        self.assertEqual(first["reason"], "Same production line, 8 h overlap")
        self.assertTrue(contacts[1]["case_interval"]["estimated"])
        self.assertTrue(AuditEvent.objects.filter(action="trace.cli", person_id=self.f0.pk).exists())

    def test_two_generations(self) -> None:
        onset = (timezone.localdate() - timedelta(days=1)).isoformat()
        report = self.trace("--id-number", "001092012345", "--onset", onset, "--generations", "2")
        f2 = [c for c in report["contacts"] if c["generation"] == 2]
        self.assertIn(("0912000005", "0912000002"), [(c["phone"], c["via_phone"]) for c in f2])
        self.assertNotIn("0912000001", [c["phone"] for c in report["contacts"]])

    def test_bad_input(self) -> None:
        for args in (
            ["--phone", "123", "--onset", "2021-07-01"],
            ["--phone", "0999999999", "--onset", "2021-07-01"],
            ["--phone", "0912000001", "--onset", "July"],
        ):
            with self.assertRaises(CommandError):
                self.trace(*args)
