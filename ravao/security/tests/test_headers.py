import re
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from ravao.people.devices import COOKIE_NAME
from ravao.test import PASSWORD, RavaoTestCase

TEMPLATE_DIRS = [settings.PACKAGE_DIR / "templates", *Path(settings.PACKAGE_DIR).glob("*/templates")]


class SecurityHeaderTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # logins below are rate-limited

    def test_every_page_has_a_strict_csp(self):
        for url in [reverse("home"), reverse("accounts:login"), "/no-such-page/"]:
            with self.subTest(url=url):
                csp = self.client.get(url)["Content-Security-Policy"]
                self.assertIn("script-src 'self'", csp)
                self.assertIn("style-src 'self'", csp)
                self.assertIn("img-src 'self' data:", csp)
                self.assertIn("frame-ancestors 'none'", csp)
                self.assertIn("connect-src 'self'", csp)
                self.assertNotIn("unsafe-inline", csp)

    def test_api_answers_carry_the_headers_too(self):
        response = self.client.get("/api/v1/scan/no-such-code")
        self.assertIn("Content-Security-Policy", response)

    @override_settings(RAVAO_CSP_REPORT_ONLY=True)
    def test_report_only_mode(self):
        response = self.client.get(reverse("home"))
        self.assertNotIn("Content-Security-Policy", response)
        self.assertIn("default-src 'self'", response["Content-Security-Policy-Report-Only"])

    def test_camera_only_on_the_gate(self):
        self.assertIn("camera=()", self.client.get(reverse("home"))["Permissions-Policy"])
        self.assertIn("camera=(self)", self.client.get("/gate/")["Permissions-Policy"])

    def test_classic_headers(self):
        response = self.client.get(reverse("home"))
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["Cross-Origin-Opener-Policy"], "same-origin")

    @override_settings(SECURE_HSTS_SECONDS=31536000)
    def test_hsts_over_https(self):
        response = self.client.get(reverse("home"), secure=True)
        self.assertEqual(response["Strict-Transport-Security"], "max-age=31536000")

    @override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
    def test_cookie_flags(self):
        response = self.client.post(
            reverse("accounts:login"), {"username": "0900000001", "password": PASSWORD}
        )
        session = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertTrue(session["secure"])
        self.assertTrue(session["httponly"])
        self.assertEqual(session["samesite"], "Lax")
        csrf = Client().get(reverse("accounts:login")).cookies[settings.CSRF_COOKIE_NAME]
        self.assertTrue(csrf["secure"])

    def test_no_inline_script_or_style_in_any_template(self):
        # CSP refuses them: a template that needs one would silently break in the browser.
        inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)
        # Template comments may talk about <style>; only what reaches the browser counts.
        comments = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)
        offenders = [
            f"{path.relative_to(settings.PACKAGE_DIR)}: {match.group(0)}"
            for directory in TEMPLATE_DIRS
            for path in Path(directory).rglob("*.html")
            for match in inline.finditer(comments.sub("", path.read_text(encoding="utf-8")))
        ]
        self.assertEqual(offenders, [])


class CsrfTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # logins below are rate-limited

    def test_forms_need_the_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("accounts:login"), {"username": "0900000001", "password": PASSWORD})
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("_auth_user_id", client.session)

    def test_cookie_authenticated_api_needs_the_token(self):
        client = Client(enforce_csrf_checks=True)
        client.cookies[COOKIE_NAME] = self.device_client().cookies[COOKIE_NAME].value
        response = client.post(
            "/api/v1/checkins",
            {"poster_code": self.venue_a.qr_code, "client_id": self.new_client_id()},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 403)
