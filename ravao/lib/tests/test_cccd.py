"""Tests for the CCCD QR parser: real-shaped strings for each shape, each error and warning, properties."""

import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ravao.lib import cccd
from ravao.lib.cccd import CccdError, CccdResult, looks_like_cccd, parse_cccd

TODAY = date(2025, 6, 1)
EXAMPLE = "001092012345|012345678|Nguyễn Văn An|15031992|Nam|Thôn 3, Hạ Bằng, Thạch Thất, Hà Nội|10052021"
ADDRESS = "Thôn 3, Hạ Bằng, Thạch Thất, Hà Nội"


def ok(raw: str) -> CccdResult:
    result = parse_cccd(raw, today=TODAY)
    assert isinstance(result, CccdResult), result
    assert result.ok is True
    return result


def err(raw: str) -> CccdError:
    result = parse_cccd(raw, today=TODAY)
    assert isinstance(result, CccdError), result
    assert result.ok is False
    return result


# --- the three shapes --------------------------------------------------------------------------------


def test_brief_example_seven_fields() -> None:
    r = ok(EXAMPLE)
    assert r.id_number == "001092012345"
    assert r.old_id_number == "012345678"
    assert r.full_name == "Nguyễn Văn An"
    assert r.date_of_birth == date(1992, 3, 15)
    assert r.sex == "male"
    assert r.address == ADDRESS
    assert r.issue_date == date(2021, 5, 10)
    assert r.warnings == ()
    assert r.field_count == 7
    assert r.extra_fields == ()


def test_female_born_2001() -> None:
    r = ok("079301004567||Trần Thị Bích Ngọc|02092001|Nữ|12 Nguyễn Huệ, Bến Nghé, Quận 1, TP. HCM|20042021")
    assert r.sex == "female"
    assert r.date_of_birth == date(2001, 9, 2)
    assert r.old_id_number is None
    assert r.warnings == ()


def test_old_id_of_twelve_digits() -> None:
    assert ok("001092012345|001092012345|Nguyễn Văn An|15031992|Nam|Hà Nội|10052021").old_id_number == (
        "001092012345"
    )


def test_eleven_field_card_since_july_2024() -> None:
    r = ok("036095000123|163123456|Phạm Văn Bình|07071995|Nam|Xã Hải Hậu, Nam Định|15082024||||")
    assert r.field_count == 11
    assert r.extra_fields == ("", "", "", "")
    assert r.full_name == "Phạm Văn Bình"
    assert r.issue_date == date(2024, 8, 15)
    assert r.warnings == ()


def test_eleven_field_card_keeps_non_empty_extras() -> None:
    r = ok("036095000123|163123456|Phạm Văn Bình|07071995|Nam|Nam Định|15082024|x|| Phạm Văn Cha |Lê Thị Mẹ")
    assert r.extra_fields == ("x", "", "Phạm Văn Cha", "Lê Thị Mẹ")


def test_eleven_field_card_with_trailing_pipe() -> None:
    r = ok("036095000123|163123456|Phạm Văn Bình|07071995|Nam|Nam Định|15082024|||||")
    assert r.field_count == 11


def test_six_field_form_with_slashed_dates() -> None:
    r = ok("001092012345|Nguyễn Văn An|15/03/1992|Nam|Thôn 3, Hạ Bằng, Thạch Thất, Hà Nội|10/05/2021")
    assert r.field_count == 6
    assert r.old_id_number is None
    assert r.full_name == "Nguyễn Văn An"
    assert r.date_of_birth == date(1992, 3, 15)
    assert r.issue_date == date(2021, 5, 10)
    assert r.address == ADDRESS
    assert r.warnings == ()


def test_six_field_form_with_trailing_pipe_is_not_taken_for_seven() -> None:
    r = ok("001092012345|Nguyễn Văn An|15/03/1992|Nam|Hà Nội|10/05/2021|")
    assert r.field_count == 6
    assert r.full_name == "Nguyễn Văn An"
    assert r.issue_date == date(2021, 5, 10)


