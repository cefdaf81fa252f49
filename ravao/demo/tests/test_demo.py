"""`ravao demo`: the generated district is complete, consistent and built once."""

from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO
from itertools import pairwise

from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import RequestFactory, TestCase
from django.utils import timezone

from ravao.accounts.models import Membership, Role, User
from ravao.checkins.models import CheckIn
from ravao.demo import (
    DEMO_LOGINS,
    DEMO_LOGINS_2025,
    DEMO_PASSWORD,
    FACTORY_NAME,
    HEALTH_NAME,
    LINES,
    WARDS_2025,
    DemoConflict,
    DemoOptions,
    DemoSummary,
    demo_build,
    demo_communes,
    demo_district,
    demo_top,
)
from ravao.lib.cccd import parse_cccd
from ravao.people.models import Device, HealthDeclaration, Person
from ravao.places.models import Venue, VenueKind

SMALL = DemoOptions(seed=7, people=200, venues=40, days=3)


def table_counts() -> dict[str, int]:
    return {
        "venues": Venue.objects.count(),
        "people": Person.objects.count(),
        "declarations": HealthDeclaration.objects.count(),
        "devices": Device.objects.count(),
        "checkins": CheckIn.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
    }


class DemoTests(TestCase):
    now: datetime
    summary: DemoSummary

    @classmethod
    def setUpTestData(cls) -> None:
        cls.now = timezone.now()
        cls.summary = demo_build(options=SMALL, now=cls.now)

    def test_every_venue_kind_is_present(self) -> None:
        self.assertEqual(set(Venue.objects.values_list("kind", flat=True)), set(VenueKind.values))

    def test_every_commune_has_a_health_station_and_a_peoples_committee(self) -> None:
        district = demo_district()
        assert district is not None
        communes = district.children.all()
        self.assertEqual(communes.count(), 20)
        for commune in communes:
            names = set(commune.venues.values_list("name", flat=True))
            self.assertTrue(any(n.startswith("Trạm Y tế") for n in names), commune.name)
            self.assertTrue(any(n.startswith("UBND") for n in names), commune.name)

    def test_statuses_and_codes(self) -> None:
        statuses = set(Venue.objects.values_list("status", flat=True))
        self.assertEqual(statuses, {"active", "pending", "suspended"})
        for code, pk in Venue.objects.values_list("code", "pk"):
            self.assertEqual(code, f"V{pk:06d}")

    def test_the_factory_has_lines_a_canteen_and_three_shifts(self) -> None:
        factory = Venue.objects.get(name=FACTORY_NAME)
        areas = {a.name: a for a in factory.areas.all()}
        for line in LINES:
            self.assertEqual(areas[line].kind, "line")
            self.assertIn(areas[line].parent.name, ("Xưởng A", "Xưởng B"))  # type: ignore[union-attr]
        self.assertIn("Nhà ăn", areas)
        shifts = [(s.name, s.starts_at.hour, s.ends_at.hour) for s in factory.shifts.all()]
        self.assertEqual(shifts, [("Ca 1", 6, 14), ("Ca 2", 14, 22), ("Ca 3", 22, 6)])
        self.assertTrue(Venue.objects.get(name=HEALTH_NAME).areas.exists())
        gate = CheckIn.objects.filter(venue=factory, method="gate")
        self.assertTrue(gate.filter(area__name__startswith="Dây chuyền").exists())

    def test_check_ins_are_consistent(self) -> None:
        rows = list(
            CheckIn.objects.order_by("person_id", "checked_in_at").values_list(
                "person_id", "checked_in_at", "checked_out_at", "checked_out_estimated", "method", "device_id"
            )
        )
        self.assertGreater(len(rows), 200)
        by_person: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        start = self.now - timedelta(days=SMALL.days)
        for person, came, left, estimated, method, device in rows:
            self.assertGreaterEqual(came, start)
            self.assertLessEqual(came, self.now)
            if left is not None:
                self.assertGreaterEqual(left, came)
            else:
                self.assertFalse(estimated)
            if method == "self":
                self.assertIsNotNone(device)
            by_person[person].append((came, left))
        for person, visits in by_person.items():
            for (_, left), (came, _) in pairwise(visits):
                # Only the last visit may be open, and a visit ends before the next one starts.
                self.assertIsNotNone(left, person)
                assert left is not None
                self.assertLessEqual(left, came, person)
        self.assertTrue(CheckIn.objects.filter(checked_out_estimated=True).exists())
        real = CheckIn.objects.filter(checked_out_estimated=False, checked_out_at__isnull=False).count()
        self.assertGreater(real / len(rows), 0.75)
        self.assertEqual(CheckIn.objects.filter(venue__status="pending").count(), 0)
        self.assertEqual(set(CheckIn.objects.values_list("method", flat=True)), {"self", "gate", "manual"})

    def test_people_are_plausible(self) -> None:
        people = list(Person.objects.all())
        self.assertEqual(len(people), SMALL.people)
        with_id = [p for p in people if p.id_number]
        self.assertTrue(0.4 < len(with_id) / len(people) < 0.8)
        for person in with_id:
            # The generated number agrees with the person: province code, century/sex digit, year.
            dob = f"0101{person.year_of_birth}"
            sex = "Nam" if person.sex == "male" else "Nữ"
            result = parse_cccd(
                f"{person.id_number}||{person.full_name}|{dob}|{sex}|{person.address}|01012021"
            )
            self.assertTrue(result.ok)
            self.assertEqual(tuple(result.warnings), (), person.id_number)  # type: ignore[union-attr]
        for person in people:
            self.assertTrue(1950 <= person.year_of_birth <= 2008)
            self.assertEqual(len(person.name_index.split()), len(set(person.full_name.lower().split())))
            self.assertIsNotNone(person.commune_id)
        self.assertTrue(HealthDeclaration.objects.filter(status="yellow").exists() or SMALL.people < 100)

    def test_running_again_adds_nothing(self) -> None:
        before = table_counts()
        summary = demo_build(options=SMALL, now=self.now)
        self.assertFalse(summary.created)
        self.assertEqual(table_counts(), before)

    def test_reset_rebuilds_the_same_amounts(self) -> None:
        before = table_counts()
        summary = demo_build(options=SMALL, now=self.now, reset=True)
        self.assertTrue(summary.created)
        self.assertEqual(table_counts(), before)

    def test_the_demo_logins_work_and_have_their_roles(self) -> None:
        validate_password(DEMO_PASSWORD)
        printed = {login.login for login, exists in self.summary.logins if exists}
        self.assertEqual(printed, {d.login for d in DEMO_LOGINS})
        district = demo_district()
        for demo in DEMO_LOGINS:
            # Axes wants the request that carries the login attempt.
            request = RequestFactory().post("/accounts/login/")
            self.assertTrue(self.client.login(request=request, username=demo.login, password=DEMO_PASSWORD))
            user = User.objects.get(username=demo.login)
            membership = Membership.objects.get(user=user, role=demo.role)
            if demo.scope == "district":
                self.assertEqual(membership.unit, district)
            elif demo.role == Role.COMMUNE_OFFICIAL:
                self.assertEqual(membership.unit.name, demo.scope)  # type: ignore[union-attr]
            else:
                self.assertEqual(membership.venue.name, demo.scope)  # type: ignore[union-attr]
            self.client.logout()

    def test_the_command_prints_the_summary(self) -> None:
        out = StringIO()
        call_command(
            "demo", scheme="2021", people=SMALL.people, venues=SMALL.venues, days=SMALL.days, stdout=out
        )
        text = out.getvalue()
        self.assertIn("already loaded", text)
        self.assertIn(DEMO_PASSWORD, text)
        self.assertIn("http://127.0.0.1:8000/", text)
        self.assertIn("/v/", text)
        for demo in DEMO_LOGINS:
            self.assertIn(demo.login, text)


