"""Persons declared for by someone else (khai hộ before households) become that person's household
members, where that is what they are: they have no device of their own (they never used ravao on a phone
of their own) and exactly one person ever declared for them. Their phone, if any, is kept (it may be
their own): the household link only says whose owner phone manages them. Works on SQLite and PostgreSQL
(plain ORM reads and one UPDATE per holder)."""

from collections import defaultdict

from django.db import migrations


def forwards(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Device = apps.get_model("people", "Device")
    HealthDeclaration = apps.get_model("people", "HealthDeclaration")
    declarers: dict[int, set[int]] = defaultdict(set)
    rows = HealthDeclaration.objects.filter(declared_by__isnull=False).values_list("person_id", "declared_by_id")
    for person_id, declared_by_id in rows.iterator():
        if person_id != declared_by_id:
            declarers[person_id].add(declared_by_id)
    with_device = set(
        Device.objects.filter(person_id__in=list(declarers)).values_list("person_id", flat=True)
    )
    by_holder: dict[int, list[int]] = defaultdict(list)
    for person_id, holders in declarers.items():
        if len(holders) == 1 and person_id not in with_device:
            by_holder[next(iter(holders))].append(person_id)
    # No chains: a holder who is itself someone's member keeps their own members out of it.
    members = {pk for pks in by_holder.values() for pk in pks}
    for holder_id, member_ids in by_holder.items():
        if holder_id in members:
            continue
        Person.objects.filter(pk__in=member_ids, household_of__isnull=True).exclude(
            pk__in=list(by_holder)
        ).update(household_of_id=holder_id)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_household_of")]

    # Backwards: the household links go with the column (0002); nothing to undo here.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
