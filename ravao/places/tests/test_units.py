import time
import unicodedata
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from ravao.places.models import AdminUnit
from ravao.places.units import LoadReport, communes_of, load_units, unit_choices_for_select

Level = AdminUnit.Level


def is_nfc(value: str) -> bool:
    return unicodedata.normalize("NFC", value) == value


class ThachThat2021Tests(TestCase):
    report: LoadReport

    @classmethod
    def setUpTestData(cls) -> None:
        cls.report = load_units(scheme="2021", district_codes=["276"])

    def test_district_with_its_communes_under_ha_noi(self) -> None:
        assert self.report.created == 22
        assert self.report.by_level == {"province": 1, "district": 1, "commune": 20}
        ha_noi = AdminUnit.objects.get(code="v2021-01")
        assert (ha_noi.name, ha_noi.unit_type, ha_noi.level, ha_noi.parent, ha_noi.path) == (
            "Thành phố Hà Nội",
            "Thành phố",
            Level.PROVINCE,
            None,
            "2021/01/",
        )
        district = AdminUnit.objects.get(code="v2021-276")
        assert (district.name, district.unit_type, district.level, district.parent, district.path) == (
            "Huyện Thạch Thất",
            "Huyện",
            Level.DISTRICT,
            ha_noi,
            "2021/01/276/",
        )
        communes = AdminUnit.objects.filter(level=Level.COMMUNE)
        assert communes.count() == 20
        assert {c.parent_id for c in communes} == {district.pk}
        for commune in communes:
            assert commune.path == f"2021/01/276/{commune.code.removeprefix('v2021-')}/"
        # The package's map before July 2025: 1 town + 19 communes (see the module docstring).
        assert sorted(c.unit_type for c in communes).count("Xã") == 19
        assert communes.filter(unit_type="Thị trấn").count() == 1

    def test_names_with_diacritics_in_nfc(self) -> None:
        town = AdminUnit.objects.get(code="v2021-09955")
        assert (town.name, town.unit_type, town.path) == (
            "Thị trấn Liên Quan",
            "Thị trấn",
            "2021/01/276/09955/",
        )
        ha_bang = AdminUnit.objects.get(name="Xã Hạ Bằng")
        assert ha_bang.unit_type == "Xã"
        # Spelled out so the test does not depend on how this file's editor normalised it.
        assert ha_bang.name == "X\u00e3 H\u1ea1 B\u1eb1ng"
        assert all(is_nfc(u.name) and is_nfc(u.unit_type) for u in AdminUnit.objects.all())

    def test_loading_twice_adds_nothing(self) -> None:
        report = load_units(scheme="2021", district_codes=["276"])
        assert (report.created, report.updated, report.unchanged) == (0, 0, 22)
        assert AdminUnit.objects.count() == 22

    def test_reload_repairs_a_changed_unit(self) -> None:
        AdminUnit.objects.filter(code="v2021-10009").update(name="Xa Ha Bang", path="wrong/")
        report = load_units(scheme="2021", district_codes=["276"])
        assert (report.created, report.updated, report.unchanged) == (0, 1, 21)
        unit = AdminUnit.objects.get(code="v2021-10009")
        assert (unit.name, unit.path) == ("Xã Hạ Bằng", "2021/01/276/10009/")

    def test_communes_of(self) -> None:
        district = AdminUnit.objects.get(code="v2021-276")
        assert communes_of(district).count() == 20
        assert communes_of(AdminUnit.objects.get(code="v2021-01")).count() == 20
        town = AdminUnit.objects.get(code="v2021-09955")
        assert list(communes_of(town)) == [town]

    def test_choices_grouped_by_district_under_a_province(self) -> None:
        choices = unit_choices_for_select(AdminUnit.objects.get(code="v2021-01"))
        assert len(choices) == 1
        group, options = choices[0]
        assert group == "Huyện Thạch Thất"
        assert isinstance(options, list)
        assert len(options) == 20
        # Alphabetical on the name without its type, so "Bình Yên" comes before "Cần Kiệm".
        labels = [label for _, label in options]
        assert labels.index("Xã Bình Yên") < labels.index("Xã Cần Kiệm") < labels.index("Thị trấn Liên Quan")

    def test_choices_flat_under_a_district(self) -> None:
        choices = unit_choices_for_select(AdminUnit.objects.get(code="v2021-276"))
        assert len(choices) == 20
        hạ_bằng = AdminUnit.objects.get(code="v2021-10009")
        assert (hạ_bằng.pk, "Xã Hạ Bằng") in choices


