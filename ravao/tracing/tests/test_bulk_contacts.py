"""Re-trace and F2 write their contacts in bulk (issue 13 item 3): the number of queries does not grow with
the number of contacts, and the officer's decisions and follow-up survive a re-trace."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ravao.people.models import Person
from ravao.test import make_person
from ravao.tracing.models import Case, Contact
from ravao.tracing.services import case_expand_f2, case_open, case_trace
from ravao.tracing.tests.base import TracingTestCase


class BulkContactsTest(TracingTestCase):
    def open_case(self) -> Case:
        return case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
            reason="XN-1",
        )

    def crowd(self, n: int, offset: int) -> list[Person]:
        """n more persons on the F0's line for the whole shift: n more F1 contacts."""
        people = [make_person(name=f"Người {offset + i}", phone=f"09130{offset + i:05d}") for i in range(n)]
        for person in people:
            self.visit(person, self.venue_a, self.line1, 5, 8 * 60)
        return people

    def retrace_queries(self, case: Case) -> int:
        with CaptureQueriesContext(connection) as captured:
            case_trace(case=case, acting_user=self.hana)
        return len(captured.captured_queries)

    def test_retrace_queries_do_not_grow_with_the_contacts(self) -> None:
        """issue 13 item 3: one save per contact made a re-trace of 100 contacts 100 round trips."""
        case = self.open_case()
        few = self.retrace_queries(case)
        self.crowd(30, 0)
        case_trace(case=case, acting_user=self.hana)  # the 30 new ones are created
        many = self.retrace_queries(case)  # all 32 updated
        self.assertEqual(case.contacts.filter(generation=1).count(), 32)
        self.assertEqual(many, few)

    def test_retrace_keeps_decisions_and_updates_the_exposure(self) -> None:
        case = self.open_case()
        coworker = case.contacts.get(person=self.coworker)
        coworker.decision, coworker.followup = Contact.Decision.CONFIRMED, Contact.FollowUp.QUARANTINED
        coworker.quarantined_at = timezone.now()
        coworker.save()
        shopper = case.contacts.get(person=self.shopper)
        Contact.objects.filter(pk=shopper.pk).update(overlap_minutes=999, tier="low")
        counts = case_trace(case=case, acting_user=self.hana)
        self.assertEqual(counts, {"created": 0, "updated": 2, "removed": 0})
        coworker.refresh_from_db()
        self.assertEqual(
            (coworker.decision, coworker.followup, coworker.pk),
            (Contact.Decision.CONFIRMED, Contact.FollowUp.QUARANTINED, coworker.pk),
        )
        self.assertIsNotNone(coworker.quarantined_at)
        shopper.refresh_from_db()
        self.assertEqual((shopper.tier, shopper.overlap_minutes), ("high", 30))  # the engine's values again

    def test_retrace_removes_stale_candidates_but_keeps_decided_ones(self) -> None:
        case = self.open_case()
        case.contacts.filter(person=self.coworker).update(decision=Contact.Decision.CONFIRMED)
        # The window moves before any visit: nobody is found any more.
        case.window_start = case.window_end = self.day - timedelta(days=3)
        case.save()
        counts = case_trace(case=case, acting_user=self.hana)
        self.assertEqual(counts, {"created": 0, "updated": 0, "removed": 1})  # the shopper (a candidate)
        self.assertEqual(list(case.contacts.values_list("person", flat=True)), [self.coworker.pk])

    def test_f2_twice_updates_in_place(self) -> None:
        case = self.open_case()
        case.contacts.filter(person=self.coworker).update(decision=Contact.Decision.CONFIRMED)
        first = case_expand_f2(case=case, acting_user=self.hana)
        f2 = case.contacts.get(generation=2)
        again = case_expand_f2(case=case, acting_user=self.hana)
        self.assertEqual((first["created"], again["created"], again["updated"]), (1, 0, 1))
        self.assertEqual(case.contacts.get(generation=2).pk, f2.pk)
        via = case.contacts.get(generation=1, f2s=f2)
        self.assertEqual(via.person_id, self.coworker.pk)
