"""Vietnamese phone numbers: accept the ways people type them, store one canonical form (0xxxxxxxxx)."""

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")


def normalise_phone(raw: str) -> str | None:
    """Return the canonical 10/11-digit form, or None when this is not a Vietnamese phone number."""
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None


def mask_phone(phone: str) -> str:
    """Show only the last three digits: "0912345678" → "•••••••678"."""
    return "•" * max(len(phone) - 3, 0) + phone[-3:]
