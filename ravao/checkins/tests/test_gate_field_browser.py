"""Issue 12 in Chromium: the gate as a guard sees it — status colour and word (finding 1, screenshots of
green, yellow and red in test-artifacts/screens/gate-status-*.png), a gate tab reopened offline (finding 2),
a phone number typed into the scanner field and a refusal that clears the previous person (finding 5).

Run:  .venv/bin/pytest ravao/checkins/tests/test_gate_field_browser.py -q -s
"""

from ravao.checkins.models import CheckIn, GateScan
from ravao.checkins.tests import test_gate_browser as base
from ravao.people.services import Answers, person_set_case_status
from ravao.test import make_person

COLOURS = {"green": "rgb(19, 128, 61)", "yellow": "rgb(212, 160, 0)", "red": "rgb(194, 27, 27)"}


class GateFieldInChromium(base.GateBrowserBase):
    def background(self, page: object) -> str:
        return page.evaluate("() => getComputedStyle(document.getElementById('result')).backgroundColor")  # type: ignore[attr-defined]

    def test_the_result_shows_the_status_colour_and_word(self) -> None:
        """issue 12, finding 1: green, yellow and red fill the result box, with the status word."""
        make_person(name="Trần Thị Bích", phone="0987654321", answers=Answers(fever=True, vaccine_doses=2))
        red = make_person(name="Phạm Văn Cường", phone="0977777777")
        person_set_case_status(person=red, case_status="case")
        page = self.gate(phone=True)
        cases = [("green", "0912345678"), ("yellow", "0987654321"), ("red", "0977777777")]
        for status, phone in cases:
            page.fill("#phone-input", phone)
            page.click("#phone-form button")
            page.wait_for_function(
                "s => document.getElementById('result').classList.contains('status-' + s)", arg=status
            )
            self.wait_outcome(page, base.vi("Entry recorded"))
            self.assertEqual(self.background(page), COLOURS[status], status)
            if status == "yellow":
                self.assertIn("2", page.text_content("#result-doses") or "")
            words = {"green": "Green", "yellow": "Yellow", "red": "Red"}
            self.assertEqual(page.text_content("#result-word"), base.vi(words[status]))
            self.shot(page, f"gate-status-{status}.png")
            self.assert_accessible(page, "the gate result")
        self.assertEqual(page.text_content("#inside-count"), "3")

    def test_a_phone_typed_into_the_scanner_field_and_a_refusal(self) -> None:
        """issue 12, finding 5: a phone number in the scanner field is a look-up; a refusal clears the
        previous person's name; "Online" reads "Đã kết nối"."""
        page = self.gate(phone=False)
        self.assertEqual(page.text_content("#net-state"), "Đã kết nối")
        page.focus("#scan-input")
        page.keyboard.type("0912 345 678\n")
        self.wait_outcome(page, base.vi("Entry recorded"))
        self.assertEqual(page.text_content("#result-name"), "Nguyễn V. A.")
        page.keyboard.type("hello world\n")
        self.wait_outcome(page, base.vi("Not a personal QR code or an ID card (CCCD) QR code. Scan again."))
        self.assertEqual(page.text_content("#result-name"), "")
        self.assertEqual(page.text_content("#result-word"), "")
        self.assertEqual(CheckIn.objects.filter(person=self.visitor).count(), 1)

    def test_a_gate_tab_reopened_offline_still_scans(self) -> None:
        """issue 12, finding 2: reloaded, or closed and opened again, while offline, the gate page comes
        from the service worker, a scan is queued, and it is sent once when the network returns."""
        page = self.gate(phone=True)
        # The first visit: the worker takes control and keeps the page and its files, no reload needed.
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
        cached = (
            "async () => !!(await caches.match(location.pathname, {ignoreVary: true}))"
            " && !!(await caches.match("
            "JSON.parse(document.getElementById('gate-config').textContent).offlineUrls[0]))"
        )
        for _ in range(100):  # the worker stores them in the background
            if page.evaluate(cached):
                break
            page.wait_for_timeout(100)
        self.assertTrue(page.evaluate(cached))
        page.context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-gate-ready]")
        self.assertEqual(page.locator("#scan-input").count(), 1)
        # The tab closed, a new one opened, still offline.
        tab = page.context.new_page()
        page.close()
        page = tab
        page.goto(f"{self.live_server_url}/gate/{self.venue.pk}/")
        page.wait_for_selector("body[data-gate-ready]")
        page.focus("#scan-input")
        page.keyboard.type(self.token() + "\n")
        self.wait_pending(page, "1")
        self.assertIn(base.vi("Personal QR code"), page.text_content("#recent") or "")  # not the word "token"
        self.shot(page, "gate-offline-reopened.png")
        self.assertFalse(CheckIn.objects.exists())
        page.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        self.wait_pending(page, "0")
        self.assertEqual(CheckIn.objects.count(), 1)
        self.assertEqual(GateScan.objects.count(), 1)

    def test_the_device_store_is_pruned_and_its_errors_are_shown(self) -> None:
        """issue 12, finding 3: scans past the retention (sent or not) and synced scans older than a day
        leave the device when the gate opens; a store that cannot be opened shows a banner."""
        page = self.gate(phone=True)
        page.evaluate(
            """venue => new Promise(resolve => {
                 const req = indexedDB.open('ravao-gate');
                 req.onsuccess = () => {
                   const tx = req.result.transaction('scans', 'readwrite');
                   const store = tx.objectStore('scans');
                   const ago = days => new Date(Date.now() - days * 86400000).toISOString();
                   const row = (id, days, state) => ({client_id: id, venue: venue, kind: 'token', payload: '',
                     direction: 'in', area: null, scanned_at: ago(days), state: state, local: {},
                     result: state === 'done' ? {person: {name: 'Old P.'}, message: 'x'} : undefined});
                   store.put(row('old-done', 40, 'done'));
                   store.put(row('old-pending', 40, 'pending'));
                   store.put(row('day-old-done', 2, 'done'));
                   store.put(row('young-pending', 2, 'pending'));
                   tx.oncomplete = () => { req.result.close(); resolve(); };
                 };
               })""",
            self.venue.pk,
        )
        page.reload()
        page.wait_for_selector("body[data-gate-ready]")
        left = page.evaluate(
            """() => new Promise(resolve => {
                 const req = indexedDB.open('ravao-gate');
                 req.onsuccess = () => {
                   const all = req.result.transaction('scans').objectStore('scans').getAllKeys();
                   all.onsuccess = () => resolve(all.result);
                 };
               })"""
        )
        self.assertEqual(left, ["young-pending"])  # pruning runs before the queue is sent

        # A browser whose storage is blocked: the banner says so instead of scans vanishing.
        broken = page.context.new_page()
        broken.add_init_script(
            "indexedDB.open = function () { const r = {}; setTimeout(() => { r.error = new Error('blocked');"
            " r.onerror && r.onerror(); }, 0); return r; };"
        )
        broken.goto(f"{self.live_server_url}/gate/{self.venue.pk}/")
        broken.wait_for_selector("#gate-error:not([hidden])")
        self.assertIn("bộ nhớ", broken.text_content("#gate-error") or "")
