"""Printable A4 posters with the check-in QR code of a venue's entrance and of its areas (journey J1).

Hanoi required the code to be at least 15 by 15 cm so that it scans from a queue a few metres away; we draw
16 cm of vector squares (sharp at any printer resolution) and keep the 4-module quiet zone free of ink.
"""

import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import cast

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, PathPaintRule, XPos, YPos

from ravao.lib.qr import QUIET_ZONE, checkin_url, make_qr
from ravao.lib.text import nfc
from ravao.places.models import Area, Venue

# Poster wording is fixed and bilingual (Vietnamese first) whatever the manager's interface language: the
# poster hangs at a gate for every visitor. Kept together here so a translator pass can find it.
TEXT: dict[str, str] = {
    "title_vi": "KHAI BÁO Y TẾ · KIỂM SOÁT RA VÀO",
    "title_en": "Health declaration · Entry and exit check-in",
    "checkin_vi": "Quét mã QR bằng camera điện thoại để khai báo y tế và ghi nhận ra vào",
    "checkin_en": "Scan with your phone camera to declare your health and check in",
    "checkout_vi": "Khi ra về, quét lại mã để ghi nhận ra",
    "checkout_en": "When you leave, scan again to check out",
    "url_label": "Không quét được? Nhập địa chỉ / Can't scan? Type:",
    "venue_code": "Mã địa điểm / Venue code",
    "printed": "In ngày / Printed",
    "area_separator": " — ",
}

PAGE_WIDTH = 210.0  # A4, millimetres
PAGE_HEIGHT = 297.0
MARGIN = 15.0
QR_SIZE = 160.0  # the symbol itself, quiet zone excluded: above Hanoi's 15 cm minimum

HEADER_HEIGHT = 18.0
HEADER_COLOUR = (15, 76, 129)  # a sober dark blue; reads as "official" and photocopies well in grey
INK = (0, 0, 0)
MUTED = (90, 90, 90)

# The bottom stack (URL, instructions, footer) is laid out upwards from here, the QR above it, the venue
# name in whatever space is left under the header.
FOOTER_TOP = 286.0
INSTRUCTIONS_TOP = 259.0
URL_TOP = 250.0

NAME_MAX_PT = 30
NAME_MIN_PT = 14
ADDRESS_MAX_PT = 12
ADDRESS_MIN_PT = 8
PT = 25.4 / 72  # millimetres per point
LINE_SPACING = 1.2

FONT = "Roboto"


@dataclass(frozen=True)
class PosterPage:
    """What one page shows; the entrance and area pages differ only in these values."""

    title: str
    address: str
    qr_code: str
    venue_code: str


@dataclass(frozen=True)
class QrPlacement:
    """Where the symbol was drawn, in millimetres from the top-left corner of the page."""

    x: float
    y: float
    size: float
    module: float


def venue_poster_pdf(
    venue: Venue, *, areas: Iterable[Area] | None = None, include_entrance: bool = True
) -> bytes:
    """The venue's entrance poster, then one poster per area given (each with the area's own code)."""
    pages = [_entrance_page(venue)] if include_entrance else []
    for area in areas or ():
        if area.venue_id != venue.pk:
            raise ValueError(f"Area {area.pk} does not belong to venue {venue.pk}.")
        pages.append(
            PosterPage(
                title=nfc(venue.name) + TEXT["area_separator"] + nfc(area.name),
                address=_address(venue),
                qr_code=area.qr_code,
                venue_code=venue.code,
            )
        )
    if not pages:
        raise ValueError("No poster page to print.")
    return _render(pages, title=nfc(venue.name))


def commune_posters_pdf(venues: Iterable[Venue]) -> bytes:
    """One entrance poster per venue in a single file, for a commune office to print in one go.

    Pass a queryset with `select_related("commune")` to avoid a query per page. Raises ValueError when
    there is no venue: an empty PDF would print nothing and look like a bug."""
    pages = [_entrance_page(venue) for venue in venues]
    if not pages:
        raise ValueError("No venue to print a poster for.")
    return _render(pages, title="Posters")


def _entrance_page(venue: Venue) -> PosterPage:
    return PosterPage(
        title=nfc(venue.name), address=_address(venue), qr_code=venue.qr_code, venue_code=venue.code
    )


