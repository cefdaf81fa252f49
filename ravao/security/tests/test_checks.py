import os
from unittest import mock

from django.test import SimpleTestCase, override_settings

from ravao.security.checks import check_hardening

SAFE = {
    "DEBUG": False,
    "SECURE_HSTS_SECONDS": 31536000,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS": True,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "x"}},
}
KEYS = {"RAVAO_DATA_KEYS": "k1:" + "A" * 43, "RAVAO_LOOKUP_KEY": "B" * 43}


def ids() -> list[str]:
    return sorted(str(problem.id) for problem in check_hardening(None))


class HardeningCheckTests(SimpleTestCase):
    def test_a_hardened_production_passes(self):
        with override_settings(**SAFE), mock.patch.dict(os.environ, KEYS):
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
            with (
                self.subTest(expected),
                override_settings(**{**SAFE, **change}),
                mock.patch.dict(os.environ, KEYS),
            ):
                self.assertEqual(ids(), [expected])

    def test_missing_keys(self):
        env = {k: v for k, v in os.environ.items() if k not in KEYS}
        with override_settings(**SAFE), mock.patch.dict(os.environ, env, clear=True):
            self.assertEqual(ids(), ["ravao.W103"])