SMALL_2025 = DemoOptions(seed=7, people=200, venues=40, days=3, scheme="2025")


class TwoLevelDemoTests(TestCase):
    """`ravao demo --scheme 2025` (issue 14, item 6): the same kind of demo on the 2025 wards of the former
    Thạch Thất district, directly under the province, with a province administrator, ward officials and
    ward health officers."""

    now: datetime
    summary: DemoSummary

    @classmethod
    def setUpTestData(cls) -> None:
        cls.now = timezone.now()
        cls.summary = demo_build(options=SMALL_2025, now=cls.now)

    def test_the_wards_are_the_2025_ones_under_the_province(self) -> None:
        province = demo_top("2025")
        assert province is not None
        self.assertEqual((province.name, province.level), ("Thành phố Hà Nội", "province"))
        wards = list(demo_communes("2025"))
        self.assertEqual(sorted(w.code for w in wards), sorted(f"v2025-{c}" for c in WARDS_2025))
        self.assertIn("Xã Thạch Thất", {w.name for w in wards})
        self.assertIn("Xã Hạ Bằng", {w.name for w in wards})
        for ward in wards:
            self.assertEqual(ward.parent_id, province.pk)  # no district in between
        # Every venue and person of the demo is in one of those wards; none on the 2021 map.
        self.assertEqual(Venue.objects.exclude(commune__in=wards).count(), 0)
        self.assertEqual(Person.objects.exclude(commune__in=wards).count(), 0)
        self.assertEqual(Venue.objects.count(), SMALL_2025.venues)
        self.assertEqual(set(Venue.objects.values_list("kind", flat=True)), set(VenueKind.values))
        self.assertTrue(CheckIn.objects.exists())

    def test_every_ward_has_a_health_station_and_a_peoples_committee(self) -> None:
        for ward in demo_communes("2025"):
            kinds = set(Venue.objects.filter(commune=ward).values_list("kind", flat=True))
            self.assertLessEqual({VenueKind.HEALTH, VenueKind.AGENCY}, kinds, ward.name)

    def test_the_logins_serve_the_province_and_the_wards(self) -> None:
        province = demo_top("2025")
        printed = {login.login for login, exists in self.summary.logins if exists}
        self.assertEqual(printed, {d.login for d in DEMO_LOGINS_2025})
        self.assertEqual(self.summary.area, "Thành phố Hà Nội")
        for demo in DEMO_LOGINS_2025:
            membership = Membership.objects.get(user__username=demo.login, role=demo.role)
            if demo.scope == "district":
                self.assertEqual(membership.unit, province)
            elif demo.role in (Role.COMMUNE_OFFICIAL, Role.HEALTH_OFFICER):
                assert membership.unit is not None
                self.assertEqual(membership.unit.name, demo.scope)
                self.assertEqual(membership.unit.parent, province)
            else:
                self.assertEqual(membership.venue.name, demo.scope)  # type: ignore[union-attr]
        factory = Venue.objects.get(name=FACTORY_NAME)
        self.assertEqual(factory.commune.name, "Xã Tây Phương")  # Phùng Xá's ward since 2025

    def test_switching_maps_needs_a_reset(self) -> None:
        with self.assertRaises(DemoConflict):
            demo_build(options=SMALL, now=self.now)
        summary = demo_build(options=SMALL, now=self.now, reset=True)
        self.assertTrue(summary.created)
        self.assertEqual(Venue.objects.exclude(commune__in=demo_communes("2021")).count(), 0)
        self.assertFalse(User.objects.filter(username="0900000010").exists())  # 2025-only login gone

    def test_the_command_builds_the_2025_map_by_default(self) -> None:
        out = StringIO()
        call_command("demo", people=10, venues=40, days=1, stdout=out)
        text = out.getvalue()
        self.assertIn("already loaded", text)
        self.assertIn("Thành phố Hà Nội", text)
        self.assertIn("0900000010", text)
