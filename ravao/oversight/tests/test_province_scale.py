"""Oversight at province scale (issue 14, item 5): the by-unit chart readable with 126 wards, the by-unit
table sortable and filterable, and every venue of a ward one click from its page."""

import unicodedata

from django.urls import reverse

from ravao.checkins.models import CheckIn
from ravao.oversight import conf
from ravao.oversight.selectors import Activity, chart_units, unit_figures, unit_venues
from ravao.oversight.tests.base import OversightTestCase, local
from ravao.places.models import AdminUnit, Venue
from ravao.test import RavaoTwoLevelTestCase


def _wards(parent: AdminUnit, count: int) -> list[AdminUnit]:
    return [
        AdminUnit.objects.create(
            code=f"t-w{n:03d}",
            name=f"Phường Thử {n:03d}",
            level="commune",
            parent=parent,
            path=f"{parent.path}w{n:03d}/",
        )
        for n in range(count)
    ]


class ChartUnitsTest(OversightTestCase):
    def test_few_units_are_all_charted(self) -> None:
        """Issue 14, item 5: a district of two communes keeps its one chart of every unit."""
        figures = unit_figures(self.units["district"], now=self.now)
        chosen = chart_units(figures.children, size=15)
        self.assertFalse(chosen.split)
        self.assertEqual([u.pk for u, _a in chosen.top], [u.pk for u, _a in figures.children])

    def test_a_province_of_126_wards_charts_the_highest_and_lowest_shares(self) -> None:
        """Issue 14, item 5: 126 bars label one in ten; the chart keeps the 15 highest and 15 lowest."""
        wards = _wards(self.units["province"], 126)
        children = [(w, Activity(registered=10, active_week=n % 11)) for n, w in enumerate(wards)]
        chosen = chart_units(children, size=15)
        self.assertTrue(chosen.split)
        self.assertEqual((len(chosen.top), len(chosen.bottom), chosen.left_out), (15, 15, 96))
        top_shares = [a.share_week for _u, a in chosen.top]
        bottom_shares = [a.share_week for _u, a in chosen.bottom]
        self.assertEqual(top_shares, sorted(top_shares, reverse=True))
        self.assertEqual(bottom_shares, sorted(bottom_shares))  # the lowest first
        self.assertEqual(top_shares[0], 1.0)
        self.assertEqual(bottom_shares[0], 0.0)
        shown = {u.pk for u, _a in chosen.top} | {u.pk for u, _a in chosen.bottom}
        self.assertEqual(len(shown), 30)  # no ward twice

    def test_units_without_venues_are_left_to_the_table(self) -> None:
        """Issue 14, item 5: 121 empty wards and 5 with venues (the demo's shape): no bar of zeros."""
        wards = _wards(self.units["province"], 126)
        children = [(w, Activity(registered=10 if n < 5 else 0, active_week=n)) for n, w in enumerate(wards)]
        chosen = chart_units(children, size=15)
        self.assertEqual([u.pk for u, _a in chosen.top], [w.pk for w in reversed(wards[:5])])
        self.assertEqual(chosen.bottom, [])
        self.assertEqual(chosen.left_out, 121)
        self.assertTrue(chosen.split)

    def test_the_province_page_splits_the_chart_and_keeps_every_ward_in_the_table(self) -> None:
        wards = _wards(self.units["province"], 2 * conf.CHART_UNITS + 5)
        for n, ward in enumerate(wards):
            Venue.objects.create(code=f"V-W{n}", name=f"Quán {n}", kind="shop", commune=ward, status="active")
        self.login(self.make_user("0900000099", "Tỉnh", "district_admin", unit=self.units["province"]))
        response = self.client.get(reverse("oversight:unit", args=[self.units["province"].pk]))
        self.assertEqual(response.status_code, 200)
        chart = response.context["chart"]
        self.assertEqual(len(chart["activity"]["labels"]), conf.CHART_UNITS)
        self.assertEqual(len(chart["activity_low"]["labels"]), conf.CHART_UNITS)
        self.assertContains(response, 'id="chart-activity-low"')
        self.assertContains(response, 'id="areas-table"')
        self.assertContains(response, 'data-filter-table="areas-table"')
        # Every ward (and the old district) stays in the table, linked to its page.
        for ward in wards:
            self.assertContains(response, reverse("oversight:unit", args=[ward.pk]))
            self.assertContains(response, reverse("oversight:unit_venues", args=[ward.pk]))
        self.assertEqual(len(response.context["child_rows"]), len(wards) + 1)


