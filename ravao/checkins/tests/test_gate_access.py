"""`checkins.gate.access`: the one way a gate view gets its venue (issue 12, Structure)."""

from django.http import Http404

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant
from ravao.checkins.gate.access import (
    VenueNotActive,
    access_gate,
    access_gate_manager,
    access_gate_venues,
)
from ravao.places.models import Venue
from ravao.test import RavaoTestCase


class GateAccessTests(RavaoTestCase):
    def test_manager_and_staff_operate_their_gate(self) -> None:
        self.assertEqual(access_gate(self.alice, self.venue_a.pk), (self.venue_a, Role.VENUE_MANAGER))
        self.assertEqual(access_gate(self.sam, self.venue_a.pk), (self.venue_a, Role.VENUE_STAFF))

    def test_a_manager_who_is_also_staff_is_a_manager(self) -> None:
        membership_grant(user=self.alice, role=Role.VENUE_STAFF, venue=self.venue_a)
        self.assertEqual(access_gate(self.alice, self.venue_a.pk)[1], Role.VENUE_MANAGER)

    def test_everyone_else_gets_404(self) -> None:
        for user, venue_id in (
            (self.bob, self.venue_a.pk),  # another venue's manager
            (self.carol, self.venue_a.pk),  # the commune official overseeing it
            (self.hana, self.venue_a.pk),
            (self.dan, self.venue_a.pk),
            (self.alice, 999999),  # missing
        ):
            with self.subTest(user=user.username, venue_id=venue_id), self.assertRaises(Http404):
                access_gate(user, venue_id)

    def test_a_venue_not_active_is_refused_with_its_reason(self) -> None:
        for status in (Venue.Status.PENDING, Venue.Status.SUSPENDED):
            Venue.objects.filter(pk=self.venue_a.pk).update(status=status)
            with self.subTest(status), self.assertRaises(VenueNotActive) as refused:
                access_gate(self.sam, self.venue_a.pk)
            self.assertEqual(refused.exception.venue.pk, self.venue_a.pk)
        # Someone else still learns nothing: the plain 404.
        with self.assertRaises(Http404) as refused_other:
            access_gate(self.bob, self.venue_a.pk)
        self.assertNotIsInstance(refused_other.exception, VenueNotActive)

    def test_only_the_manager_switches_gate_settings(self) -> None:
        self.assertEqual(access_gate_manager(self.alice, self.venue_a.pk), self.venue_a)
        for user in (self.sam, self.bob, self.carol):
            with self.subTest(user.username), self.assertRaises(Http404):
                access_gate_manager(user, self.venue_a.pk)

    def test_the_venues_a_user_operates(self) -> None:
        membership_grant(user=self.sam, role=Role.VENUE_STAFF, venue=self.venue_b)
        self.assertEqual(access_gate_venues(self.sam), [self.venue_b, self.venue_a])  # by name
        self.assertEqual(access_gate_venues(self.alice), [self.venue_a])
        self.assertEqual(access_gate_venues(self.carol), [])
