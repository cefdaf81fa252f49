"""Vietnamese identity document numbers as typed in a form (the CCCD QR parser lives in lib.cccd)."""

import re

_CCCD = re.compile(r"^\d{12}$")
_CMND = re.compile(r"^\d{9}$")
_PASSPORT = re.compile(r"^[A-Z]\d{7,8}$")


def normalise_id_number(raw: str) -> str | None:
    """Return the number in canonical form (digits, or upper-case passport), or None when malformed."""
    value = re.sub(r"[\s.\-]", "", raw or "").upper()
    if _CCCD.match(value) or _CMND.match(value) or _PASSPORT.match(value):
        return value
    return None


def mask_id_number(value: str) -> str:
    return "•" * max(len(value) - 4, 0) + value[-4:]
