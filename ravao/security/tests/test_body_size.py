import json

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory, override_settings
from django.urls import reverse

from ravao.security.middleware import BodySizeMiddleware
from ravao.test import RavaoTestCase


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096, LANGUAGE_CODE="en")
class BodySizeTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # posts below are rate-limited

    def test_a_huge_form_post_gets_a_clean_page(self):
        response = self.client.post(
            reverse("accounts:signup"), {"full_name": "x" * 10_000}, HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "larger than 4 KB", status_code=400)

    def test_a_huge_form_post_to_the_public_check_in_page(self):
        response = self.client.post(
            reverse("checkins:scan", args=[self.venue_a.qr_code]), {"x": "y" * 10_000}
        )
        self.assertEqual(response.status_code, 400)

    def test_a_huge_json_post_gets_json(self):
        body = json.dumps({"poster_code": "x" * 10_000, "client_id": self.new_client_id()})
        response = self.client.post("/api/v1/checkins", body, content_type="application/json")
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["code"], "body_too_large")

    def test_a_small_body_passes(self):
        response = self.client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
        self.assertEqual(response.status_code, 200)

    def test_a_body_that_lied_about_its_length_is_refused_cleanly(self):
        # Django raises RequestDataTooBig while reading a chunked body; the middleware answers it.
        middleware = BodySizeMiddleware(lambda request: None)
        request = RequestFactory().post("/api/v1/checkins")
        response = middleware.process_exception(request, RequestDataTooBig("too big"))
        assert response is not None
        self.assertEqual(response.status_code, 413)
        self.assertIsNone(middleware.process_exception(request, ValueError("other")))
