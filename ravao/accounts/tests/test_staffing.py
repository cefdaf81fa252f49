"""Staffing pages (issue 10, item 1): a district admin invites, changes and removes officials."""

from datetime import timedelta
from unittest import mock

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ravao.accounts.models import Invitation, Membership, Role, User
from ravao.lib.sms import LoggingSmsSender
from ravao.privacy.models import AuditEvent
from ravao.security.services import recovery_codes_issue
from ravao.test import PASSWORD, RavaoTestCase


class StaffPageTests(RavaoTestCase):
    def url(self, unit: str = "district") -> str:
        return reverse("accounts:staff", args=[self.units[unit].pk])

    def test_it_lists_who_serves_since_when_and_granted_by_whom(self):
        Membership.objects.filter(user=self.hana).update(granted_by=self.dan)
        self.login(self.dan)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        # The district's own staff and those of its communes.
        for name in ("Hana", "Dan", "Carol", "Cường"):
            self.assertContains(response, name)
        hana_row = next(row for row in response.context["rows"] if row["membership"].user == self.hana)
        self.assertEqual(hana_row["membership"].granted_by, self.dan)
        self.assertTrue(hana_row["may_reset_2fa"])
        # Dan may not change his own role from here.
        dan_row = next(row for row in response.context["rows"] if row["membership"].user == self.dan)
        self.assertFalse(dan_row["may_reset_2fa"])

    def test_a_commune_page_lists_only_the_commune(self):
        self.login(self.dan)
        response = self.client.get(self.url("ha_bang"))
        self.assertContains(response, "Carol")
        self.assertNotContains(response, "Cường")

    def test_anonymous_goes_to_login(self):
        response = self.client.get(self.url())
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={self.url()}")

    def test_wrong_roles_and_units_get_404(self):
        for user in (self.alice, self.sam, self.hana, self.carol):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404, user)
        # A district admin of another district sees nothing of this one.
        other = self.make_other_district_admin()
        self.login(other)
        self.assertEqual(self.client.get(self.url("ha_bang")).status_code, 404)
        self.assertEqual(self.client.get(reverse("accounts:staff", args=[999999])).status_code, 404)

    def test_wrong_method(self):
        self.login(self.dan)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def make_other_district_admin(self) -> User:
        from ravao.places.models import AdminUnit

        other = AdminUnit.objects.create(
            code="t-277",
            name="Huyện Quốc Oai",
            level="district",
            parent=self.units["province"],
            path="t/01/277/",
        )
        return self.make_user("0900000099", "Oanh", Role.DISTRICT_ADMIN, unit=other)


