"""Vietnam's administrative units, loaded from the `vietnamadminunits` data package.

Source
    `vietnamadminunits` 1.0.4 (MIT licence, a pinned dependency) ships an SQLite file,
    `vietnamadminunits/data/dataset.db`, with two tables that we read directly with `sqlite3`:

    * `admin_units_legacy`: the three-level map in force until 30 June 2025 (province → district → ward):
      63 provinces, 696 districts, 10,035 communes, wards and towns. The table has 10,040 rows because five
      island districts with no commune at all (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) appear once
      each with an empty ward.
    * `admin_units`: the two-level map since 1 July 2025 (province → ward): 34 provinces, 3,321 units.

    We do not import the package itself: its `__init__` loads the address parsers (numpy and more, about a
    third of a second), and all we need is the file, so it is located with `importlib.util.find_spec`, which
    finds a package without running it.

    The legacy table is the package's "before July 2025" map, which includes the mergers of 2019-2025 and is
    therefore not the map "as of 2021" everywhere: for example Thạch Thất district (Hà Nội) has 1 town +
    19 communes here, while the product brief counts 1 town + 22 communes in 2021. We use the package's data
    as it is rather than patching it by hand; the scheme keeps the name "2021" because that is the map the
    product's demo and users know as "with districts".

Code scheme
    `AdminUnit.code` is the official GSO code of the unit, prefixed with the scheme: "v2021-01" (Hà Nội),
    "v2021-276" (Thạch Thất), "v2021-09955" (Thị trấn Liên Quan), "v2025-01", "v2025-00004". GSO codes are
    nationally unique within a level and the levels have different lengths (2, 3 and 5 digits), so the
    prefix alone keeps the two maps apart — the 2025 map reuses many 2021 codes for different territories,
    so an unprefixed code would silently mix them. The "v" avoids "2021-01" reading as a date.

    `path` follows the parent chain with the scheme as its first segment: "2021/01/276/09955/" and
    "2025/01/00004/". The scheme segment matters for the same reason: without it "every commune under
    Hà Nội 2021" (a prefix query on "01/") would also return the communes of Hà Nội 2025.

Names
    `name` is the package's full name in NFC ("Xã Hạ Bằng", "Thị trấn Liên Quan", "Huyện Thạch Thất",
    "Thành phố Hà Nội"): it is what people write on forms and it keeps "Phường Thạch Thất" apart from
    "Huyện Thạch Thất" in a select box. `unit_type` is the word the package gives for the type ("Xã",
    "Thị trấn", "Phường", "Đặc khu", "Huyện", "Quận", "Thị xã", "Thành phố", "Tỉnh").
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from django.db import transaction
from django.db.models import Q, QuerySet

from ravao.lib.text import fold, nfc
from ravao.places import conf as places_conf
from ravao.places.models import AdminUnit

Scheme = Literal["2021", "2025"]
SCHEMES: tuple[Scheme, ...] = ("2021", "2025")

Level = AdminUnit.Level
# Parents before children, so a child's parent id is known when it is written.
LEVEL_ORDER: tuple[str, ...] = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)
_FIELDS = ("name", "unit_type", "level", "parent_id", "path")
_BATCH = 1000  # Rows per INSERT: well under SQLite's bound-parameter limit (7 columns x 1000 rows).


def dataset_path() -> Path:
    """The package's SQLite file, found without importing the package (see the module docstring)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The vietnamadminunits package is not installed.")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    if not path.is_file():
        raise RuntimeError(f"vietnamadminunits has no data file at {path}.")
    return path


def unit_code(scheme: Scheme, gso_code: str) -> str:
    return f"v{scheme}-{gso_code}"


@dataclass(frozen=True)
class _Unit:
    """A unit as the package describes it, before it becomes a row."""

    code: str
    name: str
    unit_type: str
    level: str
    parent_code: str | None
    path: str


@dataclass
class LoadReport:
    scheme: Scheme
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Units of each level present in the loaded selection of the data package.
    by_level: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        levels = ", ".join(f"{count} {level}" for level, count in self.by_level.items())
        return (
            f"Scheme {self.scheme}: {self.total} units ({levels}); "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged."
        )


def _placeholders(values: Collection[str]) -> str:
    return ", ".join("?" for _ in values)


