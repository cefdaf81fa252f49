import socket
from unittest import mock

from django.core.cache import cache, caches
from django.test import RequestFactory, override_settings
from django.urls import reverse

from ravao.security import ratelimit
from ravao.test import PASSWORD, RavaoTestCase

LOW = {"checkin": 3, "api": 3, "login": 3, "lookup": 3}


@override_settings(RAVAO_RATE_LIMITS=LOW, RAVAO_RATE_LIMITS_ENABLED=True)
class RateLimitTests(RavaoTestCase):
    def setUp(self):
        cache.clear()

    def test_public_check_in_posts_are_limited_per_address(self):
        url = reverse("checkins:scan", args=[self.venue_a.qr_code])
        for _ in range(3):
            self.assertNotEqual(self.client.post(url, {"action": "checkin"}).status_code, 429)
        response = self.client.post(url, {"action": "checkin"})
        self.assertEqual(response.status_code, 429)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 60)
        self.assertContains(response, '<html lang="vi">', status_code=429)
        # Reading the poster page is not counted; another address still gets through.
        self.assertEqual(self.client.get(url).status_code, 200)
        other = self.client.post(url, {"action": "checkin"}, REMOTE_ADDR="10.0.0.9")
        self.assertNotEqual(other.status_code, 429)

    def test_the_429_page_speaks_english_when_asked(self):
        url = reverse("checkins:scan", args=[self.venue_a.qr_code])
        for _ in range(4):
            response = self.client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Too many requests", status_code=429)

    def test_api_gets_json(self):
        for _ in range(3):
            self.client.get(f"/api/v1/scan/{self.venue_a.qr_code}")
        response = self.client.get(f"/api/v1/scan/{self.venue_a.qr_code}")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["code"], "rate_limited")
        response = self.client.post("/api/v1/checkins", {}, content_type="application/json")
        self.assertEqual(response.status_code, 429)

    def test_login_posts_are_limited(self):
        for _ in range(3):
            self.client.post(reverse("accounts:login"), {"username": f"09{_:08d}", "password": "x"})
        response = self.client.post(
            reverse("accounts:login"), {"username": "0900000001", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_gate_look_ups_count_per_user(self):
        self.login(self.sam)
        for _ in range(3):
            self.client.get("/gate/lookup")
        self.assertEqual(self.client.get("/gate/lookup").status_code, 429)
        self.login(self.alice)  # same address, another user: own counter
        self.assertNotEqual(self.client.get("/gate/lookup").status_code, 429)

    @override_settings(RAVAO_RATE_LIMITS_ENABLED=False)
    def test_can_be_switched_off(self):
        for _ in range(5):
            response = self.client.get(f"/api/v1/scan/{self.venue_a.qr_code}")
        self.assertEqual(response.status_code, 200)

    def test_a_broken_cache_lets_requests_through(self):
        with (
            mock.patch.object(ratelimit.cache, "add", side_effect=ConnectionError("down")),
            self.assertLogs("ravao.security", "ERROR"),
        ):
            response = self.client.get(f"/api/v1/scan/{self.venue_a.qr_code}")
        self.assertEqual(response.status_code, 200)

    def test_windows_are_fixed(self):
        for _ in range(2):
            self.assertTrue(ratelimit.hit("t", limit=2, window=60, now=120.0)[0])
        allowed, retry_after = ratelimit.hit("t", limit=2, window=60, now=150.0)
        self.assertEqual((allowed, retry_after), (False, 30))
        self.assertTrue(ratelimit.hit("t", limit=2, window=60, now=180.0)[0])


class ClientAddressTests(RavaoTestCase):
    def request(self, **meta):
        return RequestFactory().get("/", **meta)

    def test_remote_addr_by_default(self):
        request = self.request(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
        self.assertEqual(ratelimit.client_ip(request), "203.0.113.5")

    @override_settings(RAVAO_PROXY_COUNT=1)
    def test_behind_one_proxy_the_last_forwarded_entry(self):
        request = self.request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
        self.assertEqual(ratelimit.client_ip(request), "203.0.113.5")
        self.assertEqual(ratelimit.client_ip(self.request(REMOTE_ADDR="10.0.0.1")), "10.0.0.1")

    def test_ipv6_counts_per_64_network(self):
        a = ratelimit.client_key(self.request(REMOTE_ADDR="2001:db8:1:2::a"))
        b = ratelimit.client_key(self.request(REMOTE_ADDR="2001:db8:1:2:ffff::b"))
        self.assertEqual(a, b)
        self.assertEqual(a, "2001:db8:1:2::/64")


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "ravao-test",
    }
}


@override_settings(CACHES=REDIS, RAVAO_RATE_LIMITS=LOW, RAVAO_RATE_LIMITS_ENABLED=True)
class RedisRateLimitTests(RavaoTestCase):
    def setUp(self):
        if not redis_reachable():
            self.skipTest("no Redis at 127.0.0.1:6379")
        cache.clear()

    def tearDown(self):
        cache.clear()

    def test_counts_in_redis(self):
        backend = caches["default"]
        self.assertEqual(type(backend).__name__, "RedisCache")
        for _ in range(3):
            self.assertEqual(self.client.get(f"/api/v1/scan/{self.venue_a.qr_code}").status_code, 200)
        self.assertEqual(self.client.get(f"/api/v1/scan/{self.venue_a.qr_code}").status_code, 429)
        keys = backend._cache.get_client().keys("ravao-test:*rl:api:127.0.0.1:*")
        self.assertEqual(len(keys), 1)
