"""Teams, work lists and the daily follow-up (issue 11, items 2–3): services and pages."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.people.models import Person
from ravao.privacy.models import AuditEvent
from ravao.test import make_person
from ravao.tracing import conf
from ravao.tracing.followup import (
    FollowUpError,
    VisitInput,
    call_rows,
    contacts_assign,
    contacts_split_evenly,
    default_team_name,
    followup_statuses_update,
    followup_visit_record,
    followups_open,
    last_exposure_day,
    missed_streak,
    team_create,
    team_member_add,
)
from ravao.tracing.models import Case, Contact, FollowUpVisit, Team, TeamMember
from ravao.tracing.services import case_open, contact_decide, contact_set_followup
from ravao.tracing.tests.base import TracingTestCase

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


class FollowUpTestCase(TracingTestCase):
    """The shared outbreak, a team for Hạ Bằng (hoa its lead, two field workers) and one for the district."""

    fiona: User
    finn: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.fiona = cls.make_user("0900000031", "Fiona", Role.HEALTH_OFFICER, unit=cls.units["ha_bang"])
        cls.finn = cls.make_user("0900000032", "Finn", Role.HEALTH_OFFICER, unit=cls.units["ha_bang"])
        for person in (cls.coworker, cls.other_line):
            person.commune = cls.units["ha_bang"]
            person.save(update_fields=["commune"])

    def make_teams(self) -> tuple[Team, Team]:
        station = team_create(unit=self.units["ha_bang"], acting_user=self.hana)
        office = team_create(unit=self.units["district"], acting_user=self.hana)
        team_member_add(team=station, user=self.hoa, is_lead=True, acting_user=self.hana)
        team_member_add(team=station, user=self.fiona, acting_user=self.hana)
        team_member_add(team=station, user=self.finn, acting_user=self.hana)
        return station, office

    def open_case(self) -> Case:
        return case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )

    def confirm_all(self, case: Case) -> list[Contact]:
        contacts = list(case.contacts.filter(generation=1).order_by("pk"))
        for contact in contacts:
            contact_decide(contact=contact, decision=Contact.Decision.CONFIRMED, acting_user=self.hana)
        return list(case.contacts.filter(generation=1).select_related("person").order_by("pk"))

    def extra_contacts(self, case: Case, n: int, team: Team | None = None) -> list[Contact]:
        """`n` more confirmed contacts like the coworker's (for load and query-count tests)."""
        model = case.contacts.get(person=self.coworker)
        rows = []
        first = Person.objects.count()  # fresh phones on every call
        for i in range(first, first + n):
            person = make_person(name=f"Người Thứ {i}", phone=f"09130{i:05d}")
            rows.append(
                Contact(
                    case=case,
                    person=person,
                    generation=1,
                    venue_id=model.venue_id,
                    tier=model.tier,
                    overlap_minutes=model.overlap_minutes,
                    source_start=model.source_start,
                    source_end=model.source_end,
                    contact_start=model.contact_start,
                    contact_end=model.contact_end,
                    exposed_at=model.exposed_at,
                    decision=Contact.Decision.CONFIRMED,
                    team=team or model.team,
                    followup_start=model.followup_start,
                    followup_until=model.followup_until,
                )
            )
        return Contact.objects.bulk_create(rows)


