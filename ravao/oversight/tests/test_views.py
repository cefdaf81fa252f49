"""The oversight pages: who sees what, downloads, the audited list of people, and bad input."""

import io

from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from ravao.notifications.services import notifications_send_due
from ravao.oversight.models import Reminder
from ravao.oversight.tests.base import OversightTestCase
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTwoLevelTestCase


class IndexTest(OversightTestCase):
    def test_an_official_goes_to_their_unit(self) -> None:
        self.login(self.carol)
        response = self.client.get(reverse("oversight:index"))
        self.assertRedirects(response, reverse("oversight:unit", args=[self.units["ha_bang"].pk]))

    def test_a_manager_goes_to_their_venue(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("oversight:index"))
        self.assertRedirects(response, reverse("oversight:venue", args=[self.venue_a.pk]))

    def test_it_needs_a_login(self) -> None:
        response = self.client.get(reverse("oversight:index"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_a_health_officer_has_no_oversight_page(self) -> None:
        self.login(self.hana)
        self.assertEqual(self.client.get(reverse("oversight:index")).status_code, 404)


class UnitPageTest(OversightTestCase):
    def url(self, unit: str = "ha_bang", **kwargs: object) -> str:
        return reverse("oversight:unit", args=[self.units[unit].pk])

    def test_it_works_for_the_commune_official(self) -> None:
        self.make_week()
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tạp hoá Cô Ba")  # never scanned: listed with a remind button
        self.assertContains(response, reverse("oversight:remind", args=[self.venue_c.pk]))
        self.assertNotContains(response, "Chợ Liên Quan")  # another commune
        self.assertContains(response, 'id="chart-days"')
        self.assertContains(response, 'id="oversight-chart"')
        self.assertContains(response, "chart.umd.min.js")
        self.assertNotContains(response, "Nguyễn Văn An")  # numbers, not people
        self.assertNotContains(response, "<script>")

    def test_the_district_admin_drills_down(self) -> None:
        self.make_week()
        self.login(self.dan)
        response = self.client.get(self.url("district"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("oversight:unit", args=[self.units["ha_bang"].pk]))
        self.assertContains(response, reverse("oversight:unit", args=[self.units["lien_quan"].pk]))
        commune = self.client.get(self.url("lien_quan"))
        self.assertEqual(commune.status_code, 200)
        self.assertContains(
            commune, reverse("oversight:unit", args=[self.units["district"].pk])
        )  # breadcrumb

    def test_the_query_count_does_not_grow_with_the_venues(self) -> None:
        self.make_week()
        self.login(self.dan)
        self.client.get(self.url("district"))
        with self.assertNumQueries(self._queries()):
            self.client.get(self.url("district"))
        for n in range(5):
            self.venue(f"V-X{n}", f"Quán {n}", "shop", "lien_quan", created=self.venue_a.created_at)
        with self.assertNumQueries(self._queries()):
            self.client.get(self.url("district"))

    def _queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.client.get(self.url("district"))
        return len(ctx.captured_queries)

    def test_another_commune_is_not_found(self) -> None:
        self.login(self.cuong)
        self.assertEqual(self.client.get(self.url("ha_bang")).status_code, 404)
        self.assertEqual(self.client.get(self.url("district")).status_code, 404)

    def test_a_manager_or_health_officer_is_refused(self) -> None:
        for user in (self.alice, self.sam, self.hana):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_anonymous_is_sent_to_the_login(self) -> None:
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)

    def test_post_is_refused(self) -> None:
        self.login(self.carol)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_a_missing_unit_or_a_bad_page_number(self) -> None:
        self.login(self.dan)
        self.assertEqual(self.client.get(reverse("oversight:unit", args=[999999])).status_code, 404)
        for page in ("abc", "-1", "99999999999", "0"):
            self.assertEqual(self.client.get(self.url(), {"page": page}).status_code, 200)


class DownloadTest(OversightTestCase):
    def test_every_table_downloads_as_csv_and_xlsx(self) -> None:
        self.make_week()
        self.login(self.dan)
        unit = self.units["district"].pk
        for table in ("areas", "kinds", "idle", "days", "hours", "methods"):
            csv = self.client.get(reverse("oversight:unit_export", args=[unit, table, "csv"]))
            self.assertEqual(csv.status_code, 200, table)
            self.assertTrue(csv.content.startswith("\ufeff".encode()), table)
            self.assertIn("attachment;", csv["Content-Disposition"])
            xlsx = self.client.get(reverse("oversight:unit_export", args=[unit, table, "xlsx"]))
            self.assertEqual(xlsx.status_code, 200, table)
            load_workbook(io.BytesIO(xlsx.content))
        for table in ("days", "hours"):
            response = self.client.get(
                reverse("oversight:venue_export", args=[self.venue_a.pk, table, "xlsx"])
            )
            self.assertEqual(response.status_code, 200)

    def test_a_venue_name_that_looks_like_a_formula_is_neutralised(self) -> None:
        self.venue_c.name = '=HYPERLINK("http://evil","x")'
        self.venue_c.save()
        self.login(self.carol)
        csv = self.client.get(
            reverse("oversight:unit_export", args=[self.units["ha_bang"].pk, "idle", "csv"])
        )
        self.assertIn("'=HYPERLINK", csv.content.decode("utf-8-sig"))
        xlsx = self.client.get(
            reverse("oversight:unit_export", args=[self.units["ha_bang"].pk, "idle", "xlsx"])
        )
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [c.value for row in sheet.iter_rows() for c in row]
        self.assertIn('\'=HYPERLINK("http://evil","x")', values)

    def test_unknown_table_or_format_and_scope(self) -> None:
        self.login(self.carol)
        unit = self.units["ha_bang"].pk
        self.assertEqual(
            self.client.get(reverse("oversight:unit_export", args=[unit, "people", "csv"])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("oversight:unit_export", args=[unit, "days", "pdf"])).status_code, 404
        )
        other = self.units["lien_quan"].pk
        self.assertEqual(
            self.client.get(reverse("oversight:unit_export", args=[other, "days", "csv"])).status_code, 404
        )
        self.client.logout()
        self.assertEqual(
            self.client.get(reverse("oversight:unit_export", args=[unit, "days", "csv"])).status_code, 302
        )
        self.login(self.carol)
        self.assertEqual(
            self.client.post(reverse("oversight:unit_export", args=[unit, "days", "csv"])).status_code, 405
        )


class FlaggedPeopleTest(OversightTestCase):
    def test_names_are_masked_and_every_row_is_audited(self) -> None:
        self.make_week()
        self.login(self.carol)
        response = self.client.get(reverse("oversight:flagged", args=[self.units["ha_bang"].pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "T. T. B.")  # the yellow visitor of this morning
        self.assertNotContains(response, "Trần Thị Bình")
        events = AuditEvent.objects.filter(action="oversight.flagged_people", actor=self.carol)
        self.assertEqual(events.count(), 2)  # red yesterday + yellow today, both at the factory
        self.assertEqual({e.person_id for e in events}, {self.visitor.pk, self.other.pk})

    def test_pages(self) -> None:
        from unittest import mock

        self.make_week()
        self.login(self.carol)
        url = reverse("oversight:flagged", args=[self.units["ha_bang"].pk])
        with mock.patch("ravao.oversight.conf.PAGE_SIZE", 1):
            first = self.client.get(url)
            self.assertContains(first, "?page=2")
            second = self.client.get(url, {"page": "2"})
            self.assertContains(second, "?page=1")
            self.assertNotContains(second, "?page=3")
            self.assertEqual(self.client.get(url, {"page": "x"}).status_code, 200)
        # One audit event per row shown: page 1, page 2, page 1 again.
        self.assertEqual(AuditEvent.objects.filter(action="oversight.flagged_people").count(), 3)

    def test_scope_anonymous_and_method(self) -> None:
        url = reverse("oversight:flagged", args=[self.units["ha_bang"].pk])
        self.assertEqual(self.client.get(url).status_code, 302)
        self.login(self.cuong)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.alice)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.carol)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.assertFalse(AuditEvent.objects.filter(action="oversight.flagged_people").exists())


class VenuePageTest(OversightTestCase):
    def url(self) -> str:
        return reverse("oversight:venue", args=[self.venue_a.pk])

    def test_it_works_for_the_manager_and_the_staff(self) -> None:
        self.make_week()
        for user in (self.alice, self.sam):
            self.login(user)
            response = self.client.get(self.url())
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'id="chart-venue-hours"')
            self.assertContains(response, 'id="kpi-inside">1<')
            self.assertNotContains(response, reverse("oversight:remind", args=[self.venue_a.pk]))

    def test_the_commune_official_sees_it_with_a_remind_button(self) -> None:
        self.login(self.carol)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("oversight:remind", args=[self.venue_a.pk]))

    def test_others_are_refused(self) -> None:
        for user in (self.bob, self.cuong, self.hana):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(self.url()).status_code, 302)
        self.login(self.alice)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
        self.assertEqual(self.client.get(reverse("oversight:venue", args=[999999])).status_code, 404)