def test_seven_field_with_empty_issue_date() -> None:
    r = ok("001092012345|012345678|Nguyễn Văn An|15031992|Nam|Hà Nội|")
    assert r.field_count == 7
    assert r.issue_date is None


# --- what scanners and phones do to the string -------------------------------------------------------


def test_bom_and_crlf() -> None:
    r = ok("\ufeff" + EXAMPLE + "\r\n")
    assert r.id_number == "001092012345"
    assert r.issue_date == date(2021, 5, 10)


def test_crlf_inside_a_burst_split_scan() -> None:
    assert ok(EXAMPLE[:40] + "\r\n" + EXAMPLE[40:]) == ok(EXAMPLE)


def test_nfd_name_becomes_nfc() -> None:
    r = ok(unicodedata.normalize("NFD", EXAMPLE))
    assert r.full_name == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", r.full_name)
    assert r.address == ADDRESS
    assert r.sex == "male"


def test_nfd_female_sex_field() -> None:
    raw = unicodedata.normalize("NFD", "079301004567||Trần Thị Ngọc|02092001|Nữ|TP. Hồ Chí Minh|20042021")
    assert ok(raw).sex == "female"


def test_trailing_pipe() -> None:
    assert ok(EXAMPLE + "|") == ok(EXAMPLE)


def test_spaces_around_fields() -> None:
    raw = "  001092012345 | 012345678 |  Nguyễn   Văn An |15031992 | Nam |" + ADDRESS + "  | 10052021  "
    r = ok(raw)
    assert r.full_name == "Nguyễn Văn An"
    assert r.old_id_number == "012345678"
    assert r.sex == "male"


def test_tab_and_zero_width_characters() -> None:
    r = ok("\u200b" + EXAMPLE.replace("Nguyễn", "Nguyễn\t") + "\t")
    assert r.full_name == "Nguyễn Văn An"


def test_sex_field_case_and_missing_diacritic() -> None:
    assert ok(EXAMPLE.replace("|Nam|", "|NAM|")).sex == "male"
    female = "079301004567||Trần Thị Ngọc|02092001|{}|TP. Hồ Chí Minh|20042021"
    assert ok(female.format("NỮ")).sex == "female"
    assert ok(female.format("Nu")).sex == "female"


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\ufeff\r\n", "\r\n"])
def test_empty(raw: str) -> None:
    assert err(raw).code == cccd.E_EMPTY


@pytest.mark.parametrize(
    "raw",
    [
        "RV1abcdef",
        "001092012345",
        "0912345678",
        "https://example.org/?a=1|2",
        "001092012345|012345678|Nguyễn Văn An|15031992|Nam",
        "001092012345|012345678|Nguyễn Văn An|15031992|Nam|Hà Nội|10052021|x",
        "001092012345|012345678|Nguyễn Văn An|15031992|Nam|Hà Nội|10052021|a|b|c|d|e",
    ],
)
def test_not_cccd(raw: str) -> None:
    assert err(raw).code == cccd.E_NOT_CCCD


@pytest.mark.parametrize("id_number", ["00109201234", "0010920123456", "00109201234A", "", "001-092-012345"])
def test_bad_id_number(id_number: str) -> None:
    e = err(EXAMPLE.replace("001092012345", id_number, 1))
    assert e.code == cccd.E_BAD_ID_NUMBER
    assert e.field == "id_number"


def test_missing_name() -> None:
    assert err(EXAMPLE.replace("Nguyễn Văn An", "  ")).code == cccd.E_MISSING_NAME


@pytest.mark.parametrize("dob", ["30021992", "15131992", "1503199", "", "15-03-92", "ab031992", "00001992"])
def test_bad_date_of_birth(dob: str) -> None:
    e = err(EXAMPLE.replace("15031992", dob))
    assert e.code == cccd.E_BAD_DATE_OF_BIRTH
    assert e.field == "date_of_birth"