class PeriodAndTeamTest(FollowUpTestCase):
    def test_confirming_opens_the_period_from_the_day_after_the_last_exposure(self) -> None:
        self.make_teams()
        case = self.open_case()
        coworker = next(c for c in self.confirm_all(case) if c.person_id == self.coworker.pk)
        last = timezone.localdate(coworker.contact_end)
        self.assertEqual(coworker.followup_start, last + timedelta(days=1))
        self.assertEqual(coworker.followup_until, last + timedelta(days=conf.FOLLOWUP_DAYS))

    def test_the_last_exposure_is_the_latest_of_all_exposures_in_local_time(self) -> None:
        """17:30 UTC is 00:30 the next day in Hồ Chí Minh City (UTC+7, no daylight saving)."""
        case = self.open_case()
        contact = case.contacts.get(person=self.coworker)
        contact.contact_end = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("UTC"))
        contact.exposures = [
            {"end": "2026-03-01T10:00:00+00:00"},
            {"end": "2026-03-04T17:30:00+00:00"},  # 5 March 00:30 local
            {"end": None},
        ]
        self.assertEqual(last_exposure_day(contact), date(2026, 3, 5))
        followups_open(contacts=[contact])
        contact.refresh_from_db()
        self.assertEqual(contact.followup_start, date(2026, 3, 6))
        self.assertEqual(contact.followup_until, date(2026, 3, 5) + timedelta(days=conf.FOLLOWUP_DAYS))
        # 16:59 UTC is still the same local day
        contact.contact_end = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("UTC"))
        contact.exposures = [{"end": "2026-03-04T16:59:00+00:00"}]
        self.assertEqual(last_exposure_day(contact), date(2026, 3, 4))

    def test_auto_team_by_commune_by_ancestor_and_by_case_unit(self) -> None:
        station, office = self.make_teams()
        self.shopper.commune = self.units["lien_quan"]  # no team of its own: the district's
        self.shopper.save(update_fields=["commune"])
        case = self.open_case()
        teams = {c.person_id: c.team_id for c in self.confirm_all(case)}
        self.assertEqual(teams[self.coworker.pk], station.pk)
        self.assertEqual(teams[self.shopper.pk], office.pk)
        # no commune at all: the team of the case's unit
        self.shopper.commune = None
        self.shopper.save(update_fields=["commune"])
        contact = case.contacts.get(person=self.shopper)
        contact.team = None
        contact.save()
        contact_decide(contact=contact, decision=Contact.Decision.CANDIDATE, acting_user=self.hana)
        contact_decide(contact=contact, decision=Contact.Decision.CONFIRMED, acting_user=self.hana)
        contact.refresh_from_db()
        self.assertEqual(contact.team_id, office.pk)

    def test_a_team_chosen_by_hand_is_kept_when_confirmed_again(self) -> None:
        _station, office = self.make_teams()
        case = self.open_case()
        contact = case.contacts.get(person=self.coworker)
        contacts_assign(contacts=[contact], team=office, acting_user=self.hana)
        contact_decide(contact=contact, decision=Contact.Decision.CONFIRMED, acting_user=self.hana)
        contact.refresh_from_db()
        self.assertEqual(contact.team_id, office.pk)

    def test_dismissing_clears_the_period(self) -> None:
        self.make_teams()
        case = self.open_case()
        contact = self.confirm_all(case)[0]
        self.assertIsNotNone(contact.followup_start)
        contact_decide(contact=contact, decision=Contact.Decision.DISMISSED, acting_user=self.hana)
        contact.refresh_from_db()
        self.assertIsNone(contact.followup_start)
        self.assertIsNone(contact.followup_until)

    def test_a_follow_up_status_on_a_candidate_opens_the_period(self) -> None:
        self.make_teams()
        case = self.open_case()
        contact = case.contacts.get(person=self.coworker)
        contact_set_followup(contact=contact, followup=Contact.FollowUp.REACHED, acting_user=self.hana)
        contact.refresh_from_db()
        self.assertIsNotNone(contact.followup_until)
        self.assertIsNotNone(contact.team_id)

    def test_default_team_names(self) -> None:
        self.assertEqual(default_team_name(self.units["ha_bang"]), "Trạm Y tế xã Hạ Bằng")
        self.assertEqual(default_team_name(self.units["district"]), "Trung tâm Y tế huyện Thạch Thất")

    def test_members_must_be_health_officers_of_the_unit_or_below(self) -> None:
        station, office = self.make_teams()
        with self.assertRaises(FollowUpError):
            team_member_add(team=station, user=self.carol, acting_user=self.hana)  # commune official
        with self.assertRaises(FollowUpError):
            team_member_add(team=station, user=self.hana, acting_user=self.hana)  # the district's officer
        team_member_add(team=office, user=self.fiona, acting_user=self.hana)  # below the district: fine


