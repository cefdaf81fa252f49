"""Seal each declaration's answers into one encrypted JSON column (issue 9, finding 7).

1. add `answers` (encrypted under the first key of RAVAO_DATA_KEYS, or the development key);
2. copy every existing row's places visited and answers into it, in batches (works on SQLite and
   PostgreSQL: plain ORM reads and `bulk_update`, no SQL of its own);
3. drop the clear columns.
Reversible: going back re-creates the columns and copies the decrypted answers into them.
"""

from datetime import date

from django.db import migrations

import ravao.privacy.fields

ANSWERS = (
    "places_visited",
    "fever",
    "cough",
    "shortness_of_breath",
    "pneumonia",
    "sore_throat",
    "fatigue",
    "contact_case",
    "contact_abroad",
    "contact_symptomatic",
    "vaccine_doses",
    "last_dose_date",
)
BATCH = 500


def _batches(model):
    last_pk = 0
    while True:
        batch = list(model.objects.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


def seal_answers(apps, schema_editor):
    HealthDeclaration = apps.get_model("people", "HealthDeclaration")
    for batch in _batches(HealthDeclaration):
        for row in batch:
            answers = {name: getattr(row, name) for name in ANSWERS}
            if isinstance(answers["last_dose_date"], date):
                answers["last_dose_date"] = answers["last_dose_date"].isoformat()
            row.answers = answers
        HealthDeclaration.objects.bulk_update(batch, ["answers"])


def unseal_answers(apps, schema_editor):
    HealthDeclaration = apps.get_model("people", "HealthDeclaration")
    for batch in _batches(HealthDeclaration):
        for row in batch:
            answers = row.answers or {}
            for name in ANSWERS:
                value = answers.get(name)
                if name == "places_visited":
                    value = value or ""
                elif name == "last_dose_date":
                    value = date.fromisoformat(value) if value else None
                elif name != "vaccine_doses":
                    value = bool(value)
                setattr(row, name, value)
        HealthDeclaration.objects.bulk_update(batch, list(ANSWERS))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="healthdeclaration",
            name="answers",
            field=ravao.privacy.fields.EncryptedJSONField(default=dict, editable=False),
        ),
        migrations.RunPython(seal_answers, unseal_answers),
        *[migrations.RemoveField(model_name="healthdeclaration", name=name) for name in ANSWERS],
    ]
