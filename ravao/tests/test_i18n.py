"""The Vietnamese catalogue is complete, well-formed and compiled, and the pages speak both languages.

Vietnamese is the default language; the msgids are English. When someone adds a string and forgets to
update the catalogue, these tests say which one (see CONTRIBUTING: "Translations").
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, TestCase
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
VI_PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po"
VI_MO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"

# %(name)s, %(days)d, %s, %% ... (python-format); blocktranslate variables appear as %(name)s in the .po.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"<[^>]+>")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def name(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(token: str) -> str:
    token = token.strip()
    assert token.startswith('"') and token.endswith('"'), token
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], token[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader (polib is not a dependency): enough for the files makemessages writes."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#~"):
            if entry is None:
                entry = Entry(line=number)
                entries.append(entry)
            entry.obsolete = True
            continue
        if line.startswith("#"):
            if entry is None or entry.msgid or entry.msgstr:
                entry = Entry(line=number)
                entries.append(entry)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        match = keyword.match(line)
        if match:
            name, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if entry is None or (name in ("msgid", "msgctxt") and (entry.msgid or entry.msgstr)):
                entry = Entry(line=number)
                entries.append(entry)
            if name.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                target = (name, 0)
                setattr(entry, name, value)
        elif line.startswith('"') and entry is not None and target is not None:
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += _unquote(line)
            else:
                setattr(entry, target[0], (getattr(entry, target[0]) or "") + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def messages(path: Path) -> list[Entry]:
    return [e for e in parse_po(path) if not e.obsolete and e.msgid != ""]


def header(path: Path) -> dict[str, str]:
    head = next(e for e in parse_po(path) if e.msgid == "" and not e.obsolete)
    pairs = (line.split(":", 1) for line in head.msgstr[0].splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text)) + sorted(BRACES.findall(text)) + sorted(TAG.findall(text))


def translate(entry: Entry, count: int | None) -> str:
    """What Django's gettext returns for this entry in the active language."""
    if entry.msgid_plural is not None and count is not None:
        if entry.msgctxt is not None:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
        return translation.ngettext(entry.msgid, entry.msgid_plural, count)
    if entry.msgctxt is not None:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


class CatalogueTests(SimpleTestCase):
    def test_files_exist(self) -> None:
        for path in (VI_PO, VI_MO, EN_PO, EN_MO):
            self.assertTrue(path.is_file(), f"{path} is missing: run makemessages and compilemessages")

    def test_parser_reads_the_catalogue(self) -> None:
        entries = messages(VI_PO)
        self.assertGreater(len(entries), 100)
        self.assertIn("This QR code is not valid", {e.msgid for e in entries})

    def test_header(self) -> None:
        head = header(VI_PO)
        self.assertEqual(head["Language"], "vi")
        self.assertEqual(head["Content-Type"], "text/plain; charset=UTF-8")
        self.assertEqual(head["Plural-Forms"], "nplurals=1; plural=0;")
        self.assertEqual(header(EN_PO)["Language"], "en")
        vi_header = next(e for e in parse_po(VI_PO) if e.msgid == "")
        self.assertNotIn("fuzzy", vi_header.flags, "the header is fuzzy: msgfmt would drop the charset")

    def test_every_entry_is_translated(self) -> None:
        untranslated = [e.name for e in messages(VI_PO) if not e.msgstr or not all(e.msgstr.values())]
        self.assertEqual(untranslated, [], "untranslated entries in the Vietnamese catalogue")

    def test_no_fuzzy_entries(self) -> None:
        fuzzy = [e.name for e in messages(VI_PO) if "fuzzy" in e.flags]
        self.assertEqual(fuzzy, [], "fuzzy entries are not used by gettext: review and unmark them")

    def test_plural_entries_have_one_form(self) -> None:
        for entry in messages(VI_PO):
            if entry.msgid_plural is not None:
                self.assertEqual(sorted(entry.msgstr), [0], entry.name)

    def test_placeholders_match(self) -> None:
        for entry in messages(VI_PO):
            for index, translated in entry.msgstr.items():
                source = entry.msgid_plural if (index > 0 and entry.msgid_plural) else entry.msgid
                expected = placeholders(source)
                if entry.msgid_plural is not None:
                    # One Vietnamese form serves both English forms: it carries the plural's placeholders.
                    expected = placeholders(entry.msgid_plural)
                self.assertEqual(placeholders(translated), expected, entry.name)

    def test_translations_are_vietnamese(self) -> None:
        """A sentence left in English would pass the other checks; real Vietnamese has diacritics."""
        vietnamese = re.compile(r"[À-ỹĐđ]")
        suspicious = [
            e.name
            for e in messages(VI_PO)
            # Words of letters only: "F0 → F1 → F2" is a sentence of codes, the same in both languages.
            if len(re.findall(r"[A-Za-z]{2,}", e.msgid)) >= 4 and not vietnamese.search(e.msgstr.get(0, ""))
        ]
        self.assertEqual(suspicious, [])

    def test_compiled_catalogue_is_up_to_date(self) -> None:
        """Every entry of the .po translates to its msgstr through Django: the .mo was compiled after it."""
        stale = []
        with translation.override("vi"):
            for entry in messages(VI_PO):
                counts = (1, 5) if entry.msgid_plural is not None else (None,)
                if any(translate(entry, n) != entry.msgstr[0] for n in counts):
                    stale.append(entry.name)
        self.assertEqual(stale, [], "django.mo is older than django.po: run compilemessages")

    def test_english_catalogue_has_the_same_messages(self) -> None:
        vi = {(e.msgctxt, e.msgid) for e in messages(VI_PO)}
        en = {(e.msgctxt, e.msgid) for e in messages(EN_PO)}
        self.assertEqual(en, vi, "run makemessages for both languages (-l vi -l en)")

    def test_key_strings(self) -> None:
        with translation.override("vi"):
            self.assertEqual(
                translation.gettext("Enter a Vietnamese phone number, for example 0912 345 678."),
                "Nhập số điện thoại Việt Nam, ví dụ 0912 345 678.",
            )
            self.assertEqual(translation.gettext("This QR code is not valid"), "Mã QR này không hợp lệ")
            self.assertEqual(translation.gettext("Places I have been"), "Nơi đã đến")
            self.assertEqual(translation.gettext("Fever"), "Sốt")
            self.assertEqual(translation.gettext("Shortness of breath"), "Khó thở")
        with translation.override("en"):
            self.assertEqual(translation.gettext("Places I have been"), "Places I have been")


class PageLanguageTests(TestCase):
    def test_home_is_vietnamese_by_default(self) -> None:
        response = self.client.get("/")
        self.assertContains(response, '<html lang="vi">')
        self.assertContains(response, "<h1>Ra vào an toàn</h1>", html=False)
        self.assertContains(response, "Đăng ký địa điểm")
        self.assertNotContains(response, "Coming and going, safely")

    def test_home_in_english_with_the_language_cookie(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get("/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "<h1>Coming and going, safely</h1>", html=False)
        self.assertNotContains(response, "Ra vào an toàn")

    def test_not_found_page_is_vietnamese(self) -> None:
        response = self.client.get("/nonexistent-page-for-i18n-test/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Không tìm thấy trang", status_code=404)
