"""The person's "who looked at my data" list names the official's role by the unit it is held over and the
office by name, on the two-level map (since 1 July 2025) as on the 2021 one (issue 14, item 1)."""

from django.urls import reverse
from django.utils import translation

from ravao.accounts.models import Role, User
from ravao.places.models import AdminUnit
from ravao.privacy.models import AuditEvent
from ravao.privacy.selectors import person_accesses
from ravao.privacy.services import audit_record, audit_record_daily
from ravao.test import RavaoTestCase


class TwoLevelAccessesTests(RavaoTestCase):
    province_admin: User
    ward_officer: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        province = AdminUnit.objects.create(
            code="v2025-01", name="Thành phố Hà Nội", unit_type="Thành phố", level="province", path="2025/01/"
        )
        ward = AdminUnit.objects.create(
            code="v2025-00070",
            name="Phường Hoàn Kiếm",
            unit_type="Phường",
            level="commune",
            parent=province,
            path="2025/01/00070/",
        )
        cls.province_admin = cls.make_user("0900000101", "Phan", Role.DISTRICT_ADMIN, unit=province)
        cls.ward_officer = cls.make_user("0900000102", "Vy", Role.HEALTH_OFFICER, unit=ward)

    def test_the_citizen_reads_the_office_by_name(self) -> None:
        """Issue 14, finding 1: a province admin showed as "Quản trị viên cấp huyện", with no office named."""
        audit_record(
            actor=self.province_admin,
            action="audit.person_filter",
            person_id=self.visitor.pk,
            role=Role.DISTRICT_ADMIN,
        )
        audit_record_daily(
            actor=self.ward_officer,
            action="tracing.contact_view",
            scope="case:1",
            entries=[(self.visitor.pk, None, {"generation": 1})],
            role=Role.HEALTH_OFFICER,
        )
        response = self.device_client().get(reverse("people:me"))
        self.assertContains(response, "Quản trị viên cấp tỉnh của UBND Thành phố Hà Nội")
        self.assertContains(response, "Cán bộ y tế phường của Trạm Y tế Phường Hoàn Kiếm")
        self.assertNotContains(response, "cấp huyện")

    def test_the_row_keeps_the_office_name_and_the_kind_of_unit(self) -> None:
        with translation.override("en"):  # the office's name is stored in Vietnamese whatever the language
            event = audit_record(actor=self.ward_officer, action="case.view", role=Role.HEALTH_OFFICER)
        self.assertEqual((event.actor_office, event.actor_unit_kind), ("Trạm Y tế Phường Hoàn Kiếm", "ward"))
        with translation.override("en"):
            event.person_id = self.visitor.pk
            event.save()
            [line] = person_accesses(self.visitor.pk)
            self.assertIn("Ward health officer of Trạm Y tế Phường Hoàn Kiếm", line.text)

    def test_an_event_before_the_kind_was_kept_reads_level_neutral(self) -> None:
        AuditEvent.objects.create(
            at=self.minutes_ago(5),
            actor=self.province_admin,
            actor_role=Role.DISTRICT_ADMIN,
            actor_office="Thành phố Hà Nội",
            action="case.view",
            person_id=self.visitor.pk,
        )
        with translation.override("vi"):
            [line] = person_accesses(self.visitor.pk)
        self.assertTrue(line.text.startswith("Quản trị viên của Thành phố Hà Nội"), line.text)


class BackfillTests(RavaoTestCase):
    """The data migration `privacy.0004_audit_office_names_backfill` on rows written before it."""

    def old_row(self, role: str, office: str) -> AuditEvent:
        return AuditEvent.objects.create(
            at=self.minutes_ago(5),
            actor=self.hana,
            actor_role=role,
            actor_office=office,
            action="case.view",
            person_id=self.visitor.pk,
        )

    def test_old_rows_get_the_office_name_and_kind_and_memberships_stay(self) -> None:
        from importlib import import_module

        from django.apps import apps

        from ravao.accounts.models import Membership

        memberships = sorted(Membership.objects.values_list("user_id", "role", "unit_id", "venue_id"))
        health = self.old_row(Role.HEALTH_OFFICER, "Huyện Thạch Thất")
        official = self.old_row(Role.COMMUNE_OFFICIAL, "Xã Hạ Bằng")
        gone = self.old_row(Role.DISTRICT_ADMIN, "Huyện Không Còn")  # a unit no longer loaded
        venue = self.old_row(Role.VENUE_STAFF, "Công ty May Hạ Bằng")  # not a unit role: untouched
        import_module("ravao.privacy.migrations.0004_audit_office_names_backfill").backfill(apps, None)
        for row in (health, official, gone, venue):
            row.refresh_from_db()
        self.assertEqual(
            (health.actor_office, health.actor_unit_kind), ("Trung tâm Y tế Huyện Thạch Thất", "district")
        )
        self.assertEqual((official.actor_office, official.actor_unit_kind), ("UBND Xã Hạ Bằng", "commune"))
        self.assertEqual((gone.actor_office, gone.actor_unit_kind), ("Huyện Không Còn", ""))
        self.assertEqual((venue.actor_office, venue.actor_unit_kind), ("Công ty May Hạ Bằng", ""))
        with translation.override("vi"):
            texts = [line.text for line in person_accesses(self.visitor.pk)]
        self.assertIn("Cán bộ y tế huyện của Trung tâm Y tế Huyện Thạch Thất (Truy vết)", texts)
        # The role keys were kept: memberships are exactly as they were.
        self.assertEqual(
            sorted(Membership.objects.values_list("user_id", "role", "unit_id", "venue_id")), memberships
        )