def _read_units(
    scheme: Scheme, province_codes: list[str] | None, district_codes: list[str] | None
) -> dict[str, list[_Unit]]:
    """Units of the selection by level, parents included, each level in code order."""
    if scheme == "2021":
        columns = (
            "province, provinceShort, provinceCode, district, districtType, districtCode, "
            "ward, wardType, wardCode"
        )
        table = "admin_units_legacy"
    else:
        columns = "province, provinceShort, provinceCode, NULL, NULL, NULL, ward, wardType, wardCode"
        table = "admin_units"
    where: list[str] = []
    params: list[str] = []
    if province_codes:
        where.append(f"provinceCode IN ({_placeholders(province_codes)})")
        params += province_codes
    if district_codes:
        where.append(f"districtCode IN ({_placeholders(district_codes)})")
        params += district_codes
    sql = f"SELECT {columns} FROM {table}"  # noqa: S608 -- table and columns are constants, values are bound
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY provinceCode, " + ("districtCode, " if scheme == "2021" else "") + "wardCode"

    # Read-only URI: the file lives in site-packages and must never be written (nor a journal created).
    connection = sqlite3.connect(f"{dataset_path().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute(sql, params).fetchall()
    finally:
        connection.close()

    found: dict[str, dict[str, _Unit]] = {level: {} for level in LEVEL_ORDER}
    for province, province_short, p_code, district, district_type, d_code, ward, ward_type, w_code in rows:
        province_name = nfc(province)
        # The table has no province type; it is the full name without the short one ("Thành phố", "Tỉnh").
        province_type = nfc(province_name.removesuffix(nfc(province_short)))
        p_path = f"{scheme}/{p_code}/"
        found[Level.PROVINCE].setdefault(
            p_code,
            _Unit(unit_code(scheme, p_code), province_name, province_type, Level.PROVINCE, None, p_path),
        )
        parent_code, parent_path = unit_code(scheme, p_code), p_path
        if d_code:
            d_path = f"{p_path}{d_code}/"
            found[Level.DISTRICT].setdefault(
                d_code,
                _Unit(
                    unit_code(scheme, d_code),
                    nfc(district),
                    nfc(district_type or ""),
                    Level.DISTRICT,
                    parent_code,
                    d_path,
                ),
            )
            parent_code, parent_path = unit_code(scheme, d_code), d_path
        if w_code:  # Island districts have a row with no ward.
            found[Level.COMMUNE].setdefault(
                w_code,
                _Unit(
                    unit_code(scheme, w_code),
                    nfc(ward),
                    nfc(ward_type or ""),
                    Level.COMMUNE,
                    parent_code,
                    f"{parent_path}{w_code}/",
                ),
            )
    return {level: list(units.values()) for level, units in found.items()}


def _normalise_codes(codes: Collection[str] | None, width: int, what: str) -> list[str] | None:
    """Accept "1" for "01" and "276 " for "276" from a command line; reject anything that is not a code."""
    if not codes:
        return None
    result = []
    for code in codes:
        code = str(code).strip()
        if not code.isdigit() or len(code) > width:
            raise ValueError(f"Not a {what} code: {code!r} (expected up to {width} digits).")
        result.append(code.zfill(width))
    return sorted(set(result))


@transaction.atomic
def load_units(
    *,
    scheme: Scheme,
    province_codes: Collection[str] | None = None,
    district_codes: Collection[str] | None = None,
) -> LoadReport:
    """Create or update the units of `scheme`, optionally only some provinces or districts (and their
    parents). Idempotent: a second run writes nothing. Units no longer in the package are left alone,
    since venues may point at them (the foreign key protects them)."""
    if scheme not in SCHEMES:
        raise ValueError(f"Unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}.")
    provinces = _normalise_codes(province_codes, 2, "province")
    districts = _normalise_codes(district_codes, 3, "district")
    if districts and scheme == "2025":
        raise ValueError("The 2025 map has no districts; select provinces instead.")

    units = _read_units(scheme, provinces, districts)
    seen_provinces = {u.code for u in units[Level.PROVINCE]}
    seen_districts = {u.code for u in units[Level.DISTRICT]}
    missing = [c for c in provinces or () if unit_code(scheme, c) not in seen_provinces]
    missing += [c for c in districts or () if unit_code(scheme, c) not in seen_districts]
    if missing:
        raise ValueError(
            f"Not in the {scheme} map (or not inside the selected provinces): {', '.join(missing)}."
        )

    report = LoadReport(scheme=scheme)
    prefix = unit_code(scheme, "")
    ids: dict[str, int] = {}
    for level in LEVEL_ORDER:
        wanted = units[level]
        if scheme == "2021" or level != Level.DISTRICT:  # "0 districts" would suggest missing data.
            report.by_level[str(level)] = len(wanted)
        if not wanted:
            continue
        # One read of the level in this scheme beats a 10,000-parameter IN; it is at most ~10,000 short rows.
        existing = {
            row[0]: row[1:]
            for row in AdminUnit.objects.filter(level=level, code__startswith=prefix).values_list(
                "code", "id", *_FIELDS
            )
        }
        to_write: list[AdminUnit] = []
        for unit in wanted:
            parent_id = ids[unit.parent_code] if unit.parent_code else None
            values = (unit.name, unit.unit_type, unit.level, parent_id, unit.path)
            current = existing.get(unit.code)
            if current is None:
                report.created += 1
            elif tuple(current[1:]) != values:
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            to_write.append(AdminUnit(code=unit.code, **dict(zip(_FIELDS, values, strict=True))))
        if to_write:
            # An upsert on `code` rather than bulk_update: one INSERT … ON CONFLICT per batch instead of a
            # CASE per changed field, and a unit created concurrently is updated instead of failing.
            AdminUnit.objects.bulk_create(
                to_write,
                batch_size=_BATCH,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=[f.removesuffix("_id") for f in _FIELDS],
            )
        # The ids of this level, for the next level's parent_id (bulk_create does not set them everywhere).
        ids.update(AdminUnit.objects.filter(level=level, code__startswith=prefix).values_list("code", "id"))
    return report


def communes_of(unit: AdminUnit) -> QuerySet[AdminUnit]:
    """The communes, wards and towns under `unit` (itself if it is one), in code order."""
    return AdminUnit.objects.filter(level=Level.COMMUNE, path__startswith=unit.path).order_by("path")


Choice = tuple[int, str]
GroupedChoice = tuple[str, list[Choice]]

# Type words a unit's name starts with; stripped for sorting when the unit has no `unit_type` (hand-made
# units, test fixtures). Longest first, so "Thị trấn" is not read as "Thị" + "trấn …".
_TYPE_WORDS = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")
_NUMBER = re.compile(r"(\d+)")


def short_name(unit: AdminUnit) -> str:
    """The name without its type word: "Hạ Bằng" for "Xã Hạ Bằng", "10" for "Phường 10"."""
    words = (unit.unit_type,) if unit.unit_type else _TYPE_WORDS
    for word in words:
        if unit.name.startswith(word + " "):
            return unit.name[len(word) :].strip()
    return unit.name


def collation_key(text: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """A sort key that orders Vietnamese names as a reader expects, close to ICU's collation:

    * primary: the letters without diacritics ("Hà" and "Ha" both "ha"; "Đ" with the D's, so a reader
      scanning for "Dai Dong" finds "Đại Đồng" there), so "Hà Đông" comes before "Hoàn Kiếm" — a byte
      or code-point order puts every accented letter after "z";
    * numbers by value, so "Phường 2" comes before "Phường 10" (Hồ Chí Minh City's numbered wards);
    * secondary: the decomposed text, so names differing only by their marks still sort the same way
      every time ("Ha" before "Hà")."""
    primary = tuple(
        (0, int(part), "") if part.isdecimal() else (1, 0, part) for part in _NUMBER.split(fold(text)) if part
    )
    return primary, unicodedata.normalize("NFD", text.lower())


def sort_units(units: Iterable[AdminUnit]) -> list[AdminUnit]:
    """Units in Vietnamese alphabetical order of their name without the type word ("Xã", "Phường"…),
    so "Phường …" does not come before every "Xã …"; the full name breaks ties."""
    return sorted(units, key=lambda unit: (collation_key(short_name(unit)), unit.name))


def unit_scheme(unit: AdminUnit) -> str:
    """The map a unit belongs to: the first segment of its path ("2021", "2025"; a test fixture's own)."""
    return unit.path.split("/", 1)[0]


def territory_provinces() -> list[AdminUnit]:
    """The provinces this server serves (`RAVAO_TERRITORY`), in Vietnamese order.

    Unset, every loaded province of the newest loaded map: loading the 2025 map is the decision to use
    it (until `remap_units` has moved the data, set the setting to stay on the 2021 map). Units of no
    known map (hand-made, test fixtures) count only when no known map is loaded at all."""
    # Retired units (moved away from by `ravao remap_units`) are kept for history, never offered.
    provinces = AdminUnit.objects.active().filter(level=Level.PROVINCE)
    codes = places_conf.territory()
    if codes:
        return sort_units(provinces.filter(code__in=codes))
    loaded = list(provinces)
    schemes = {unit_scheme(unit) for unit in loaded} & set(SCHEMES)
    if schemes:
        newest = max(schemes)
        loaded = [unit for unit in loaded if unit_scheme(unit) == newest]
    return sort_units(loaded)


def territory_roots(near: AdminUnit | None = None) -> list[AdminUnit]:
    """The units whose communes a form offers: `near` (a district or province around a venue) when it
    lies in the territory, else the whole territory — a unit of another map is never offered."""
    provinces = territory_provinces()
    if near is not None and any(near.path.startswith(p.path) for p in provinces):
        return [near]
    return provinces


def under_paths(paths: Iterable[str], field: str = "path") -> Q:
    """Rows whose unit lies under any of these materialised paths (`field` names the path column, e.g.
    "venue__commune__path"). No path matches nothing — never everything."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def _under(roots: Iterable[AdminUnit]) -> Q:
    return under_paths(root.path for root in roots)


def communes_under(roots: Iterable[AdminUnit]) -> QuerySet[AdminUnit]:
    """The communes, wards and towns under any of `roots` (a form's queryset, which validates a choice)."""
    return AdminUnit.objects.active().filter(_under(roots), level=Level.COMMUNE)


def unit_choices_for_select(roots: AdminUnit | Iterable[AdminUnit]) -> list[Choice | GroupedChoice]:
    """Choices for a select box of the communes under `roots`, in Django's `choices` format.

    Grouped by parent (`<optgroup>`): by district where the map has districts (the 2021 map: 400 communes
    in one flat list are unusable and a district is how people locate a commune), by province on the
    two-level map (2025). Under a single district the list is flat, its parent being known. Groups and
    options in Vietnamese order (`sort_units`). With several provinces of the 2021 map, a district's
    group also names its province ("Huyện Thạch Thất — Thành phố Hà Nội")."""
    roots = [roots] if isinstance(roots, AdminUnit) else list(roots)
    communes = list(communes_under(roots))
    if len(roots) == 1 and roots[0].level == Level.DISTRICT:
        return [(u.pk, u.name) for u in sort_units(communes)]
    parents = AdminUnit.objects.in_bulk({u.parent_id for u in communes if u.parent_id is not None})
    provinces = AdminUnit.objects.in_bulk(
        {p.parent_id for p in parents.values() if p.level == Level.DISTRICT and p.parent_id is not None}
    )
    many_provinces = len({p.pk for p in parents.values() if p.level == Level.PROVINCE} | set(provinces)) > 1
    grouped: dict[int, list[AdminUnit]] = {}
    loose: list[AdminUnit] = []  # No parent (hand-made data): kept selectable rather than hidden.
    for commune in communes:
        if commune.parent_id is not None and commune.parent_id in parents:
            grouped.setdefault(commune.parent_id, []).append(commune)
        else:
            loose.append(commune)

    def label(parent: AdminUnit) -> str:
        province = provinces.get(parent.parent_id) if parent.parent_id is not None else None
        if many_provinces and parent.level == Level.DISTRICT and province is not None:
            return f"{parent.name} — {province.name}"
        return parent.name

    # Provinces first, then their districts, each in Vietnamese order.
    def group_key(parent: AdminUnit) -> tuple[object, ...]:
        province = provinces.get(parent.parent_id) if parent.parent_id is not None else parent
        top = province or parent
        return (collation_key(short_name(top)), top.name, collation_key(short_name(parent)), parent.name)

    choices: list[Choice | GroupedChoice] = [
        (label(parent), [(u.pk, u.name) for u in sort_units(grouped[parent.pk])])
        for parent in sorted(parents.values(), key=group_key)
    ]
    return choices + [(u.pk, u.name) for u in sort_units(loose)]


def in_territory(units: Iterable[AdminUnit]) -> list[AdminUnit]:
    """Those of `units` that lie in the territory (`territory_provinces`), of the map in use."""
    paths = tuple(p.path for p in territory_provinces())
    return [unit for unit in units if paths and unit.path.startswith(paths) and unit.retired_at is None]


def staff_unit_choices(units: Iterable[AdminUnit]) -> list[Choice | GroupedChoice]:
    """Choices for a staffing form: provinces and districts first (flat, top-down), then the communes
    grouped by their parent (district, or province on the two-level map), in Vietnamese order."""
    units = list(units)
    upper = sorted((u for u in units if u.level != Level.COMMUNE), key=lambda u: (u.path.count("/"), u.path))
    parents = AdminUnit.objects.in_bulk(
        {u.parent_id for u in units if u.level == Level.COMMUNE and u.parent_id}
    )
    grouped: dict[int, list[AdminUnit]] = {}
    loose: list[AdminUnit] = []
    for unit in units:
        if unit.level != Level.COMMUNE:
            continue
        if unit.parent_id is not None and unit.parent_id in parents:
            grouped.setdefault(unit.parent_id, []).append(unit)
        else:
            loose.append(unit)
    choices: list[Choice | GroupedChoice] = [(u.pk, u.name) for u in upper]
    choices += [(u.pk, u.name) for u in sort_units(loose)]
    for parent in sort_units(parents.values()):
        choices.append((parent.name, [(u.pk, u.name) for u in sort_units(grouped[parent.pk])]))
    return choices