@pytest.mark.parametrize("sex", ["", "Khác", "M", "male", "Nử", "Nam Nữ"])
def test_bad_sex(sex: str) -> None:
    assert err(EXAMPLE.replace("|Nam|", f"|{sex}|")).code == cccd.E_BAD_SEX


@pytest.mark.parametrize("issued", ["31042021", "1005202", "10/13/2021"])
def test_bad_issue_date(issued: str) -> None:
    assert err(EXAMPLE.replace("10052021", issued)).code == cccd.E_BAD_ISSUE_DATE


def test_error_messages_are_lazy_translatable_strings() -> None:
    e = err("nonsense|")
    assert str(e.message)
    for message in cccd.MESSAGES.values():
        assert type(message) is not str  # a lazy proxy, rendered in the active language
        assert str(message)


# --- warnings ----------------------------------------------------------------------------------------


def codes(raw: str) -> list[str]:
    return ok(raw).warning_codes


def test_unknown_province_code() -> None:
    for code in ("003", "097", "000", "999"):
        assert codes(EXAMPLE.replace("001092012345", code + "092012345")) == [cccd.W_UNKNOWN_PROVINCE]


def test_all_listed_province_codes_are_known() -> None:
    assert len(cccd.PROVINCE_CODES) == 63
    assert "079" in cccd.PROVINCE_CODES and "005" not in cccd.PROVINCE_CODES


def test_sex_digit_mismatch() -> None:
    # 4th digit 1 = female born 1900s, card says Nam.
    w = ok(EXAMPLE.replace("001092012345", "001192012345")).warnings
    assert [x.code for x in w] == [cccd.W_SEX_DIGIT_MISMATCH]
    assert w[0].field == "id_number"
    assert str(w[0].message)


def test_century_mismatch() -> None:
    # 4th digit 2 = male born 2000s, card says 1992.
    assert codes(EXAMPLE.replace("001092012345", "001292012345")) == [cccd.W_CENTURY_MISMATCH]


def test_century_and_sex_mismatch_together() -> None:
    assert codes(EXAMPLE.replace("001092012345", "001392012345")) == [
        cccd.W_SEX_DIGIT_MISMATCH,
        cccd.W_CENTURY_MISMATCH,
    ]


def test_birth_year_digits_mismatch() -> None:
    assert codes(EXAMPLE.replace("001092012345", "001093012345")) == [cccd.W_BIRTH_YEAR_MISMATCH]


def test_born_in_future_or_before_1900_is_refused() -> None:
    """Issue 9, finding 9: a CCCD birth year in the future was accepted (a warning only)."""
    for raw in (
        "001230012345||Bé Tương Lai|01012030|Nam|Hà Nội|",
        "001890012345||Cụ Cố|31121899|Nam|Hà Nội|",
    ):
        result = cccd.parse_cccd(raw)
        assert not result.ok
        assert result.code == cccd.E_IMPOSSIBLE_DATE_OF_BIRTH
        assert result.field == "date_of_birth"


def test_issued_before_birth() -> None:
    assert codes(EXAMPLE.replace("10052021", "10051990")) == [cccd.W_ISSUED_BEFORE_BIRTH]


def test_issued_in_future() -> None:
    assert codes(EXAMPLE.replace("10052021", "10052026")) == [cccd.W_ISSUED_IN_FUTURE]


def test_bad_old_id_is_dropped_with_a_warning() -> None:
    r = ok(EXAMPLE.replace("012345678", "01234567"))
    assert r.old_id_number is None
    assert r.warning_codes == [cccd.W_BAD_OLD_ID_NUMBER]


def test_missing_address() -> None:
    assert codes(EXAMPLE.replace(ADDRESS, "")) == [cccd.W_MISSING_ADDRESS]


def test_today_defaults_to_local_date() -> None:
    assert isinstance(parse_cccd(EXAMPLE), CccdResult)


# --- looks_like_cccd ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [EXAMPLE, "\ufeff" + EXAMPLE + "\r\n", "001092012345|Nguyễn Văn An|15/03/1992|Nam|Hà Nội|10/05/2021"],
)
def test_looks_like_cccd(raw: str) -> None:
    assert looks_like_cccd(raw)