def _address(venue: Venue) -> str:
    """The street address, plus the commune when the manager did not type it (visitors come from afar)."""
    address = nfc(venue.address)
    commune = venue.commune
    commune_name = _unit_title(commune.unit_type, commune.name) if commune else ""
    if commune and nfc(commune.name).casefold() not in address.casefold():
        address = f"{address}, {commune_name}" if address else commune_name
    return address


def _unit_title(unit_type: str, name: str) -> str:
    """ "Xã Hạ Bằng" from ("Xã", "Hạ Bằng") and from ("Xã", "Xã Hạ Bằng") alike: the official list names
    most units with their type already, and a poster must not print "Xã Xã Hạ Bằng" (issue 12, finding 7)."""
    unit_type, name = nfc(unit_type).strip(), nfc(name).strip()
    if not unit_type or name.casefold().startswith(f"{unit_type.casefold()} "):
        return name
    return f"{unit_type} {name}"


def _render(pages: list[PosterPage], *, title: str) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)  # the layout is computed; never let fpdf spill onto a new page
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(title)
    pdf.set_creator("ravao")
    pdf.set_lang("vi")
    fonts = importlib.resources.files("font_roboto") / "files"
    # Roboto ships precomposed Vietnamese glyphs (ạ, ế, ữ…), which is why the text is NFC-normalised.
    with (
        importlib.resources.as_file(fonts / "Roboto-Regular.ttf") as regular,
        importlib.resources.as_file(fonts / "Roboto-Bold.ttf") as bold,
    ):
        pdf.add_font(FONT, "", str(regular))
        pdf.add_font(FONT, "B", str(bold))
    printed = timezone.localdate()
    for page in pages:
        draw_page(pdf, page, printed=printed)
    return bytes(pdf.output())


def draw_page(pdf: FPDF, page: PosterPage, *, printed: date) -> QrPlacement:
    """Add one poster page; returns where the QR went (the tests check its size against Hanoi's rule)."""
    pdf.add_page()
    _draw_header(pdf)

    qr = make_qr(checkin_url(page.qr_code))
    modules = qr.symbol_size(border=0)[0]
    module = QR_SIZE / modules
    quiet = QUIET_ZONE * module
    qr_y = URL_TOP - quiet - QR_SIZE
    placement = QrPlacement(x=(PAGE_WIDTH - QR_SIZE) / 2, y=qr_y, size=QR_SIZE, module=module)

    _draw_name_block(pdf, page, top=HEADER_HEIGHT + 4, bottom=qr_y - quiet)
    _draw_matrix(pdf, qr.matrix, placement)
    _draw_url(pdf, checkin_url(page.qr_code))
    _draw_instructions(pdf)
    _draw_footer(pdf, page, printed)
    return placement


def _draw_header(pdf: FPDF) -> None:
    pdf.set_fill_color(*HEADER_COLOUR)
    pdf.rect(0, 0, PAGE_WIDTH, HEADER_HEIGHT, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(MARGIN, 3.5)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 7, TEXT["title_vi"], align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10.5)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 5, TEXT["title_en"], align=Align.C)


