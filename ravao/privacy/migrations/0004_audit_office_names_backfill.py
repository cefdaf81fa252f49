"""Audit rows written before the office was named (issue 14, item 1) kept the unit's bare name in
`actor_office` ("Huyện Thạch Thất") and no kind of unit. Where that name designates units that all read the
same (one unit, or the same province on both maps), name the office as new rows do ("UBND Huyện Thạch Thất",
"Trung tâm Y tế Huyện Thạch Thất" for a health officer) and keep the kind, so the person's page names the
role by its level. Anything ambiguous (two different units of the same name) is left as it was: the page
then shows a level-neutral role and the bare name, which is still true. Memberships need no migration: the
role keys are unchanged. One UPDATE per distinct (role, office) pair; SQLite and PostgreSQL alike."""

from typing import Any

from django.db import migrations
from django.utils import translation

UNIT_ROLES = ("district_admin", "commune_official", "health_officer")


def backfill(apps: Any, schema_editor: Any) -> None:
    # The naming rules are the ones the application uses now (pure functions of level, type and name).
    from ravao.accounts.selectors import office_name, unit_kind

    AuditEvent = apps.get_model("privacy", "AuditEvent")
    AdminUnit = apps.get_model("places", "AdminUnit")
    pairs = (
        AuditEvent.objects.filter(actor_role__in=UNIT_ROLES, actor_unit_kind="")
        .exclude(actor_office="")
        .values_list("actor_role", "actor_office")
        .distinct()
    )
    with translation.override("vi"):
        for role, office in list(pairs):
            named = {(office_name(u, role), unit_kind(u)) for u in AdminUnit.objects.filter(name=office)}
            if len(named) != 1:
                continue  # no such unit any more, or two units of that name that read differently
            [(new_office, kind)] = named
            AuditEvent.objects.filter(
                actor_role=role, actor_office=office, actor_unit_kind=""
            ).update(actor_office=new_office[:200], actor_unit_kind=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0003_audit_actor_unit_kind"),
        ("places", "0002_venue_screen_mode"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
