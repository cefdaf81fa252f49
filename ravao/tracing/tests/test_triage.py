"""Triage in bulk on the case page (issue 11, item 1) and the case page's speed (issue 13, item 3): filters,
pages, bulk actions (happy, anonymous, wrong role, other office, wrong method, bad input, retried), "all
matching this filter", and a query count that does not grow with the number of contacts."""

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.notifications.models import Notification
from ravao.people.models import Person
from ravao.privacy.models import AuditEvent
from ravao.tracing.models import Case, Contact, Team, TeamMember
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase
from ravao.tracing.tests.crowd import make_contacts

ROW = re.compile(r'<tr id="contact-(\d+)"')


def _no_message_url(name: str, *args: Any, **kwargs: Any) -> str:
    """`reverse` of a build without the bulk message page (issue 11, item 8)."""
    if name == "tracing:contacts_message":
        raise NoReverseMatch(name)
    return reverse(name, *args, **kwargs)


class TriageTestCase(TracingTestCase):
    case: Case

    def setUp(self) -> None:
        super().setUp()
        self.case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        self.url = f"/tracing/cases/{self.case.pk}/"
        self.bulk = f"/tracing/cases/{self.case.pk}/contacts/bulk/"

    def shown(self, query: str = "") -> list[int]:
        response = self.client.get(self.url + query)
        self.assertEqual(response.status_code, 200)
        return [int(pk) for pk in ROW.findall(response.content.decode())]

    def post(self, data: Mapping[str, Any], *, js: bool = True) -> Any:
        headers = {"Accept": "application/json"} if js else {}
        return self.client.post(self.bulk, data, headers=headers)

    def ids(self, **filters: object) -> set[int]:
        return set(Contact.objects.filter(case=self.case, **filters).values_list("pk", flat=True))


class FilterTest(TriageTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.hana)
        communes = [self.units["ha_bang"], self.units["lien_quan"], None]
        make_contacts(self.case, 30, venue=self.venue_a, area=self.line1, communes=communes)
        make_contacts(self.case, 12, venue=self.venue_b, communes=communes, generation=2)

    def test_each_filter_shows_exactly_the_matching_contacts(self) -> None:
        one = Contact.objects.filter(case=self.case).order_by("pk")[3]
        Contact.objects.filter(pk=one.pk).update(decision="dismissed", followup="quarantined")
        cases = {
            "tier=high": self.ids(tier="high"),
            "generation=2": self.ids(generation=2),
            f"venue={self.venue_b.pk}": self.ids(venue=self.venue_b),
            f"area={self.line1.pk}": self.ids(area=self.line1),
            f"commune={self.units['lien_quan'].pk}": self.ids(person__commune=self.units["lien_quan"]),
            "decision=dismissed": {one.pk},
            "followup=quarantined": {one.pk},
            f"tier=high&area={self.line1.pk}": self.ids(tier="high", area=self.line1),
        }
        for query, expected in cases.items():
            with self.subTest(query):
                self.assertTrue(expected)
                self.assertEqual(set(self.shown("?" + query)), expected)

    def test_a_bad_filter_value_is_reported_and_not_applied(self) -> None:
        response = self.client.get(self.url + "?tier=extreme&venue=abc")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'role="alert"', count=2)
        self.assertEqual(len(ROW.findall(response.content.decode())), 44)  # 42 + coworker + shopper

    def test_filter_choices_are_the_case_s_own(self) -> None:
        page = self.client.get(self.url).content.decode()
        areas = page.split('name="area"')[1].split("</select>")[0]
        self.assertIn("Dây chuyền 1", areas)
        self.assertNotIn("Dây chuyền 2", areas)  # nobody of line 2 is a contact
        # Each row's follow-up menu (rendered once per page) has the contact's status selected.
        self.assertEqual(page.count('<option value="to_call" selected>'), 44)


