"""A database check of the territory (issue 14): `RAVAO_TERRITORY` naming a province that is not loaded
leaves every commune field empty, which a new operator would only notice on the venue form."""

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def check_territory_loaded(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[Warning]:
    # Database checks run only when asked for (`migrate`, `check --database default`), never at import.
    if not databases:
        return []
    from ravao.places import conf
    from ravao.places.models import AdminUnit

    codes = conf.territory()
    if not codes:
        return []
    try:
        loaded = set(
            AdminUnit.objects.filter(code__in=codes, level="province").values_list("code", flat=True)
        )
    except DatabaseError:  # not migrated yet: `migrate` runs this check before creating the table
        return []
    missing = [code for code in codes if code not in loaded]
    if not missing:
        return []
    scheme = missing[0][1:5]
    provinces = " ".join(code.split("-")[1] for code in missing)
    return [
        Warning(
            f"RAVAO_TERRITORY names provinces that are not loaded: {', '.join(missing)}; forms offer no "
            "commune of them.",
            hint=f"ravao load_units --scheme {scheme} --province {provinces}",
            id="places.W001",
        )
    ]
