"""Clusters, the epidemic curve and the chains graph (issue 11, items 4–5).

The shared outbreak (tests/base.py): the F0 and a coworker on line 1 of venue A from 06:00 to 14:00
yesterday, another worker on line 2 at the same time; the F0 at the market (venue B) 09:00–09:40, a
shopper there 09:30–10:00."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ravao.accounts.models import Role
from ravao.people.models import Person
from ravao.places.models import AdminUnit, Venue
from ravao.privacy.models import AuditEvent
from ravao.test import make_person
from ravao.tracing.clusters import chains_graph, clusters_propose, epi_curve
from ravao.tracing.models import Case, Cluster, Contact
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase


class ClusterTestCase(TracingTestCase):
    def open_case(self, person: Person, *, onset: date | None = None, sample: date | None = None) -> Case:
        return case_open(
            person=person,
            unit=self.units["district"],
            onset_date=onset if onset or sample else timezone.localdate(),
            sample_date=sample,
            isolated_on=None,
            acting_user=self.hana,
            reason="XN-1",
        )


class ProposalTests(ClusterTestCase):
    def test_two_overlapping_cases_on_a_line_make_one_proposed_cluster(self) -> None:
        first = self.open_case(self.f0)
        self.assertFalse(Cluster.objects.exists())  # one case is not a cluster
        second = self.open_case(self.coworker)
        cluster = Cluster.objects.get()
        self.assertEqual(cluster.status, Cluster.Status.PROPOSED)
        self.assertEqual((cluster.venue_id, cluster.area_id), (self.venue_a.pk, self.line1.pk))
        self.assertEqual(set(cluster.cases.all()), {first, second})
        self.assertEqual(cluster.unit_id, self.units["ha_bang"].pk)  # the venue's commune's office
        self.assertEqual(cluster.first_seen, self.day)
        self.assertEqual(cluster.last_seen, self.day + timedelta(hours=8, minutes=30))  # + buffer
        self.assertTrue(AuditEvent.objects.filter(action="cluster.propose").exists())

    def test_cases_at_the_same_line_at_different_times_make_none(self) -> None:
        late = make_person(name="Đỗ Văn Giang", phone="0912000009")
        # Arrives at 15:00: the F0 left at 14:00, + 30 min buffer.
        self.visit(late, self.venue_a, self.line1, 9 * 60, 60)
        self.open_case(self.f0)
        self.open_case(late)
        self.assertFalse(Cluster.objects.exists())

    def test_the_same_cases_on_two_days_at_one_line_make_one_cluster(self) -> None:
        """The end-to-end demo test (issue 11, done when): two workers of one line, together on Friday and
        again on Saturday, were proposed as two clusters with the same name and cases. One outbreak at
        the line is one cluster, its span covering both days."""
        self.visit(self.f0, self.venue_a, self.line1, -24 * 60, 8 * 60)
        self.visit(self.coworker, self.venue_a, self.line1, -24 * 60, 8 * 60)
        first = self.open_case(self.f0, onset=timezone.localdate() - timedelta(days=1))
        second = self.open_case(self.coworker, onset=timezone.localdate() - timedelta(days=1))
        cluster = Cluster.objects.get()
        self.assertEqual(set(cluster.cases.all()), {first, second})
        self.assertEqual(cluster.first_seen, self.day - timedelta(days=1))
        self.assertEqual(cluster.last_seen, self.day + timedelta(hours=8, minutes=30))
        result = clusters_propose(cases=Case.objects.all())  # the command on the same data: still one
        self.assertEqual((result.created, Cluster.objects.count()), (0, 1))

    def test_a_third_case_joins_the_cluster(self) -> None:
        third = make_person(name="Đỗ Văn Giang", phone="0912000009")
        self.visit(third, self.venue_a, self.line1, 7 * 60, 3 * 60)
        self.open_case(self.f0)
        self.open_case(self.coworker)
        case3 = self.open_case(third)
        cluster = Cluster.objects.get()
        self.assertEqual(cluster.cases.count(), 3)
        self.assertIn(case3, cluster.cases.all())
        self.assertEqual(cluster.last_seen, self.day + timedelta(hours=10, minutes=30))

    def test_re_running_changes_nothing(self) -> None:
        self.open_case(self.f0)
        self.open_case(self.coworker)
        events = AuditEvent.objects.filter(action__startswith="cluster.").count()
        for _ in range(2):
            result = clusters_propose(cases=Case.objects.all())
            self.assertEqual((result.created, result.extended), (0, 0))
        self.assertEqual(Cluster.objects.count(), 1)
        self.assertEqual(Cluster.objects.get().cases.count(), 2)
        self.assertEqual(AuditEvent.objects.filter(action__startswith="cluster.").count(), events)

    def test_the_command_proposes_for_existing_data_once(self) -> None:
        # Cases recorded before clusters existed: none proposed yet.
        self.open_case(self.f0)
        self.open_case(self.coworker)
        Cluster.objects.all().delete()
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("propose_clusters", stdout=out)
        self.assertIn("1 proposed", out.getvalue())
        call_command("propose_clusters", stdout=out)
        self.assertEqual(Cluster.objects.count(), 1)

    def test_different_areas_of_one_venue_are_not_a_cluster(self) -> None:
        """Line 1 and line 2 at the same hours: not co-present (the engine's rule for contacts)."""
        self.open_case(self.f0)
        self.open_case(self.other_line)
        self.assertFalse(Cluster.objects.exists())
        # A coworker of the F0 on line 1 makes the line-1 cluster; line 2 stays out.
        self.open_case(self.coworker)
        cluster = Cluster.objects.get()
        self.assertEqual(cluster.area_id, self.line1.pk)
        self.assertEqual(cluster.cases.count(), 2)

    def test_a_venue_without_areas_makes_a_venue_cluster(self) -> None:
        self.open_case(self.f0)
        self.open_case(self.shopper)
        cluster = Cluster.objects.get()
        self.assertEqual((cluster.venue_id, cluster.area_id), (self.venue_b.pk, None))

    def test_a_dismissed_cluster_is_not_proposed_again_for_the_same_cases(self) -> None:
        self.open_case(self.f0)
        self.open_case(self.coworker)
        Cluster.objects.update(status=Cluster.Status.DISMISSED)
        clusters_propose(cases=Case.objects.all())
        self.assertEqual(Cluster.objects.get().status, Cluster.Status.DISMISSED)


class DecisionViewTests(ClusterTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.open_case(self.f0)
        self.open_case(self.coworker)
        self.cluster = Cluster.objects.get()
        self.url = f"/tracing/clusters/{self.cluster.pk}/decide/"

    def test_confirm(self) -> None:
        self.client.force_login(self.hana)
        response = self.client.post(self.url, {"decision": "confirm", "name": "Ổ dịch May Hạ Bằng"})
        self.assertRedirects(response, f"/tracing/clusters/{self.cluster.pk}/")
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.CONFIRMED)
        self.assertEqual(self.cluster.name, "Ổ dịch May Hạ Bằng")
        self.assertEqual(self.cluster.decided_by, self.hana)
        event = AuditEvent.objects.get(action="cluster.confirm")
        self.assertEqual(event.reason, f"cluster:{self.cluster.pk}")

    def test_anonymous_goes_to_login(self) -> None:
        response = self.client.post(self.url, {"decision": "confirm"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.PROPOSED)

    def test_wrong_role_is_forbidden(self) -> None:
        self.client.force_login(self.carol)  # a commune official, not a health officer
        self.assertEqual(self.client.post(self.url, {"decision": "confirm"}).status_code, 403)
        self.assertEqual(self.client.get(f"/tracing/clusters/{self.cluster.pk}/").status_code, 403)

    def test_wrong_method(self) -> None:
        self.client.force_login(self.hana)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertEqual(self.client.post("/tracing/outbreak/").status_code, 405)

    def test_bad_input_changes_nothing(self) -> None:
        self.client.force_login(self.hana)
        response = self.client.post(self.url, {"decision": "explode"}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Hãy chọn xác nhận, loại bỏ hoặc đóng.")  # Vietnamese first
        # Closing a proposal is not a move the status allows.
        response = self.client.post(self.url, {"decision": "close"}, follow=True)
        self.assertContains(response, "Không thể đổi cụm ca bệnh này theo cách đó nữa.")
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.PROPOSED)

    def test_retried_request_records_once(self) -> None:
        self.client.force_login(self.hana)
        for _ in range(2):
            self.assertEqual(self.client.post(self.url, {"decision": "confirm"}).status_code, 302)
        self.assertEqual(AuditEvent.objects.filter(action="cluster.confirm").count(), 1)
        self.client.post(self.url, {"decision": "close"})
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, Cluster.Status.CLOSED)


class PageTests(ClusterTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case1 = self.open_case(self.f0)
        self.case2 = self.open_case(self.coworker)
        self.cluster = Cluster.objects.get()

    def test_cluster_page(self) -> None:
        # The factory's commune station sees the cluster, not the district's cases' names.
        self.client.force_login(self.hoa)
        response = self.client.get(f"/tracing/clusters/{self.cluster.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Nguyễn Văn An")
        self.assertEqual(response.context["others"], 2)
        self.client.force_login(self.hana)
        response = self.client.get(f"/tracing/clusters/{self.cluster.pk}/")
        self.assertContains(response, "Nguyễn Văn An")
        self.assertContains(response, f"/tracing/cases/{self.case2.pk}/")
        self.assertContains(response, 'id="cluster-chart"')
        # Two cases on the line from 06:00 to 14:00: two per hour in those hours.
        rows = response.context["timeline"]
        self.assertEqual([s.cases for s in rows[:8]], [2] * 8)
        self.assertTrue(AuditEvent.objects.filter(action="cluster.case_view").exists())

    def test_cluster_list_and_case_page_link(self) -> None:
        self.client.force_login(self.hana)
        response = self.client.get("/tracing/clusters/?status=proposed")
        self.assertContains(response, "Dây chuyền 1")
        self.assertContains(self.client.get("/tracing/clusters/?status=nonsense"), "Dây chuyền 1")
        self.assertNotContains(self.client.get("/tracing/clusters/?status=closed"), "Dây chuyền 1")
        page = self.client.get(f"/tracing/cases/{self.case1.pk}/")
        self.assertContains(page, f'href="/tracing/clusters/{self.cluster.pk}/"')

    def test_other_district_sees_nothing(self) -> None:
        other = AdminUnit.objects.create(
            code="t-277",
            name="Huyện Quốc Oai",
            level="district",
            parent=self.units["province"],
            path="t/01/277/",
        )
        officer = self.make_user("0900000099", "Quốc", Role.HEALTH_OFFICER, unit=other)
        self.client.force_login(officer)
        self.assertEqual(self.client.get(f"/tracing/clusters/{self.cluster.pk}/").status_code, 404)
        url = f"/tracing/clusters/{self.cluster.pk}/decide/"
        self.assertEqual(self.client.post(url, {"decision": "confirm"}).status_code, 404)
        self.assertNotContains(self.client.get("/tracing/clusters/"), "Dây chuyền 1")
        graph = self.client.get("/tracing/outbreak/graph.json").json()
        self.assertEqual(graph["nodes"], [])

    def test_outbreak_page(self) -> None:
        self.client.force_login(self.hana)
        response = self.client.get("/tracing/outbreak/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="epi-chart"')
        self.assertContains(response, "Dây chuyền 1")  # the cluster stacks the curve
        by_commune = self.client.get("/tracing/outbreak/?by=commune")
        self.assertEqual(by_commune.context["by"], "commune")
        graph = self.client.get("/tracing/outbreak/graph.json").json()
        kinds = [n["kind"] for n in graph["nodes"]]
        self.assertEqual(kinds[0], "cluster")
        self.assertEqual(kinds.count("f0"), 2)
        self.assertNotIn("Bình", str(graph))  # initials only
        self.assertTrue(all("position" in n for n in graph["nodes"] if n["kind"] != "cluster"))

    def test_anonymous_and_wrong_role_on_pages(self) -> None:
        for url in ("/tracing/clusters/", "/tracing/outbreak/", "/tracing/outbreak/graph.json"):
            self.client.logout()
            self.assertEqual(self.client.get(url).status_code, 302)
            self.client.force_login(self.alice)
            self.assertEqual(self.client.get(url).status_code, 403)


class EpiCurveTests(ClusterTestCase):
    def test_cases_by_onset_then_sample_stacked(self) -> None:
        today = timezone.localdate()
        c1 = self.open_case(self.f0, onset=today - timedelta(days=3))
        self.open_case(self.coworker, onset=today - timedelta(days=3))
        c3 = self.open_case(self.shopper, sample=today - timedelta(days=1))  # no onset: the sample's date
        # Follow-up periods: days -3..-2 and -2..+5 (counted up to today).
        contacts = list(Contact.objects.filter(case=c1).order_by("pk")[:2])
        self.assertEqual(len(contacts), 2)
        for contact, (start, until) in zip(contacts, [(-3, -2), (-2, 5)], strict=False):
            contact.decision = Contact.Decision.CONFIRMED
            contact.followup_start = today + timedelta(days=start)
            contact.followup_until = today + timedelta(days=until)
            contact.save()
        curve = epi_curve(Case.objects.all(), today=today)
        self.assertEqual(curve.days[0], today - timedelta(days=3))
        self.assertEqual(curve.days[-1], today)
        self.assertEqual(curve.total, [2, 0, 1, 0])
        series = dict(curve.series)
        # f0 and coworker at the same line: one cluster; the shopper (market, with the F0) another.
        cluster_names = {k for k in series if k != "Không thuộc cụm nào"}
        self.assertTrue(cluster_names)
        self.assertEqual(sum(sum(v) for v in series.values()), 3)
        # Day -3: one period; day -2: both; days -1 and 0: the second.
        self.assertEqual(curve.followup, [1, 2, 1, 1])
        by_commune = epi_curve(Case.objects.filter(pk__in=[c1.pk, c3.pk]), by="commune", today=today)
        self.assertEqual(dict(by_commune.series), {"Chưa rõ xã": [1, 0, 1, 0]})

    def test_no_cases(self) -> None:
        curve = epi_curve(Case.objects.none())
        self.assertEqual((curve.days, curve.series), ([], []))


class GraphScaleTests(ClusterTestCase):
    def make_contacts(self, case: Case, n: int, start: int) -> None:
        persons = [
            Person(full_name=f"Người Thứ {i}", phone=f"0913{i:06d}", year_of_birth=1990, sex="male")
            for i in range(start, start + n)
        ]
        for p in persons:
            p.refresh_lookup_keys()
        persons = Person.objects.bulk_create(persons)
        at = self.day
        Contact.objects.bulk_create(
            [
                Contact(
                    case=case,
                    person=p,
                    generation=1 if i % 3 else 2,
                    venue=self.venue_a,
                    tier="high",
                    overlap_minutes=30,
                    source_start=at,
                    source_end=at,
                    contact_start=at,
                    contact_end=at,
                    exposed_at=at,
                )
                for i, p in enumerate(persons)
            ]
        )

    def graph_queries(self) -> tuple[int, dict[str, object]]:
        self.client.force_login(self.hana)
        with CaptureQueriesContext(connection) as queries:
            data = self.client.get("/tracing/outbreak/graph.json").json()
        return len(queries), data

    def test_a_thousand_nodes_in_constant_queries(self) -> None:
        case = self.open_case(self.f0)
        Contact.objects.filter(case=case).delete()
        self.make_contacts(case, 10, 0)
        small, _ = self.graph_queries()
        self.make_contacts(case, 1000, 10)
        large, data = self.graph_queries()
        self.assertEqual(small, large)
        nodes = data["nodes"]
        assert isinstance(nodes, list)
        self.assertEqual(len(nodes), 1011)
        rows = {n["position"]["y"] for n in nodes}
        self.assertGreater(len(rows), 3)  # generations wrap into lines, not one 1,000-node row
        f0 = next(n for n in nodes if n["kind"] == "f0")
        f1 = next(n for n in nodes if n["kind"] == "f1")
        self.assertLess(f0["position"]["y"], f1["position"]["y"])
        self.assertIn(f"/tracing/cases/{case.pk}/#contact-", f1["href"])

    def test_the_limit_truncates(self) -> None:
        case = self.open_case(self.f0)
        self.make_contacts(case, 30, 0)
        data = chains_graph(Case.objects.all(), limit=10)
        self.assertTrue(data["truncated"])
        self.assertEqual(len(data["nodes"]), 10)


class VenueScopeTests(ClusterTestCase):
    def test_venue_commune_owns_the_cluster(self) -> None:
        self.open_case(self.f0)
        self.open_case(self.shopper)
        cluster = Cluster.objects.get()
        self.assertEqual(cluster.unit_id, Venue.objects.get(pk=self.venue_b.pk).commune_id)