class PageTest(TriageTestCase):
    def test_fifty_a_page_ranked_with_the_filters_kept_in_the_links(self) -> None:
        make_contacts(self.case, 118, venue=self.venue_a, area=self.line1)
        self.login(self.hana)
        first = self.shown()
        self.assertEqual(len(first), 50)
        # The best 50 by rank (high first, longest overlap), shown grouped by venue and area.
        ranked = sorted(
            Contact.objects.filter(case=self.case),
            key=lambda c: (["high", "medium", "low"].index(c.tier), -c.overlap_minutes, c.contact_start),
        )
        self.assertEqual(set(first), {c.pk for c in ranked[:50]})
        tiers = {c.pk: c.tier for c in ranked}
        on_line = [tiers[pk] for pk in first if pk not in (ranked[0].pk,)][:40]
        self.assertEqual(on_line, sorted(on_line, key=["high", "medium", "low"].index))
        self.assertEqual(len(self.shown("?page=3")), 20)
        self.assertEqual(self.shown("?page=abc"), first)
        self.assertEqual(len(self.shown("?page=999")), 20)  # the last page
        every = set(first) | set(self.shown("?page=2")) | set(self.shown("?page=3"))
        self.assertEqual(every, self.ids())
        response = self.client.get(self.url + "?generation=1")
        self.assertContains(response, "?generation=1&amp;page=2#contacts")

    def test_only_the_rows_shown_are_audited(self) -> None:
        make_contacts(self.case, 80, venue=self.venue_a)
        self.login(self.hana)
        shown = self.shown()
        audited = set(
            AuditEvent.objects.filter(action="tracing.contact_view").values_list("object_id", flat=True)
        )
        self.assertEqual(audited, {str(pk) for pk in shown})

    def test_the_page_never_runs_the_engine(self) -> None:
        """issue 13, item 3: the timeline is the case's own check-ins, not a re-trace."""
        self.login(self.hana)
        with (
            mock.patch("ravao.tracing.engine.trace", side_effect=AssertionError("trace")),
            mock.patch("ravao.tracing.services.trace", side_effect=AssertionError("trace")),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        timeline = response.content.decode().split('id="timeline"')[1].split("</section>")[0]
        self.assertIn("Công ty May Hạ Bằng", timeline)
        self.assertIn("Chợ Liên Quan", timeline)
        self.assertIn("estimated", response.content.decode().split('id="timeline"')[1].split("</section>")[0])

    def test_the_query_count_does_not_grow_with_the_contacts(self) -> None:
        """issue 13, item 3: the same number of queries with 5 and with 200 contacts."""
        self.login(self.hana)
        counts = []
        for total in (5, 200):
            Contact.objects.filter(case=self.case).delete()
            make_contacts(self.case, total, venue=self.venue_a, area=self.line1)
            AuditEvent.objects.all().delete()
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(len(ROW.findall(response.content.decode())), min(total, 50))
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        self.assertLessEqual(counts[1], 30)


class BulkAccessTest(TriageTestCase):
    def test_anonymous_goes_to_login(self) -> None:
        response = self.post({"action": "confirmed", "contact": list(self.ids())})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.assertFalse(self.ids(decision="confirmed"))

    def test_other_roles_are_refused(self) -> None:
        for user in (self.alice, self.carol, self.dan):
            self.login(user)
            response = self.post({"action": "confirmed", "contact": list(self.ids())})
            self.assertEqual(response.status_code, 403)
        self.assertFalse(self.ids(decision="confirmed"))

    def test_another_office_gets_404(self) -> None:
        self.login(self.hoa)  # a commune station: the district's case is not theirs
        response = self.post({"action": "confirmed", "contact": list(self.ids())})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.ids(decision="confirmed"))

    def test_get_is_not_allowed(self) -> None:
        self.login(self.hana)
        self.assertEqual(self.client.get(self.bulk).status_code, 405)

    def test_the_message_button_only_when_the_compose_page_exists(self) -> None:
        self.login(self.hana)
        with mock.patch("ravao.tracing.views_triage.reverse", side_effect=_no_message_url):
            self.assertNotContains(self.client.get(self.url), "formaction=")
        with mock.patch("ravao.tracing.views_triage.message_url", return_value="/tracing/compose/"):
            self.assertContains(self.client.get(self.url), 'formaction="/tracing/compose/"')

    def test_a_closed_case_is_404(self) -> None:
        Case.objects.filter(pk=self.case.pk).update(status="closed")
        self.login(self.hana)
        response = self.post({"action": "confirmed", "contact": list(self.ids())})
        self.assertEqual(response.status_code, 404)


