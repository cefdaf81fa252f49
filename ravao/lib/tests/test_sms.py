"""The SMS senders: the logging sender keeps codes out of production logs; the HTTP sender against a
local gateway (success, HTTP error, timeout)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

from django.test import SimpleTestCase, override_settings

from ravao.lib.sms import HttpSmsSender, LoggingSmsSender, SmsError


class _Gateway(BaseHTTPRequestHandler):
    """A fake SMS gateway: remembers what it received, answers with the status it is told."""

    received: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200
    delay: ClassVar[float] = 0.0

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        _Gateway.received.append({"headers": dict(self.headers), "body": body})
        if _Gateway.delay:
            time.sleep(_Gateway.delay)
        self.send_response(_Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, format: str, *args: Any) -> None:
        return


class HttpSmsSenderTests(SimpleTestCase):
    server: HTTPServer
    thread: threading.Thread

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server = HTTPServer(("127.0.0.1", 0), _Gateway)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self) -> None:
        _Gateway.received, _Gateway.status, _Gateway.delay = [], 200, 0.0

    def sender(self, **kwargs: Any) -> HttpSmsSender:
        url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        return HttpSmsSender(**{"url": url, "api_key": "k-123", "brandname": "RAVAO", "timeout": 2, **kwargs})

    def test_it_posts_json_with_the_key_in_a_header(self) -> None:
        self.sender().send(to="0912345678", text="Mã xác minh: 123456", kind="otp")
        [request] = _Gateway.received
        self.assertEqual(
            request["body"],
            {"to": "84912345678", "from": "RAVAO", "text": "Mã xác minh: 123456", "kind": "otp"},
        )
        self.assertEqual(request["headers"]["Authorization"], "Bearer k-123")
        self.assertEqual(request["headers"]["Content-Type"], "application/json")

    def test_a_custom_key_header(self) -> None:
        self.sender(api_key_header="X-Api-Key").send(to="0912345678", text="x")
        self.assertEqual(_Gateway.received[0]["headers"]["X-Api-Key"], "k-123")

    def test_an_http_error_is_a_clear_exception_with_nothing_personal_logged(self) -> None:
        _Gateway.status = 503
        with self.assertLogs("ravao.sms", "INFO") as logs, self.assertRaises(SmsError) as raised:
            self.sender().send(to="0912345678", text="Mã xác minh: 123456", kind="otp")
        self.assertIn("HTTP 503", str(raised.exception))
        for text in [str(raised.exception), *logs.output]:
            self.assertNotIn("0912345678", text)
            self.assertNotIn("123456", text)

    def test_a_timeout_is_a_clear_exception(self) -> None:
        _Gateway.delay = 1.5
        with self.assertLogs("ravao.sms", "INFO") as logs, self.assertRaises(SmsError) as raised:
            self.sender(timeout=1).send(to="0912345678", text="Mã xác minh: 123456", kind="otp")
        self.assertIn("could not be reached", str(raised.exception))
        self.assertNotIn("123456", "".join(logs.output))
        self.assertNotIn("0912345678", "".join(logs.output))

    def test_an_unreachable_gateway(self) -> None:
        with self.assertRaises(SmsError):
            HttpSmsSender(url="http://127.0.0.1:1/sms", api_key="k", timeout=1).send(
                to="0912345678", text="x"
            )

    def test_plain_http_to_another_host_and_a_missing_key_are_refused(self) -> None:
        with self.assertRaises(SmsError):
            HttpSmsSender(url="http://sms.example.vn/send", api_key="k")
        with self.assertRaises(SmsError):
            HttpSmsSender(url="https://sms.example.vn/send", api_key="")


class LoggingSmsSenderTests(SimpleTestCase):
    def setUp(self) -> None:
        LoggingSmsSender.outbox = []

    @override_settings(DEBUG=False)
    def test_production_logs_hold_no_text_and_no_number(self) -> None:
        with self.assertLogs("ravao.sms", "INFO") as logs:
            LoggingSmsSender().send(to="0912345678", text="Mã xác minh: 654321", kind="otp")
        self.assertNotIn("654321", "".join(logs.output))
        self.assertNotIn("0912345678", "".join(logs.output))
        self.assertIn("otp", "".join(logs.output))
        self.assertEqual(LoggingSmsSender.outbox[-1].text, "Mã xác minh: 654321")

    @override_settings(DEBUG=True)
    def test_debug_logs_the_text_for_the_developer(self) -> None:
        with self.assertLogs("ravao.sms", "INFO") as logs:
            LoggingSmsSender().send(to="0912345678", text="Mã xác minh: 654321", kind="otp")
        self.assertIn("654321", "".join(logs.output))
        self.assertNotIn("0912345678", "".join(logs.output))
