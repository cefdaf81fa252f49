"""The bench-only endpoints (issue 13): absent by default, refused off loopback, and what they do when on."""

from django.test import override_settings

from ravao.checkins.models import CheckIn
from ravao.checks import check_bench_endpoints
from ravao.test import RavaoTestCase


class BenchEndpointsOffTests(RavaoTestCase):
    def test_they_404_by_default(self):
        self.assertEqual(self.client.get("/_bench/ok").status_code, 404)
        self.assertEqual(self.client.post("/_bench/insert").status_code, 404)
        self.assertEqual(CheckIn.objects.count(), 0)

    def test_no_check_speaks_when_off(self):
        self.assertEqual(check_bench_endpoints(None), [])

    @override_settings(RAVAO_BENCH_ENDPOINTS=True, SITE_URL="https://ravao.example.gov.vn")
    def test_on_with_a_public_site_is_an_error_that_stops_the_server(self):
        self.assertEqual([m.id for m in check_bench_endpoints(None)], ["ravao.E011"])

    @override_settings(RAVAO_BENCH_ENDPOINTS=True, SITE_URL="http://127.0.0.1:8123")
    def test_on_with_a_loopback_site_warns(self):
        self.assertEqual([m.id for m in check_bench_endpoints(None)], ["ravao.W011"])


@override_settings(ROOT_URLCONF="ravao.benchurls")
class BenchEndpointsOnTests(RavaoTestCase):
    def test_the_trivial_view_answers_ok_to_get_only(self):
        response = self.client.get("/ok")
        self.assertEqual((response.status_code, response.content), (200, b"ok"))
        self.assertEqual(self.client.post("/ok").status_code, 405)

    def test_the_insert_view_writes_one_row_per_post(self):
        for _ in range(2):  # a retried request is a second row: it is a ceiling, not a check-in
            self.assertEqual(self.client.post("/insert").status_code, 201)
        self.assertEqual(CheckIn.objects.filter(method="bench").count(), 2)
        self.assertEqual(self.client.get("/insert").status_code, 405)
