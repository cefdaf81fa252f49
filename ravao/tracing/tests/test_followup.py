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
from ravao.tracing import conf
from ravao.tracing.followup import (
    FollowUpError,
    VisitInput,
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
from ravao.test import make_person

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
        for i in range(n):
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
        station, office = self.make_teams()
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
            contact=self.contact, data=VisitInput(status="seen_not_ok", symptoms=("fatigue",)), acting_user=self.fiona
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
            followup_visit_record(contact=self.contact, data=VisitInput(status="seen_ok"), acting_user=self.fiona)

    def set_period(self, start: int, until: int) -> None:
        today = timezone.localdate()
        self.contact.followup_start = today + timedelta(days=start)
        self.contact.followup_until = today + timedelta(days=until)
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