def _fit(
    pdf: FPDF, text: str, style: str, max_pt: float, min_pt: float, max_height: float
) -> tuple[float, list[str]]:
    """The largest font size (down to `min_pt`) at which `text` wraps into `max_height`.

    Long Vietnamese company names ("Công ty Trách nhiệm hữu hạn …") are common; at the smallest size the
    text is cut with an ellipsis rather than pushed into the QR's quiet zone."""
    width = PAGE_WIDTH - 2 * MARGIN
    size = max_pt
    while True:
        pdf.set_font(FONT, style, size)
        line_height = size * PT * LINE_SPACING
        lines = cast(
            list[str],
            pdf.multi_cell(width, line_height, text, dry_run=True, output=MethodReturnValue.LINES),
        )
        if len(lines) * line_height <= max_height:
            return size, lines
        if size <= min_pt:
            keep = max(1, int(max_height // line_height))
            lines = lines[:keep]
            lines[-1] = lines[-1].rstrip(" ,.-") + "…"
            return size, lines
        size -= 1


def _draw_name_block(pdf: FPDF, page: PosterPage, *, top: float, bottom: float) -> None:
    """Venue name (big, bold) and address, centred vertically in the band between header and QR."""
    available = bottom - top
    gap = 2.0
    address_pt, address_lines = _fit(pdf, page.address, "", ADDRESS_MAX_PT, ADDRESS_MIN_PT, available * 0.3)
    address_height = len(address_lines) * address_pt * PT * LINE_SPACING if page.address else 0.0
    name_pt, name_lines = _fit(
        pdf, page.title, "B", NAME_MAX_PT, NAME_MIN_PT, available - address_height - gap
    )
    name_height = len(name_lines) * name_pt * PT * LINE_SPACING
    y = top + (available - name_height - gap - address_height) / 2
    width = PAGE_WIDTH - 2 * MARGIN

    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", name_pt)
    for line in name_lines:
        pdf.set_xy(MARGIN, y)
        pdf.cell(width, name_pt * PT * LINE_SPACING, line, align=Align.C)
        y += name_pt * PT * LINE_SPACING
    if page.address:
        y += gap
        pdf.set_text_color(*MUTED)
        pdf.set_font(FONT, "", address_pt)
        for line in address_lines:
            pdf.set_xy(MARGIN, y)
            pdf.cell(width, address_pt * PT * LINE_SPACING, line, align=Align.C)
            y += address_pt * PT * LINE_SPACING


def _draw_matrix(pdf: FPDF, matrix: Iterable[Iterable[int]], at: QrPlacement) -> None:
    """Dark modules as one filled vector path: one path (not one rectangle per module) leaves no hairline
    seams between neighbouring squares in PDF viewers, and a row's dark run is one rectangle."""
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for row_index, row in enumerate(matrix):
            y = at.y + row_index * at.module
            run_start: int | None = None
            cells = [*row, 0]  # a light sentinel closes a run that reaches the right edge
            for col_index, dark in enumerate(cells):
                if dark and run_start is None:
                    run_start = col_index
                elif not dark and run_start is not None:
                    path.rectangle(
                        at.x + run_start * at.module, y, (col_index - run_start) * at.module, at.module
                    )
                    run_start = None


def _draw_url(pdf: FPDF, url: str) -> None:
    """The URL in text, for a phone whose camera does not read QR codes."""
    width = PAGE_WIDTH - 2 * MARGIN
    pdf.set_xy(MARGIN, URL_TOP)
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "", 9)
    label_width = pdf.get_string_width(TEXT["url_label"] + " ")
    pdf.set_font(FONT, "B", 13)
    url_width = pdf.get_string_width(url)
    # Label and URL on one line, centred together; the URL alone on the line when they do not fit.
    if label_width + url_width <= width:
        pdf.set_x((PAGE_WIDTH - label_width - url_width) / 2)
        pdf.set_font(FONT, "", 9)
        pdf.cell(label_width, 7, TEXT["url_label"] + " ")
        pdf.set_font(FONT, "B", 13)
        pdf.set_text_color(*INK)
        pdf.cell(url_width, 7, url)
    else:
        pdf.set_text_color(*INK)
        pdf.cell(width, 7, url, align=Align.C)


def _draw_instructions(pdf: FPDF) -> None:
    """Two numbered steps, each in Vietnamese then in English."""
    y = INSTRUCTIONS_TOP
    for number, key in ((1, "checkin"), (2, "checkout")):
        pdf.set_fill_color(*HEADER_COLOUR)
        pdf.ellipse(MARGIN + 8, y + 0.8, 8, 8, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(FONT, "B", 12)
        pdf.set_xy(MARGIN + 8, y + 0.8)
        pdf.cell(8, 8, str(number), align=Align.C)
        pdf.set_xy(MARGIN + 20, y)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "B", 11.5)
        pdf.cell(0, 5.5, TEXT[f"{key}_vi"], new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*MUTED)
        pdf.set_font(FONT, "", 10)
        pdf.cell(0, 5, TEXT[f"{key}_en"])
        y += 13


def _draw_footer(pdf: FPDF, page: PosterPage, printed: date) -> None:
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, FOOTER_TOP, PAGE_WIDTH - MARGIN, FOOTER_TOP)
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "", 8)
    pdf.set_xy(MARGIN, FOOTER_TOP + 1.5)
    pdf.cell(
        PAGE_WIDTH - 2 * MARGIN,
        4,
        f"{TEXT['venue_code']}: {page.venue_code}    ·    {TEXT['printed']}: {printed:%d/%m/%Y}",
        align=Align.C,
    )
