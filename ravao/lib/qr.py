"""QR codes of venue and area posters.

A poster's code encodes a plain URL so that any phone camera opens the check-in page without an app.
"""

import io

import segno
from django.conf import settings

# "M" recovers ~15 % damage (a scratched or dirty poster at a factory gate); boost_error raises it further
# when the data fits in the same symbol version, so a bigger level never costs a bigger, denser code.
ERROR_LEVEL = "m"
# The quiet zone ISO/IEC 18004 requires; less makes cheap phone cameras miss the finder patterns.
QUIET_ZONE = 4


def checkin_url(code: str) -> str:
    """The URL a poster's QR code carries: the check-in page of the venue or area with this code."""
    return f"{settings.SITE_URL}/v/{code}"


def make_qr(data: str) -> segno.QRCode:
    """The symbol drawn on posters and served as PNG/SVG, so all of them encode the same thing."""
    return segno.make_qr(data, error=ERROR_LEVEL, boost_error=True)


def qr_png(data: str, *, scale: int = 10) -> bytes:
    """A black-on-white PNG, `scale` pixels per module, with the standard quiet zone."""
    buffer = io.BytesIO()
    make_qr(data).save(buffer, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    """A scalable SVG (for print shops and web pages), with the standard quiet zone."""
    buffer = io.BytesIO()
    make_qr(data).save(buffer, kind="svg", border=QUIET_ZONE, dark="#000", light="#fff", xmldecl=True)
    return buffer.getvalue()


def qr_svg_inline(data: str) -> str:
    """An SVG element for an HTML page, sized by its CSS (issue 12, finding 4): a `viewBox` and no fixed
    width or height, so shrinking it to a 34 mm card scales the whole symbol; a fixed size cropped it.
    The quiet zone is drawn white, so the code also scans on a coloured or dark background."""
    return str(make_qr(data).svg_inline(border=QUIET_ZONE, omitsize=True, dark="#000", light="#fff"))
