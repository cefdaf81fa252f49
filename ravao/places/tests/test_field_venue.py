"""Issue 12, finding 7 (the venue side): posters name the commune once, "Đổi mã" asks first, and the
manager is told when the commune approves or suspends the venue."""

from django.urls import reverse

from ravao.notifications.models import Notification
from ravao.places.models import Venue
from ravao.places.posters import _entrance_page
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase


class PosterCommuneTests(RavaoTestCase):
    def test_the_commune_type_is_not_doubled(self) -> None:
        """issue 12, finding 7: a commune named "Xã Hạ Bằng" prints as such, never "Xã Xã Hạ Bằng"."""
        self.units["ha_bang"].unit_type = "Xã"
        self.units["ha_bang"].save()
        venue = Venue.objects.select_related("commune").get(pk=self.venue_a.pk)
        venue.address = "Thôn 2"
        address = _entrance_page(venue).address
        self.assertEqual(address, "Thôn 2, Xã Hạ Bằng")

    def test_a_bare_commune_name_gets_its_type(self) -> None:
        self.units["ha_bang"].unit_type = "Xã"
        self.units["ha_bang"].name = "Hạ Bằng"
        self.units["ha_bang"].save()
        venue = Venue.objects.select_related("commune").get(pk=self.venue_a.pk)
        venue.address = "Thôn 2"
        self.assertEqual(_entrance_page(venue).address, "Thôn 2, Xã Hạ Bằng")


class RotateCodeConfirmationTests(RavaoTestCase):
    def url(self) -> str:
        return reverse("places:rotate", args=[self.venue_a.pk])

    def test_replacing_the_code_asks_for_a_confirmation_first(self) -> None:
        """issue 12, finding 7: "Đổi mã" without confirming changes nothing and shows a confirm step."""
        self.login(self.alice)
        code = self.venue_a.qr_code
        response = self.client.post(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="confirm"')
        self.venue_a.refresh_from_db()
        self.assertEqual(self.venue_a.qr_code, code)
        self.assertFalse(AuditEvent.objects.filter(action="venue.rotate_code").exists())

    def test_a_confirmed_replacement_changes_the_code_once(self) -> None:
        self.login(self.alice)
        code = self.venue_a.qr_code
        response = self.client.post(self.url(), {"confirm": "yes"})
        self.assertRedirects(response, reverse("places:venue", args=[self.venue_a.pk]))
        self.venue_a.refresh_from_db()
        self.assertNotEqual(self.venue_a.qr_code, code)

    def test_the_confirm_step_sent_twice_replaces_the_code_once(self) -> None:
        self.login(self.alice)
        code = self.venue_a.qr_code
        page = self.client.post(self.url())
        self.assertContains(page, f'name="current" value="{code}"')
        self.client.post(self.url(), {"confirm": "yes", "current": code})
        self.venue_a.refresh_from_db()
        replaced = self.venue_a.qr_code
        self.assertNotEqual(replaced, code)
        self.client.post(self.url(), {"confirm": "yes", "current": code})
        self.venue_a.refresh_from_db()
        self.assertEqual(self.venue_a.qr_code, replaced)
        self.assertEqual(AuditEvent.objects.filter(action="venue.rotate_code").count(), 1)

    def test_an_area_code_asks_too(self) -> None:
        self.login(self.alice)
        area = self.venue_a.areas.create(name="Xưởng 1", kind="room")
        code = area.qr_code
        response = self.client.post(self.url(), {"area": area.pk})
        self.assertContains(response, 'name="confirm"')
        self.assertContains(response, f'name="area" value="{area.pk}"')
        area.refresh_from_db()
        self.assertEqual(area.qr_code, code)
        self.client.post(self.url(), {"area": area.pk, "confirm": "yes"})
        area.refresh_from_db()
        self.assertNotEqual(area.qr_code, code)

    def test_another_venues_manager_and_anonymous_are_refused(self) -> None:
        self.assertEqual(self.client.post(self.url()).status_code, 302)  # to the login page
        self.login(self.bob)
        self.assertEqual(self.client.post(self.url(), {"confirm": "yes"}).status_code, 404)

    def test_wrong_method(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url()).status_code, 405)

    def test_bad_area_is_not_found(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.post(self.url(), {"area": "x", "confirm": "yes"}).status_code, 404)


class ApprovalNotificationTests(RavaoTestCase):
    def test_the_manager_is_told_when_the_commune_approves(self) -> None:
        """issue 12, finding 7: approving a pending venue queues an email/SMS to its manager."""
        Venue.objects.filter(pk=self.venue_a.pk).update(status=Venue.Status.PENDING, approved_at=None)
        self.login(self.carol)
        self.client.post(reverse("places:venue_status", args=[self.venue_a.pk]), {"status": "active"})
        sent = Notification.objects.filter(topic="places.venue_status", venue=self.venue_a)
        self.assertTrue(sent.exists())
        self.assertEqual([n.address for n in sent.filter(channel="sms")], ["0900000001"])
        self.assertTrue(all(n.status == Notification.Status.PENDING for n in sent))
        self.assertIn("Công ty May Hạ Bằng", sent.first().body)  # type: ignore[union-attr]

    def test_the_manager_is_told_when_the_venue_is_suspended(self) -> None:
        self.login(self.carol)
        self.client.post(reverse("places:venue_status", args=[self.venue_a.pk]), {"status": "suspended"})
        self.assertTrue(Notification.objects.filter(topic="places.venue_status", venue=self.venue_a).exists())

    def test_setting_the_same_status_again_tells_nobody(self) -> None:
        self.login(self.carol)
        self.client.post(reverse("places:venue_status", args=[self.venue_a.pk]), {"status": "active"})
        self.assertFalse(Notification.objects.filter(topic="places.venue_status").exists())
