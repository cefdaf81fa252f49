"""Cases from lab lists (issue 11, item 7): reading, matching, preview, one atomic import, twice, limits."""

import io
from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.utils import timezone
from openpyxl import Workbook

from ravao.people.models import Person
from ravao.people.services import Profile, person_create_provisional, person_register
from ravao.privacy.crypto import lookup_hash
from ravao.privacy.models import AuditEvent
from ravao.privacy.retention import retention_purge
from ravao.tracing import labs
from ravao.tracing.models import Case, CaseRequest, LabImport
from ravao.tracing.tests.base import TracingTestCase

VN = ["Họ và tên", "Số điện thoại", "Số CCCD", "Ngày lấy mẫu", "Mã xét nghiệm"]


def csv_bytes(rows: list[list[str]], headers: list[str] = VN, *, bom: bool = True) -> bytes:
    lines = [",".join(headers)] + [",".join(row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], headers: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class LabImportTest(TracingTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")

    def upload(self, data: bytes, name: str = "xn.csv", unit: str = "district") -> Any:
        file = SimpleUploadedFile(name, data, content_type="text/csv")
        return self.client.post("/tracing/labs/", {"unit": self.units[unit].pk, "file": file})

    def preview(self, rows: list[list[str]], **kwargs: Any) -> LabImport:
        self.login(kwargs.pop("user", self.hana))
        response = self.upload(csv_bytes(rows), **kwargs)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        found = LabImport.objects.order_by("-pk").first()
        assert found is not None
        return found

    def row(self, line: int, lab_import: LabImport) -> dict[str, Any]:
        lab_import.refresh_from_db()
        return next(r for r in lab_import.rows if r["line"] == line)

    # --- matching -----------------------------------------------------------------------------------
    def test_matching_by_id_by_phone_id_wins_and_none(self) -> None:
        lab = self.preview(
            [
                ["Nguyễn Văn An", "0987000111", "001092012345", self.yesterday, "XN-1"],  # ID; phone unknown
                ["Trần Thị Bình", "0912 000 002", "", self.yesterday, "XN-2"],  # phone
                ["Người Mới", "0987000222", "", self.yesterday, "XN-3"],  # nobody: a new person
                ["Chỉ Có CCCD", "", "001099000001", self.yesterday, "XN-4"],  # nobody, no phone
            ]
        )
        self.assertEqual((self.row(2, lab)["outcome"], self.row(2, lab)["person"]), ("matched", self.f0.pk))
        self.assertEqual(self.row(3, lab)["person"], self.coworker.pk)
        self.assertEqual(self.row(4, lab)["outcome"], "new")
        self.assertEqual(self.row(5, lab)["outcome"], "unmatched")
        page = self.client.get(f"/tracing/labs/{lab.pk}/")
        self.assertContains(page, "N. V. A.")  # the match is shown masked
        self.assertNotContains(page, "001092012345")
        self.assertContains(page, "••••••••2345")
        response = self.client.post(f"/tracing/labs/{lab.pk}/")
        self.assertEqual(response.status_code, 302)
        lab.refresh_from_db()
        self.assertEqual((lab.status, lab.opened, lab.requested, lab.skipped), ("imported", 3, 0, 1))
        case = Case.objects.get(person=self.f0)
        self.assertEqual((case.reason, case.sample_date), ("XN-1", timezone.localdate() - timedelta(days=1)))
        self.assertEqual(case.unit, self.units["district"])
        self.assertTrue(Case.objects.filter(person=self.coworker, reason="XN-2").exists())
        created = Person.objects.get(phone_hash=lookup_hash("0987000222"))
        self.assertEqual((created.full_name, created.year_of_birth), ("Người Mới", 0))
        self.assertEqual(Case.objects.get(person=created).reason, "XN-3")
        self.assertTrue(AuditEvent.objects.filter(action="lab_import.preview").exists())
        self.assertTrue(AuditEvent.objects.filter(action="lab_import.commit").exists())
        self.assertEqual(AuditEvent.objects.filter(action="case.create").count(), 3)

    def test_id_wins_over_the_household_holders_phone(self) -> None:
        child, _ = person_register(
            profile=Profile(
                full_name="Trần Bé Na",
                phone=None,
                id_number="001215000777",
                year_of_birth=2015,
                sex="female",
                nationality="Việt Nam",
                commune=None,
                address="",
                email="",
            )
        )
        child.household_of = self.coworker
        child.save()
        lab = self.preview([["Trần Bé Na", "0912000002", "001215000777", self.yesterday, "XN-9"]])
        self.assertEqual((self.row(2, lab)["outcome"], self.row(2, lab)["person"]), ("matched", child.pk))

    def test_id_and_phone_of_two_persons_is_ambiguous_and_the_officer_picks(self) -> None:
        """The ID number names f0, the phone the coworker: shown for the officer to pick."""
        lab = self.preview([["Nguyễn Văn An", "0912000002", "001092012345", self.yesterday, "XN-5"]])
        row = self.row(2, lab)
        self.assertEqual((row["outcome"], row["candidates"]), ("ambiguous", [self.f0.pk, self.coworker.pk]))
        page = self.client.get(f"/tracing/labs/{lab.pk}/")
        self.assertContains(page, 'name="pick-2" value="1"')
        self.assertContains(page, "T. T. B.")
        self.client.post(f"/tracing/labs/{lab.pk}/", {"pick-2": "1"})
        self.assertEqual(Case.objects.get().person, self.coworker)

    def test_several_persons_on_one_phone_are_ambiguous_unpicked_is_skipped(self) -> None:
        person_create_provisional(
            profile=Profile(
                full_name="Đỗ Văn Giang",
                phone="0912000002",
                id_number=None,
                year_of_birth=1985,
                sex="male",
                nationality="Việt Nam",
                commune=None,
                address="",
                email="",
            )
        )
        lab = self.preview(
            [
                ["Ai Đó", "0912000002", "", self.yesterday, "XN-6"],
                ["Đỗ Văn Giang", "0912000002", "", self.yesterday, "XN-7"],  # the name narrows it
            ]
        )
        self.assertEqual(len(self.row(2, lab)["candidates"]), 2)
        self.assertEqual(self.row(3, lab)["outcome"], "matched")
        self.client.post(f"/tracing/labs/{lab.pk}/")  # line 2 not picked: skipped, no guess
        lab.refresh_from_db()
        # Giang (a provisional person with no visits here) is outside the jurisdiction: a request.
        self.assertEqual((lab.opened, lab.requested, lab.skipped), (0, 1, 1))
        self.assertFalse(Case.objects.filter(person=self.coworker).exists())

    def test_a_bad_pick_is_refused(self) -> None:
        lab = self.preview([["Nguyễn Văn An", "0912000002", "001092012345", self.yesterday, "XN-5"]])
        for pick in ("7", "²"):  # "²" passes str.isdigit() but not int(): was a 500
            response = self.client.post(f"/tracing/labs/{lab.pk}/", {"pick-2": pick}, follow=True)
            self.assertContains(response, "Dòng 2")
        self.assertFalse(Case.objects.exists())

    # --- bad rows -----------------------------------------------------------------------------------
    def test_bad_rows_are_reported_by_line_in_vietnamese(self) -> None:
        tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
        lab = self.preview(
            [
                ["", "0912000002", "", self.yesterday, "XN-1"],
                ["Trần Thị Bình", "", "", self.yesterday, "XN-2"],
                ["Trần Thị Bình", "0912000002", "", "32/13/2026", "XN-3"],
                ["Trần Thị Bình", "0912000002", "", tomorrow, "XN-4"],
                ["Trần Thị Bình", "0912000002", "", self.yesterday, "XN-8"],
                ["Trần Thị Bình", "12345", "", self.yesterday, "XN-6"],
                ["Trần Thị Bình", "0912000002", "", self.yesterday, ""],
                ["Trần Thị Bình", "0912000002", "", self.yesterday, "xn-8"],
            ]
        )
        reasons = {r["line"]: r.get("reason", "") for r in lab.rows if r["outcome"] == "bad"}
        self.assertEqual(sorted(reasons), [2, 3, 4, 5, 7, 8, 9])
        self.assertIn("thiếu họ tên", reasons[2])
        self.assertIn("số điện thoại hoặc số CCCD", reasons[3])
        self.assertIn("không phải là ngày", reasons[4])
        self.assertIn("tương lai", reasons[5])
        self.assertIn("12345", reasons[7])
        self.assertIn("thiếu mã xét nghiệm", reasons[8])
        self.assertIn("đã có ở dòng 6", reasons[9])  # the same reference, whatever its case
        page = self.client.get(f"/tracing/labs/{lab.pk}/")
        self.assertContains(page, "đã có ở dòng 6")
        self.client.post(f"/tracing/labs/{lab.pk}/")
        lab.refresh_from_db()
        self.assertEqual((lab.opened, lab.skipped), (1, 7))

    def test_a_file_without_the_columns_or_unreadable_is_refused(self) -> None:
        self.login(self.hana)
        response = self.upload(csv_bytes([["a", "b"]], headers=["Tên", "Điện thoại"]))
        self.assertContains(response, "Ngày lấy mẫu", status_code=400)
        response = self.upload(b"\xff\xfe\x00\xd8garbage", name="x.xlsx")
        self.assertEqual(response.status_code, 400)
        response = self.upload(b"x", name="x.pdf")
        self.assertEqual(response.status_code, 400)
        response = self.client.post("/tracing/labs/", {"unit": self.units["district"].pk})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(LabImport.objects.exists())

    # --- formats ------------------------------------------------------------------------------------
    def test_xlsx_with_vietnamese_headers_in_another_order_and_dates_as_dates(self) -> None:
        headers = ["Mã xét nghiệm", "Ngày lấy mẫu", "Họ và tên", "Số CCCD", "Số điện thoại"]
        sampled = timezone.localdate() - timedelta(days=2)
        # Phone and CCCD typed as numbers: Excel dropped their leading 0.
        data = xlsx_bytes([["XN-X1", sampled, "Nguyễn Văn An", 1092012345, 912000001]], headers)
        self.login(self.hana)
        self.assertEqual(self.upload(data, name="ket-qua.xlsx").status_code, 302)
        row = LabImport.objects.get().rows[0]
        self.assertEqual(
            (row["outcome"], row["sample_date"], row["phone"]), ("matched", sampled.isoformat(), "0912000001")
        )

    def test_csv_utf8_bom_english_headers_semicolons(self) -> None:
        headers = ["lab reference", "name", "phone", "sample date", "ID number"]
        data = "\ufeff" + ";".join(headers) + "\n" + f"XN-E1;Trần Thị Bình;0912000002;{self.yesterday};\n"
        self.login(self.hana)
        self.assertEqual(self.upload(data.encode("utf-8")).status_code, 302)
        row = LabImport.objects.get().rows[0]
        self.assertEqual((row["outcome"], row["person"], row["ref"]), ("matched", self.coworker.pk, "XN-E1"))

    def test_size_and_row_limits(self) -> None:
        self.login(self.hana)
        with mock.patch.object(labs.conf, "LAB_IMPORT_MAX_BYTES", 1024):
            response = self.upload(csv_bytes([["Tên", "0912000002", "", self.yesterday, "x" * 20]] * 60))
        self.assertContains(response, "1 KB", status_code=400)
        with mock.patch.object(labs.conf, "LAB_IMPORT_MAX_ROWS", 3):
            rows = [["Tên", "0912000002", "", self.yesterday, f"XN-{i}"] for i in range(4)]
            response = self.upload(csv_bytes(rows))
        self.assertContains(response, "3", status_code=400)
        self.assertFalse(LabImport.objects.exists())

    # --- twice, all or nothing ----------------------------------------------------------------------
    def test_the_same_file_twice_skips_what_was_opened(self) -> None:
        rows = [
            ["Nguyễn Văn An", "0912000001", "", self.yesterday, "XN-1"],
            ["Trần Thị Bình", "0912000002", "", self.yesterday, "XN-2"],
        ]
        first = self.preview(rows)
        self.client.post(f"/tracing/labs/{first.pk}/")
        self.assertEqual(Case.objects.count(), 2)
        response = self.upload(csv_bytes(rows))
        second = LabImport.objects.order_by("-pk").first()
        assert second is not None and second.pk != first.pk
        page = self.client.get(response["Location"])
        self.assertContains(page, "đã được nhập")  # "already imported on ..."
        self.assertEqual([r["outcome"] for r in second.rows], ["already", "already"])
        self.client.post(f"/tracing/labs/{second.pk}/")
        second.refresh_from_db()
        self.assertEqual((second.opened, second.skipped), (0, 2))
        self.assertEqual(Case.objects.count(), 2)
        # A retried "open" of the first list opens nothing again.
        response = self.client.post(f"/tracing/labs/{first.pk}/", follow=True)
        self.assertEqual(Case.objects.count(), 2)
        self.assertContains(response, "không mở lại")

    def test_a_failure_in_the_middle_rolls_everything_back(self) -> None:
        lab = self.preview(
            [
                ["Người Mới", "0987000222", "", self.yesterday, "XN-1"],
                ["Nguyễn Văn An", "0912000001", "", self.yesterday, "XN-2"],
                ["Trần Thị Bình", "0912000002", "", self.yesterday, "XN-3"],
            ]
        )
        persons = Person.objects.count()
        real = labs.case_open
        calls = {"n": 0}

        def flaky(**kwargs: Any) -> Case:
            calls["n"] += 1
            if calls["n"] == 3:
                raise DatabaseError("disk full")
            return real(**kwargs)

        with mock.patch.object(labs, "case_open", side_effect=flaky):
            response = self.client.post(f"/tracing/labs/{lab.pk}/", follow=True)
        self.assertContains(response, "không nhập gì")
        self.assertEqual(Case.objects.count(), 0)
        self.assertEqual(Person.objects.count(), persons)  # the new person went with the rest
        lab.refresh_from_db()
        self.assertEqual(lab.status, "preview")
        self.client.post(f"/tracing/labs/{lab.pk}/")  # and it can be imported afterwards
        self.assertEqual(Case.objects.count(), 3)

    # --- jurisdiction, access -----------------------------------------------------------------------
    def test_outside_the_jurisdiction_a_request_is_filed(self) -> None:
        """hoa serves Hạ Bằng; the shopper was only at the market of Liên Quan."""
        lab = self.preview(
            [
                ["Phạm Thị Dung", "0912000004", "", self.yesterday, "XN-O1"],
                ["Trần Thị Bình", "0912000002", "", self.yesterday, "XN-O2"],
            ],
            user=self.hoa,
            unit="ha_bang",
        )
        self.assertFalse(self.row(2, lab)["inside"])
        self.assertTrue(self.row(3, lab)["inside"])
        self.client.post(f"/tracing/labs/{lab.pk}/")
        lab.refresh_from_db()
        self.assertEqual((lab.opened, lab.requested), (1, 1))
        self.assertEqual(CaseRequest.objects.get().reason, "XN-O1")
        self.assertFalse(Case.objects.filter(person=self.shopper).exists())

    def test_access(self) -> None:
        lab = self.preview([["Trần Thị Bình", "0912000002", "", self.yesterday, "XN-1"]])
        self.client.logout()
        for url in ("/tracing/labs/", f"/tracing/labs/{lab.pk}/", "/tracing/labs/template.csv"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])
        self.login(self.alice)
        self.assertEqual(self.client.get("/tracing/labs/").status_code, 403)
        self.assertEqual(self.client.post(f"/tracing/labs/{lab.pk}/").status_code, 403)
        self.login(self.hoa)  # another officer never sees someone else's list
        self.assertEqual(self.client.get(f"/tracing/labs/{lab.pk}/").status_code, 404)
        self.assertEqual(self.client.post(f"/tracing/labs/{lab.pk}/").status_code, 404)
        response = self.upload(csv_bytes([]), unit="district")  # not one of hoa's offices
        self.assertEqual(response.status_code, 400)
        self.login(self.hana)
        self.assertEqual(self.client.put("/tracing/labs/").status_code, 405)
        self.assertEqual(self.client.delete(f"/tracing/labs/{lab.pk}/").status_code, 405)
        self.assertEqual(self.client.post("/tracing/labs/template.csv").status_code, 405)
        self.assertEqual(self.client.get("/tracing/labs/template.pdf").status_code, 404)
        self.assertEqual(self.client.get("/tracing/labs/999999/").status_code, 404)
        template = self.client.get("/tracing/labs/template.xlsx")
        self.assertEqual(template.status_code, 200)
        self.assertEqual(Case.objects.count(), 0)

    def test_the_purge_removes_old_lists(self) -> None:
        waiting = self.preview([["Trần Thị Bình", "0912000002", "", self.yesterday, "XN-1"]])
        kept = self.preview([["Nguyễn Văn An", "0912000001", "", self.yesterday, "XN-2"]])
        self.client.post(f"/tracing/labs/{kept.pk}/")
        run = retention_purge(now=timezone.now() + timedelta(days=2))
        self.assertFalse(LabImport.objects.filter(pk=waiting.pk).exists())  # an unconfirmed preview: a day
        self.assertTrue(LabImport.objects.filter(pk=kept.pk).exists())
        self.assertEqual(run.counts["tracing.LabImport"], 1)
        retention_purge(now=timezone.now() + timedelta(days=40))
        self.assertFalse(LabImport.objects.exists())
        self.assertTrue(Case.objects.filter(reason="XN-2").exists())  # the case keeps its own retention