class InviteTests(RavaoTestCase):
    def invite(self, **data):
        payload = {
            "full_name": "Trần Thị Y Tế",
            "login": "0977 123 456",
            "role": Role.HEALTH_OFFICER,
            "unit": self.units["ha_bang"].pk,
        } | data
        return self.client.post(reverse("accounts:staff_invite", args=[self.units["district"].pk]), payload)

    def test_invite_shows_the_link_once_and_the_official_joins(self):
        self.login(self.dan)
        response = self.invite()
        self.assertRedirects(
            response,
            reverse("accounts:staff", args=[self.units["district"].pk]),
            fetch_redirect_response=False,
        )
        invitation = Invitation.objects.get(login="0977123456")
        self.assertEqual((invitation.unit, invitation.role), (self.units["ha_bang"], Role.HEALTH_OFFICER))
        link = reverse("accounts:invitation", args=[invitation.token])
        page = self.client.get(response["Location"])
        self.assertContains(page, link)
        self.assertContains(page, "Trần Thị Y Tế")
        # Shown once: a reload lists the invitation, not the link.
        self.assertNotContains(self.client.get(response["Location"]), link)
        self.assertTrue(
            AuditEvent.objects.filter(
                actor=self.dan, action="staffing.invite", object_id=str(self.units["ha_bang"].pk)
            )
        )

        self.client.logout()
        response = self.client.post(link, {"password": "health-station-2021"})
        self.assertRedirects(response, reverse("places:dashboard"), fetch_redirect_response=False)
        membership = Membership.objects.get(user__username="0977123456")
        self.assertEqual(
            (membership.role, membership.unit, membership.granted_by),
            (Role.HEALTH_OFFICER, self.units["ha_bang"], self.dan),
        )
        self.assertTrue(
            AuditEvent.objects.filter(action="staffing.grant", details__member=membership.user_id)
        )
        # The link works once.
        self.assertEqual(self.client.get(link).status_code, 404)
        # The history of the district lists the invitation and the grant.
        self.login(self.dan)
        history = self.client.get(reverse("accounts:staff", args=[self.units["district"].pk])).context[
            "history"
        ]
        self.assertEqual(len(history), 2)

    def test_an_existing_account_joins_by_logging_in_as_itself(self):
        self.login(self.dan)
        self.invite(login=self.alice.username, role=Role.COMMUNE_OFFICIAL)
        link = reverse("accounts:invitation", args=[Invitation.objects.get().token])
        self.login(self.bob)  # someone else holding the link gets the "log in first" page
        self.assertContains(self.client.get(link), reverse("accounts:login"))
        self.assertEqual(self.client.post(link).status_code, 200)
        self.assertFalse(Membership.objects.filter(user=self.alice, role=Role.COMMUNE_OFFICIAL).exists())
        self.login(self.alice)
        self.assertEqual(self.client.post(link).status_code, 302)
        self.assertTrue(
            Membership.objects.filter(
                user=self.alice, role=Role.COMMUNE_OFFICIAL, unit=self.units["ha_bang"]
            ).exists()
        )

    def test_an_email_login_gets_the_link_by_email(self):
        self.login(self.dan)
        self.invite(login="y.te@example.vn")
        invitation = Invitation.objects.get(login="y.te@example.vn")
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(invitation.token, mail.outbox[0].body)

    def test_the_link_expires(self):
        self.login(self.dan)
        self.invite()
        invitation = Invitation.objects.get()
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            self.client.logout()
            self.assertEqual(
                self.client.get(reverse("accounts:invitation", args=[invitation.token])).status_code, 404
            )

    def test_a_retried_invite_renews_the_one_invitation(self):
        self.login(self.dan)
        self.invite()
        first = Invitation.objects.get().token
        self.invite()
        self.assertEqual(Invitation.objects.count(), 1)
        self.assertNotEqual(Invitation.objects.get().token, first)
        self.assertEqual(self.client.get(reverse("accounts:invitation", args=[first])).status_code, 404)

    def test_bad_input(self):
        self.login(self.dan)
        cases = [
            {"login": "not a phone"},
            {"full_name": ""},
            {"role": "venue_manager"},
            {"role": "king"},
            {"unit": "abc"},
            {"unit": self.units["province"].pk},  # above the admin's own unit
            # A commune official serves a commune, not a district.
            {"role": Role.COMMUNE_OFFICIAL, "unit": self.units["district"].pk},
            {"full_name": "<script>"},
        ]
        for data in cases:
            response = self.invite(**data)
            self.assertEqual(response.status_code, 400, data)
        self.assertFalse(Invitation.objects.exists())

    def test_anonymous_and_wrong_roles(self):
        self.assertEqual(self.invite().status_code, 302)
        for user in (self.alice, self.hana, self.carol):
            self.login(user)
            self.assertEqual(self.invite().status_code, 404, user)
        self.assertFalse(Invitation.objects.exists())

    def test_wrong_method(self):
        self.login(self.dan)
        url = reverse("accounts:staff_invite", args=[self.units["district"].pk])
        self.assertEqual(self.client.get(url).status_code, 405)


