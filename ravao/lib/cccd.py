"""Parser for the QR code printed on Vietnamese chip ID cards (CCCD, "căn cước công dân").

The QR is plain UTF-8, ``|``-separated and **unsigned**. It reaches us through a phone camera library or
a hardware "keyboard wedge" scanner typing into the gate page, so the raw string may carry a BOM, CR/LF,
stray spaces, Vietnamese in NFD, or a trailing ``|``. Three shapes exist in the field::

    7 fields   ID|old ID|full name|DOB ddmmyyyy|Nam/Nữ|address|issue date ddmmyyyy
    11 fields  the same + 4 fields added on cards issued since July 2024 (usually empty)
    6 fields   ID|full name|DOB dd/mm/yyyy|Nam/Nữ|address|issue date dd/mm/yyyy   (some reader apps)

Design
------
* ``parse_cccd`` **never raises**: a gate must show "try again" rather than a 500, whatever a scanner typed.
  It returns either a :class:`CccdResult` or a :class:`CccdError` (both have an ``ok`` flag).
* **Errors vs warnings.** What is certainly wrong makes the scan unusable and is an *error*: an ID that is
  not 12 digits, a date that is not a real date, a sex field that is neither Nam nor Nữ, a missing name, a
  string that is not shaped like a CCCD QR at all, an impossible date of birth (in the future, or before
  1900: no card holder alive; issue 9). What can be checked only against conventions we cannot
  be sure of is a *warning*: an unknown province code (codes were reorganised in 2025 and foreign-born
  citizens get special codes), a century/sex digit or birth-year digits that disagree with the printed data
  (data-entry errors on real cards exist), an issue date before birth. Gate staff
  see the warning and decide; refusing a real person at the door because of a registry typo would be worse.
* Every problem has a stable machine ``code`` (for the API, logs, tests and the offline gate) and an
  English human ``message`` wrapped in ``gettext_lazy`` so that it renders in the user's language (the
  Vietnamese translation is added in the catalogue).
* The card is not signed, so nothing here proves identity: the result is what the card *says*.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ravao.lib.text import nfc

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Sex = Literal["male", "female"]

# Province-of-birth codes, the first three digits of a 12-digit CCCD number: the General Statistics Office
# province codes in force before the July 2025 merger (Decision 124/2004/QĐ-TTg, as used by Circular
# 07/2016/TT-BCA and later 59/2021/TT-BCA on personal identification numbers). The gaps (003, 005, 007, ...)
# are part of the official list (numbers never assigned, or retired by earlier mergers), not typos here.
# Kept as data in this module because it is small, frozen in history, and cards keep these codes for life.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
        "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
        "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
        "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
        "089", "091", "092", "093", "094", "095", "096",
    }
)  # fmt: skip

# Stable machine codes. Tests, the API and the gate's JavaScript rely on these strings: never rename one.
E_EMPTY = "empty"
E_NOT_CCCD = "not_cccd"
E_BAD_ID_NUMBER = "bad_id_number"
E_MISSING_NAME = "missing_name"
E_BAD_DATE_OF_BIRTH = "bad_date_of_birth"
E_BAD_SEX = "bad_sex"
E_BAD_ISSUE_DATE = "bad_issue_date"
E_IMPOSSIBLE_DATE_OF_BIRTH = "impossible_date_of_birth"

W_UNKNOWN_PROVINCE = "unknown_province"
W_SEX_DIGIT_MISMATCH = "sex_digit_mismatch"
W_CENTURY_MISMATCH = "century_mismatch"
W_BIRTH_YEAR_MISMATCH = "birth_year_mismatch"
W_BORN_IN_FUTURE = "born_in_future"  # no longer emitted: a birth date in the future is now an error
W_ISSUED_BEFORE_BIRTH = "issued_before_birth"
W_ISSUED_IN_FUTURE = "issued_in_future"
W_BAD_OLD_ID_NUMBER = "bad_old_id_number"
W_MISSING_ADDRESS = "missing_address"

# Messages are parameter-free on purpose: formatting a lazy string with % evaluates it immediately, in the
# language active at parse time rather than at display time.
MESSAGES: dict[str, StrOrPromise] = {
    E_EMPTY: _("Nothing was scanned. Scan the QR code on the ID card again."),
    E_NOT_CCCD: _("This is not the QR code of a Vietnamese chip ID card (CCCD)."),
    E_BAD_ID_NUMBER: _("The ID number on the card must have 12 digits."),
    E_MISSING_NAME: _("The card's QR code has no name."),
    E_BAD_DATE_OF_BIRTH: _("The date of birth on the card is not a valid date."),
    E_BAD_SEX: _("The sex on the card must be Nam or Nữ."),
    E_BAD_ISSUE_DATE: _("The issue date on the card is not a valid date."),
    E_IMPOSSIBLE_DATE_OF_BIRTH: _(
        "The date of birth on the card is impossible (in the future or before 1900): check the card."
    ),
    W_UNKNOWN_PROVINCE: _("The first three digits of the ID number are not a known province code."),
    W_SEX_DIGIT_MISMATCH: _("The fourth digit of the ID number does not match the sex on the card."),
    W_CENTURY_MISMATCH: _("The fourth digit of the ID number does not match the century of birth."),
    W_BIRTH_YEAR_MISMATCH: _("Digits 5 and 6 of the ID number do not match the year of birth."),
    W_BORN_IN_FUTURE: _("The date of birth on the card is in the future."),
    W_ISSUED_BEFORE_BIRTH: _("The card's issue date is before the date of birth."),
    W_ISSUED_IN_FUTURE: _("The card's issue date is in the future."),
    W_BAD_OLD_ID_NUMBER: _("The old ID number on the card is not 9 or 12 digits; it was ignored."),
    W_MISSING_ADDRESS: _("The card's QR code has no address."),
}


@dataclass(frozen=True)
class CccdIssue:
    """One warning: a stable ``code`` for machines and a translatable ``message`` for people."""

    code: str
    message: StrOrPromise
    field: str | None = None


@dataclass(frozen=True)
class CccdResult:
    """What the card says. ``warnings`` lists the cross-checks that failed; the data is still usable."""

    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    sex: Sex
    address: str
    issue_date: date | None
    # A tuple rather than a list so that the frozen dataclass is really immutable.
    warnings: tuple[CccdIssue, ...] = ()
    # The 4 fields added on cards since July 2024, kept verbatim (cleaned) because their meaning varies.
    extra_fields: tuple[str, ...] = ()
    # How many fields the QR had once cleaned: 6, 7 or 11.
    field_count: int = 7

    @property
    def ok(self) -> Literal[True]:
        return True

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]


@dataclass(frozen=True)
class CccdError:
    """The scan cannot be used. ``field`` names the offending field when there is one."""

    code: str
    message: StrOrPromise
    field: str | None = None

    @property
    def ok(self) -> Literal[False]:
        return False


# Characters removed anywhere in the raw string. CR/LF are removed (not turned into spaces) because a
# wedge scanner that splits a scan into bursts may press Enter in the middle of a word. Zero-width
# characters and the BOM are invisible artefacts of copy-paste and scanner firmware.
_INVISIBLE = dict.fromkeys(map(ord, "\r\n\ufeff\u200b\u200c\u200d\u2060"), None)
_DIGITS12 = re.compile(r"\d{12}")
_OLD_ID = re.compile(r"\d{9}|\d{12}")
# ddmmyyyy (7/11-field form) or dd/mm/yyyy (6-field form); either is accepted in any shape, and "-" or "."
# too, because reader apps reformat dates as they please.
_DATE = re.compile(r"(\d{2})([/.\-]?)(\d{2})\2(\d{4})")
_WHITESPACE = re.compile(r"\s+")
# Nobody born before this holds a CCCD (issued since 2016; the oldest living people were born after 1900).
EARLIEST_BIRTH = date(1900, 1, 1)


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw.translate(_INVISIBLE))
    # Other control characters (NUL, TAB typed by a scanner's suffix setting, ...) become spaces and are
    # then trimmed or collapsed with the rest of the whitespace.
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()


def _fields(raw: str) -> list[str]:
    fields = [nfc(part) for part in _clean(raw).split("|")]
    # A trailing "|" (or several, from reader apps padding the new 11-field form) leaves empty fields.
    # Drop them until we reach a known shape; 11 fields are kept even when the extras are empty.
    while len(fields) > 7 and len(fields) != 11 and fields[-1] == "":
        fields.pop()
    return fields


def _sex(value: str) -> Sex | None:
    folded = value.casefold()
    if folded == "nam":
        return "male"
    # "Nu" without the diacritic: some scanners in a non-Unicode keyboard mode drop it.
    if folded in ("nữ", "nu"):
        return "female"
    return None


def _date(value: str) -> date | None:
    match = _DATE.fullmatch(_WHITESPACE.sub("", value))
    if match is None:
        return None
    day, _sep, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _today() -> date:
    # The card is Vietnamese, so "the future" is judged on the server's local calendar, not UTC.
    if settings.configured and settings.USE_TZ:
        return timezone.localdate()
    return date.today()


def _error(code: str, field: str | None = None) -> CccdError:
    return CccdError(code=code, message=MESSAGES[code], field=field)


def _warning(code: str, field: str | None = None) -> CccdIssue:
    return CccdIssue(code=code, message=MESSAGES[code], field=field)


def looks_like_cccd(raw: object) -> bool:
    """Cheap test used by the gate to route a scan: CCCD QR, or a personal token (which has no ``|``)."""
    if not isinstance(raw, str) or "|" not in raw:
        return False
    fields = _fields(raw)
    return len(fields) >= 6 and _DIGITS12.fullmatch(_WHITESPACE.sub("", fields[0])) is not None


def parse_cccd(raw: object, *, today: date | None = None) -> CccdResult | CccdError:
    """Parse what a camera or a scanner delivered. Never raises.

    ``today`` is the reference for the "in the future" checks (default: today in the server's time zone).
    """
    if not isinstance(raw, str):
        return _error(E_EMPTY if raw is None else E_NOT_CCCD)
    if _clean(raw) == "":
        return _error(E_EMPTY)
    if "|" not in raw:
        return _error(E_NOT_CCCD)

    fields = _fields(raw)
    count = len(fields)
    if count == 7 and _sex(fields[3]) is not None and fields[6] == "":
        # "ID|name|DOB|sex|address|issue|": the 6-field form with a trailing "|". In the 7-field form
        # index 3 is the date of birth, never Nam/Nữ, so this cannot swallow a real 7-field card.
        fields, count = fields[:6], 6
    if count == 6:
        id_raw, old_id_raw, name, dob_raw, sex_raw, address, issue_raw = (
            fields[0], "", fields[1], fields[2], fields[3], fields[4], fields[5],
        )  # fmt: skip
        extras: tuple[str, ...] = ()
    elif count in (7, 11):
        id_raw, old_id_raw, name, dob_raw, sex_raw, address, issue_raw = fields[:7]
        extras = tuple(fields[7:])
    else:
        return _error(E_NOT_CCCD)

    # Certain errors first, in field order, so that the message points at the first thing to fix.
    id_number = _WHITESPACE.sub("", id_raw)
    if _DIGITS12.fullmatch(id_number) is None:
        return _error(E_BAD_ID_NUMBER, "id_number")
    if name == "":
        return _error(E_MISSING_NAME, "full_name")
    date_of_birth = _date(dob_raw)
    if date_of_birth is None:
        return _error(E_BAD_DATE_OF_BIRTH, "date_of_birth")
    reference = today if today is not None else _today()
    if not EARLIEST_BIRTH <= date_of_birth <= reference:
        return _error(E_IMPOSSIBLE_DATE_OF_BIRTH, "date_of_birth")
    sex = _sex(sex_raw)
    if sex is None:
        return _error(E_BAD_SEX, "sex")
    issue_date: date | None = None
    if issue_raw != "":
        issue_date = _date(issue_raw)
        if issue_date is None:
            return _error(E_BAD_ISSUE_DATE, "issue_date")

    warnings: list[CccdIssue] = []
    old_id_number: str | None = _WHITESPACE.sub("", old_id_raw) or None
    if old_id_number is not None and _OLD_ID.fullmatch(old_id_number) is None:
        # The old number is informative only (it links records kept under the 9-digit CMND); a garbled one
        # is dropped rather than stored, and the person is not refused because of it.
        warnings.append(_warning(W_BAD_OLD_ID_NUMBER, "old_id_number"))
        old_id_number = None
    if address == "":
        warnings.append(_warning(W_MISSING_ADDRESS, "address"))

    if id_number[:3] not in PROVINCE_CODES:
        warnings.append(_warning(W_UNKNOWN_PROVINCE, "id_number"))
    # 4th digit: even = male, odd = female; 0/1 born 1900s, 2/3 2000s, 4/5 2100s, ... (Circular 07/2016).
    gender_digit = int(id_number[3])
    if ("female" if gender_digit % 2 else "male") != sex:
        warnings.append(_warning(W_SEX_DIGIT_MISMATCH, "id_number"))
    if 1900 + (gender_digit // 2) * 100 != date_of_birth.year // 100 * 100:
        warnings.append(_warning(W_CENTURY_MISMATCH, "id_number"))
    if id_number[4:6] != f"{date_of_birth.year % 100:02d}":
        warnings.append(_warning(W_BIRTH_YEAR_MISMATCH, "id_number"))

    if issue_date is not None:
        if issue_date < date_of_birth:
            warnings.append(_warning(W_ISSUED_BEFORE_BIRTH, "issue_date"))
        if issue_date > reference:
            warnings.append(_warning(W_ISSUED_IN_FUTURE, "issue_date"))

    return CccdResult(
        id_number=id_number,
        old_id_number=old_id_number,
        full_name=name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=address,
        issue_date=issue_date,
        warnings=tuple(warnings),
        extra_fields=extras,
        field_count=count,
    )
