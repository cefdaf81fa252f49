"""Text normalisation for Vietnamese: NFC storage, diacritic-free folding for search, and name masking."""

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


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V. A.': the family name, then initials (enough to greet, not to identify)."""
    words = nfc(full_name).split()
    if len(words) <= 1:
        return words[0][:1] + "." if words else ""
    return " ".join([words[0], *(w[:1].upper() + "." for w in words[1:])])
