"""The base test case: a small district with the personas every view is tested against.

alice   manager of venue A (Xã Hạ Bằng)        bob     manager of venue B (Thị trấn Liên Quan)
sam     staff of venue A                        carol   official of Hạ Bằng commune
cuong   official of Liên Quan (another commune) hana    health officer of the district
dan     district administrator                  a visitor with a remembered device (self.visitor)

Two shapes of map (issue 14, item 6). `RavaoTestCase` is the three-level map in force until 30 June 2025
(province → district → commune); `RavaoTwoLevelTestCase` is today's map (province → ward, no district):
the same personas on the 2025 wards of the former Thạch Thất area, venue A in Xã Hạ Bằng, venue B (Chợ
Liên Quan, whose town merged into it) in Xã Thạch Thất, and dan and hana serving the province. In both,
`units["district"]` is the unit the administrator and the health officer serve (the district, or the
province on the two-level map), so a test written against the personas runs unchanged on both shapes;
`units["lien_quan"]` is venue B's commune (Thị trấn Liên Quan, or Xã Thạch Thất).
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.test import Client, TestCase
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.accounts.services import membership_grant, user_create
from ravao.people.devices import _SALT, COOKIE_NAME
from ravao.people.models import Device, Person
from ravao.people.services import Answers, Profile, declaration_submit, device_register, person_register
from ravao.places.models import AdminUnit, Venue

PASSWORD = "correct horse battery staple"  # noqa: S105 (test personas)


def make_units() -> dict[str, AdminUnit]:
    province = AdminUnit.objects.create(code="t-01", name="Thành phố Hà Nội", level="province", path="t/01/")
    district = AdminUnit.objects.create(
        code="t-276", name="Huyện Thạch Thất", level="district", parent=province, path="t/01/276/"
    )
    ha_bang = AdminUnit.objects.create(
        code="t-10009", name="Xã Hạ Bằng", level="commune", parent=district, path="t/01/276/10009/"
    )
    lien_quan = AdminUnit.objects.create(
        code="t-09955", name="Thị trấn Liên Quan", level="commune", parent=district, path="t/01/276/09955/"
    )
    return {"province": province, "district": district, "ha_bang": ha_bang, "lien_quan": lien_quan}


def make_two_level_units() -> dict[str, AdminUnit]:
    """Today's map: the province directly above its wards (GSO codes of the 2025 units)."""
    province = AdminUnit.objects.create(
        code="t25-01", name="Thành phố Hà Nội", level="province", path="t25/01/"
    )
    ha_bang = AdminUnit.objects.create(
        code="t25-09982", name="Xã Hạ Bằng", level="commune", parent=province, path="t25/01/09982/"
    )
    thach_that = AdminUnit.objects.create(
        code="t25-09955", name="Xã Thạch Thất", level="commune", parent=province, path="t25/01/09955/"
    )
    return {"province": province, "district": province, "ha_bang": ha_bang, "lien_quan": thach_that}


def make_person(
    *,
    name: str = "Nguyễn Văn An",
    phone: str = "0912345678",
    id_number: str | None = None,
    declared_at: datetime | None = None,
    answers: Answers | None = None,
) -> Person:
    person, _ = person_register(
        profile=Profile(
            full_name=name,
            phone=phone,
            id_number=id_number,
            year_of_birth=1990,
            sex="male",
            nationality="Việt Nam",
            commune=None,
            address="Thôn 3",
            email="",
        )
    )
    declaration_submit(person=person, answers=answers or Answers(), now=declared_at or timezone.now())
    return person


class RavaoTestCase(TestCase):
    """Personas and helpers shared by every app's tests."""

    units: dict[str, AdminUnit]
    venue_a: Venue
    venue_b: Venue
    alice: User
    bob: User
    sam: User
    carol: User
    cuong: User
    hana: User
    dan: User
    visitor: Person
    visitor_device: Device

    # True on today's map (province → ward): for the few assertions that depend on the shape.
    two_level = False

    @classmethod
    def make_unit_tree(cls) -> dict[str, AdminUnit]:
        return make_units()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.units = cls.make_unit_tree()
        cls.venue_a = Venue.objects.create(
            code="V000001",
            name="Công ty May Hạ Bằng",
            kind="factory",
            commune=cls.units["ha_bang"],
            address="Khu công nghiệp Thạch Thất",
            phone="0243123456",
            status="active",
        )
        cls.venue_b = Venue.objects.create(
            code="V000002",
            name="Chợ Liên Quan",
            kind="market",
            commune=cls.units["lien_quan"],
            address="Phố Liên Quan",
            phone="0243123457",
            status="active",
        )
        cls.alice = cls.make_user("0900000001", "Alice", Role.VENUE_MANAGER, venue=cls.venue_a)
        cls.bob = cls.make_user("0900000002", "Bob", Role.VENUE_MANAGER, venue=cls.venue_b)
        cls.sam = cls.make_user("0900000003", "Sam", Role.VENUE_STAFF, venue=cls.venue_a)
        cls.carol = cls.make_user("0900000004", "Carol", Role.COMMUNE_OFFICIAL, unit=cls.units["ha_bang"])
        cls.cuong = cls.make_user("0900000005", "Cường", Role.COMMUNE_OFFICIAL, unit=cls.units["lien_quan"])
        cls.hana = cls.make_user("0900000006", "Hana", Role.HEALTH_OFFICER, unit=cls.units["district"])
        cls.dan = cls.make_user("0900000007", "Dan", Role.DISTRICT_ADMIN, unit=cls.units["district"])
        cls.visitor = make_person()
        cls.visitor_device = device_register(person=cls.visitor, owner=True)

    @classmethod
    def make_user(cls, login: str, name: str, role: str, **scope: Any) -> User:
        user = user_create(login=login, password=PASSWORD, full_name=name)
        membership_grant(user=user, role=role, **scope)
        return user

    def setUp(self) -> None:
        super().setUp()
        # Rate-limit counters live in the cache; every test starts with none (all come from 127.0.0.1).
        cache.clear()

    def login(self, user: User) -> None:
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def device_client(self, device: Device | None = None) -> Client:
        """A client whose browser remembers `device` (the visitor's by default)."""
        client = Client()
        device = device or self.visitor_device
        client.cookies[COOKIE_NAME] = _signed(str(device.key))
        return client

    @staticmethod
    def new_client_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def minutes_ago(minutes: int) -> datetime:
        return timezone.now() - timedelta(minutes=minutes)


class RavaoTwoLevelTestCase(RavaoTestCase):
    """The same personas on the two-level map since 1 July 2025: the province administrator (dan) and the
    province's health officer (hana) directly above the ward officials (carol, cuong)."""

    two_level = True

    @classmethod
    def make_unit_tree(cls) -> dict[str, AdminUnit]:
        return make_two_level_units()


def _signed(value: str) -> str:
    from django.core.signing import get_cookie_signer

    return get_cookie_signer(salt=COOKIE_NAME + _SALT).sign(value)
