"""Screen mode (a rotating code on a screen) and the plausibility flags."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ravao.checkins.gate import screen
from ravao.checkins.models import CheckIn, CheckInFlag
from ravao.checkins.plausibility import checkins_flag_implausible
from ravao.checkins.selectors import flags_for_venues
from ravao.places.models import Venue
from ravao.places.services import venue_set_screen_mode
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase


class ScreenModeTests(RavaoTestCase):
    def turn_on(self) -> Venue:
        self.login(self.alice)
        response = self.client.post(
            reverse("checkins:screen_mode", args=[self.venue_a.pk]), {"screen_mode": "on"}
        )
        self.assertRedirects(response, reverse("checkins:screen", args=[self.venue_a.pk]))
        self.venue_a.refresh_from_db()
        return self.venue_a

    def test_the_manager_turns_it_on_and_the_paper_poster_stops_working(self) -> None:
        old_code = self.venue_a.qr_code
        venue = self.turn_on()
        self.assertTrue(venue.screen_mode)
        self.assertTrue(screen.is_screen_code(venue.qr_code))
        self.assertEqual(self.client.get(reverse("checkins:scan", args=[old_code])).status_code, 404)
        # The new code without a fresh scan of the screen: refused.
        response = self.device_client().get(reverse("checkins:scan", args=[venue.qr_code]))
        self.assertEqual(response.status_code, 403)
        self.assertTrue(AuditEvent.objects.filter(action="venue.screen_mode").exists())

    def test_a_fresh_code_leads_to_the_check_in(self) -> None:
        venue = self.turn_on()
        page = self.client.get(reverse("checkins:screen", args=[venue.pk]))
        self.assertContains(page, "<svg")
        code = self.client.get(reverse("checkins:screen_code", args=[venue.pk])).json()
        self.assertIn("<svg", code["svg"])
        visitor = self.device_client()
        rotating = screen.screen_rotating_code(venue.qr_code, now=timezone.now())
        response = visitor.get(reverse("checkins:screen_scan", args=[venue.qr_code, rotating]))
        self.assertRedirects(
            response, reverse("checkins:scan", args=[venue.qr_code]), fetch_redirect_response=False
        )
        page = visitor.get(reverse("checkins:scan", args=[venue.qr_code]))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, venue.name)
        # The visitor's presence proof lasts long enough to fill in a form, not for ever.
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            self.assertEqual(visitor.get(reverse("checkins:scan", args=[venue.qr_code])).status_code, 403)

    def test_an_old_code_is_refused(self) -> None:
        venue = self.turn_on()
        old = screen.screen_rotating_code(venue.qr_code, now=timezone.now() - timedelta(seconds=65))
        response = self.device_client().get(reverse("checkins:screen_scan", args=[venue.qr_code, old]))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(CheckIn.objects.exists())
        for bad in ("garbage", "0" * 10):
            response = self.device_client().get(reverse("checkins:screen_scan", args=[venue.qr_code, bad]))
            self.assertEqual(response.status_code, 403)
        response = self.device_client().get(reverse("checkins:screen_scan", args=["abcdefghij", "x"]))
        self.assertEqual(response.status_code, 403)

    def test_the_code_a_moment_before_rotation_still_works(self) -> None:
        venue = self.turn_on()
        just_before = screen.screen_rotating_code(venue.qr_code, now=timezone.now() - timedelta(seconds=30))
        self.assertTrue(screen.screen_code_is_fresh(venue.qr_code, just_before, now=timezone.now()))

    def test_turning_it_off_gives_a_new_paper_code(self) -> None:
        venue = self.turn_on()
        screen_code = venue.qr_code
        self.client.post(reverse("checkins:screen_mode", args=[venue.pk]), {"screen_mode": "off"})
        venue.refresh_from_db()
        self.assertFalse(venue.screen_mode)
        self.assertFalse(screen.is_screen_code(venue.qr_code))
        self.assertNotEqual(venue.qr_code, screen_code)
        self.assertEqual(self.client.get(reverse("checkins:screen_code", args=[venue.pk])).status_code, 409)

    def test_access(self) -> None:
        url = reverse("checkins:screen_mode", args=[self.venue_a.pk])
        self.login(self.sam)  # staff may show the screen, not switch the mode
        self.assertEqual(self.client.post(url, {"screen_mode": "on"}).status_code, 404)
        self.assertEqual(self.client.get(reverse("checkins:screen", args=[self.venue_a.pk])).status_code, 200)
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("checkins:screen", args=[self.venue_a.pk])).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("checkins:screen_code", args=[self.venue_a.pk])).status_code, 404
        )
        self.client.logout()
        self.assertEqual(self.client.post(url).status_code, 302)
        self.login(self.alice)
        self.assertEqual(self.client.get(url).status_code, 405)


class PlausibilityTests(RavaoTestCase):
    def checkin(self, venue: Venue, minutes_ago: float, device: object = None) -> CheckIn:
        import uuid

        return CheckIn.objects.create(
            client_id=uuid.uuid4(),
            person=self.visitor,
            venue=venue,
            method="self",
            checked_in_at=timezone.now() - timedelta(minutes=minutes_ago),
            device=device,  # type: ignore[misc]
        )

    def test_two_distant_venues_minutes_apart(self) -> None:
        self.checkin(self.venue_a, 8)
        second = self.checkin(self.venue_b, 5)
        now = timezone.now()
        self.assertEqual(checkins_flag_implausible(since=now - timedelta(minutes=15), now=now), 1)
        flag = CheckInFlag.objects.get()
        self.assertEqual((flag.checkin, flag.kind), (second, "travel"))
        # Idempotent over overlapping windows.
        self.assertEqual(checkins_flag_implausible(since=now - timedelta(minutes=15), now=now), 0)
        self.assertEqual(list(flags_for_venues(Venue.objects.all(), since=now - timedelta(hours=1))), [flag])

    def test_an_hour_apart_is_plausible(self) -> None:
        self.checkin(self.venue_a, 70)
        self.checkin(self.venue_b, 5)
        now = timezone.now()
        self.assertEqual(checkins_flag_implausible(since=now - timedelta(minutes=120), now=now), 0)

    def test_a_burst_from_one_device(self) -> None:
        for minute in range(6):
            self.checkin(self.venue_a, 9 - minute, device=self.visitor_device)
        out = StringIO()
        call_command("flag_checkins", stdout=out)
        self.assertIn("2 check-ins flagged", out.getvalue())
        self.assertEqual(CheckInFlag.objects.filter(kind="burst").count(), 2)

    def test_flags_show_on_the_inside_page(self) -> None:
        self.checkin(self.venue_b, 8)
        self.checkin(self.venue_a, 5)
        now = timezone.now()
        checkins_flag_implausible(since=now - timedelta(minutes=15), now=now)
        self.login(self.alice)
        response = self.client.get(reverse("checkins:gate_inside", args=[self.venue_a.pk]))
        self.assertContains(response, self.venue_b.name)

    def test_service_direct(self) -> None:
        venue_set_screen_mode(venue=self.venue_b, on=True, actor=self.bob)
        self.assertTrue(Venue.objects.get(pk=self.venue_b.pk).screen_mode)