class AssignmentTest(FollowUpTestCase):
    def test_round_robin_deals_out_evenly_least_loaded_first(self) -> None:
        station, _office = self.make_teams()
        case = self.open_case()
        self.confirm_all(case)
        contacts = self.extra_contacts(case, 7, station)
        already = contacts.pop()
        contacts_assign(contacts=[already], assignee=self.fiona, acting_user=self.hoa)
        given = contacts_split_evenly(team=station, contacts=contacts, acting_user=self.hoa)
        self.assertEqual(sum(given.values()), len(contacts))
        self.assertEqual(len(contacts), 6)
        self.assertEqual(given, {self.hoa.pk: 2, self.finn.pk: 2, self.fiona.pk: 2})
        self.assertEqual(AuditEvent.objects.filter(action="contact.assign").count(), 7)

    def test_an_assignee_outside_the_team_is_refused(self) -> None:
        station, office = self.make_teams()
        case = self.open_case()
        self.confirm_all(case)
        contact = Contact.objects.filter(team=station).first()
        assert contact is not None
        with self.assertRaises(FollowUpError):
            contacts_assign(contacts=[contact], assignee=self.hana, acting_user=self.hoa)
        with self.assertRaises(FollowUpError):
            contacts_split_evenly(team=office, contacts=[contact], acting_user=self.hana)  # no members