class BulkActionTest(TriageTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.hana)
        self.crowd = make_contacts(self.case, 20, venue=self.venue_a, area=self.line1)
        self.picked = [c.pk for c in self.crowd[:7]]

    def test_confirm_in_place_with_the_side_effects_of_a_single_confirmation(self) -> None:
        shown = self.shown()
        response = self.post({"action": "confirmed", "contact": self.picked, "shown": shown})
        self.assertEqual(response.status_code, 200)
        body = json.loads(response.content)
        self.assertEqual(body["message"], "Đã xác nhận 7 người.")
        self.assertEqual(set(body["rows"]), {f"contact-{pk}" for pk in self.picked})
        self.assertIn("decision-confirmed", body["rows"][f"contact-{self.picked[0]}"])
        self.assertIn("7", body["counts"])
        self.assertEqual(self.ids(decision="confirmed"), set(self.picked))
        persons = Person.objects.filter(pk__in=[c.person_id for c in self.crowd[:7]])
        self.assertEqual({p.case_status for p in persons}, {"contact"})
        self.assertEqual(
            Notification.objects.filter(topic="tracing.contact").count(), 7
        )  # one SMS each, in Vietnamese
        self.assertEqual(AuditEvent.objects.filter(action="contact.confirmed").count(), 7)
        self.assertEqual(AuditEvent.objects.filter(action="contact.bulk").count(), 1)
        # As a single confirmation: the daily follow-up period is open (issue 11, item 3).
        self.assertFalse(Contact.objects.filter(pk__in=self.picked, followup_until__isnull=True).exists())

    def test_a_retried_post_gives_the_same_state_and_no_second_message(self) -> None:
        data = {"action": "confirmed", "contact": self.picked}
        self.post(data)
        audits = AuditEvent.objects.filter(action="contact.confirmed").count()
        response = self.post(data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json.loads(response.content)["changed"], 0)
        self.assertEqual(self.ids(decision="confirmed"), set(self.picked))
        self.assertEqual(Notification.objects.filter(topic="tracing.contact").count(), 7)
        self.assertEqual(AuditEvent.objects.filter(action="contact.confirmed").count(), audits)
        # Back to candidate and confirmed again: still one message per contact.
        self.post({"action": "candidate", "contact": self.picked})
        self.post(data)
        self.assertEqual(Notification.objects.filter(topic="tracing.contact").count(), 7)

    def test_dismiss_and_back_to_candidate_clear_the_status(self) -> None:
        self.post({"action": "confirmed", "contact": self.picked})
        self.post({"action": "dismissed", "contact": self.picked[:3]})
        self.assertEqual(self.ids(decision="dismissed"), set(self.picked[:3]))
        self.assertFalse(
            Contact.objects.filter(pk__in=self.picked[:3], followup_until__isnull=False).exists()
        )
        statuses = dict(
            Person.objects.filter(pk__in=[c.person_id for c in self.crowd[:7]]).values_list(
                "pk", "case_status"
            )
        )
        self.assertEqual(sorted(statuses.values()), [""] * 3 + ["contact"] * 4)
        self.post({"action": "candidate", "contact": self.picked})
        self.assertEqual(self.ids(decision="candidate"), self.ids())

    def test_without_javascript_the_form_posts_and_comes_back_to_the_same_filtered_page(self) -> None:
        response = self.post(
            {"action": "confirmed", "contact": self.picked, "tier": "high", "page": "1"}, js=False
        )
        self.assertRedirects(
            response,
            f"{self.url}?tier=high&page=1#contacts",
            fetch_redirect_response=False,
        )
        page = self.client.get(f"{self.url}?tier=high")
        self.assertContains(page, "Đã xác nhận 7 người.")

    def test_ids_of_another_case_are_ignored(self) -> None:
        other = case_open(
            person=self.coworker,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        foreign = list(Contact.objects.filter(case=other).values_list("pk", flat=True))
        self.assertTrue(foreign)
        response = self.post({"action": "confirmed", "contact": foreign + self.picked[:1]})
        self.assertEqual(json.loads(response.content)["message"], "Đã xác nhận 1 người.")
        self.assertFalse(Contact.objects.filter(case=other, decision="confirmed").exists())

    def test_bad_input_is_refused_in_the_user_s_language(self) -> None:
        for data in (
            {"action": "promote", "contact": self.picked},
            {"action": "confirmed", "contact": ["1; drop"]},
            # "²" passes str.isdigit() but not int(): was a 500
            {"action": "confirmed", "contact": ["²"]},
            {"action": "confirmed"},
            {"action": "assign", "contact": self.picked},
        ):
            with self.subTest(data):
                response = self.post(data)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(json.loads(response.content)["error"])
        self.assertEqual(self.post({"action": "confirmed"}).json()["error"], "Hãy chọn ít nhất một người.")
        response = self.post({"action": "promote", "contact": self.picked}, js=False)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.ids(decision="confirmed"))

    def test_all_matching_this_filter(self) -> None:
        """All high at this production line, 300 contacts: one action, exactly those rows."""
        make_contacts(self.case, 150, venue=self.venue_a, area=self.line1)
        make_contacts(self.case, 130, venue=self.venue_a, area=self.line2)
        wanted = self.ids(tier="high", area=self.line1)
        self.assertGreater(len(wanted), 50)
        response = self.post(
            {"action": "confirmed", "scope": "all", "tier": "high", "area": self.line1.pk, "contact": []}
        )
        body = json.loads(response.content)
        self.assertEqual(body["message"], f"Đã xác nhận {len(wanted)} người.")
        self.assertEqual(self.ids(decision="confirmed"), wanted)
        self.assertEqual(Notification.objects.filter(topic="tracing.contact").count(), len(wanted))

    def test_a_bulk_confirmation_costs_the_same_queries_for_10_and_for_200(self) -> None:
        """A page's worth of ticked rows (the form carries at most 50), or 200 "all matching": the same
        statements whatever the number."""
        make_contacts(self.case, 250, venue=self.venue_a, area=self.line2)
        counts = []
        for n in (10, 50):
            ids = sorted(self.ids(decision="candidate", area=self.line2))[:n]
            with CaptureQueriesContext(connection) as queries:
                self.post({"action": "confirmed", "contact": ids})
            counts.append(len(queries))
        self.assertEqual(len(self.ids(decision="confirmed")), 60)
        for venue in (self.venue_b, self.venue_a):  # 1 contact (the shopper), then the 190 left on line 2
            with CaptureQueriesContext(connection) as queries:
                self.post({"action": "confirmed", "scope": "all", "venue": venue.pk, "decision": "candidate"})
            counts.append(len(queries))
        self.assertEqual(self.ids(decision="candidate"), set())
        self.assertEqual(counts[0], counts[1], counts)
        # "all matching" reads the ids (one more query); SQLite splits a bulk INSERT of 190 audit rows and
        # 190 messages into batches of ~80 rows (its bound-variable limit): two more each, not 190.
        self.assertEqual(counts[2], counts[0] + 1, counts)
        self.assertLessEqual(counts[3], counts[2] + (0 if connection.vendor == "postgresql" else 6), counts)


