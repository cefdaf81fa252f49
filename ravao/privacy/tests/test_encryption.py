from datetime import date
from io import StringIO

from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from ravao.people.models import HealthDeclaration, Person
from ravao.people.selectors import person_by_phone_or_id, persons_named
from ravao.people.services import Answers, declaration_submit
from ravao.privacy.crypto import DecryptionError, decrypt, encrypt, generate_key, key_id_of, parse_keyring
from ravao.test import RavaoTestCase, make_person

SECRETS = ["Nguyễn Văn An", "0912345678", "001092012345", "Thôn 3", "an@example.vn", "1992-03-15"]


def all_text_in_tables() -> str:
    """Every value of every column of every ravao table, read with raw SQL."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # Every table, Django's own included: a declaration's text must not surface anywhere.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


class AtRestTests(RavaoTestCase):
    def test_raw_tables_hold_no_plaintext_personal_data(self):
        person = person_by_phone_or_id(phone="0912345678", id_number=None)
        person.id_number = "001092012345"
        person.email = "an@example.vn"
        person.date_of_birth = date(1992, 3, 15)
        person.save()
        text = all_text_in_tables()
        for secret in [*SECRETS, "nguyen", "Nguyễn"]:
            with self.subTest(secret=secret):
                self.assertNotIn(secret, text)
        # ... and the application still reads everything back.
        person = Person.objects.get(pk=person.pk)
        self.assertEqual(person.full_name, "Nguyễn Văn An")
        self.assertEqual(person.date_of_birth, date(1992, 3, 15))

    def test_declarations_hold_no_plaintext_answers(self):
        """Issue 9, finding 7: places visited and the symptom, contact and vaccine answers were stored in
        clear. Only the status colour and the timestamps stay readable in the raw table."""
        from django.utils import timezone

        declaration_submit(
            person=self.visitor,
            answers=Answers(
                places_visited="Chợ Đêm Zúc Ziếc Quỳnh Lôi",
                fever=True,
                contact_case=True,
                vaccine_doses=3,
                last_dose_date=date(2021, 7, 19),
            ),
            now=timezone.now(),
        )
        text = all_text_in_tables()
        for secret in ["Zúc Ziếc", "Quỳnh Lôi", "2021-07-19"]:
            with self.subTest(secret=secret):
                self.assertNotIn(secret, text)
        # No answer has a column of its own: a raw SELECT shows only colour, times and links.
        with connection.cursor() as cursor:
            columns = {
                column.name
                for column in connection.introspection.get_table_description(
                    cursor, HealthDeclaration._meta.db_table
                )
            }
        self.assertEqual(
            columns, {"id", "person_id", "declared_by_id", "created_at", "answers", "consent", "status"}
        )
        # ... and the application still reads every answer back as before.
        latest = HealthDeclaration.objects.filter(person=self.visitor).order_by("-created_at").first()
        self.assertEqual(latest.places_visited, "Chợ Đêm Zúc Ziếc Quỳnh Lôi")
        self.assertTrue(latest.fever)
        self.assertFalse(latest.cough)
        self.assertTrue(latest.contact_case)
        self.assertEqual(latest.vaccine_doses, 3)
        self.assertEqual(latest.last_dose_date, date(2021, 7, 19))
        self.assertEqual(latest.status, "yellow")
        self.assertEqual(Answers.from_declaration(latest).places_visited, "Chợ Đêm Zúc Ziếc Quỳnh Lôi")

    def test_lookups_work_on_keyed_hashes(self):
        make_person(name="Trần Thị Bích", phone="0987000111", id_number="001301012345")
        self.assertEqual(
            person_by_phone_or_id(phone=None, id_number="001301012345").full_name, "Trần Thị Bích"
        )
        self.assertEqual(list(persons_named("TRAN bich").values_list("phone_hash", flat=True)).__len__(), 1)
        self.assertEqual(persons_named("tran van").count(), 0)
        self.assertEqual(persons_named("").count(), 0)

    def test_filtering_on_ciphertext_is_refused(self):
        with self.assertRaises(FieldError):
            list(Person.objects.filter(phone="0912345678"))

    def test_each_value_names_its_key_and_uses_a_fresh_nonce(self):
        self.assertNotEqual(encrypt("0912345678"), encrypt("0912345678"))
        self.assertEqual(key_id_of(encrypt("x")), "dev")

    def test_tampered_or_foreign_values_do_not_decrypt(self):
        sealed = encrypt("0912345678")
        tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
        with self.assertRaises(DecryptionError):
            decrypt(tampered)
        other = parse_keyring(generate_key("k9"), generate_key(""), "x")
        with self.assertRaises(DecryptionError):
            decrypt(encrypt("x", other))

    def test_rotate_keys(self):
        old_ring = generate_key("k1")
        lookup = generate_key("")
        with override_settings(RAVAO_DATA_KEYS=old_ring, RAVAO_LOOKUP_KEY=lookup):
            call_command("rotate_keys", stdout=StringIO())  # everything under k1 now
            raw = self.raw_phone()
            self.assertEqual(key_id_of(raw), "k1")
        new_ring = generate_key("k2") + "," + old_ring
        with override_settings(RAVAO_DATA_KEYS=new_ring, RAVAO_LOOKUP_KEY=lookup):
            out = StringIO()
            call_command("rotate_keys", stdout=out)
            self.assertIn("'k2'", out.getvalue())
            self.assertEqual(key_id_of(self.raw_phone()), "k2")
            self.assertEqual(key_id_of(self.raw_answers()), "k2")  # declarations too
            self.assertIn("persons and 1 declarations", out.getvalue())
            self.assertEqual(
                person_by_phone_or_id(phone="0912345678", id_number=None).full_name, "Nguyễn Văn An"
            )

    def raw_answers(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT answers FROM people_healthdeclaration WHERE person_id = %s", [self.visitor.pk]
            )
            return cursor.fetchone()[0]

    def raw_phone(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM people_person WHERE id = %s", [self.visitor.pk])
            return cursor.fetchone()[0]
