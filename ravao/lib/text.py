"""Text normalisation for Vietnamese: NFC storage and diacritic-free folding for search."""

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def nfc(value: str) -> str:
    """Collapse whitespace and store in NFC: a phone keyboard may send NFD ("Nguyê\u0303n")."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case ASCII form used for name search: "Nguyễn Văn Ân" → "nguyen van an" (đ → d too)."""
    return _SPACES.sub(" ", unidecode(nfc(value)).lower()).strip()
