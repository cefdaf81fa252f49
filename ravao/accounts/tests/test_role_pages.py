"""The pages that show a role name it by the unit it is held over (issue 14, item 1)."""

from django.urls import reverse
from django.utils import translation

from ravao.accounts.models import Role, User
from ravao.places.models import AdminUnit
from ravao.privacy.services import audit_record
from ravao.test import RavaoTestCase


class RolePagesTests(RavaoTestCase):
    province: AdminUnit
    ward: AdminUnit
    phan: User
    vy: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.province = AdminUnit.objects.create(
            code="v2025-01", name="Thành phố Hà Nội", unit_type="Thành phố", level="province", path="2025/01/"
        )
        cls.ward = AdminUnit.objects.create(
            code="v2025-00070",
            name="Phường Hoàn Kiếm",
            unit_type="Phường",
            level="commune",
            parent=cls.province,
            path="2025/01/00070/",
        )
        cls.phan = cls.make_user("0900000101", "Phan", Role.DISTRICT_ADMIN, unit=cls.province)
        cls.vy = cls.make_user("0900000102", "Vy", Role.COMMUNE_OFFICIAL, unit=cls.ward)

    def test_the_dashboard_names_the_role_and_the_office(self) -> None:
        """Issue 14, finding 1: nothing named the office; a province admin was a "district administrator"."""
        self.login(self.phan)
        with translation.override("vi"):
            page = self.client.get(reverse("places:dashboard"), HTTP_ACCEPT_LANGUAGE="vi")
        self.assertContains(page, "Quản trị viên cấp tỉnh · UBND Thành phố Hà Nội")
        self.login(self.vy)
        page = self.client.get(reverse("places:dashboard"))
        self.assertContains(page, "Cán bộ phường · UBND Phường Hoàn Kiếm")

    def test_the_staff_page_names_each_role_by_its_unit(self) -> None:
        self.login(self.phan)
        page = self.client.get(reverse("accounts:staff", args=[self.province.pk]))
        self.assertContains(page, "Quản trị viên cấp tỉnh")
        self.assertContains(page, "Cán bộ phường")
        self.assertNotContains(page, "cấp huyện")
        # The 2021 tree keeps its district.
        self.login(self.dan)
        page = self.client.get(reverse("accounts:staff", args=[self.units["district"].pk]))
        self.assertContains(page, "Quản trị viên cấp huyện")
        self.assertContains(page, "Cán bộ y tế huyện")
        self.assertContains(page, "Trung tâm Y tế Huyện Thạch Thất")

    def test_the_staffing_history_names_the_role_by_its_unit(self) -> None:
        self.login(self.phan)
        self.client.post(
            reverse("accounts:staff_invite", args=[self.province.pk]),
            {
                "full_name": "Lê Văn Phường",
                "login": "0977 123 456",
                "role": Role.COMMUNE_OFFICIAL,
                "unit": self.ward.pk,
            },
        )
        page = self.client.get(reverse("accounts:staff", args=[self.province.pk]))
        self.assertContains(page, "Cán bộ phường của Phường Hoàn Kiếm")

    def test_the_audit_log_names_the_role_and_office(self) -> None:
        audit_record(actor=self.phan, action="case.view", role=Role.DISTRICT_ADMIN)
        self.login(self.phan)
        page = self.client.get(reverse("privacy:audit_log"))
        self.assertContains(page, "Quản trị viên cấp tỉnh · UBND Thành phố Hà Nội")

    def test_the_api_token_page_names_the_role_by_its_unit(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from ravao.security.services import api_token_create

        api_token_create(
            name="Hệ thống báo cáo",
            role=Role.HEALTH_OFFICER,
            unit=self.units["ha_bang"],
            expires_at=timezone.now() + timedelta(days=30),
            created_by=self.dan,
        )
        self.login(self.dan)
        self.assertContains(self.client.get(reverse("security:api_tokens")), "Cán bộ y tế xã")

    def test_the_invitation_page_names_the_role_by_its_unit(self) -> None:
        from ravao.accounts.services import official_invite, staff_invite

        invitation = official_invite(
            unit=self.province, role=Role.DISTRICT_ADMIN, login="0977000111", full_name="Lý", invited_by=None
        )
        page = self.client.get(reverse("accounts:invitation", args=[invitation.token]))
        self.assertContains(page, "Quản trị viên cấp tỉnh")
        staff = staff_invite(venue=self.venue_a, invited_by=self.alice, login="0977000112", full_name="Mai")
        page = self.client.get(reverse("accounts:invitation", args=[staff.token]))
        self.assertContains(page, "Nhân viên địa điểm")


class DemoLoginsTests(RavaoTestCase):
    def test_the_demo_prints_each_login_with_its_role_and_office(self) -> None:
        """`ravao demo` printed "Huyện Thạch Thất" for every district login, whatever the map."""
        from ravao.checkins.management.commands.demo import _role_and_office

        with translation.override("vi"):
            self.assertEqual(
                _role_and_office(self.dan.username, Role.DISTRICT_ADMIN, "district"),
                ("Quản trị viên cấp huyện", "UBND Huyện Thạch Thất"),
            )
            self.assertEqual(
                _role_and_office(self.carol.username, Role.COMMUNE_OFFICIAL, "Xã Hạ Bằng"),
                ("Cán bộ xã", "UBND Xã Hạ Bằng"),
            )
            self.assertEqual(
                _role_and_office(self.alice.username, Role.VENUE_MANAGER, "?"),
                ("Người quản lý địa điểm", "Công ty May Hạ Bằng"),
            )
