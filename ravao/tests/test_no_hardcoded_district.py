"""No text assumes a district (issue 14, item 1). Since 1 July 2025 Vietnam has no district level: a
province deploys on provinces and communes/wards. Only the names of roles held over a district unit (the
2021 map) and the level's own name may say "district"/"huyện"; everything else is level-neutral or names
the unit (`accounts.selectors.role_label`, `office_name`). When a hard-coded district comes back in a
template, a gettext string or the Vietnamese catalogue, this test names it."""

import re
from pathlib import Path

from django.test import SimpleTestCase

from ravao.tests.test_i18n import EN_PO, VI_PO, messages

# The msgids that may name a district: the level itself, the labels of `role_label` for a district unit,
# and the page that moves a 2021 deployment (which had districts) to the 2025 map.
ALLOWED = {
    "District",
    "District administrator",
    "District official",
    "District health officer",
    "These communes were split between several new wards, or were districts, which the 2025 map no longer "
    "has. Nothing here was guessed: each line keeps its old unit until you choose. The suggestion is the "
    "data package's default ward.",
}
# Templates about moving off the 2021 map may name its districts.
TEMPLATES_ABOUT_THE_2021_MAP = {"places/unit_decisions.html"}
RAVAO = Path(__file__).resolve().parents[1]


class NoHardcodedDistrictTests(SimpleTestCase):
    def test_the_vietnamese_catalogue_says_huyen_only_in_role_labels(self) -> None:
        """Issue 14, finding 1: "Theo chỉ đạo của huyện…", "quản trị viên cấp huyện" in texts for everyone."""
        offending = [
            e.name
            for e in messages(VI_PO)
            if e.msgid not in ALLOWED and any("huyện" in text.lower() for text in e.msgstr.values())
        ]
        self.assertEqual(offending, [])

    def test_no_english_msgid_assumes_a_district(self) -> None:
        offending = [
            e.name for e in messages(EN_PO) if e.msgid not in ALLOWED and re.search(r"(?i)district", e.msgid)
        ]
        self.assertEqual(offending, [])

    def test_no_template_names_a_district(self) -> None:
        """Templates test roles by their keys (`"district_admin" in user_roles`); no visible word may say
        district."""
        offending = []
        for template in sorted(RAVAO.glob("**/templates/**/*.html")):
            path = template.as_posix()
            if any(path.endswith("templates/" + name) for name in TEMPLATES_ABOUT_THE_2021_MAP):
                continue
            text = template.read_text(encoding="utf-8").replace("district_admin", "")
            for number, line in enumerate(text.splitlines(), start=1):
                if re.search(r"(?i)district|huyện", line):
                    offending.append(f"{template.relative_to(RAVAO)}:{number}")
        self.assertEqual(offending, [])