class RemindViewTest(OversightTestCase):
    def url(self) -> str:
        return reverse("oversight:remind", args=[self.venue_c.pk])

    def test_one_click_reminds_the_venue(self) -> None:
        manager = self.make_user("quan.ly@example.vn", "Chị Ba", "venue_manager", venue=self.venue_c)
        manager.phone = "0912000111"
        manager.save()
        self.login(self.carol)
        back = reverse("oversight:unit", args=[self.units["ha_bang"].pk])
        response = self.client.post(self.url(), {"next": back})
        self.assertRedirects(response, back, fetch_redirect_response=False)
        reminder = Reminder.objects.get(venue=self.venue_c)
        self.assertEqual(reminder.sent_by, self.carol)
        self.assertEqual(reminder.channel, "email+sms")
        notifications_send_due()  # the queued messages, as cron sends them
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["quan.ly@example.vn"])
        self.assertIn("Tạp hoá Cô Ba", mail.outbox[0].body)
        event = AuditEvent.objects.get(action="venue.remind", actor=self.carol)
        self.assertEqual((event.actor_role, event.object_id), ("commune_official", str(self.venue_c.pk)))
        # A second click the same day does not send again.
        self.client.post(self.url())
        self.assertEqual(Reminder.objects.filter(venue=self.venue_c).count(), 1)
        notifications_send_due()  # the queued messages, as cron sends them
        self.assertEqual(len(mail.outbox), 1)
        # The venue page shows it.
        page = self.client.get(reverse("oversight:venue", args=[self.venue_c.pk]))
        self.assertContains(page, 'id="reminders"')
        self.assertContains(page, "delivery-sent", count=2)  # the email and the SMS, each delivered
        self.assertContains(page, "Carol")

    def test_a_venue_without_a_manager_is_recorded_and_the_official_told(self) -> None:
        self.login(self.carol)
        response = self.client.post(self.url(), follow=True)
        self.assertEqual(response.status_code, 200)
        reminder = Reminder.objects.get(venue=self.venue_c)
        self.assertEqual(reminder.channel, "sms")  # the venue's own phone
        notifications_send_due()  # the queued messages, as cron sends them
        self.assertEqual(len(mail.outbox), 0)

    def test_the_district_admin_may_remind_too(self) -> None:
        self.login(self.dan)
        self.client.post(self.url())
        self.assertEqual(Reminder.objects.get(venue=self.venue_c).sent_by, self.dan)
        self.assertEqual(AuditEvent.objects.get(action="venue.remind").actor_role, "district_admin")

    def test_an_unsafe_next_is_ignored(self) -> None:
        self.login(self.carol)
        response = self.client.post(self.url(), {"next": "https://evil.example/"})
        self.assertRedirects(
            response, reverse("oversight:venue", args=[self.venue_c.pk]), fetch_redirect_response=False
        )

    def test_only_officials_of_the_commune_may_remind(self) -> None:
        for user in (self.alice, self.sam, self.cuong, self.hana):
            self.login(user)
            self.assertEqual(self.client.post(self.url()).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.post(self.url()).status_code, 302)
        self.login(self.carol)
        self.assertEqual(self.client.get(self.url()).status_code, 405)
        self.assertEqual(self.client.post(reverse("oversight:remind", args=[999999])).status_code, 404)
        self.assertFalse(Reminder.objects.exists())


class TwoLevelUnitPageTest(UnitPageTest, RavaoTwoLevelTestCase):
    """The unit page on today's map (issue 14, item 6): province → ward, no district in between."""
