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
    """The one name mask of the gate, the visitor's own card and the inside-now list (staff see the person
    in front of them): 'Nguyễn Văn An' → 'Nguyễn V. A.', the family name, then initials (enough to greet,
    not to identify). One word: its first letter; nothing: "". Words are split on `str.isspace()`
    characters after NFC. gate.js applies the same rule offline (static/ravao/gate-mask.js); a test runs
    both over the same names (checkins/tests/test_mask_rule.py): change them together."""
    words = nfc(full_name).split()
    if len(words) <= 1:
        return words[0][:1] + "." if words else ""
    return " ".join([words[0], *(w[:1].upper() + "." for w in words[1:])])


def name_initials(full_name: str) -> str:
    """The stricter mask of lists read by officers who may not know the person (oversight's admitted
    yellow/red visitors, tracing outside its jurisdiction): 'Nguyễn Văn An' → 'N. V. A.'; nothing: ""."""
    return " ".join(f"{word[:1]}." for word in nfc(full_name).split())
