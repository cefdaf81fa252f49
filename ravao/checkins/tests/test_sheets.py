"""Paper sign-in sheets uploaded from the browser (issue 10, item 7)."""

import io
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from ravao.checkins.models import CheckIn, SheetImport
from ravao.checkins.sheets import TEMPLATE_HEADERS, SheetError, read_sheet, sheet_import, sheet_preview
from ravao.people.selectors import person_by_phone_or_id
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase

UPLOAD = reverse("checkins:sheet_upload")


def sheet_csv(rows: list[list[str]], headers: list[str] | None = None) -> bytes:
    lines = [",".join(headers or TEMPLATE_HEADERS), *(",".join(row) for row in rows)]
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def yesterday(hour: int) -> str:
    day = timezone.localdate() - timedelta(days=1)
    return f"{day:%d/%m/%Y} {hour:02d}:00"


class SheetTests(RavaoTestCase):
    def good_rows(self) -> list[list[str]]:
        return [
            ["V000001", "", "Đỗ Thị Giang", "0913000111", "", yesterday(7), yesterday(11)],
            ["V000001", "", "Bùi Văn Hùng", "", "001203000001", yesterday(8), ""],
        ]

    def upload(self, data: bytes, name: str = "so-ra-vao.csv") -> Any:
        return self.client.post(UPLOAD, {"sheet": SimpleUploadedFile(name, data)})

    def test_preview_then_import_once(self) -> None:
        self.login(self.alice)
        rows = [
            *self.good_rows(),
            ["V000001", "", "X", "12345", "", yesterday(9), ""],
            ["V000002", "", "Y", "0913000222", "", yesterday(9), ""],
        ]
        before = CheckIn.objects.count()
        response = self.upload(sheet_csv(rows))
        sheet = SheetImport.objects.get()
        self.assertRedirects(response, reverse("checkins:sheet", args=[sheet.pk]))
        self.assertEqual(CheckIn.objects.count(), before)  # nothing saved by the preview
        self.assertIsNone(person_by_phone_or_id(phone="0913000111", id_number=None))
        page = self.client.get(reverse("checkins:sheet", args=[sheet.pk]))
        self.assertContains(page, "Đỗ Thị Giang")
        self.assertEqual(
            [line for line, _reason in sheet.bad_rows], [4, 5]
        )  # bad phone; venue B is not Alice's
        self.assertContains(page, "không phải số điện thoại Việt Nam")
        # Import, then a double click.
        url = reverse("checkins:sheet", args=[sheet.pk])
        self.client.post(url)
        self.client.post(url)
        self.assertEqual(CheckIn.objects.count(), before + 2)
        sheet.refresh_from_db()
        self.assertEqual((sheet.status, sheet.new, sheet.rows), ("imported", 2, ""))
        giang = person_by_phone_or_id(phone="0913000111", id_number=None)
        assert giang is not None
        visit = CheckIn.objects.get(person=giang)
        self.assertEqual(timezone.localtime(visit.checked_in_at).hour, 7)  # local time on the sheet
        self.assertEqual(AuditEvent.objects.filter(action="sheet.import").count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="sheet.import_person", person_id=giang.pk).exists())

    def test_the_same_file_uploaded_again_is_recognised(self) -> None:
        self.login(self.alice)
        data = sheet_csv(self.good_rows())
        self.upload(data)
        self.client.post(reverse("checkins:sheet", args=[SheetImport.objects.get().pk]))
        response = self.upload(data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "đã được nhập", status_code=400)
        self.assertEqual(SheetImport.objects.count(), 1)

    def test_the_service_refuses_a_file_already_imported(self) -> None:
        """The check lived in the view: another caller of `sheet_preview` (the API, a command) would have
        previewed an imported file again. The service refuses it, whoever calls it."""
        data = sheet_csv(self.good_rows())
        sheet = sheet_preview(data=data, filename="a.csv", user=self.alice, now=timezone.now())
        sheet_import(sheet=sheet, user=self.alice, now=timezone.now())
        with self.assertRaisesMessage(SheetError, "đã được nhập"):
            sheet_preview(data=data, filename="again.csv", user=self.alice, now=timezone.now())
        self.assertEqual(SheetImport.objects.count(), 1)

    def test_an_xlsx_with_real_dates_is_read(self) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(TEMPLATE_HEADERS)
        moment = timezone.localtime() - timedelta(days=1)
        sheet.append(["V000001", None, "Đỗ Thị Giang", "0913000111", None, moment.replace(tzinfo=None), None])
        out = io.BytesIO()
        book.save(out)
        rows = read_sheet(out.getvalue(), "x.xlsx")
        self.assertEqual(rows[0][0], 2)
        self.assertTrue(rows[0][1]["checked_in_at"].endswith("+07:00"))

    def test_the_templates_have_vietnamese_headers(self) -> None:
        self.login(self.carol)
        csv_body = self.client.get(reverse("checkins:sheet_template", args=["csv"])).content.decode(
            "utf-8-sig"
        )
        self.assertTrue(csv_body.startswith("Mã địa điểm,Khu vực,Họ và tên"))
        xlsx = self.client.get(reverse("checkins:sheet_template", args=["xlsx"])).content
        header = next(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
        self.assertEqual(list(header), TEMPLATE_HEADERS)
        self.assertEqual(self.client.get(reverse("checkins:sheet_template", args=["pdf"])).status_code, 404)

    def test_unreadable_files_get_a_clear_message(self) -> None:
        self.login(self.carol)
        cases = [
            (b"", "x.csv", "trống"),
            (b"a,b\n1,2\n", "x.csv", "thiếu"),
            (b"PK\x03\x04garbage", "x.xlsx", "Excel"),
            (b"\xff\xfe\x00garbage\xc3", "x.pdf", ".csv"),
            ("Mã địa điểm;Giờ vào\n".encode("cp1258", errors="replace") + b"\xff\xfe\xfa", "x.csv", "UTF-8"),
        ]
        for data, name, words in cases:
            with self.subTest(name=name, data=data[:10]):
                response = self.upload(data, name)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, words, status_code=400)
        self.assertEqual(self.client.post(UPLOAD).status_code, 400)
        self.assertFalse(SheetImport.objects.exists())

    def test_who_may_import(self) -> None:
        for user in (self.alice, self.carol, self.dan):
            self.login(user)
            self.assertEqual(self.client.get(UPLOAD).status_code, 200)
        for user in (self.sam, self.hana):
            self.login(user)
            self.assertEqual(self.client.get(UPLOAD).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(UPLOAD).status_code, 302)
        self.login(self.alice)
        self.assertEqual(self.client.put(UPLOAD).status_code, 405)

    def test_a_sheet_is_seen_only_by_its_uploader(self) -> None:
        self.login(self.alice)
        self.upload(sheet_csv(self.good_rows()))
        url = reverse("checkins:sheet", args=[SheetImport.objects.get().pk])
        self.login(self.carol)  # an official of the same commune
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertEqual(CheckIn.objects.filter(method="import").count(), 0)

    def test_the_waiting_rows_are_encrypted(self) -> None:
        from django.db import connection

        self.login(self.alice)
        self.upload(sheet_csv(self.good_rows()))
        with connection.cursor() as cursor:
            cursor.execute("SELECT rows FROM checkins_sheetimport")
            (raw,) = cursor.fetchone()
        self.assertNotIn("Giang", raw)
        self.assertNotIn("0913000111", raw)
