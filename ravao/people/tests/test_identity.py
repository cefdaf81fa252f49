"""Phone possession (issue 9): what a device that typed someone else's phone may see and change."""

from django.test import Client
from django.urls import reverse

from ravao.checkins.models import CheckIn
from ravao.checkins.tests.test_scan import FIRST_VISIT
from ravao.people.models import Device
from ravao.people.selectors import person_latest_declaration, person_status
from ravao.test import RavaoTestCase


class StrangerTypesAKnownPhoneTests(RavaoTestCase):
    """Issue 9, finding 1: on a new phone, the first-visit form with someone else's phone number and any
    name showed the other person's full name, made the stranger's declaration theirs, and put the visit
    in their history."""

    def _stranger_visit(self, **extra: str) -> tuple[Client, object]:
        client = Client()
        data = {
            **FIRST_VISIT,
            "phone": self.visitor.phone,
            "full_name": "Kẻ Mạo Danh",
            "cough": "True",
            "client_id": self.new_client_id(),
            **extra,
        }
        response = client.post(reverse("checkins:scan", args=[self.venue_a.qr_code]), data)
        return client, response

    def test_the_confirmation_does_not_show_the_persons_name(self):
        """Issue 9, finding 1 (name shown)."""
        _client, response = self._stranger_visit()
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Nguyễn Văn An")
        self.assertContains(response, "Kẻ Mạo Danh")

    def test_the_persons_status_and_declaration_do_not_change(self):
        """Issue 9, finding 1 (status turned from green to yellow: the declaration became theirs)."""
        from django.utils import timezone

        before = person_latest_declaration(self.visitor)
        self.assertEqual(person_status(self.visitor, before, now=timezone.now()), "green")
        self._stranger_visit()
        self.visitor.refresh_from_db()
        after = person_latest_declaration(self.visitor)
        self.assertEqual(after, before)
        self.assertEqual(person_status(self.visitor, after, now=timezone.now()), "green")
        self.assertEqual(self.visitor.full_name, "Nguyễn Văn An")

    def test_the_visit_is_not_in_the_persons_history(self):
        """Issue 9, finding 1 (the visit landed in their history, and so in tracing)."""
        self._stranger_visit()
        self.assertFalse(CheckIn.objects.filter(person=self.visitor).exists())
        response = self.device_client().get(reverse("people:me"))
        self.assertNotContains(response, "Công ty May Hạ Bằng")
        # The stranger's visit is kept (tracing needs it), on a person of its own.
        stranger_device = Device.objects.exclude(pk=self.visitor_device.pk).get()
        self.assertNotEqual(stranger_device.person_id, self.visitor.pk)
        self.assertEqual(CheckIn.objects.get().person_id, stranger_device.person_id)

    def test_the_strangers_own_page_shows_only_what_it_typed(self):
        """Issue 9, finding 1: the stranger's personal page shows its own name and visit, nothing else."""
        client, _response = self._stranger_visit()
        page = client.get(reverse("people:me"))
        self.assertContains(page, "Kẻ Mạo Danh")
        self.assertNotContains(page, "Nguyễn Văn An")
        self.assertContains(page, "Công ty May Hạ Bằng")
