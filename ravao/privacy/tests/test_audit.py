from django.urls import reverse

from ravao.privacy.models import AuditEvent
from ravao.privacy.selectors import audit_events_about
from ravao.privacy.services import audit_record
from ravao.test import RavaoTestCase


class AuditWritesTests(RavaoTestCase):
    def test_venue_approval_is_audited(self):
        self.venue_a.status = "pending"
        self.venue_a.save()
        self.login(self.carol)
        self.client.post(reverse("places:venue_status", args=[self.venue_a.pk]), {"status": "active"})
        event = AuditEvent.objects.get(action="venue.status")
        self.assertEqual(event.actor, self.carol)
        self.assertEqual(event.object_id, str(self.venue_a.pk))
        self.assertEqual(event.ip_address, None)  # services have no request; reads by officials record it

    def test_area_changes_are_audited(self):
        self.login(self.alice)
        self.client.post(reverse("places:area_add", args=[self.venue_a.pk]), {"name": "Kho", "kind": "room"})
        self.assertTrue(AuditEvent.objects.filter(action="area.create", actor=self.alice).exists())


class AuditLogPageTests(RavaoTestCase):
    def setUp(self):
        audit_record(
            actor=self.hana,
            action="gate.lookup",
            person_id=self.visitor.pk,
            reason="case:7",
            role="health_officer",
        )
        audit_record(actor=self.alice, action="venue.update", obj=self.venue_a)

    def test_district_admin_reviews_and_filters(self):
        self.login(self.dan)
        response = self.client.get(reverse("privacy:audit_log"))
        self.assertContains(response, "gate.lookup")
        response = self.client.get(reverse("privacy:audit_log"), {"action": "venue"})
        self.assertContains(response, "venue.update")
        self.assertNotContains(response, "gate.lookup")
        response = self.client.get(reverse("privacy:audit_log"), {"person_phone": "0912 345 678"})
        self.assertContains(response, "case:7")
        # The person filter itself is a read of personal data and is audited.
        self.assertTrue(AuditEvent.objects.filter(action="audit.person_filter", actor=self.dan).exists())

    def test_bad_filters(self):
        self.login(self.dan)
        response = self.client.get(reverse("privacy:audit_log"), {"person_phone": "x", "since": "yesterday"})
        self.assertEqual(response.status_code, 400)
        response = self.client.get(reverse("privacy:audit_log"), {"action": "' OR 1=1 --<script>"})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<script>")

    def test_others_cannot_see_it(self):
        for user in (self.alice, self.carol, self.hana):
            with self.subTest(user=user.full_name):
                self.login(user)
                self.assertEqual(self.client.get(reverse("privacy:audit_log")).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("privacy:audit_log")).status_code, 302)

    def test_wrong_method(self):
        self.login(self.dan)
        self.assertEqual(self.client.post(reverse("privacy:audit_log")).status_code, 405)

    def test_person_sees_official_reads_only(self):
        events = list(audit_events_about(self.visitor.pk))
        self.assertEqual([e.action for e in events], ["gate.lookup"])
