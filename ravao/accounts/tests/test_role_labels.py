"""Roles and offices named by the unit they serve (issue 14, item 1): the role keys stay, the words follow
the unit's level — a province administrator is no "district administrator" on the two-level map."""

from django.test import SimpleTestCase
from django.utils import translation

from ravao.accounts.models import Role
from ravao.accounts.selectors import office_name, role_label, unit_kind
from ravao.places.models import AdminUnit

PROVINCE = AdminUnit(name="Thành phố Hà Nội", level="province", unit_type="Thành phố")
DISTRICT = AdminUnit(name="Huyện Thạch Thất", level="district", unit_type="Huyện")
COMMUNE = AdminUnit(name="Xã Hạ Bằng", level="commune", unit_type="Xã")
WARD = AdminUnit(name="Phường Hoàn Kiếm", level="commune", unit_type="Phường")
TOWN = AdminUnit(name="Thị trấn Liên Quan", level="commune", unit_type="")  # the type read from the name
ZONE = AdminUnit(name="Đặc khu Phú Quốc", level="commune", unit_type="Đặc khu")

UNITS = (PROVINCE, DISTRICT, COMMUNE, WARD, TOWN, ZONE)
# Per role, the label over each of UNITS, in that order.
VI = {
    Role.DISTRICT_ADMIN: [
        "Quản trị viên cấp tỉnh",
        "Quản trị viên cấp huyện",
        "Quản trị viên cấp xã",
        "Quản trị viên phường",
        "Quản trị viên thị trấn",
        "Quản trị viên đặc khu",
    ],
    Role.COMMUNE_OFFICIAL: [
        "Cán bộ tỉnh",
        "Cán bộ huyện",
        "Cán bộ xã",
        "Cán bộ phường",
        "Cán bộ thị trấn",
        "Cán bộ đặc khu",
    ],
    Role.HEALTH_OFFICER: [
        "Cán bộ y tế tỉnh",
        "Cán bộ y tế huyện",
        "Cán bộ y tế xã",
        "Cán bộ y tế phường",
        "Cán bộ y tế thị trấn",
        "Cán bộ y tế đặc khu",
    ],
}


class RoleLabelTests(SimpleTestCase):
    def test_it_names_every_role_by_every_kind_of_unit_in_vietnamese(self) -> None:
        """Issue 14, finding 1: a province admin read "Quản trị viên cấp huyện"."""
        with translation.override("vi"):
            for role, by_unit in VI.items():
                for unit, expected in zip(UNITS, by_unit, strict=True):
                    with self.subTest(role=role, unit=unit.name):
                        self.assertEqual(role_label(role, unit), expected)

    def test_it_names_them_in_english(self) -> None:
        with translation.override("en"):
            self.assertEqual(role_label(Role.DISTRICT_ADMIN, PROVINCE), "Provincial administrator")
            self.assertEqual(role_label(Role.COMMUNE_OFFICIAL, WARD), "Ward official")
            self.assertEqual(role_label(Role.HEALTH_OFFICER, COMMUNE), "Commune health officer")
            self.assertEqual(role_label(Role.DISTRICT_ADMIN, DISTRICT), "District administrator")

    def test_it_takes_the_kind_kept_by_an_audit_row(self) -> None:
        with translation.override("vi"):
            self.assertEqual(role_label(Role.COMMUNE_OFFICIAL, "ward"), "Cán bộ phường")

    def test_without_a_unit_the_label_is_level_neutral(self) -> None:
        with translation.override("vi"):
            self.assertEqual(role_label(Role.DISTRICT_ADMIN), "Quản trị viên")
            self.assertEqual(role_label(Role.COMMUNE_OFFICIAL, None), "Cán bộ xã/phường")
            self.assertEqual(role_label(Role.VENUE_MANAGER, WARD), "Người quản lý địa điểm")
            self.assertEqual(role_label("retired_role"), "retired_role")

    def test_unit_kinds(self) -> None:
        kinds = [unit_kind(u) for u in (PROVINCE, DISTRICT, COMMUNE, WARD, TOWN, ZONE, None)]
        self.assertEqual(kinds, ["province", "district", "commune", "ward", "town", "zone", ""])


class OfficeNameTests(SimpleTestCase):
    def test_it_names_the_peoples_committee_for_officials(self) -> None:
        with translation.override("vi"):
            self.assertEqual(office_name(PROVINCE, Role.DISTRICT_ADMIN), "UBND Thành phố Hà Nội")
            self.assertEqual(office_name(WARD, Role.COMMUNE_OFFICIAL), "UBND Phường Hoàn Kiếm")
            self.assertEqual(office_name(DISTRICT), "UBND Huyện Thạch Thất")
        with translation.override("en"):
            self.assertEqual(office_name(WARD), "Phường Hoàn Kiếm People's Committee")

    def test_it_names_the_health_office_of_each_level(self) -> None:
        with translation.override("vi"):
            self.assertEqual(office_name(PROVINCE, Role.HEALTH_OFFICER), "Sở Y tế Thành phố Hà Nội")
            self.assertEqual(office_name(DISTRICT, Role.HEALTH_OFFICER), "Trung tâm Y tế Huyện Thạch Thất")
            self.assertEqual(office_name(WARD, Role.HEALTH_OFFICER), "Trạm Y tế Phường Hoàn Kiếm")
            self.assertEqual(office_name(COMMUNE, Role.HEALTH_OFFICER), "Trạm Y tế Xã Hạ Bằng")
        with translation.override("en"):
            self.assertEqual(office_name(WARD, Role.HEALTH_OFFICER), "Health station of Phường Hoàn Kiếm")


class RoleLevelsTests(SimpleTestCase):
    def test_a_province_may_have_health_officers_on_the_two_level_map(self) -> None:
        """Issue 14: with no district level, the province's health office traces across its wards."""
        from ravao.accounts.services import role_fits_unit

        province = AdminUnit(code="v2025-01", name="Thành phố Hà Nội", level="province", path="v2025/01/")
        ward = AdminUnit(code="v2025-00004", name="Phường Ba Đình", level="commune", path="v2025/01/00004/")
        self.assertTrue(role_fits_unit(Role.HEALTH_OFFICER, province))
        self.assertTrue(role_fits_unit(Role.HEALTH_OFFICER, ward))
        self.assertFalse(role_fits_unit(Role.COMMUNE_OFFICIAL, province))
