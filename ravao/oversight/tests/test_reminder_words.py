"""Reminders name the authority by its office, not a district that the two-level map no longer has
(issue 14, item 1: "Theo chỉ đạo của huyện…")."""

from django.utils import timezone

from ravao.accounts.models import Role
from ravao.notifications.models import Notification
from ravao.oversight.services import venue_remind
from ravao.test import RavaoTestCase


class ReminderWordsTests(RavaoTestCase):
    def test_the_reminder_names_the_commune_office_not_a_district(self) -> None:
        """Issue 14, finding 1: reminder e-mails said "Theo chỉ đạo của huyện"."""
        self.alice.email = "alice@example.vn"
        self.alice.save()
        venue_remind(
            venue=self.venue_a, by=self.carol, now=timezone.now(), idle_days=3, role=Role.COMMUNE_OFFICIAL
        )
        body = Notification.objects.get(channel=Notification.Channel.EMAIL).body
        self.assertIn("Theo chỉ đạo của UBND Xã Hạ Bằng, mọi địa điểm", body)
        self.assertIn("By order of Xã Hạ Bằng People's Committee, every venue", body)
        self.assertIn("— UBND Xã Hạ Bằng, gửi qua ravao", body)
        self.assertNotIn("huyện", body)
        self.assertNotIn("district", body)