@pytest.mark.parametrize(
    "raw", ["", "RV1" + "A" * 116, "0912345678", "001092012345", "a|b|c|d|e|f|g", "|||||||", None, 12]
)
def test_does_not_look_like_cccd(raw: object) -> None:
    assert not looks_like_cccd(raw)


# --- properties --------------------------------------------------------------------------------------


@given(st.one_of(st.text(), st.lists(st.text(), max_size=13).map("|".join)))
@settings(max_examples=400)
def test_any_text_gives_a_result_or_a_clean_error(raw: str) -> None:
    result = parse_cccd(raw, today=TODAY)
    assert isinstance(result, CccdResult | CccdError)
    if isinstance(result, CccdError):
        assert result.code in cccd.MESSAGES
    else:
        assert len(result.id_number) == 12
        assert all(w.code in cccd.MESSAGES for w in result.warnings)
    assert isinstance(looks_like_cccd(raw), bool)


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_non_strings_never_raise(raw: object) -> None:
    assert isinstance(parse_cccd(raw), CccdError)
    assert looks_like_cccd(raw) is False


_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
_word = st.text(alphabet=_LETTERS + _LETTERS.upper(), min_size=1, max_size=8)
_names = st.lists(_word, min_size=1, max_size=5).map(" ".join)
_addresses = st.lists(
    st.text(alphabet=_LETTERS + _LETTERS.upper() + "0123456789,./-", min_size=1, max_size=10),
    min_size=1,
    max_size=8,
).map(" ".join)


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    province = draw(st.sampled_from(sorted(cccd.PROVINCE_CODES)))
    dob = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sex = draw(st.sampled_from(["male", "female"]))
    digit = (dob.year // 100 - 19) * 2 + (sex == "female")
    id_number = f"{province}{digit}{dob.year % 100:02d}{draw(st.integers(0, 999_999)):06d}"
    old_id = draw(st.one_of(st.just(""), st.from_regex(r"\A\d{9}\Z"), st.from_regex(r"\A\d{12}\Z")))
    name = draw(_names)
    address = draw(_addresses)
    issued = draw(st.one_of(st.none(), st.dates(min_value=dob, max_value=TODAY)))
    shape = draw(st.sampled_from([6, 7, 11]))
    sex_text = "Nam" if sex == "male" else "Nữ"

    def fmt(d: date | None) -> str:
        if d is None:
            return ""
        return d.strftime("%d/%m/%Y") if shape == 6 else d.strftime("%d%m%Y")

    if shape == 6:
        old_id = ""
        issued = draw(st.dates(min_value=dob, max_value=TODAY))  # the 6-field form always has one
        fields = [id_number, name, fmt(dob), sex_text, address, fmt(issued)]
    else:
        fields = [id_number, old_id, name, fmt(dob), sex_text, address, fmt(issued)]
        if shape == 11:
            fields += ["", "", "", ""]
    # What the way to the server may do to it.
    pad = st.sampled_from(["", " ", "  "])
    raw = "|".join(draw(pad) + f + draw(pad) for f in fields)
    if draw(st.booleans()):
        raw = unicodedata.normalize("NFD", raw)
    prefix = draw(st.sampled_from(["", "\ufeff"]))
    raw = prefix + raw + draw(st.sampled_from(["", "|", "\r\n", "|\r\n", "\n"]))
    expected: dict[str, object] = {
        "id_number": id_number,
        "old_id_number": old_id or None,
        "full_name": name,
        "date_of_birth": dob,
        "sex": sex,
        "address": address,
        "issue_date": issued,
        "field_count": shape,
    }
    return raw, expected


@given(cards())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_valid_generated_card_parses_back(card: tuple[str, dict[str, object]]) -> None:
    raw, expected = card
    result = ok(raw)
    for name, value in expected.items():
        assert getattr(result, name) == value, name
    assert result.warnings == ()
    assert looks_like_cccd(raw)
