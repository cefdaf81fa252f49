"""One name-masking rule for Python and the gate's JavaScript (issue 12, Structure): the same names run
through `ravao.lib.text.mask_name` and through static/ravao/gate-mask.js in node give the same masks."""

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path
from unittest import skipUnless

from django.test import SimpleTestCase

from ravao.lib.text import mask_name, name_initials

MASK_JS = Path(__file__).resolve().parents[2] / "static" / "ravao" / "gate-mask.js"

# Node loads the file as the browser does (a script setting a global), then masks each name of stdin.
RUNNER = """
const fs = require("fs"), vm = require("vm");
const sandbox = {};
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), sandbox);
const names = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(names.map((n) => sandbox.ravaoMaskName(n))));
"""

NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Thị Hoa",
    "Đỗ Văn Cường",
    "đặng thị ánh tuyết",  # lower case: đ → Đ, ánh → Á
    "Nguyễn Thị Minh Khai",
    "Tôn Nữ Thị Ý Nhi",
    "Âu Dương Phong",
    "Ơn",  # one word
    "ưng",  # one word, lower case: left as typed
    "",
    "   ",
    "  trần   thị  bình ",
    "Nguyễn\tVăn\nAn",
    "Nguyễn\u00a0Văn\u3000An",  # no-break and ideographic spaces
    "Nguyễn\u2003Văn\u202fAn\u2028",
    "Nguyễn\x1cVăn\x85An",  # separators Python counts as spaces and JS's \\s does not
    "\ufeffNguyễn Văn An",  # a byte-order mark is not a space, in either
    unicodedata.normalize("NFD", "Nguyễn Văn Ấn"),  # a phone keyboard's decomposed letters
    unicodedata.normalize("NFD", "Ấn"),
    "Nguyễn Ỷ Lan",
    "H'Hen Niê",  # Ê Đê names
    "Ksor Y Phun",
    "Nguyễn 𠀧 An",  # a Nôm character outside the BMP: one code point, not half of a pair
    "Nguyễn Văn A-Lăng",
]


@skipUnless(shutil.which("node"), "node is not installed")
class MaskRuleTests(SimpleTestCase):
    def js_masks(self, names: list[str]) -> list[str]:
        node = shutil.which("node")
        assert node is not None
        done = subprocess.run(  # noqa: S603 -- a fixed script and a file of this repository
            [node, "-e", RUNNER, str(MASK_JS)],
            input=json.dumps(names),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        result: list[str] = json.loads(done.stdout)
        return result

    def test_python_and_javascript_agree(self) -> None:
        python = [mask_name(name) for name in NAMES]
        javascript = self.js_masks(NAMES)
        for name, py, js in zip(NAMES, python, javascript, strict=True):
            with self.subTest(name=name):
                self.assertEqual(py, js)

    def test_the_rule(self) -> None:
        self.assertEqual(mask_name("Nguyễn Văn An"), "Nguyễn V. A.")
        self.assertEqual(mask_name("đặng thị ánh tuyết"), "đặng T. Á. T.")
        self.assertEqual(mask_name("Ơn"), "Ơ.")
        self.assertEqual(mask_name("  "), "")
        self.assertEqual(mask_name("Nguyễn 𠀧 An"), "Nguyễn 𠀧. A.")
        self.assertEqual(mask_name(unicodedata.normalize("NFD", "Ấn Độ")), "Ấn Đ.")

    def test_the_gate_loads_the_rule_before_it_is_used(self) -> None:
        template = (MASK_JS.parents[2] / "templates" / "checkins" / "gate.html").read_text()
        self.assertLess(template.index("ravao/gate-mask.js"), template.index("ravao/gate.js"))
        self.assertIn("window.ravaoMaskName", (MASK_JS.parent / "gate.js").read_text())

    def test_officers_see_initials_only(self) -> None:
        self.assertEqual(name_initials("Nguyễn Văn An"), "N. V. A.")
        self.assertEqual(name_initials(unicodedata.normalize("NFD", "Đỗ Thị Xuân")), "Đ. T. X.")
        self.assertEqual(name_initials(" "), "")
