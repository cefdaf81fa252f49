"""Issue 12, finding 7 (the visitor's pages): no symptom question is answered in advance, and an
unanswered one is refused with a clear message."""

import re

from django.test import Client
from django.urls import reverse

from ravao.checkins.models import CheckIn
from ravao.checkins.tests.test_scan import FIRST_VISIT
from ravao.people.models import HealthDeclaration
from ravao.test import RavaoTestCase

QUESTIONS = ("fever", "cough", "shortness_of_breath", "pneumonia", "sore_throat", "fatigue",
             "contact_case", "contact_abroad", "contact_symptomatic")  # fmt: skip


class UnansweredQuestionTests(RavaoTestCase):
    def url(self) -> str:
        return reverse("checkins:scan", args=[self.venue_a.qr_code])

    def test_no_symptom_question_comes_answered(self) -> None:
        """issue 12, finding 7: the first-visit form ticks neither "Không" nor "Có" for any question."""
        page = Client().get(self.url()).content.decode()
        for question in QUESTIONS:
            radios = re.findall(rf'<input[^>]*name="{question}"[^>]*>', page)
            self.assertEqual(len(radios), 2, question)
            self.assertFalse(any("checked" in r for r in radios), question)
            self.assertTrue(all("required" in r for r in radios), question)

    def test_an_unanswered_question_is_refused_in_words(self) -> None:
        """issue 12, finding 7: a form sent with a question left blank records nothing and says why."""
        data = {k: v for k, v in FIRST_VISIT.items() if k != "fever"}
        response = Client().post(self.url(), {**data, "client_id": self.new_client_id()})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Vui lòng trả lời câu hỏi này: Có hoặc Không.", status_code=400)
        self.assertEqual(CheckIn.objects.count(), 0)
        self.assertEqual(HealthDeclaration.objects.exclude(person=self.visitor).count(), 0)

    def test_the_family_declaration_form_comes_unanswered_too(self) -> None:
        page = self.device_client().get(reverse("people:family_declare")).content.decode()
        radios = re.findall(r'<input[^>]*name="fever"[^>]*>', page)
        self.assertEqual(len(radios), 2)
        self.assertFalse(any("checked" in r for r in radios))
