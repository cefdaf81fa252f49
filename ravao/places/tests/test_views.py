from django.test import override_settings
from django.urls import reverse

from ravao.accounts.models import Membership, Role
from ravao.places.models import Area, Shift, Venue
from ravao.test import RavaoTestCase

VENUE_FORM = {
    "name": "Quán Phở Hạ Bằng",
    "kind": "restaurant",
    "address": "Thôn 2, Hạ Bằng",
    "phone": "0912 000 111",
    "opens_at": "06:00",
    "closes_at": "21:00",
    "typical_stay_minutes": "",
}


class RegisterVenueTests(RavaoTestCase):
    def form(self, **changes):
        return {**VENUE_FORM, "commune": self.units["ha_bang"].pk, **changes}

    def test_it_registers_a_pending_venue(self):
        self.login(self.alice)
        response = self.client.post(reverse("places:venue_new"), self.form())
        venue = Venue.objects.get(name="Quán Phở Hạ Bằng")
        self.assertRedirects(response, reverse("places:venue", args=[venue.pk]))
        self.assertEqual(venue.status, "pending")
        self.assertEqual(venue.phone, "0912000111")
        self.assertEqual(venue.code, f"V{venue.pk:06d}")
        self.assertTrue(
            Membership.objects.filter(user=self.alice, venue=venue, role=Role.VENUE_MANAGER).exists()
        )

    @override_settings(RAVAO_AUTO_APPROVE_VENUES=True)
    def test_auto_approval(self):
        self.login(self.alice)
        self.client.post(reverse("places:venue_new"), self.form())
        self.assertEqual(Venue.objects.get(name="Quán Phở Hạ Bằng").status, "active")

    def test_bad_input(self):
        self.login(self.alice)
        response = self.client.post(reverse("places:venue_new"), self.form(phone="abc", commune="999999"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Venue.objects.filter(name="Quán Phở Hạ Bằng").exists())

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(reverse("places:venue_new"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_wrong_method(self):
        self.login(self.alice)
        self.assertEqual(self.client.put(reverse("places:venue_new")).status_code, 405)


class VenueAccessTests(RavaoTestCase):
    def test_who_sees_venue_a(self):
        url = reverse("places:venue", args=[self.venue_a.pk])
        expected = {
            self.alice: 200,
            self.sam: 200,
            self.carol: 200,
            self.dan: 200,
            self.bob: 404,
            self.cuong: 404,
            self.hana: 404,
        }
        for user, status in expected.items():
            with self.subTest(user=user.full_name):
                self.login(user)
                response = self.client.get(url)
                self.assertEqual(response.status_code, status)
                if status == 404:
                    self.assertNotContains(response, self.venue_a.name, status_code=404)

    def test_only_managers_manage(self):
        for user in (self.sam, self.bob, self.carol):
            with self.subTest(user=user.full_name):
                self.login(user)
                response = self.client.post(reverse("places:rotate", args=[self.venue_a.pk]))
                self.assertEqual(response.status_code, 404)
        old = self.venue_a.qr_code
        self.login(self.alice)
        self.client.post(reverse("places:rotate", args=[self.venue_a.pk]), {"confirm": "yes"})
        self.venue_a.refresh_from_db()
        self.assertNotEqual(self.venue_a.qr_code, old)

    def test_guessing_ids_reveals_nothing(self):
        self.login(self.bob)
        for url in (
            reverse("places:venue", args=[999999]),
            reverse("places:poster", args=[self.venue_a.pk, "pdf"]),
            reverse("places:venue_edit", args=[self.venue_a.pk]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)


class AreasAndShiftsTests(RavaoTestCase):
    def setUp(self):
        self.login(self.alice)

    def test_add_area_and_shift(self):
        self.client.post(
            reverse("places:area_add", args=[self.venue_a.pk]), {"name": "Dây chuyền 1", "kind": "line"}
        )
        self.client.post(
            reverse("places:shift_add", args=[self.venue_a.pk]),
            {"name": "Ca 3", "starts_at": "22:00", "ends_at": "06:00"},
        )
        self.assertTrue(Area.objects.filter(venue=self.venue_a, name="Dây chuyền 1").exists())
        self.assertTrue(Shift.objects.filter(venue=self.venue_a, name="Ca 3").exists())

    def test_bad_area_and_shift(self):
        self.client.post(reverse("places:area_add", args=[self.venue_a.pk]), {"name": "X", "kind": "line"})
        duplicate = self.client.post(
            reverse("places:area_add", args=[self.venue_a.pk]), {"name": "X", "kind": "line"}
        )
        self.assertEqual(duplicate.status_code, 400)
        empty = self.client.post(
            reverse("places:shift_add", args=[self.venue_a.pk]),
            {"name": "Ca", "starts_at": "08:00", "ends_at": "08:00"},
        )
        self.assertEqual(empty.status_code, 400)
        self.assertEqual(Shift.objects.count(), 0)

    def test_other_manager_cannot_add(self):
        self.login(self.bob)
        response = self.client.post(
            reverse("places:area_add", args=[self.venue_a.pk]), {"name": "Y", "kind": "room"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Area.objects.filter(name="Y").exists())


class PosterDownloadTests(RavaoTestCase):
    def test_pdf_png_svg(self):
        self.login(self.sam)
        for fmt, content_type in (("pdf", "application/pdf"), ("png", "image/png"), ("svg", "image/svg+xml")):
            with self.subTest(fmt=fmt):
                response = self.client.get(reverse("places:poster", args=[self.venue_a.pk, fmt]))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], content_type)
        self.assertEqual(
            self.client.get(reverse("places:poster", args=[self.venue_a.pk, "exe"])).status_code, 404
        )

    def test_area_poster(self):
        area = Area.objects.create(venue=self.venue_a, name="Nhà ăn", kind="room")
        self.login(self.alice)
        response = self.client.get(reverse("places:area_poster", args=[area.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_commune_batch(self):
        self.login(self.carol)
        response = self.client.get(reverse("places:unit_posters", args=[self.units["ha_bang"].pk]))
        self.assertEqual(response.status_code, 200)
        self.login(self.cuong)
        response = self.client.get(reverse("places:unit_posters", args=[self.units["ha_bang"].pk]))
        self.assertEqual(response.status_code, 404)


class ApprovalTests(RavaoTestCase):
    def test_commune_approves_its_own_venues_only(self):
        self.venue_a.status = "pending"
        self.venue_a.save()
        url = reverse("places:venue_status", args=[self.venue_a.pk])
        self.login(self.cuong)
        self.assertEqual(self.client.post(url, {"status": "active"}).status_code, 404)
        self.login(self.alice)  # a manager cannot approve their own venue
        self.assertEqual(self.client.post(url, {"status": "active"}).status_code, 404)
        self.login(self.carol)
        response = self.client.post(url, {"status": "active", "next": "https://evil.example/"})
        self.assertEqual(response["Location"], reverse("places:venue", args=[self.venue_a.pk]))
        self.venue_a.refresh_from_db()
        self.assertEqual(self.venue_a.status, "active")
        self.assertEqual(self.venue_a.approved_by, self.carol)

    def test_bad_status(self):
        self.login(self.carol)
        self.client.post(reverse("places:venue_status", args=[self.venue_a.pk]), {"status": "deleted"})
        self.venue_a.refresh_from_db()
        self.assertEqual(self.venue_a.status, "active")

    def test_unit_page(self):
        self.login(self.carol)
        response = self.client.get(reverse("places:unit_venues", args=[self.units["ha_bang"].pk]))
        self.assertContains(response, self.venue_a.name)
        self.assertNotContains(response, self.venue_b.name)
        self.assertEqual(
            self.client.get(reverse("places:unit_venues", args=[self.units["district"].pk])).status_code, 404
        )
        self.login(self.dan)
        response = self.client.get(reverse("places:unit_venues", args=[self.units["district"].pk]))
        self.assertContains(response, self.venue_b.name)


class StaffInvitationTests(RavaoTestCase):
    def test_invite_and_accept(self):
        self.login(self.alice)
        self.client.post(
            reverse("places:invite", args=[self.venue_a.pk]),
            {"full_name": "Lê Văn Gác", "login": "0933 111 222"},
        )
        invitation = self.venue_a.invitations.get()
        self.client.logout()
        response = self.client.post(
            reverse("accounts:invitation", args=[invitation.token]), {"password": "gate-keeper-2021"}
        )
        self.assertRedirects(response, reverse("places:dashboard"))
        self.assertTrue(
            Membership.objects.filter(
                user__username="0933111222", venue=self.venue_a, role="venue_staff"
            ).exists()
        )
        # The link works once.
        self.assertEqual(
            self.client.get(reverse("accounts:invitation", args=[invitation.token])).status_code, 404
        )

    def test_bad_invite(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("places:invite", args=[self.venue_a.pk]), {"full_name": "X", "login": "nope"}
        )
        self.assertEqual(response.status_code, 400)