class DailyRecordTest(FollowUpTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.station, self.office = self.make_teams()
        self.case = self.open_case()
        self.confirm_all(self.case)
        self.contact = self.case.contacts.get(person=self.coworker)

    def test_symptoms_make_the_contact_suspected_and_a_retry_updates_the_record(self) -> None:
        data = VisitInput(status="seen_not_ok", symptoms=("fever", "cough"), temperature=Decimal("38.4"))
        followup_visit_record(contact=self.contact, data=data, acting_user=self.fiona)
        followup_visit_record(contact=self.contact, data=data, acting_user=self.fiona)
        self.assertEqual(FollowUpVisit.objects.filter(contact=self.contact).count(), 1)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.followup, Contact.FollowUp.SUSPECTED)
        events = AuditEvent.objects.filter(action="contact.followup_visit", person_id=self.coworker.pk)
        self.assertEqual(events.count(), 2)
        self.assertTrue(events.order_by("-pk")[0].details["retried"])
        # then a positive test opens a case, as before
        result = contact_set_followup(contact=self.contact, followup="positive", acting_user=self.hana)
        assert result.new_case is not None
        self.assertEqual(result.new_case.person_id, self.coworker.pk)

    def test_well_then_symptoms_on_the_same_day_is_one_record(self) -> None:
        followup_visit_record(contact=self.contact, data=VisitInput(status="seen_ok"), acting_user=self.fiona)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.followup, Contact.FollowUp.REACHED)
        followup_visit_record(
            contact=self.contact,
            data=VisitInput(status="seen_not_ok", symptoms=("fatigue",)),
            acting_user=self.fiona,
        )
        visit = FollowUpVisit.objects.get(contact=self.contact)
        self.assertEqual((visit.status, visit.symptoms), ("seen_not_ok", ["fatigue"]))

    def test_bad_input_is_refused_and_nothing_is_written(self) -> None:
        for data in (
            VisitInput(status="maybe"),
            VisitInput(status="seen_not_ok"),  # symptoms without a symptom
            VisitInput(status="seen_not_ok", symptoms=("hiccups",)),
            VisitInput(status="seen_ok", temperature=Decimal("48.0")),
            VisitInput(status="seen_ok", call=conf.FOLLOWUP_CALLS_PER_DAY + 1),
            VisitInput(status="seen_ok", note="x" * 1001),
        ):
            with self.assertRaises(FollowUpError, msg=str(data)):
                followup_visit_record(contact=self.contact, data=data, acting_user=self.fiona)
        self.assertFalse(FollowUpVisit.objects.exists())

    def test_outside_the_period_is_refused(self) -> None:
        self.contact.followup_start = timezone.localdate() + timedelta(days=1)
        self.contact.save()
        with self.assertRaises(FollowUpError):
            followup_visit_record(
                contact=self.contact, data=VisitInput(status="seen_ok"), acting_user=self.fiona
            )

    def set_period(self, start: int, until: int) -> None:
        today = timezone.localdate()
        self.contact.followup_start = today + timedelta(days=start)
        self.contact.followup_until = today + timedelta(days=until)
        self.contact.followup_opened_on = self.contact.followup_start  # confirmed on its first day
        self.contact.save()

    def add_visit(self, day: int, status: str = "seen_ok") -> None:
        FollowUpVisit.objects.create(
            contact=self.contact,
            day=timezone.localdate() + timedelta(days=day),
            status=status,
            recorded_at=timezone.now(),
        )

    def test_missed_streak(self) -> None:
        d = date(2026, 3, 10)
        self.assertEqual(missed_streak(d, d + timedelta(days=4), {d, d + timedelta(days=1)}), 3)
        self.assertEqual(missed_streak(d, d + timedelta(days=1), set()), 2)  # not before the start
        self.assertEqual(missed_streak(d, d + timedelta(days=1), {d + timedelta(days=1)}), 0)

    def test_lost_after_consecutive_missed_days(self) -> None:
        self.set_period(-5, 8)
        self.add_visit(-5)
        self.add_visit(-4)
        self.add_visit(-3, "not_reached")  # a call that did not reach them is a missed day
        self.add_visit(-1, "not_reached")
        self.assertEqual(followup_statuses_update(), {"lost": 1, "completed": 0})
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.followup, Contact.FollowUp.LOST)
        self.assertEqual(followup_statuses_update(), {"lost": 0, "completed": 0})  # idempotent
        # reached again: back under follow-up
        followup_visit_record(contact=self.contact, data=VisitInput(status="seen_ok"), acting_user=self.fiona)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.followup, Contact.FollowUp.REACHED)

    def test_days_before_the_contact_was_confirmed_are_not_missed(self) -> None:
        """Found by the outbreak walk-through on the demo: a contact confirmed today whose period began
        three days ago (the day after the last exposure) showed "3 days missed" in red, and one failed call
        today made the nightly update mark them lost. Calls are due from the day the period was opened."""
        today = timezone.localdate()
        self.contact.followup_start = today - timedelta(days=3)
        self.contact.followup_until = today + timedelta(days=10)
        self.contact.followup_opened_on = today
        self.contact.save()
        rows = call_rows(Contact.objects.filter(pk=self.contact.pk), today)
        self.assertEqual([(r.missed, r.day_n) for r in rows], [(0, 4)])
        self.add_visit(0, "not_reached")
        tomorrow = today + timedelta(days=1)
        self.assertEqual(followup_statuses_update(today=tomorrow), {"lost": 0, "completed": 0})
        self.assertEqual(call_rows(Contact.objects.filter(pk=self.contact.pk), tomorrow)[0].missed, 1)

    def test_confirming_records_the_day_the_period_was_opened(self) -> None:
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.followup_opened_on, timezone.localdate())
        contact_decide(contact=self.contact, decision=Contact.Decision.DISMISSED, acting_user=self.hana)
        self.contact.refresh_from_db()
        self.assertIsNone(self.contact.followup_opened_on)

    def test_two_missed_days_are_not_lost(self) -> None:
        self.set_period(-5, 8)
        self.add_visit(-3)
        self.assertEqual(followup_statuses_update(), {"lost": 0, "completed": 0})

    def test_completed_at_the_end_of_the_period_unless_suspected(self) -> None:
        self.set_period(-14, -1)
        for day in range(-14, 0):
            self.add_visit(day)
        other = self.extra_contacts(self.case, 1)[0]
        other.followup_start, other.followup_until = self.contact.followup_start, self.contact.followup_until
        other.followup = Contact.FollowUp.SUSPECTED
        other.save()
        FollowUpVisit.objects.bulk_create(
            FollowUpVisit(contact=other, day=v.day, status="seen_not_ok", recorded_at=v.recorded_at)
            for v in FollowUpVisit.objects.filter(contact=self.contact)
        )
        self.assertEqual(followup_statuses_update(), {"lost": 0, "completed": 1})
        self.contact.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(self.contact.followup, Contact.FollowUp.COMPLETED)
        self.assertEqual(other.followup, Contact.FollowUp.SUSPECTED)
        self.coworker.refresh_from_db()
        self.assertEqual(self.coworker.case_status, "")  # no longer yellow


