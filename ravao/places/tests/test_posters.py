"""Posters (J1): a valid A4 PDF whose QR is ≥ 15 cm, decodes to the right check-in URL and carries the
Vietnamese name and bilingual instructions.

The QR is checked on the page as printed: each page is rendered with poppler's `pdftoppm` and decoded with
zxing-cpp, so a wrong URL, a too-small symbol or ink in the quiet zone fails here.
"""

import importlib.resources
import io
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import pytest
import zxingcpp
from django.test import TestCase, override_settings
from django.utils import timezone
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from ravao.lib.qr import QUIET_ZONE, checkin_url, qr_png, qr_svg
from ravao.places.models import AdminUnit, Area, Venue, new_qr_code
from ravao.places.posters import PosterPage, commune_posters_pdf, draw_page, venue_poster_pdf

A4_POINTS = (595.28, 841.89)
RENDER_DPI = 100
MM_PER_PIXEL = 25.4 / RENDER_DPI
PDFTOPPM = shutil.which("pdftoppm")
FONTS = importlib.resources.files("font_roboto") / "files"

NAME = "Công ty TNHH May Thạch Thất"
INSTRUCTIONS = (
    "Quét mã QR bằng camera điện thoại để khai báo y tế và ghi nhận ra vào",
    "Scan with your phone camera to declare your health and check in",
    "Khi ra về, quét lại mã để ghi nhận ra",
    "When you leave, scan again to check out",
)


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def render_pages(pdf: bytes) -> list[Image.Image]:
    """Rasterise every page in greyscale, as a printer and then a phone camera would see it."""
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (poppler-utils) is needed to check the printed QR code")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "poster.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 -- fixed binary, our own temporary file
            [PDFTOPPM, "-r", str(RENDER_DPI), "-gray", "-png", str(source), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
        )
        images = []
        for png in sorted(Path(folder).glob("page-*.png")):
            with Image.open(png) as image:
                images.append(image.convert("L"))
        return images


def decode_qr(image: Image.Image) -> zxingcpp.Barcode:
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    assert len(results) == 1, f"expected one QR code on the page, found {len(results)}"
    return results[0]


def symbol_modules(result: zxingcpp.Barcode) -> int:
    return 17 + 4 * int(result.extra["Version"])  # type: ignore[index]