class CommuneInvitesHealthStaffTests(RavaoTestCase):
    """RAVAO_COMMUNE_MAY_INVITE_HEALTH_STAFF: off by default; on, a commune official invites health staff."""

    def invite(self, role=Role.HEALTH_OFFICER):
        return self.client.post(
            reverse("accounts:staff_invite", args=[self.units["ha_bang"].pk]),
            {"full_name": "Y Tá Xã", "login": "0977000111", "role": role, "unit": self.units["ha_bang"].pk},
        )

    def test_off_by_default(self):
        self.login(self.carol)
        self.assertEqual(
            self.client.get(reverse("accounts:staff", args=[self.units["ha_bang"].pk])).status_code, 404
        )
        self.assertEqual(self.invite().status_code, 404)

    @mock.patch("ravao.accounts.conf.COMMUNE_MAY_INVITE_HEALTH_STAFF", True)
    def test_on_the_commune_official_invites_health_officers_only(self):
        self.login(self.carol)
        self.assertEqual(
            self.client.get(reverse("accounts:staff", args=[self.units["ha_bang"].pk])).status_code, 200
        )
        self.assertEqual(self.invite(role=Role.COMMUNE_OFFICIAL).status_code, 400)
        self.assertEqual(self.invite().status_code, 302)
        self.assertEqual(Invitation.objects.get().role, Role.HEALTH_OFFICER)
        # Not another commune, not the district.
        self.assertEqual(
            self.client.get(reverse("accounts:staff", args=[self.units["lien_quan"].pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("accounts:staff", args=[self.units["district"].pk])).status_code, 404
        )
        # Carol cannot change Cường's or her own membership (commune official is not hers to grant).
        carol_membership = self.carol.memberships.get()
        response = self.client.post(reverse("accounts:staff_remove", args=[carol_membership.pk]))
        self.assertEqual(response.status_code, 404)


class ChangeAndRemoveTests(RavaoTestCase):
    def test_change_role(self):
        self.login(self.dan)
        membership = self.carol.memberships.get()
        url = reverse("accounts:staff_role", args=[membership.pk])
        response = self.client.post(url, {"role": Role.HEALTH_OFFICER, "back": self.units["district"].pk})
        self.assertRedirects(response, reverse("accounts:staff", args=[self.units["district"].pk]))
        membership.refresh_from_db()
        self.assertEqual(membership.role, Role.HEALTH_OFFICER)
        event = AuditEvent.objects.get(action="staffing.change")
        self.assertEqual(event.details["previous_role"], Role.COMMUNE_OFFICIAL)
        # Retried: nothing changes, no second event.
        self.client.post(url, {"role": Role.HEALTH_OFFICER})
        self.assertEqual(AuditEvent.objects.filter(action="staffing.change").count(), 1)

    def test_change_role_bad_input(self):
        self.login(self.dan)
        membership = self.carol.memberships.get()
        url = reverse("accounts:staff_role", args=[membership.pk])
        for role in ("", "king", Role.DISTRICT_ADMIN, Role.VENUE_STAFF):  # a commune has no district admin
            self.assertEqual(self.client.post(url, {"role": role}).status_code, 400, role)
        # Own role: refused.
        own = reverse("accounts:staff_role", args=[self.dan.memberships.get().pk])
        self.assertEqual(self.client.post(own, {"role": Role.HEALTH_OFFICER}).status_code, 400)
        membership.refresh_from_db()
        self.assertEqual(membership.role, Role.COMMUNE_OFFICIAL)

    def test_change_role_anonymous_wrong_role_wrong_method(self):
        url = reverse("accounts:staff_role", args=[self.carol.memberships.get().pk])
        self.assertEqual(self.client.post(url, {"role": Role.HEALTH_OFFICER}).status_code, 302)
        for user in (self.hana, self.cuong, self.alice):
            self.login(user)
            self.assertEqual(self.client.post(url, {"role": Role.HEALTH_OFFICER}).status_code, 404)
        self.login(self.dan)
        self.assertEqual(self.client.get(url).status_code, 405)
        # A venue membership is not staffed here.
        venue_url = reverse("accounts:staff_role", args=[self.alice.memberships.get().pk])
        self.assertEqual(self.client.post(venue_url, {"role": Role.HEALTH_OFFICER}).status_code, 404)

    def test_a_removed_official_loses_access_at_once(self):
        hana = self.client_class()
        hana.force_login(self.hana, backend="django.contrib.auth.backends.ModelBackend")
        with self.settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False):
            self.assertEqual(hana.get("/tracing/").status_code, 200)
            self.login(self.dan)
            membership = self.hana.memberships.get()
            url = reverse("accounts:staff_remove", args=[membership.pk])
            response = self.client.post(url, {"back": self.units["district"].pk})
            self.assertRedirects(response, reverse("accounts:staff", args=[self.units["district"].pk]))
            self.assertFalse(Membership.objects.filter(pk=membership.pk).exists())
            # The same session, the next request: refused.
            self.assertEqual(hana.get("/tracing/").status_code, 403)
        event = AuditEvent.objects.get(action="staffing.remove")
        self.assertEqual((event.actor, event.details["member"]), (self.dan, self.hana.pk))
        # Retried: the membership is gone.
        self.assertEqual(self.client.post(url).status_code, 404)

    def test_remove_refusals(self):
        url = reverse("accounts:staff_remove", args=[self.hana.memberships.get().pk])
        self.assertEqual(self.client.post(url).status_code, 302)
        for user in (self.hana, self.carol, self.bob):
            self.login(user)
            self.assertEqual(self.client.post(url).status_code, 404)
        self.login(self.dan)
        self.assertEqual(self.client.get(url).status_code, 405)
        own = reverse("accounts:staff_remove", args=[self.dan.memberships.get().pk])
        self.assertEqual(self.client.post(own).status_code, 400)
        self.assertEqual(Membership.objects.filter(user__in=[self.dan, self.hana]).count(), 2)
        self.assertEqual(self.client.post(reverse("accounts:staff_remove", args=[999999])).status_code, 404)


class ResetSecondFactorTests(RavaoTestCase):
    def setUp(self):
        super().setUp()
        TOTPDevice.objects.create(user=self.hana, name="ravao", confirmed=True)
        recovery_codes_issue(user=self.hana)
        self.hana.email = "hana@example.vn"
        self.hana.save()
        self.url = reverse("accounts:staff_reset_2fa", args=[self.hana.memberships.get().pk])

    def test_the_admin_resets_and_the_user_is_told(self):
        LoggingSmsSender.outbox = []
        self.login(self.dan)
        response = self.client.post(self.url, {"back": self.units["district"].pk})
        self.assertRedirects(response, reverse("accounts:staff", args=[self.units["district"].pk]))
        self.assertFalse(TOTPDevice.objects.filter(user=self.hana).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.hana).exists())
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.dan, action="account.otp_reset", object_id=str(self.hana.pk))
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["hana@example.vn"])
        self.assertEqual(LoggingSmsSender.outbox[-1][0], self.hana.phone)
        # Retried: nothing left to remove, still fine.
        self.assertEqual(self.client.post(self.url).status_code, 302)

        # The next login says so, once.
        self.client.logout()
        self.client.cookies["django_language"] = "en"
        response = self.client.post(
            reverse("accounts:login"), {"username": self.hana.username, "password": PASSWORD}, follow=True
        )
        self.assertContains(response, "reset your two-factor login")
        self.hana.refresh_from_db()
        self.assertIsNone(self.hana.second_factor_reset_at)

    def test_refusals(self):
        self.assertEqual(self.client.post(self.url).status_code, 302)
        with mock.patch("ravao.accounts.conf.COMMUNE_MAY_INVITE_HEALTH_STAFF", True):
            # (Hana herself has a device: her unverified session is sent to the code page first.)
            for user in (self.cuong, self.carol, self.alice):
                self.login(user)
                self.assertEqual(self.client.post(self.url).status_code, 404)
            # A commune official who may invite health staff still may not reset a second factor.
            Membership.objects.filter(user=self.hana).update(unit=self.units["ha_bang"])
            self.login(self.carol)
            self.assertEqual(self.client.post(self.url).status_code, 404)
        self.login(self.dan)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        own = reverse("accounts:staff_reset_2fa", args=[self.dan.memberships.get().pk])
        self.assertEqual(self.client.post(own).status_code, 400)
        self.assertTrue(TOTPDevice.objects.filter(user=self.hana).exists())


class StaffPageQueriesTests(RavaoTestCase):
    def count_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.dan)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(
                self.client.get(reverse("accounts:staff", args=[self.units["district"].pk])).status_code, 200
            )
        return len(queries)

    def test_queries_do_not_grow_with_units_and_staff(self):
        from ravao.places.models import AdminUnit

        before = self.count_queries()
        for number in range(20):
            commune = AdminUnit.objects.create(
                code=f"t-2{number:04d}",
                name=f"Xã {number}",
                level="commune",
                parent=self.units["district"],
                path=f"t/01/276/2{number:04d}/",
            )
            self.make_user(f"09100000{number:02d}", f"Cán bộ {number}", Role.COMMUNE_OFFICIAL, unit=commune)
        self.assertEqual(self.count_queries(), before)
