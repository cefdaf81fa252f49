"""The shared name mask in Chromium (issue 12, Structure): the gate page's own copy of the rule
(gate-mask.js, as the browser loads it) masks like Python, and an ID card read offline is previewed with it.

Run:  .venv/bin/pytest ravao/checkins/tests/test_mask_rule_browser.py -q -s
"""

from ravao.checkins.models import CheckIn
from ravao.checkins.tests import test_gate_browser as base
from ravao.checkins.tests.test_mask_rule import NAMES
from ravao.lib.text import mask_name

# A card whose holder's name is typed in lower case with a decomposed letter: the device's preview and the
# server's answer must show the same mask.
CARD = "001196012345||đặng thị a\u0301nh Tuyết|02021996|Nữ|Xóm 2, Bình Yên, Thạch Thất|01072021"


class MaskRuleInChromium(base.GateBrowserBase):
    def test_the_page_masks_like_python(self) -> None:
        page = self.gate(phone=False)
        masks = page.evaluate("names => names.map(n => window.ravaoMaskName(n))", NAMES)
        for name, js in zip(NAMES, masks, strict=True):
            with self.subTest(name=name):
                self.assertEqual(js, mask_name(name))

    def test_an_offline_card_preview_and_the_servers_answer_agree(self) -> None:
        page = self.gate(phone=True)
        page.context.set_offline(True)
        page.focus("#scan-input")
        page.keyboard.type(CARD + "\n")
        self.wait_pending(page, "1")
        preview = page.text_content("#result-name")
        self.assertEqual(preview, "đặng T. Á. T.")
        self.shot(page, "mask-offline-preview.png")
        page.context.set_offline(False)
        self.wait_pending(page, "0")
        self.wait_outcome(page, base.vi("Entry recorded"))
        self.assertEqual(page.text_content("#result-name"), preview)
        self.shot(page, "mask-online-answer.png")
        self.assertEqual(CheckIn.objects.count(), 1)