class AssignTest(TriageTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.hana)
        self.crowd = make_contacts(self.case, 6, venue=self.venue_a)
        self.team = Team.objects.create(unit=self.units["ha_bang"], name="Trạm Y tế xã Hạ Bằng")
        self.other_team = Team.objects.create(unit=self.units["lien_quan"], name="Trạm Y tế TT Liên Quan")
        self.worker = self.make_user("0900000031", "Lan", Role.HEALTH_OFFICER, unit=self.units["ha_bang"])
        TeamMember.objects.create(team=self.team, user=self.worker)
        self.picked = [c.pk for c in self.crowd[:4]]

    def test_assign_to_a_worker_sets_their_team(self) -> None:
        response = self.post({"action": "assign", "assignee": self.worker.pk, "contact": self.picked})
        self.assertEqual(json.loads(response.content)["message"], "Đã giao 4 người.")
        assigned = Contact.objects.filter(pk__in=self.picked)
        self.assertEqual({(c.team_id, c.assignee_id) for c in assigned}, {(self.team.pk, self.worker.pk)})
        self.assertEqual(AuditEvent.objects.filter(action="contact.assign").count(), 4)
        self.post({"action": "assign", "assignee": self.worker.pk, "contact": self.picked})
        self.assertEqual(AuditEvent.objects.filter(action="contact.assign").count(), 4)  # a retry: no change

    def test_assign_to_a_team(self) -> None:
        self.post({"action": "assign", "team": self.other_team.pk, "contact": self.picked})
        self.assertEqual(
            set(Contact.objects.filter(pk__in=self.picked).values_list("team_id", flat=True)),
            {self.other_team.pk},
        )

    def test_a_worker_of_another_team_or_outside_the_scope_is_refused(self) -> None:
        outsider: User = self.make_user("0900000032", "Mai", Role.HEALTH_OFFICER, unit=self.units["ha_bang"])
        elsewhere = Team.objects.create(unit=self.units["district"].parent, name="Sở Y tế")  # type: ignore[misc]
        TeamMember.objects.create(team=elsewhere, user=outsider)
        for data in (
            {"team": self.other_team.pk, "assignee": self.worker.pk},
            {"assignee": outsider.pk},
            {"team": elsewhere.pk},
        ):
            with self.subTest(data):
                response = self.post({"action": "assign", "contact": self.picked, **data})
                self.assertEqual(response.status_code, 400)
        self.assertFalse(Contact.objects.filter(pk__in=self.picked, team__isnull=False).exists())