class Scheme2025Tests(TestCase):
    report_2021: LoadReport
    report_2025: LoadReport

    @classmethod
    def setUpTestData(cls) -> None:
        cls.report_2021 = load_units(scheme="2021", province_codes=["01"])
        cls.report_2025 = load_units(scheme="2025", province_codes=["01"])

    def test_ha_noi_has_no_district_level(self) -> None:
        assert self.report_2025.by_level == {"province": 1, "commune": 126}
        assert self.report_2025.created == 127
        ha_noi = AdminUnit.objects.get(code="v2025-01")
        assert (ha_noi.name, ha_noi.path, ha_noi.parent) == ("Thành phố Hà Nội", "2025/01/", None)
        communes = AdminUnit.objects.filter(code__startswith="v2025-", level=Level.COMMUNE)
        assert communes.count() == 126
        assert {c.parent_id for c in communes} == {ha_noi.pk}
        assert not AdminUnit.objects.filter(code__startswith="v2025-", level=Level.DISTRICT).exists()
        assert set(communes.values_list("unit_type", flat=True)) <= {"Phường", "Xã"}

    def test_does_not_collide_with_2021(self) -> None:
        # 00004 is a 2021 ward (Trúc Bạch) and a 2025 ward (Ba Đình) covering a different territory.
        old, new = AdminUnit.objects.get(code="v2021-00004"), AdminUnit.objects.get(code="v2025-00004")
        assert old.pk != new.pk
        assert (old.path, new.path) == ("2021/01/001/00004/", "2025/01/00004/")
        assert new.name == "Phường Ba Đình"
        # Each map's selectors see only their own units.
        assert communes_of(AdminUnit.objects.get(code="v2025-01")).count() == 126
        ha_noi_2021 = AdminUnit.objects.get(code="v2021-01")
        assert communes_of(ha_noi_2021).count() == self.report_2021.by_level["commune"]
        # Loading 2025 left the 2021 map as it was.
        again = load_units(scheme="2021", province_codes=["01"])
        assert (again.created, again.updated) == (0, 0)

    def test_choices_grouped_by_province_for_a_2025_province(self) -> None:
        # Two-level map: the province is the parent, so it names the group (issue 14).
        choices = unit_choices_for_select(AdminUnit.objects.get(code="v2025-01"))
        assert len(choices) == 1
        group, options = choices[0]
        assert group == "Thành phố Hà Nội"
        assert isinstance(options, list)
        assert len(options) == 126
        assert all(isinstance(value, int) for value, _ in options)

    def test_2025_rejects_districts(self) -> None:
        with pytest.raises(ValueError, match="no districts"):
            load_units(scheme="2025", district_codes=["276"])


class CommandTests(TestCase):
    def test_prints_counts(self) -> None:
        out = StringIO()
        call_command("load_units", "--scheme", "2021", "--district", "276", stdout=out)
        assert "22 created, 0 updated, 0 unchanged" in out.getvalue()
        out = StringIO()
        call_command("load_units", "--scheme", "2021", "--district", "276", stdout=out)
        assert "0 created, 0 updated, 22 unchanged" in out.getvalue()

    def test_unknown_code(self) -> None:
        with pytest.raises(CommandError, match="99"):
            call_command("load_units", "--scheme", "2021", "--province", "99", stdout=StringIO())


class WholeCountryTests(TestCase):
    """The slowest test here, yet under a second on SQLite: the load is a few bulk upserts. Not tagged
    "slow" because pytest-django turns Django tags into pytest marks and the project registers none."""

    def test_2021_map(self) -> None:
        started = time.perf_counter()
        report = load_units(scheme="2021")
        elapsed = time.perf_counter() - started
        # 10,035 lower units: the table's 10,040 rows include one ward-less row for each of the five island
        # districts with no commune (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo).
        assert report.by_level == {"province": 63, "district": 696, "commune": 10_035}
        assert AdminUnit.objects.filter(level=Level.PROVINCE).count() == 63
        assert AdminUnit.objects.filter(level=Level.DISTRICT).count() == 696
        assert AdminUnit.objects.filter(level=Level.COMMUNE).count() == 10_035
        assert not AdminUnit.objects.get(code="v2021-318").children.exists()  # Bạch Long Vĩ
        assert elapsed < 10, f"whole-country load took {elapsed:.1f} s"
        again = load_units(scheme="2021")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 10_794)