def qr_box_pixels(result: zxingcpp.Barcode) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the symbol (zxing gives the outer corners of the finder patterns)."""
    corners = [
        result.position.top_left,
        result.position.top_right,
        result.position.bottom_right,
        result.position.bottom_left,
    ]
    xs, ys = [c.x for c in corners], [c.y for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


class PosterTests(TestCase):
    def setUp(self) -> None:
        self.commune = AdminUnit.objects.create(
            code="v2021-09955",
            name="Thạch Hòa",
            unit_type="Xã",
            level=AdminUnit.Level.COMMUNE,
            path="2021/01/276/09955/",
        )
        # Typed on a phone keyboard that sends decomposed accents: the poster must still print NFC.
        self.venue = Venue.objects.create(
            code="TT-00042",
            name=unicodedata.normalize("NFD", NAME),
            kind="factory",
            commune=self.commune,
            address="Lô 12, Khu công nghệ cao Hòa Lạc",
            phone="0912345678",
        )
        self.line = Area.objects.create(venue=self.venue, name="Dây chuyền 3", kind=Area.Kind.LINE)
        self.floor = Area.objects.create(venue=self.venue, name="Tầng 2", kind=Area.Kind.FLOOR)

    def test_entrance_poster_is_one_a4_page(self) -> None:
        reader = PdfReader(io.BytesIO(venue_poster_pdf(self.venue)))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)

    def test_text_has_vietnamese_name_address_instructions_url_and_footer(self) -> None:
        (text,) = pdf_text(venue_poster_pdf(self.venue))
        # Drawn in NFC (one glyph per accented letter): an NFD name would extract as NFD and miss here.
        assert NAME in text  # diacritics survive: ạ, ấ are real glyphs, not boxes or stripped letters
        assert unicodedata.is_normalized("NFC", text)
        assert "Khu công nghệ cao Hòa Lạc" in text
        assert "Thạch Hòa" in text  # commune added to the address
        for sentence in INSTRUCTIONS:
            assert sentence in text, sentence
        # Vietnamese first, then English.
        assert text.index(INSTRUCTIONS[0]) < text.index(INSTRUCTIONS[1]) < text.index(INSTRUCTIONS[2])
        assert checkin_url(self.venue.qr_code) in text  # typeable when the camera cannot scan
        assert "TT-00042" in text
        assert timezone.localdate().strftime("%d/%m/%Y") in text

    def test_qr_is_16_cm_with_a_clear_quiet_zone_and_encodes_the_checkin_url(self) -> None:
        (page,) = render_pages(venue_poster_pdf(self.venue))
        result = decode_qr(page)
        assert result.text == checkin_url(self.venue.qr_code)
        assert result.text == f"http://127.0.0.1:8000/v/{self.venue.qr_code}"
        assert result.ec_level in {"M", "Q", "H"}

        left, top, right, bottom = qr_box_pixels(result)
        width_mm, height_mm = (right - left) * MM_PER_PIXEL, (bottom - top) * MM_PER_PIXEL
        assert width_mm >= 150 and height_mm >= 150  # Hanoi's minimum
        assert width_mm == pytest.approx(160, abs=2) and height_mm == pytest.approx(160, abs=2)

        # No ink (text, header band) within 4 modules around the symbol.
        module_px = (right - left) / symbol_modules(result)
        quiet = int(QUIET_ZONE * module_px) - 1
        pixels = page.load()
        assert pixels is not None
        ring = [
            pixels[x, y]
            for y in range(max(0, top - quiet), min(page.height, bottom + quiet))
            for x in range(max(0, left - quiet), min(page.width, right + quiet))
            if not (left - 2 <= x <= right + 2 and top - 2 <= y <= bottom + 2)
        ]
        assert min(ring) > 200, "ink found in the QR quiet zone"  # type: ignore[operator]

    def test_drawn_qr_is_16_cm_on_an_a4_page(self) -> None:
        # The layout's own numbers, checked without poppler: 16 cm, centred, inside the page.
        pdf = FPDF(format="A4")
        pdf.add_font("Roboto", "", str(FONTS / "Roboto-Regular.ttf"))
        pdf.add_font("Roboto", "B", str(FONTS / "Roboto-Bold.ttf"))
        page = PosterPage(title=NAME, address="Thôn 3", qr_code=self.venue.qr_code, venue_code="TT-00042")
        at = draw_page(pdf, page, printed=timezone.localdate())
        assert at.size == 160 and at.x == pytest.approx((210 - 160) / 2)
        assert at.y - QUIET_ZONE * at.module > 18  # below the header band, quiet zone included
        assert at.y + at.size + QUIET_ZONE * at.module <= 297

    def test_one_page_per_area_with_the_area_code(self) -> None:
        pdf = venue_poster_pdf(self.venue, areas=self.venue.areas.all())
        texts = pdf_text(pdf)
        assert len(texts) == 3
        # Areas are ordered by name: "Dây chuyền 3", then "Tầng 2".
        assert f"{NAME} — Dây chuyền 3" in " ".join(texts[1].split())
        assert f"{NAME} — Tầng 2" in " ".join(texts[2].split())
        assert "—" not in texts[0]
        decoded = [decode_qr(page).text for page in render_pages(pdf)]
        assert decoded == [
            checkin_url(self.venue.qr_code),
            checkin_url(self.line.qr_code),
            checkin_url(self.floor.qr_code),
        ]
        assert INSTRUCTIONS[0] in texts[1] and INSTRUCTIONS[1] in texts[2]

    def test_area_of_another_venue_is_refused(self) -> None:
        other = Venue.objects.create(
            code="TT-00043",
            name="Chợ Thạch Hòa",
            kind="market",
            commune=self.commune,
            address="",
            phone="1",
        )
        with pytest.raises(ValueError, match="does not belong"):
            venue_poster_pdf(other, areas=[self.line])

    def test_rotated_code_prints_the_new_url_only(self) -> None:
        old_url = checkin_url(self.venue.qr_code)
        self.venue.qr_code = new_qr_code()
        self.venue.qr_rotated_at = timezone.now()
        self.venue.save()
        self.venue.refresh_from_db()
        new_url = checkin_url(self.venue.qr_code)
        assert new_url != old_url

        pdf = venue_poster_pdf(self.venue)
        (text,) = pdf_text(pdf)
        assert new_url in text and old_url not in text
        (page,) = render_pages(pdf)
        assert decode_qr(page).text == new_url

    def test_long_name_shrinks_and_keeps_one_page_and_a_scannable_code(self) -> None:
        self.venue.name = (
            "Công ty Trách nhiệm hữu hạn Một thành viên Sản xuất Thương mại và Dịch vụ Xuất nhập khẩu "
            "Nông sản Thực phẩm Thạch Thất Hà Nội Chi nhánh Khu công nghệ cao Hòa Lạc"
        )
        self.venue.save()
        pdf = venue_poster_pdf(self.venue)
        (text,) = pdf_text(pdf)
        assert "Công ty Trách nhiệm hữu hạn Một thành viên" in text
        (page,) = render_pages(pdf)
        result = decode_qr(page)
        assert result.text == checkin_url(self.venue.qr_code)
        left, _top, right, _bottom = qr_box_pixels(result)
        assert (right - left) * MM_PER_PIXEL >= 150

    def test_commune_batch_has_one_entrance_page_per_venue(self) -> None:
        market = Venue.objects.create(
            code="TT-00043",
            name="Chợ Thạch Hòa",
            kind="market",
            commune=self.commune,
            address="Thôn 3",
            phone="1",
        )
        school = Venue.objects.create(
            code="TT-00044",
            name="Trường Tiểu học Thạch Hòa",
            kind="school",
            commune=self.commune,
            address="Thôn 5",
            phone="1",
        )
        venues = Venue.objects.filter(commune=self.commune).select_related("commune").order_by("code")
        pdf = commune_posters_pdf(venues)
        texts = pdf_text(pdf)
        assert len(texts) == 3
        assert NAME in texts[0] and "Chợ Thạch Hòa" in texts[1] and "Trường Tiểu học Thạch Hòa" in texts[2]
        assert "TT-00044" in texts[2]
        decoded = [decode_qr(page).text for page in render_pages(pdf)]
        assert decoded == [checkin_url(v.qr_code) for v in (self.venue, market, school)]

    def test_empty_batch_is_refused(self) -> None:
        with pytest.raises(ValueError, match="No venue"):
            commune_posters_pdf(Venue.objects.none())


class QrImageTests(TestCase):
    url = "http://127.0.0.1:8000/v/abcdefghjk"

    @override_settings(SITE_URL="https://ravao.example.gov.vn")
    def test_checkin_url_uses_site_url(self) -> None:
        assert checkin_url("abc234") == "https://ravao.example.gov.vn/v/abc234"

    def test_png_is_a_decodable_image_with_quiet_zone(self) -> None:
        data = qr_png(self.url, scale=5)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            result = decode_qr(image.convert("L"))
            assert result.text == self.url
            assert image.size == ((symbol_modules(result) + 2 * QUIET_ZONE) * 5,) * 2
            assert result.ec_level in {"M", "Q", "H"}

    def test_svg_is_an_svg_document(self) -> None:
        data = qr_svg(self.url)
        root = ElementTree.fromstring(data)  # noqa: S314 -- our own output, not untrusted XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<path" in data