class UnitVenueListTest(OversightTestCase):
    def url(self, unit: str = "ha_bang") -> str:
        return reverse("oversight:unit_venues", args=[self.units[unit].pk])

    def test_the_list_equals_a_direct_count(self) -> None:
        """Issue 14, item 5: a ward's venues, not only the idle ones; the count is the database's."""
        self.make_week()
        for unit in ("ha_bang", "lien_quan", "district"):
            expected = Venue.objects.filter(commune__path__startswith=self.units[unit].path).count()
            self.assertEqual(unit_venues(self.units[unit]).count(), expected, unit)
        last = unit_venues(self.units["ha_bang"]).get(pk=self.venue_a.pk).last_scan  # type: ignore[attr-defined]
        direct = CheckIn.objects.filter(venue=self.venue_a).order_by("-checked_in_at").first()
        assert direct is not None
        self.assertEqual(last, direct.checked_in_at)

    def test_the_commune_official_sees_every_venue_of_the_commune(self) -> None:
        self.make_week()
        self.login(self.carol)
        unit_page = self.client.get(reverse("oversight:unit", args=[self.units["ha_bang"].pk]))
        self.assertContains(unit_page, self.url())  # the ward page leads to its venues
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        for venue in (self.venue_a, self.venue_c, self.venue_d, self.venue_e, self.venue_f):
            self.assertContains(response, reverse("oversight:venue", args=[venue.pk]))
        self.assertNotContains(response, "Chợ Liên Quan")  # another commune
        self.assertNotContains(response, "Nguyễn Văn An")  # numbers and venues, not people
        self.assertEqual(response.context["page"].paginator.count, 5)

    def test_the_district_admin_drills_down_to_a_commune_s_venues(self) -> None:
        self.login(self.dan)
        response = self.client.get(self.url("district"))
        self.assertContains(response, "Chợ Liên Quan")
        self.assertContains(response, self.venue_a.name)
        commune = self.client.get(self.url("lien_quan"))
        self.assertContains(commune, "Chợ Liên Quan")
        self.assertNotContains(commune, self.venue_a.name)

    def test_search_by_name_or_code(self) -> None:
        self.login(self.carol)
        response = self.client.get(self.url(), {"q": "cô ba"})
        self.assertEqual([v.pk for v in response.context["page"].object_list], [self.venue_c.pk])
        decomposed = unicodedata.normalize("NFD", "  Cô   Ba ")  # a phone keyboard's accents, extra spaces
        response = self.client.get(self.url(), {"q": decomposed})
        self.assertEqual([v.pk for v in response.context["page"].object_list], [self.venue_c.pk])
        response = self.client.get(self.url(), {"q": "v-d"})
        self.assertEqual([v.pk for v in response.context["page"].object_list], [self.venue_d.pk])
        response = self.client.get(self.url(), {"q": "Chợ Liên Quan"})  # in another commune
        self.assertEqual(response.context["page"].paginator.count, 0)

    def test_bad_input_never_fails(self) -> None:
        self.login(self.carol)
        for params in ({"page": "abc"}, {"page": "-1"}, {"page": "99999999999"}, {"q": "x" * 5000},
                       {"q": "%_'\"<script>"}, {"q": "\x00"}):  # fmt: skip
            response = self.client.get(self.url(), params)
            self.assertEqual(response.status_code, 200, params)
            self.assertNotContains(response, "<script>'")
        self.assertEqual(self.client.get(reverse("oversight:unit_venues", args=[999999])).status_code, 404)

    def test_a_retried_request_gives_the_same_page(self) -> None:
        self.login(self.carol)
        first = self.client.get(self.url(), {"q": "Hạ Bằng"})
        again = self.client.get(self.url(), {"q": "Hạ Bằng"})
        self.assertEqual(first.status_code, again.status_code)
        self.assertEqual(  # the same rows (the page differs only by its CSRF token)
            list(first.context["page"].object_list), list(again.context["page"].object_list)
        )

    def test_others_are_refused_like_a_missing_unit(self) -> None:
        for user in (self.cuong, self.alice, self.sam, self.hana):
            self.login(user)
            response = self.client.get(self.url())
            self.assertEqual(response.status_code, 404, user)
            self.assertNotContains(response, self.venue_a.name, status_code=404)

    def test_anonymous_and_post(self) -> None:
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.login(self.carol)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_pages_follow_the_page_size(self) -> None:
        for n in range(conf.PAGE_SIZE + 3):
            Venue.objects.create(
                code=f"V-P{n:03d}", name=f"Quán {n:03d}", kind="shop", commune=self.units["ha_bang"],
                created_at=local(-9), status="active",
            )  # fmt: skip
        self.login(self.carol)
        first = self.client.get(self.url())
        self.assertEqual(len(first.context["page"].object_list), conf.PAGE_SIZE)
        self.assertContains(first, "page=2")
        second = self.client.get(self.url(), {"page": 2})
        self.assertEqual(len(second.context["page"].object_list), 8)


class TwoLevelUnitVenueListTest(UnitVenueListTest, RavaoTwoLevelTestCase):
    """The same on today's map: the province administrator drills down province → ward → venues."""
