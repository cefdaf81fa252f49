"""Issue 12, finding 4 in a real browser (Chromium): the printed personal QR card and the family card
scan. The card is rendered for print, photographed (a screenshot of the card, at a printer-like pixel
density) and decoded with zxing-cpp, the decoder of many phone scanner apps.

Run: .venv/bin/pytest ravao/people/tests/test_card_browser.py -q   (images in test-artifacts/screens/)
"""

from typing import Any

from ravao.browsertest import PHONE, SCREENS, TIMEOUT_MS, ChromiumTestCase
from ravao.lib.tokens import verify_token
from ravao.people.devices import COOKIE_NAME
from ravao.people.models import Person
from ravao.people.services import MemberProfile, device_register, household_member_add
from ravao.test import _signed, make_person


class PrintedCardInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.holder = make_person(name="Nguyễn Văn An", phone="0912345678")
        self.device = device_register(person=self.holder, owner=True)
        self.grandma, _created = household_member_add(
            holder=self.holder,
            member=MemberProfile(full_name="Nguyễn Thị Bà", year_of_birth=1940, sex="female"),
        )

    def page(self) -> Any:
        # A printer is far denser than a screen: a scale of 3 (≈ 290 dpi) is closer to paper than 1.
        context = self.browser.new_context(viewport=PHONE, device_scale_factor=3, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies(
            [{"name": COOKIE_NAME, "value": _signed(str(self.device.key)), "url": self.live_server_url}]
        )
        self.addCleanup(context.close)
        page = context.new_page()
        page.emulate_media(media="print")
        return page

    def decode_card(self, path: str, name: str) -> str:
        import zxingcpp
        from PIL import Image

        page = self.page()
        page.goto(f"{self.live_server_url}{path}")
        image = SCREENS / f"card-{name}.png"
        page.locator("#wallet-card").screenshot(path=str(image))
        # Newer zxing-cpp releases (Python 3.13's wheel) may report the one symbol twice: one code, one text.
        texts = {str(result.text) for result in zxingcpp.read_barcodes(Image.open(image))}
        self.assertEqual(len(texts), 1, f"not exactly one QR code decoded from {image}: {len(texts)}")
        return texts.pop()

    def assert_token_of(self, text: str, person: Person) -> None:
        from django.utils import timezone

        result = verify_token(text, now=timezone.now())
        self.assertTrue(result.ok)
        self.assertEqual(result.person_public_id, person.public_id)

    def test_the_printed_personal_card_scans(self) -> None:
        """issue 12, finding 4: the wallet card's QR, as printed, decodes to the holder's token."""
        self.assert_token_of(self.decode_card("/me/card/", "personal"), self.holder)

    def test_the_printed_family_card_scans(self) -> None:
        """issue 12, finding 4: the family member's card, as printed, decodes to the member's token."""
        path = f"/me/family/{self.grandma.public_id}/card/"
        self.assert_token_of(self.decode_card(path, "family"), self.grandma)
