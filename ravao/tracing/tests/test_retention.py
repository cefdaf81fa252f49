"""Closed cases are purged after RAVAO_CASE_RETENTION_DAYS with their contacts and alerts; open ones stay."""

from datetime import timedelta

from django.utils import timezone

from ravao.tracing.models import Alert, Case, Contact
from ravao.tracing.retention import purge_closed_cases
from ravao.tracing.selectors import exposures_for_person
from ravao.tracing.services import (
    case_close,
    case_open,
    case_send_alerts,
    contact_decide,
    contact_set_followup,
)
from ravao.tracing.tests.base import TracingTestCase


class RetentionTest(TracingTestCase):
    def test_it_purges_old_closed_cases_only(self) -> None:
        onset = timezone.localdate() - timedelta(days=1)
        old = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=onset,
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        case_send_alerts(case=old, acting_user=self.hana)
        coworker = old.contacts.get(person=self.coworker)
        new = contact_set_followup(contact=coworker, followup="positive", acting_user=self.hana).new_case
        assert new is not None
        case_close(case=old, acting_user=self.hana)
        Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=91))
        batches: list[object] = []
        counts = purge_closed_cases(now=timezone.now(), batch_size=1, record=batches.append)
        # The coworker's case and the F0's shared line 1: a proposed cluster (issue 11), whose membership of
        # the purged case goes with it.
        self.assertEqual(
            counts,
            {
                "tracing.Case": 1,
                "tracing.Contact": 2,
                "tracing.Alert": 2,
                "tracing.CaseRequest": 0,
                "tracing.Cluster_cases": 1,
            },
        )
        self.assertEqual(len(batches), 1)  # one case, one batch, recorded in its transaction
        self.assertEqual(list(Case.objects.all()), [new])
        self.assertFalse(Alert.objects.exists())
        self.assertEqual(
            purge_closed_cases(now=timezone.now()),
            {"tracing.Case": 0, "tracing.Contact": 0, "tracing.Alert": 0, "tracing.CaseRequest": 0},
        )
        self.assertTrue(Contact.objects.filter(case=new).exists())


class ExposuresForPersonTest(TracingTestCase):
    def test_a_confirmed_contact_sees_where_and_when_not_who(self) -> None:
        case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate(),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        self.assertEqual(exposures_for_person(self.coworker), [])  # a candidate is not told yet
        contact_decide(
            contact=case.contacts.get(person=self.coworker), decision="confirmed", acting_user=self.hana
        )
        (exposure,) = exposures_for_person(self.coworker)
        self.assertEqual(
            (exposure.venue_name, exposure.area_name, exposure.tier),
            (self.venue_a.name, "Dây chuyền 1", "high"),
        )
        self.assertNotIn("An", str(exposure))
        case_close(case=case, acting_user=self.hana)
        self.assertEqual(exposures_for_person(self.coworker), [])