class FollowUpPagesTest(FollowUpTestCase):
    """Every page: happy path, anonymous, wrong role, wrong method, bad input, retried request, scope."""

    def setUp(self) -> None:
        super().setUp()
        self.station, self.office = self.make_teams()
        self.case = self.open_case()
        self.confirm_all(self.case)
        self.contact = self.case.contacts.get(person=self.coworker)
        contacts_assign(contacts=[self.contact], assignee=self.fiona, acting_user=self.hoa)
        self.other = self.extra_contacts(self.case, 1, self.station)[0]

    def urls(self) -> dict[str, str]:
        t = self.station.pk
        return {
            "/tracing/calls/": "GET",
            "/tracing/followup/": "GET",
            "/tracing/teams/": "GET",
            f"/tracing/teams/{t}/": "GET",
            f"/tracing/contacts/{self.contact.pk}/visit/": "POST",
            "/tracing/teams/new/": "POST",
            f"/tracing/teams/{t}/members/add/": "POST",
            f"/tracing/teams/{t}/members/remove/": "POST",
            f"/tracing/teams/{t}/members/lead/": "POST",
            f"/tracing/teams/{t}/assign/": "POST",
        }

    def test_anonymous_goes_to_login(self) -> None:
        for url, method in self.urls().items():
            response = self.client.get(url) if method == "GET" else self.client.post(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])

    def test_other_roles_are_refused(self) -> None:
        for user in (self.alice, self.sam, self.carol):
            self.login(user)
            for url, method in self.urls().items():
                response = self.client.get(url) if method == "GET" else self.client.post(url)
                self.assertEqual(response.status_code, 403, f"{user} {url}")

    def test_wrong_methods(self) -> None:
        self.login(self.hana)
        for url, method in self.urls().items():
            response = self.client.post(url) if method == "GET" else self.client.get(url)
            self.assertEqual(response.status_code, 405, url)

    def test_my_calls_lists_mine_and_the_teams_unassigned_with_real_tel_links(self) -> None:
        self.login(self.fiona)
        response = self.client.get("/tracing/calls/")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        work = response.context["work"]
        self.assertEqual([r.contact.pk for r in work.mine], [self.contact.pk])
        self.assertEqual([r.contact.pk for r in work.unassigned], [self.other.pk])
        self.assertIn(f'href="tel:{self.coworker.phone}"', page)
        self.assertNotIn("tel:None", page)
        self.assertIn("Xã Hạ Bằng", page)

    def test_no_tel_link_without_a_phone(self) -> None:
        Person.objects.filter(pk=self.coworker.pk).update(phone=None)
        self.login(self.fiona)
        page = self.client.get("/tracing/calls/").content.decode()
        self.assertNotIn("tel:None", page)
        self.assertNotIn('href="tel:"', page)

    def test_record_well_plain_form_then_the_contact_leaves_todays_list(self) -> None:
        self.login(self.fiona)
        url = f"/tracing/contacts/{self.contact.pk}/visit/"
        response = self.client.post(url, {"status": "seen_ok", "call": "1"})
        self.assertRedirects(response, "/tracing/calls/")
        response = self.client.post(url, {"status": "seen_ok", "call": "1"})  # retried
        self.assertEqual(FollowUpVisit.objects.filter(contact=self.contact).count(), 1)
        work = self.client.get("/tracing/calls/").context["work"]
        self.assertEqual(work.mine, [])
        self.assertEqual(work.done_today, 1)

    def test_record_symptoms_with_json(self) -> None:
        self.login(self.fiona)
        response = self.client.post(
            f"/tracing/contacts/{self.contact.pk}/visit/",
            {"status": "seen_not_ok", "symptoms": ["fever"], "temperature": "38.2", "note": "ho nhẹ"},
            headers={"accept": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["followup"], "suspected")
        visit = FollowUpVisit.objects.get(contact=self.contact)
        self.assertEqual((visit.temperature, visit.note), (Decimal("38.2"), "ho nhẹ"))
        # the team page shows the proposed test
        self.login(self.hoa)
        self.assertContains(self.client.get(f"/tracing/teams/{self.station.pk}/"), "propose-test")

    def test_bad_input_is_a_clear_400_or_message_and_nothing_is_written(self) -> None:
        self.login(self.fiona)
        url = f"/tracing/contacts/{self.contact.pk}/visit/"
        for data in (
            {},
            {"status": "nope"},
            {"status": "seen_not_ok"},
            {"status": "seen_ok", "temperature": "abc"},
            {"status": "seen_ok", "temperature": "99"},
            {"status": "seen_ok", "call": "7"},
        ):
            response = self.client.post(url, data, headers={"accept": "application/json"})
            self.assertEqual(response.status_code, 400, data)
            self.assertTrue(response.json()["error"])
        response = self.client.post(url, {"status": "seen_not_ok"}, follow=True)
        self.assertContains(response, "triệu chứng")  # Vietnamese first
        self.assertFalse(FollowUpVisit.objects.exists())
        # a team without a health officer among the ids, a junk user id
        self.login(self.hana)
        self.assertEqual(self.client.post("/tracing/teams/new/", {"unit": "x"}).status_code, 404)
        t = self.station.pk
        self.assertEqual(self.client.post(f"/tracing/teams/{t}/members/add/", {"user": "x"}).status_code, 404)
        response = self.client.post(f"/tracing/teams/{t}/members/add/", {"user": self.carol.pk}, follow=True)
        self.assertFalse(TeamMember.objects.filter(team=self.station, user=self.carol).exists())
        self.assertEqual(response.status_code, 200)
        response = self.client.post(
            f"/tracing/teams/{t}/assign/", {"assignee": str(self.hana.pk)}, follow=True
        )
        self.assertContains(response, "Đánh dấu")  # tick at least one contact
        response = self.client.post(
            f"/tracing/teams/{t}/assign/", {"contact": [self.contact.pk], "assignee": str(self.hana.pk)}
        )
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.assignee_id, self.fiona.pk)

    def test_a_field_worker_of_another_team_gets_404(self) -> None:
        outsider = self.make_user("0900000041", "Lan", Role.HEALTH_OFFICER, unit=self.units["lien_quan"])
        self.login(outsider)
        self.assertEqual(self.client.get("/tracing/calls/").context["work"].mine, [])
        response = self.client.post(f"/tracing/contacts/{self.contact.pk}/visit/", {"status": "seen_ok"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.get(f"/tracing/teams/{self.station.pk}/").status_code, 404)
        self.assertEqual(self.client.post(f"/tracing/teams/{self.station.pk}/assign/").status_code, 404)
        self.assertEqual(
            self.client.post("/tracing/teams/new/", {"unit": self.units["ha_bang"].pk}).status_code, 404
        )
        self.assertEqual(
            self.client.post("/tracing/contacts/999999/visit/", {"status": "seen_ok"}).status_code, 404
        )

    def test_a_field_worker_cannot_assign_but_the_lead_can(self) -> None:
        other = self.other
        self.login(self.fiona)  # a plain member: neither assigns nor staffs the team
        url = f"/tracing/teams/{self.station.pk}/"
        self.assertEqual(
            self.client.post(f"{url}assign/", {"contact": [other.pk], "action": "split"}).status_code, 403
        )
        self.assertEqual(self.client.post(f"{url}members/add/", {"user": self.finn.pk}).status_code, 403)
        self.assertEqual(self.client.get(url).context["assign"], False)
        self.login(self.hoa)
        response = self.client.post(
            f"/tracing/teams/{self.station.pk}/assign/",
            {"contact": [other.pk], "assignee": str(self.finn.pk)},
        )
        self.assertRedirects(response, f"/tracing/teams/{self.station.pk}/")
        other.refresh_from_db()
        self.assertEqual(other.assignee_id, self.finn.pk)
        response = self.client.post(
            f"/tracing/teams/{self.station.pk}/assign/", {"contact": [other.pk], "action": "split"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(AuditEvent.objects.filter(action="contact.assign").count(), 3)

    def test_team_pages_create_add_lead_remove_and_retry(self) -> None:
        self.login(self.dan)  # the administrator staffs teams
        response = self.client.get("/tracing/teams/")
        self.assertContains(response, "Trạm Y tế xã Hạ Bằng")
        lien_quan = self.units["lien_quan"]
        for _ in range(2):  # retried
            response = self.client.post("/tracing/teams/new/", {"unit": lien_quan.pk})
        team = Team.objects.get(unit=lien_quan)
        self.assertRedirects(response, f"/tracing/teams/{team.pk}/")
        self.assertEqual(AuditEvent.objects.filter(action="team.create", object_id=str(team.pk)).count(), 1)
        page = self.client.get(f"/tracing/teams/{self.station.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["rows"], [])  # an administrator does not see contacts
        extra = self.make_user("0900000042", "Mai", Role.HEALTH_OFFICER, unit=self.units["ha_bang"])
        for _ in range(2):
            self.client.post(
                f"/tracing/teams/{self.station.pk}/members/add/", {"user": extra.pk, "lead": "1"}
            )
        self.assertTrue(TeamMember.objects.get(team=self.station, user=extra).is_lead)
        self.client.post(f"/tracing/teams/{self.station.pk}/members/lead/", {"user": extra.pk, "lead": "0"})
        self.assertFalse(TeamMember.objects.get(team=self.station, user=extra).is_lead)
        # removing fiona hands her contact back to the team's list
        self.client.post(f"/tracing/teams/{self.station.pk}/members/remove/", {"user": self.fiona.pk})
        self.contact.refresh_from_db()
        self.assertIsNone(self.contact.assignee_id)
        self.assertFalse(TeamMember.objects.filter(team=self.station, user=self.fiona).exists())

    def test_dashboard_counts(self) -> None:
        followup_visit_record(contact=self.contact, data=VisitInput(status="seen_ok"), acting_user=self.fiona)
        self.login(self.hana)
        rows = {
            r.team.pk if r.team else None: r for r in self.client.get("/tracing/followup/").context["rows"]
        }
        station = rows[self.station.pk]
        self.assertEqual(station.under, 2)
        self.assertEqual((station.seen_24h, station.not_seen_24h, station.not_seen_48h), (1, 1, 1))
        self.login(self.hoa)  # the commune station sees its own team only
        rows_hoa = self.client.get("/tracing/followup/").context["rows"]
        self.assertEqual([r.team for r in rows_hoa], [self.station])

    def test_query_counts_do_not_grow_with_rows(self) -> None:
        self.login(self.fiona)
        counts = []
        for extra in (0, 25):
            contacts = self.extra_contacts(self.case, extra, self.station)
            if contacts:
                contacts_assign(contacts=contacts, assignee=self.fiona, acting_user=self.hoa)
            pages = []
            for url in ("/tracing/calls/", "/tracing/followup/", f"/tracing/teams/{self.station.pk}/"):
                self.login(self.hoa if "teams" in url or "followup" in url else self.fiona)
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(url).status_code, 200)
                pages.append(len(queries))
            counts.append(pages)
        self.assertEqual(counts[0], counts[1])


class DemoTeamsTest(FollowUpTestCase):
    def test_demo_teams_are_made_once(self) -> None:
        from ravao.tracing.followup import DEMO_FIELD_WORKERS, demo_teams

        communes = [self.units["ha_bang"], self.units["lien_quan"]]
        for _ in range(2):
            teams = demo_teams(top=self.units["district"], communes=communes, password="demo-password-1")
        self.assertEqual([t.unit for t in teams], [self.units["district"], *communes])
        self.assertEqual(Team.objects.count(), 3)
        self.assertEqual(TeamMember.objects.count(), 4)
        self.assertEqual(TeamMember.objects.filter(is_lead=True).count(), 2)
        worker = User.objects.get(username=DEMO_FIELD_WORKERS[0][0])
        self.login(worker)
        self.assertEqual(self.client.get("/tracing/calls/").status_code, 200)
