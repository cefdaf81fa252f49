from django.test import SimpleTestCase, override_settings

from ravao.security.checks import check_hardening

SAFE = {
    "DEBUG": False,
    "SECURE_HSTS_SECONDS": 31536000,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS": True,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "x"}},
    "RAVAO_DATA_KEYS": "k1:" + "A" * 43,
    "RAVAO_LOOKUP_KEY": "B" * 43,
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "RAVAO_SMS_SENDER": "ravao.lib.sms.HttpSmsSender",
    "RAVAO_QR_SIGNING_KEYS": "q1:" + "C" * 43,
}


def ids() -> list[str]:
    return sorted(str(problem.id) for problem in check_hardening(None))


class HardeningCheckTests(SimpleTestCase):
    def test_a_hardened_production_passes(self):
        with override_settings(**SAFE):
            self.assertEqual(ids(), [])

    def test_debug_is_not_checked(self):
        with override_settings(DEBUG=True, SECURE_HSTS_SECONDS=0):
            self.assertEqual(ids(), [])

    def test_each_weakness_is_reported(self):
        cases = {
            "ravao.W101": {"SECURE_HSTS_SECONDS": 0},
            "ravao.W102": {"SESSION_COOKIE_SECURE": False},
            "ravao.W104": {"RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS": False},
            "ravao.W105": {
                "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
            },
        }
        for expected, change in cases.items():
            with self.subTest(expected), override_settings(**{**SAFE, **change}):
                self.assertEqual(ids(), [expected])

    def test_missing_keys(self):
        for missing in ("RAVAO_DATA_KEYS", "RAVAO_LOOKUP_KEY"):
            with self.subTest(missing), override_settings(**{**SAFE, missing: ""}):
                self.assertEqual(ids(), ["ravao.W103"])

    def test_development_delivery_and_signing_defaults_are_reported(self):
        """Issue 10, item 4: the console e-mail backend, the logging SMS sender and derived QR keys."""
        cases = {
            "ravao.W106": {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "ravao.W107": {"RAVAO_SMS_SENDER": "ravao.lib.sms.LoggingSmsSender"},
            "ravao.W108": {"RAVAO_QR_SIGNING_KEYS": ""},
        }
        for expected, change in cases.items():
            with self.subTest(expected), override_settings(**{**SAFE, **change}):
                self.assertEqual(ids(), [expected])
            with (
                self.subTest(f"{expected} off with debug"),
                override_settings(**{**SAFE, **change, "DEBUG": True}),
            ):
                self.assertEqual(ids(), [])

    def test_the_defaults_of_a_fresh_install_warn(self):
        """Without any delivery or key setting, production reports all three."""
        defaults = {
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "RAVAO_SMS_SENDER": "ravao.lib.sms.LoggingSmsSender",
            "RAVAO_QR_SIGNING_KEYS": "",
        }
        with override_settings(**{**SAFE, **defaults}):
            self.assertEqual(ids(), ["ravao.W106", "ravao.W107", "ravao.W108"])
