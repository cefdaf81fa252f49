"""A realistic demo district: Huyện Thạch Thất (Hà Nội) with venues, people, declarations and check-ins.

Two maps (issue 14, item 6). `--scheme 2021` builds it on the three-level map in force until 30 June 2025:
Huyện Thạch Thất and its communes, a district administrator and the district's health officer.
`--scheme 2025` builds the same area on today's two-level map: the 2025 wards that took over the former
district (Xã Thạch Thất, Xã Hạ Bằng, Xã Tây Phương, Xã Hòa Lạc, Xã Yên Xuân, from the data package's
`converter_2025.json`), directly under Thành phố Hà Nội, with a province administrator, ward officials and
ward health officers. The builder is the same: places it names by their 2021 commune ("Thị trấn Liên
Quan", "Xã Phùng Xá") go to the ward that took that commune over (`WARD_OF_2021`).

`demo_build` fills the current database so that every journey of the brief can be shown at once: the
oversight pages have venues that scan and venues that do not, tracing has a factory with production lines
and shifts, the personal page has two weeks of visits. Everything comes from one `random.Random(seed)`,
and times are relative to `now`, so the data always covers the last `days` days and the same seed on the
same minute gives the same rows (poster codes excepted: they stay unpredictable, see below).

How the visits are made (the part that must be right for tracing to be believable):
    * Each person gets at most one job (a factory shift, an office, a school, a market stall, ...) and a
      few errands a day placed in the hours the job leaves free, inside the venue's opening hours.
    * A person's visits are laid out one after the other on a single time line, so two visits of the
      same person never overlap; a visit with no check-out gets the end `estimate_end` gives, capped by
      the person's next check-in, exactly as `checkin_create` closes it in the application.
    * Only a person's last visit can be open, and only while its estimated end is still ahead of `now`
      (older ones are what `ravao close_visits` would have closed).

Speed: people, declarations, devices and check-ins are written with `bulk_create` from a single pass,
check-ins streamed in batches so memory stays flat; the whole build is one transaction (all or nothing,
and SQLite writes much faster inside one).
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.accounts.services import membership_grant, user_create
from ravao.checkins.models import CheckIn
from ravao.checkins.visits import estimate_end
from ravao.lib.cccd import PROVINCE_CODES
from ravao.lib.qr import checkin_url
from ravao.lib.text import nfc
from ravao.people.models import Device, HealthDeclaration, Person, Sex
from ravao.people.selectors import person_status
from ravao.places.models import AdminUnit, Area, Shift, Venue, VenueKind
from ravao.places.services import area_create, shift_create, venue_register, venue_set_status
from ravao.places.units import Scheme, communes_of, load_units, unit_code
from ravao.privacy.crypto import lookup_hash
from ravao.tracing.models import Case
from ravao.tracing.retention import delete_cases

# --- Constants -------------------------------------------------------------------------------------------

DISTRICT_GSO_CODE = "276"  # Huyện Thạch Thất
PROVINCE_GSO_CODE = "01"  # Thành phố Hà Nội
# Passes Django's validators (length 10+, not numeric, not in the common list) and is easy to type.
DEMO_PASSWORD = "ravao-demo-2021"  # noqa: S105 -- a published demo password, by design
BATCH_SIZE = 2000

# The factory doubles as the marker: the build is one transaction, so if it exists the demo is complete.
FACTORY_NAME = "Công ty TNHH May Thạch Thất"
FACTORY_COMMUNE = "Xã Phùng Xá"
MARKET_NAME = "Chợ Liên Quan"
HEALTH_NAME = "Trạm Y tế xã Hạ Bằng"
SCHOOL_NAME = "Trường THCS Cần Kiệm"
LINES = tuple(f"Dây chuyền {n}" for n in range(1, 7))
CANTEEN = "Nhà ăn"
SHIFTS = (("Ca 1", time(6), time(14)), ("Ca 2", time(14), time(22)), ("Ca 3", time(22), time(6)))
HEALTH_ROOMS = ("Phòng khám bệnh", "Phòng tiêm chủng", "Phòng lấy mẫu xét nghiệm")


@dataclass(frozen=True)
class DemoLogin:
    login: str
    full_name: str
    role: str
    # Where the role applies: "district" (the unit the administrator serves: the district on the 2021 map,
    # the province on the 2025 one), a commune's or ward's full name, or one of the named venues' names.
    scope: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("0900000001", "Nguyễn Văn Hùng", Role.DISTRICT_ADMIN, "district"),
    DemoLogin("0900000002", "Trần Thị Lan", Role.HEALTH_OFFICER, "district"),
    DemoLogin("0900000003", "Lê Văn Bình", Role.COMMUNE_OFFICIAL, "Xã Hạ Bằng"),
    DemoLogin("0900000004", "Phạm Thị Hoa", Role.COMMUNE_OFFICIAL, "Thị trấn Liên Quan"),
    DemoLogin("0900000005", "Đỗ Minh Tuấn", Role.VENUE_MANAGER, FACTORY_NAME),
    DemoLogin("0900000006", "Bùi Văn Nam", Role.VENUE_STAFF, FACTORY_NAME),
    DemoLogin("0900000007", "Ngô Thị Hằng", Role.VENUE_MANAGER, MARKET_NAME),
    DemoLogin("0900000008", "Hoàng Đức Thắng", Role.VENUE_MANAGER, HEALTH_NAME),
    DemoLogin("0900000009", "Vũ Thị Mai", Role.VENUE_MANAGER, SCHOOL_NAME),
)

# Today's map: the same people, the administrator over the province, health officers in the wards.
DEMO_LOGINS_2025: tuple[DemoLogin, ...] = (
    DemoLogin("0900000001", "Nguyễn Văn Hùng", Role.DISTRICT_ADMIN, "district"),
    DemoLogin("0900000002", "Trần Thị Lan", Role.HEALTH_OFFICER, "Xã Thạch Thất"),
    DemoLogin("0900000003", "Lê Văn Bình", Role.COMMUNE_OFFICIAL, "Xã Hạ Bằng"),
    DemoLogin("0900000004", "Phạm Thị Hoa", Role.COMMUNE_OFFICIAL, "Xã Thạch Thất"),
    DemoLogin("0900000005", "Đỗ Minh Tuấn", Role.VENUE_MANAGER, FACTORY_NAME),
    DemoLogin("0900000006", "Bùi Văn Nam", Role.VENUE_STAFF, FACTORY_NAME),
    DemoLogin("0900000007", "Ngô Thị Hằng", Role.VENUE_MANAGER, MARKET_NAME),
    DemoLogin("0900000008", "Hoàng Đức Thắng", Role.VENUE_MANAGER, HEALTH_NAME),
    DemoLogin("0900000009", "Vũ Thị Mai", Role.VENUE_MANAGER, SCHOOL_NAME),
    DemoLogin("0900000010", "Đặng Thu Hà", Role.HEALTH_OFFICER, "Xã Hạ Bằng"),
)

# The 2025 wards of the former Thạch Thất district (GSO codes; `converter_2025.json` of the data package).
WARDS_2025 = ("09955", "09982", "10003", "09988", "04930")
# The 2021 communes the builder names → the 2025 ward that took each over.
WARD_OF_2021 = {
    "Thị trấn Liên Quan": "Xã Thạch Thất",
    "Xã Phùng Xá": "Xã Tây Phương",
    "Xã Thạch Xá": "Xã Tây Phương",
    "Xã Cần Kiệm": "Xã Hạ Bằng",
}


@dataclass(frozen=True)
class DemoMap:
    scheme: Scheme
    top_code: str  # the unit the administrator serves
    ward_codes: tuple[str, ...] | None  # None: every commune under the top unit
    logins: tuple[DemoLogin, ...]


DEMO_MAPS: dict[str, DemoMap] = {
    "2021": DemoMap("2021", DISTRICT_GSO_CODE, None, DEMO_LOGINS),
    "2025": DemoMap("2025", PROVINCE_GSO_CODE, WARDS_2025, DEMO_LOGINS_2025),
}
ALL_DEMO_LOGINS = sorted({d.login for m in DEMO_MAPS.values() for d in m.logins})

# Opening hours by kind (BRIEF: markets in the morning, shops into the evening); None = no fixed hours.
HOURS: dict[str, tuple[time, time] | None] = {
    VenueKind.MARKET: (time(5), time(12)),
    VenueKind.SHOP: (time(7), time(21)),
    VenueKind.AGENCY: (time(7, 30), time(17)),
    VenueKind.BUSINESS: (time(7, 30), time(17)),
    VenueKind.SCHOOL: (time(7), time(17)),
    VenueKind.RESTAURANT: (time(6), time(22)),
    VenueKind.HEALTH: (time(7), time(17)),
    VenueKind.CRAFT: (time(7), time(18)),
    VenueKind.PUBLIC: (time(6), time(21)),
    VenueKind.FACTORY: None,
    VenueKind.OTHER: None,
}

# --- Names -------------------------------------------------------------------------------------------------

# Weights follow the usual shares of Vietnamese family names (Nguyễn about four in ten).
FAMILY_NAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4), ("Vũ", 4),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1), ("Lý", 1),
)  # fmt: skip
MIDDLE_MALE = ("Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Tiến", "Thành", "Ngọc")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Phương", "Thùy", "Minh", "Kim")
GIVEN_MALE = (
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khánh", "Kiên", "Long",
    "Mạnh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung", "Tuấn", "Việt",
    "Vinh", "Đông", "Hưng", "Lâm",
)  # fmt: skip
GIVEN_FEMALE = (
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền", "Lan", "Liên", "Linh",
    "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Tuyết",
    "Vân", "Yến", "Hiền", "Lý", "My",
)  # fmt: skip
# Mobile prefixes of the three big networks (Viettel, Vinaphone, Mobifone).
PHONE_PREFIXES = (
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "088", "091", "094", "081", "082", "083", "084", "085", "089", "090", "093", "070", "076", "077",
    "078", "079",
)  # fmt: skip
SHOP_TYPES = (
    "Cửa hàng tạp hóa", "Cửa hàng tạp hóa", "Tạp hóa", "Cửa hàng điện thoại", "Cửa hàng vật liệu xây dựng",
    "Cửa hàng điện máy", "Shop quần áo", "Tiệm bánh", "Cửa hàng hoa quả", "Cửa hàng văn phòng phẩm",
)  # fmt: skip
RESTAURANT_TYPES = (
    "Quán phở", "Quán phở", "Bún chả", "Cơm bình dân", "Cà phê", "Quán bia hơi", "Bún riêu", "Lẩu dê",
    "Bánh cuốn", "Trà chanh",
)  # fmt: skip
SHOP_OWNERS = (
    "Minh Anh", "Hương Lan", "Tuấn Hùng", "Thu Hà", "Bình An", "Hải Yến", "Cô Hằng", "Chú Tư", "Hạnh Phúc",
    "Phú Quý", "Thành Đạt", "Ngọc Mai", "Hà Thành", "Gia Huy", "Mạnh Cường", "Hoa Sen", "Tâm Đức",
)  # fmt: skip
COMPANY_WORDS = (
    "Phúc Thịnh", "Tân Phát", "Đông Á", "Sao Mai", "Thành Công", "An Phát", "Việt Nhật", "Hòa Lạc",
    "Hưng Thịnh", "Minh Long", "Trường Sơn", "Kim Long", "Đại Dương", "Phú Cường",
)  # fmt: skip
FACTORY_TYPES = (
    "Công ty TNHH Cơ khí chính xác", "Công ty CP Nhựa", "Công ty TNHH Điện tử", "Công ty TNHH Bao bì",
    "Công ty CP Dược phẩm", "Công ty TNHH Thực phẩm", "Công ty TNHH Nội thất",
)  # fmt: skip
BUSINESS_TYPES = (
    "Công ty CP Thương mại", "Công ty TNHH Xây dựng", "Công ty TNHH Vận tải", "Công ty CP Đầu tư",
    "Công ty TNHH Dịch vụ",
)  # fmt: skip
CRAFT_TYPES = ("Xưởng mộc", "Xưởng mộc", "Cơ sở sản xuất đồ gỗ", "Xưởng cơ kim khí", "Xưởng đan mây tre")
OTHER_TYPES = ("Tiệm cắt tóc", "Tiệm sửa xe máy", "Tiệm ảnh", "Nhà nghỉ")
HIGH_SCHOOLS = (
    "Trường THPT Thạch Thất", "Trường THPT Phùng Khắc Khoan", "Trường THPT Hai Bà Trưng",
    "Trường THPT Bắc Lương Sơn",
)  # fmt: skip
DISTRICT_AGENCIES = (
    "UBND huyện Thạch Thất", "Kho bạc Nhà nước Thạch Thất", "Chi cục Thuế huyện Thạch Thất",
    "Bảo hiểm xã hội huyện Thạch Thất", "Công an huyện Thạch Thất",
)  # fmt: skip
SYMPTOMS = HealthDeclaration.SYMPTOM_FIELDS
CONTACTS = HealthDeclaration.CONTACT_FIELDS


# --- Results and progress ----------------------------------------------------------------------------------

# (stage, done, total): called after each batch so a command can draw a bar.
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class DemoConflict(Exception):
    """The demo of the other map is loaded: the two share logins, so one must be reset first."""


@dataclass
class DemoSummary:
    created: bool  # False when the demo was already loaded and nothing was written
    scheme: str = "2021"
    area: str = ""  # the unit the administrator serves ("Huyện Thạch Thất", "Thành phố Hà Nội")
    counts: list[tuple[str, int]] = field(default_factory=list)
    logins: list[tuple[DemoLogin, bool]] = field(default_factory=list)  # (login, exists)
    password: str = DEMO_PASSWORD
    poster_venue: str = ""
    poster_url: str = ""
    site_url: str = ""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 2021
    people: int = 5000
    venues: int = 300
    days: int = 14
    # The map: "2021" (three levels, the district) or "2025" (two levels, the wards of the former district).
    # `ravao demo` builds 2025 unless told otherwise; the Python default stays 2021 for the existing tests.
    scheme: Scheme = "2021"


# --- Entry points ------------------------------------------------------------------------------------------


def demo_district() -> AdminUnit | None:
    return demo_top("2021")


def demo_top(scheme: str) -> AdminUnit | None:
    """The unit the demo's administrator serves: Huyện Thạch Thất (2021) or Thành phố Hà Nội (2025)."""
    demo_map = DEMO_MAPS[scheme]
    return AdminUnit.objects.filter(code=unit_code(demo_map.scheme, demo_map.top_code)).first()


def demo_communes(scheme: str) -> QuerySet[AdminUnit]:
    """The communes (2021) or wards (2025) the demo fills, in code order (the same seed, the same demo)."""
    demo_map = DEMO_MAPS[scheme]
    top = demo_top(scheme)
    if top is None:
        return AdminUnit.objects.none()
    if demo_map.ward_codes is None:
        return communes_of(top)
    codes = [unit_code(demo_map.scheme, code) for code in demo_map.ward_codes]
    return AdminUnit.objects.filter(code__in=codes, path__startswith=top.path).order_by("code")


def demo_is_loaded(scheme: str = "2021") -> bool:
    return _demo_venues(scheme).filter(name=FACTORY_NAME).exists()


def demo_build(
    *,
    options: DemoOptions | None = None,
    now: datetime | None = None,
    reset: bool = False,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo unless it is there already (then only summarise). `reset` deletes it first."""
    options = options or DemoOptions()
    now = now or timezone.now()
    report = progress or _no_progress
    scheme = options.scheme
    if reset:
        demo_reset()
    if demo_is_loaded(scheme):
        return demo_summary(created=False, scheme=scheme)
    other = next((s for s in DEMO_MAPS if s != scheme and demo_is_loaded(s)), None)
    if other is not None:
        raise DemoConflict(f"The {other} demo is loaded; rebuild with --reset to switch to the {scheme} map.")
    report("units", 0, 1)
    load_units(scheme=scheme, province_codes=[PROVINCE_GSO_CODE])
    report("units", 1, 1)
    with transaction.atomic():
        _Builder(options=options, now=now, report=report).build()
    return demo_summary(created=True, scheme=scheme)


@transaction.atomic
def demo_reset() -> None:
    """Delete the demo: check-ins, people and venues of the district, and the demo users.

    Everything living in the district goes, including rows someone added by hand while trying the demo:
    on a demo database that is what "start again" means. Check-ins and declarations are deleted first,
    in bulk, so Django's deletion collector does not load 100,000 rows to cascade them one by one."""
    for scheme in DEMO_MAPS:
        _reset_area(scheme)
    User.objects.filter(username__in=ALL_DEMO_LOGINS).delete()


def _reset_area(scheme: str) -> None:
    communes = demo_communes(scheme)
    if communes.exists():
        venues = _demo_venues(scheme)
        people = Person.objects.filter(commune__in=communes)
        CheckIn.objects.filter(venue__in=venues).delete()
        CheckIn.objects.filter(person__in=people).delete()
        HealthDeclaration.objects.filter(person__in=people).delete()
        Device.objects.filter(person__in=people).delete()
        # Cases tried on the demo: their persons are PROTECTed (tracing keeps them), so the cases go first.
        case_ids = Case.objects.filter(Q(person__in=people) | Q(contacts__person__in=people)).values_list(
            "pk", flat=True
        )
        delete_cases(list(case_ids.distinct()))
        people.delete()
        venues.delete()


def demo_summary(*, created: bool, scheme: str = "2021") -> DemoSummary:
    summary = DemoSummary(created=created, scheme=scheme, site_url=settings.SITE_URL + "/")
    top = demo_top(scheme)
    if top is None:
        return summary
    summary.area = top.name
    logins = DEMO_MAPS[scheme].logins
    communes = demo_communes(scheme)
    venues = _demo_venues(scheme)
    checkins = CheckIn.objects.filter(venue__in=venues)
    people = Person.objects.filter(commune__in=communes)
    summary.counts = [
        ("Communes" if scheme == "2021" else "Wards", communes.count()),
        ("Venues", venues.count()),
        ("  active", venues.filter(status=Venue.Status.ACTIVE).count()),
        ("  pending", venues.filter(status=Venue.Status.PENDING).count()),
        ("  suspended", venues.filter(status=Venue.Status.SUSPENDED).count()),
        ("Areas", Area.objects.filter(venue__in=venues).count()),
        ("Shifts", Shift.objects.filter(venue__in=venues).count()),
        ("People", people.count()),
        ("Health declarations", HealthDeclaration.objects.filter(person__in=people).count()),
        ("Devices", Device.objects.filter(person__in=people).count()),
        ("Check-ins", checkins.count()),
        ("  open now", checkins.filter(checked_out_at__isnull=True).count()),
        ("  estimated exit", checkins.filter(checked_out_estimated=True).count()),
    ]
    existing = set(
        User.objects.filter(username__in=[d.login for d in logins]).values_list("username", flat=True)
    )
    summary.logins = [(d, d.login in existing) for d in logins]
    market = venues.filter(name=MARKET_NAME, status=Venue.Status.ACTIVE).first()
    if market is not None:
        summary.poster_venue = market.name
        summary.poster_url = checkin_url(market.qr_code)
    return summary


def _demo_venues(scheme: str) -> QuerySet[Venue]:
    return Venue.objects.filter(commune__in=demo_communes(scheme))


# --- The builder -------------------------------------------------------------------------------------------


@dataclass
class _Job:
    """Where a person works and when. Minutes are from the day's midnight; `end` may pass 24:00."""

    venue: Venue
    start: int
    end: int
    weekdays: frozenset[int]
    method: str  # how they usually check in
    line: Area | None = None  # factory workers: their production line
    shift: bool = False  # the factory: arrivals just before the shift, a canteen break


@dataclass
class _Visit:
    venue: Venue
    area: Area | None
    start: datetime
    end: datetime  # when the person really left
    method: str
    checkout: bool  # False: left without checking out (the end will be estimated)


@dataclass
class _PersonPlan:
    person: Person
    commune_id: int
    elderly: bool
    device_id: int | None = None
    job: _Job | None = None
    declarations: list[tuple[datetime, str]] = field(default_factory=list)


WEEKDAYS = frozenset(range(5))
MON_SAT = frozenset(range(6))
EVERY_DAY = frozenset(range(7))

# Errands: (kind, probability a day, (earliest, latest) start in minutes, (min, max) stay in minutes).
ERRANDS: tuple[tuple[str, float, tuple[int, int], tuple[int, int]], ...] = (
    (VenueKind.MARKET, 0.30, (5 * 60 + 15, 10 * 60 + 30), (15, 60)),
    (VenueKind.SHOP, 0.42, (16 * 60 + 30, 20 * 60 + 30), (5, 25)),
    (VenueKind.SHOP, 0.15, (7 * 60 + 30, 11 * 60), (5, 20)),
    (VenueKind.RESTAURANT, 0.18, (6 * 60, 7 * 60 + 45), (15, 40)),
    (VenueKind.RESTAURANT, 0.18, (17 * 60 + 30, 20 * 60 + 30), (30, 90)),
    (VenueKind.HEALTH, 0.02, (7 * 60 + 15, 15 * 60 + 15), (20, 100)),
    (VenueKind.AGENCY, 0.02, (8 * 60, 15 * 60 + 30), (15, 60)),
    (VenueKind.BUSINESS, 0.03, (8 * 60, 15 * 60 + 30), (15, 45)),
    (VenueKind.PUBLIC, 0.06, (7 * 60, 19 * 60 + 30), (30, 90)),
    (VenueKind.CRAFT, 0.01, (8 * 60, 16 * 60), (20, 60)),
    (VenueKind.OTHER, 0.02, (8 * 60, 19 * 60), (15, 60)),
)


class _Builder:
    def __init__(self, *, options: DemoOptions, now: datetime, report: Progress) -> None:
        self.o = options
        self.now = now
        self.report = report
        self.rng = random.Random(options.seed)  # noqa: S311 -- demo data, reproducible on purpose
        self.tz = timezone.get_default_timezone()
        today = timezone.localtime(now, self.tz).date()
        self.dates: list[date] = [today - timedelta(days=n) for n in range(options.days - 1, -1, -1)]
        self.window_start = self._at(self.dates[0], 0)

    # Local wall-clock minute of a date → aware datetime. Hà Nội has no DST, so this is exact.
    def _at(self, day: date, minutes: int) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.tz) + timedelta(minutes=minutes)

    def build(self) -> None:
        scheme = self.o.scheme
        top = demo_top(scheme)
        assert top is not None, "load_units ran first"
        self.district = top  # the administrator's unit: the district (2021) or the province (2025)
        self.logins = DEMO_MAPS[scheme].logins
        self.communes = list(demo_communes(scheme))
        self.by_name = {c.name: c for c in self.communes}
        if scheme == "2025":  # the builder's 2021 names → the wards that took those communes over
            for old, new in WARD_OF_2021.items():
                self.by_name.setdefault(old, self.by_name[new])
        self.users = self._users()
        self._venues()
        plans = self._people()
        self._jobs(plans)
        self._declarations_and_devices(plans)
        self._checkins(plans)

    # --- users ------------------------------------------------------------------------------------------

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for demo in self.logins:
            user = User.objects.filter(username=demo.login).first()
            if user is None:  # An existing account is left as it is (idempotent; its password may differ).
                user = user_create(login=demo.login, password=DEMO_PASSWORD, full_name=demo.full_name)
            users[demo.login] = user
            if demo.scope == "district":
                membership_grant(user=user, role=demo.role, unit=self.district)
            elif demo.role in (Role.COMMUNE_OFFICIAL, Role.HEALTH_OFFICER):
                membership_grant(user=user, role=demo.role, unit=self.by_name[demo.scope])
        self.report("users", 1, 1)
        return users

    # --- venues -----------------------------------------------------------------------------------------

    def _short(self, commune: AdminUnit) -> str:
        return commune.name.removeprefix(commune.unit_type).strip() if commune.unit_type else commune.name

    def _address(self, commune: AdminUnit) -> str:
        if commune.unit_type == "Thị trấn":
            place = self.rng.choice((f"Tổ dân phố {self.rng.randint(1, 8)}", f"Phố {self._short(commune)}"))
        else:
            place = f"Thôn {self.rng.randint(1, 9)}"
        return f"{place}, {self._short(commune)}"

    def _landline(self) -> str:
        return f"02433{self.rng.randint(0, 999999):06d}"

    def _mobile(self) -> str:
        return f"{self.rng.choice(PHONE_PREFIXES)}{self.rng.randint(0, 9999999):07d}"

    def _venues(self) -> None:
        rng = self.rng
        admin = self.users["0900000001"]
        # 1. The named venues, registered as a manager would (venue_register creates the membership).
        named = (
            (FACTORY_NAME, VenueKind.FACTORY, FACTORY_COMMUNE, "Lô CN-05, Khu công nghiệp Phùng Xá",
             "0900000005"),
            (MARKET_NAME, VenueKind.MARKET, "Thị trấn Liên Quan", "Phố Liên Quan, Tổ dân phố 2",
             "0900000007"),
            (HEALTH_NAME, VenueKind.HEALTH, "Xã Hạ Bằng", "Thôn 6, Hạ Bằng", "0900000008"),
            (SCHOOL_NAME, VenueKind.SCHOOL, "Xã Cần Kiệm", "Thôn 2, Cần Kiệm", "0900000009"),
        )  # fmt: skip
        self.named: dict[str, Venue] = {}
        for name, kind, commune_name, address, manager in named:
            hours = HOURS[kind]
            venue = venue_register(
                manager=self.users[manager],
                name=name,
                kind=kind,
                commune=self.by_name[commune_name],
                address=address,
                phone=self._landline(),
                opens_at=hours[0] if hours else None,
                closes_at=hours[1] if hours else None,
            )
            self.named[name] = venue_set_status(
                venue=venue, status=Venue.Status.ACTIVE, by=admin, now=self.window_start - timedelta(days=30)
            )
        factory = self.named[FACTORY_NAME]
        membership_grant(user=self.users["0900000006"], role=Role.VENUE_STAFF, venue=factory)
        workshop_a = area_create(venue=factory, name="Xưởng A", kind=Area.Kind.BUILDING)
        workshop_b = area_create(venue=factory, name="Xưởng B", kind=Area.Kind.BUILDING)
        self.lines = [
            area_create(
                venue=factory, name=line, kind=Area.Kind.LINE, parent=workshop_a if n < 3 else workshop_b
            )
            for n, line in enumerate(LINES)
        ]
        self.canteen = area_create(venue=factory, name=CANTEEN, kind=Area.Kind.ROOM)
        self.shifts = [shift_create(venue=factory, name=n, starts_at=s, ends_at=e) for n, s, e in SHIFTS]
        self.rooms = [
            area_create(venue=self.named[HEALTH_NAME], name=r, kind=Area.Kind.ROOM) for r in HEALTH_ROOMS
        ]

        # 2. Every commune has a health station and a People's Committee office.
        specs: list[tuple[str, str, AdminUnit, str]] = []
        for commune in self.communes:
            word = commune.unit_type.lower() or "xã"
            health = f"Trạm Y tế {word} {self._short(commune)}"
            if health != HEALTH_NAME:
                specs.append((health, VenueKind.HEALTH, commune, self._address(commune)))
            specs.append(
                (
                    f"UBND {word} {self._short(commune)}",
                    VenueKind.AGENCY,
                    commune,
                    f"Trụ sở UBND, {self._short(commune)}",
                )
            )
        # 3. At least one venue of every kind, whatever the requested total.
        lien_quan = self.by_name.get("Thị trấn Liên Quan", self.communes[0])
        specs += [
            ("Ngân hàng Agribank chi nhánh Thạch Thất", VenueKind.BUSINESS, lien_quan, "Phố Liên Quan"),
            ("Cửa hàng tạp hóa Minh Anh", VenueKind.SHOP, lien_quan, "Tổ dân phố 3, Liên Quan"),
            ("Quán phở Hà Thành", VenueKind.RESTAURANT, lien_quan, "Phố Liên Quan"),
            ("Xưởng mộc Chàng Sơn", VenueKind.CRAFT, rng.choice(self.communes), "Cụm làng nghề mộc"),
            (
                "Chùa Tây Phương",
                VenueKind.PUBLIC,
                self.by_name.get("Xã Thạch Xá", lien_quan),
                "Núi Câu Lậu, Thạch Xá",
            ),
            ("Cửa hàng xăng dầu Petrolimex số 12", VenueKind.OTHER, lien_quan, "Quốc lộ 21A"),
        ]
        # 4. The rest, spread over the communes by weights that look like a rural district.
        specs += self._more_venue_specs(self.o.venues - len(self.named) - len(specs))

        bulk: list[Venue] = []
        # Offices have a landline; small businesses give the owner's mobile.
        landline_kinds = {
            VenueKind.AGENCY,
            VenueKind.HEALTH,
            VenueKind.SCHOOL,
            VenueKind.FACTORY,
            VenueKind.BUSINESS,
        }
        for n, (venue_name, venue_kind, venue_commune, venue_address) in enumerate(specs):
            hours = HOURS[venue_kind]
            venue = Venue(
                code=f"tmp-demo-{n}",
                name=nfc(venue_name),
                kind=venue_kind,
                commune=venue_commune,
                address=nfc(venue_address),
                phone=self._landline() if venue_kind in landline_kinds else self._mobile(),
                opens_at=hours[0] if hours else None,
                closes_at=hours[1] if hours else None,
                status=Venue.Status.ACTIVE,
                approved_by=admin,
                approved_at=self.window_start - timedelta(days=rng.randint(5, 60)),
            )
            bulk.append(venue)
        # ~5 % wait for approval and 1-2 are suspended, among the bulk ones (the named ones are showcases).
        # The per-commune offices stay active: every commune must have them working.
        optional = [v for v in bulk if not v.name.startswith(("Trạm Y tế", "UBND"))]
        rng.shuffle(optional)
        n_pending = max(1, round(len(bulk) * 0.05))
        for venue in optional[:n_pending]:
            venue.status, venue.approved_at, venue.approved_by = Venue.Status.PENDING, None, None
        for venue in optional[n_pending : n_pending + (2 if len(bulk) >= 100 else 1)]:
            venue.status = Venue.Status.SUSPENDED
        Venue.objects.bulk_create(bulk, batch_size=500)
        # The public code follows the primary key, as venue_register does ("V000042"); it needs the key.
        ids = dict(Venue.objects.filter(code__startswith="tmp-demo-").values_list("code", "pk"))
        for venue in bulk:
            venue.pk = ids[venue.code]
            venue.code = f"V{venue.pk:06d}"
        Venue.objects.bulk_update(bulk, ["code"], batch_size=500)
        self.report("venues", len(bulk) + len(self.named), len(bulk) + len(self.named))

        # Where people can go: active venues, minus ~10 % of the small ones that never scan (so the
        # oversight pages have "registered but not scanning" venues to show).
        self.venues = list(self.named.values()) + bulk
        self.scanning: list[Venue] = []
        for venue in self.venues:
            if venue.status == Venue.Status.PENDING:
                continue
            small = venue.kind in (VenueKind.SHOP, VenueKind.RESTAURANT, VenueKind.PUBLIC, VenueKind.OTHER)
            if venue.name not in self.named and small and rng.random() < 0.1:
                continue
            self.scanning.append(venue)
        # A suspended venue took visitors until it was suspended, halfway through the period.
        self.suspended_from = self._at(self.dates[len(self.dates) // 2], 0)
        self.by_kind: dict[str, list[Venue]] = defaultdict(list)
        self.by_commune_kind: dict[tuple[int, str], list[Venue]] = defaultdict(list)
        for venue in self.scanning:
            self.by_kind[venue.kind].append(venue)
            self.by_commune_kind[(venue.commune_id, venue.kind)].append(venue)

    def _more_venue_specs(self, count: int) -> list[tuple[str, str, AdminUnit, str]]:
        rng = self.rng
        weights = {
            VenueKind.SHOP: 30, VenueKind.RESTAURANT: 18, VenueKind.SCHOOL: 13, VenueKind.BUSINESS: 8,
            VenueKind.FACTORY: 5, VenueKind.CRAFT: 8, VenueKind.PUBLIC: 7, VenueKind.MARKET: 5,
            VenueKind.AGENCY: 2, VenueKind.HEALTH: 2, VenueKind.OTHER: 2,
        }  # fmt: skip
        kinds = list(weights)
        lien_quan = self.by_name.get("Thị trấn Liên Quan", self.communes[0])
        # Schools, markets and offices come from finite lists (one "Chợ Hạ Bằng", not five).
        schools = [(f"Trường {level} {self._short(c)}", c) for level in ("Tiểu học", "Mầm non", "THCS")
                   for c in self.communes]  # fmt: skip
        schools = [s for s in schools if s[0] != SCHOOL_NAME]
        schools += [(name, rng.choice(self.communes)) for name in HIGH_SCHOOLS]
        markets = [(f"Chợ {self._short(c)}", c) for c in self.communes]
        markets = [m for m in markets if m[0] != MARKET_NAME]
        agencies = [(name, lien_quan) for name in DISTRICT_AGENCIES]
        agencies += [(f"Công an {c.unit_type.lower()} {self._short(c)}", c) for c in self.communes]
        # Phùng Xá industrial park, and the communes the Hòa Lạc hi-tech park spreads over.
        park_communes = ("Xã Phùng Xá", "Xã Hạ Bằng", "Xã Tân Xã", "Xã Bình Yên", "Xã Thạch Hòa",
                         "Xã Tây Phương", "Xã Hòa Lạc")  # fmt: skip
        parks = [c for c in self.communes if c.name in park_communes] or self.communes
        specs: list[tuple[str, str, AdminUnit, str]] = []
        while len(specs) < count:
            kind = rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
            commune = rng.choice(self.communes)
            short = self._short(commune)
            owner = rng.choice(SHOP_OWNERS)
            if kind in (VenueKind.SCHOOL, VenueKind.MARKET, VenueKind.AGENCY):
                finite = {VenueKind.SCHOOL: schools, VenueKind.MARKET: markets, VenueKind.AGENCY: agencies}[
                    kind
                ]
                if not finite:
                    continue
                name, commune = finite.pop(rng.randrange(len(finite)))
                specs.append((name, kind, commune, self._address(commune)))
            elif kind == VenueKind.FACTORY:
                commune = rng.choice(parks)
                park = ("Khu công nghiệp Phùng Xá" if commune.name in ("Xã Phùng Xá", "Xã Tây Phương")
                        else "Khu công nghệ cao Hòa Lạc")  # fmt: skip
                name = f"{rng.choice(FACTORY_TYPES)} {rng.choice(COMPANY_WORDS)}"
                specs.append((name, kind, commune, f"Lô CN-{rng.randint(6, 60):02d}, {park}"))
            elif kind == VenueKind.BUSINESS:
                name = (f"{rng.choice(BUSINESS_TYPES)} {rng.choice(COMPANY_WORDS)}" if rng.random() < 0.7
                        else f"Bưu điện văn hóa xã {short}")  # fmt: skip
                specs.append((name, kind, commune, self._address(commune)))
            elif kind == VenueKind.HEALTH:
                name = rng.choice((f"Nhà thuốc {owner}", f"Phòng khám đa khoa {owner}"))
                specs.append((name, kind, commune, self._address(commune)))
            elif kind == VenueKind.SHOP:
                specs.append((f"{rng.choice(SHOP_TYPES)} {owner}", kind, commune, self._address(commune)))
            elif kind == VenueKind.RESTAURANT:
                specs.append(
                    (f"{rng.choice(RESTAURANT_TYPES)} {owner}", kind, commune, self._address(commune))
                )
            elif kind == VenueKind.CRAFT:
                name = f"{rng.choice(CRAFT_TYPES)} {rng.choice(SHOP_OWNERS)}"
                specs.append((name, kind, commune, "Cụm làng nghề, " + short))
            elif kind == VenueKind.PUBLIC:
                village = f"Nhà văn hóa thôn {rng.randint(1, 9)} {short}"
                name = rng.choice(
                    (village, f"Sân vận động xã {short}", f"Đình làng {short}", f"Nhà văn hóa xã {short}")
                )
                specs.append((name, kind, commune, self._address(commune)))
            else:
                specs.append((f"{rng.choice(OTHER_TYPES)} {owner}", kind, commune, self._address(commune)))
        return specs

    # --- people -----------------------------------------------------------------------------------------

    def _people(self) -> list[_PersonPlan]:
        rng = self.rng
        # Numbers already in the database (someone who tried the app) must not collide with ours.
        # Compared by keyed hash: the numbers themselves are encrypted.
        taken_phones = set(Person.objects.exclude(phone_hash=None).values_list("phone_hash", flat=True))
        taken_ids = set(Person.objects.exclude(id_hash=None).values_list("id_hash", flat=True))
        other_provinces = sorted(PROVINCE_CODES - {"001"})
        current_year = self.dates[-1].year
        plans: list[_PersonPlan] = []
        rows: list[Person] = []
        for _ in range(self.o.people):
            sex = Sex.MALE if rng.random() < 0.49 else Sex.FEMALE
            if rng.random() < 0.002:
                sex = Sex.OTHER
            female = sex == Sex.FEMALE
            family = rng.choices([f for f, _ in FAMILY_NAMES], weights=[w for _, w in FAMILY_NAMES])[0]
            middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
            given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            full_name = f"{family} {middle} {given}"
            year = rng.randint(1950, 2008)
            commune = rng.choice(self.communes)
            id_number = None
            # A CCCD for ~60 %: province of birth, century/sex digit, 2 digits of the year, 6 digits.
            # Cards print only Nam/Nữ, so "other" gets none.
            if sex != Sex.OTHER and rng.random() < 0.6:
                while id_number is None or lookup_hash(id_number) in taken_ids:
                    province = "001" if rng.random() < 0.85 else rng.choice(other_provinces)
                    century = (0 if year < 2000 else 2) + (1 if female else 0)
                    id_number = f"{province}{century}{year % 100:02d}{rng.randint(0, 999999):06d}"
                taken_ids.add(lookup_hash(id_number))
            phone = None
            elderly = current_year - year >= 65
            # Some elderly people have no phone of their own: their CCCD is how the gate finds them.
            if id_number is None or not (elderly and rng.random() < 0.3):
                while phone is None or lookup_hash(phone) in taken_phones:
                    phone = self._mobile()
                taken_phones.add(lookup_hash(phone))
            person = Person(
                full_name=full_name,
                phone=phone,
                id_number=id_number,
                year_of_birth=year,
                sex=sex,
                commune=commune,
                address=self._address(commune),
            )
            person.refresh_lookup_keys()  # bulk_create skips save()
            rows.append(person)
            plans.append(_PersonPlan(person=person, commune_id=commune.pk, elderly=elderly))
        for start in range(0, len(rows), BATCH_SIZE):
            Person.objects.bulk_create(rows[start : start + BATCH_SIZE])
            self.report("people", min(start + BATCH_SIZE, len(rows)), len(rows))
        return plans

    def _jobs(self, plans: list[_PersonPlan]) -> None:
        """At most one job each, from the working-age people, the factory first (it is the tracing story)."""
        rng = self.rng
        year = self.dates[-1].year
        pool = [p for p in plans if 18 <= year - p.person.year_of_birth <= 60]
        rng.shuffle(pool)
        students = [p for p in plans if year - p.person.year_of_birth < 18]
        factory = self.named[FACTORY_NAME]

        def venues_for(kind: str, plan: _PersonPlan) -> list[Venue]:
            return self.by_commune_kind.get((plan.commune_id, kind)) or self.by_kind.get(kind, [])

        def take(share: float) -> list[_PersonPlan]:
            n = round(len(plans) * share)
            taken, pool[:] = pool[:n], pool[n:]
            return taken

        # The factory: Ca 1 the biggest, Ca 3 the smallest, each worker on a fixed line and shift.
        for plan in take(0.16):
            _name, starts, ends = rng.choices(SHIFTS, weights=(40, 35, 25))[0]
            start = starts.hour * 60
            end = ends.hour * 60 + (1440 if ends <= starts else 0)
            method = CheckIn.Method.GATE if rng.random() < 0.85 else CheckIn.Method.SELF_SCAN
            plan.job = _Job(factory, start, end, MON_SAT, method, line=rng.choice(self.lines), shift=True)
        for kind, share, weekdays, (start, end) in (
            (VenueKind.FACTORY, 0.05, MON_SAT, (7 * 60 + 30, 17 * 60)),
            (VenueKind.BUSINESS, 0.04, WEEKDAYS, (7 * 60 + 30, 17 * 60)),
            (VenueKind.CRAFT, 0.05, MON_SAT, (7 * 60, 17 * 60 + 30)),
            (VenueKind.AGENCY, 0.04, WEEKDAYS, (7 * 60 + 30, 17 * 60)),
            (VenueKind.HEALTH, 0.015, MON_SAT, (7 * 60, 17 * 60)),
            (VenueKind.SCHOOL, 0.04, WEEKDAYS, (7 * 60, 17 * 60)),
            (VenueKind.MARKET, 0.03, EVERY_DAY, (4 * 60 + 45, 11 * 60 + 30)),
        ):
            for plan in take(share):
                options = [v for v in venues_for(kind, plan) if v != factory]
                if not options:
                    continue
                method = CheckIn.Method.GATE if kind == VenueKind.FACTORY and rng.random() < 0.6 else (
                    CheckIn.Method.SELF_SCAN)  # fmt: skip
                plan.job = _Job(rng.choice(options), start, end, weekdays, method)
        # High-school students (born up to 2008, so only the last classes): mornings, Monday to Saturday.
        high = [v for v in self.by_kind.get(VenueKind.SCHOOL, []) if v.name in HIGH_SCHOOLS]
        for plan in students:
            if high:
                plan.job = _Job(rng.choice(high), 7 * 60, 11 * 60 + 30, MON_SAT, CheckIn.Method.SELF_SCAN)

    # --- declarations and devices -----------------------------------------------------------------------

    def _declarations_and_devices(self, plans: list[_PersonPlan]) -> None:
        rng = self.rng
        rows: list[HealthDeclaration] = []
        span_end = self.now
        for plan in plans:
            # The first declaration before the period, so every check-in has one; then every 2-3 days.
            at = self.window_start - timedelta(minutes=rng.randint(60, 48 * 60))
            doses = rng.choices((0, 1, 2, 3), weights=(5, 15, 60, 20))[0]
            last_dose = (self.dates[0] - timedelta(days=rng.randint(20, 200))) if doses else None
            while at < span_end:
                answers: dict[str, object] = {"vaccine_doses": doses, "last_dose_date": last_dose}
                roll = rng.random()
                if roll < 0.03:  # a few percent declare a symptom (yellow)
                    for name in rng.sample(SYMPTOMS, rng.randint(1, 2)):
                        answers[name] = True
                elif roll < 0.04:
                    answers[rng.choice(CONTACTS)] = True
                # Drawn after the symptoms, as before: the same seed gives the same demo district.
                answers["places_visited"] = "" if rng.random() < 0.7 else "Hà Nội"
                declaration = HealthDeclaration(person=plan.person, created_at=at, consent=True)
                # Answers are properties over one encrypted column (people.models): set them one by one.
                for name, value in answers.items():
                    setattr(declaration, name, value)
                # The colour exactly as declaration_submit computes it.
                declaration.status = person_status(plan.person, declaration, now=at)
                rows.append(declaration)
                plan.declarations.append((at, declaration.status))
                at += timedelta(minutes=rng.randint(40 * 60, 72 * 60))
        for start in range(0, len(rows), BATCH_SIZE):
            HealthDeclaration.objects.bulk_create(rows[start : start + BATCH_SIZE])
            self.report("declarations", min(start + BATCH_SIZE, len(rows)), len(rows))

        with_device = [p for p in plans if rng.random() < (0.4 if p.elderly else 0.75)]
        devices = [Device(person=p.person, is_owner=True) for p in with_device]
        Device.objects.bulk_create(devices, batch_size=BATCH_SIZE)
        for plan, device in zip(with_device, devices, strict=True):
            plan.device_id = device.pk
        self.report("devices", len(devices), len(devices))

    # --- check-ins --------------------------------------------------------------------------------------

    def _checkins(self, plans: list[_PersonPlan]) -> None:
        shifts_of = {self.named[FACTORY_NAME].pk: self.shifts}
        batch: list[CheckIn] = []
        for done, plan in enumerate(plans, start=1):
            for row in self._person_checkins(plan, shifts_of):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    CheckIn.objects.bulk_create(batch, batch_size=BATCH_SIZE)
                    batch = []
            if done % 250 == 0 or done == len(plans):
                self.report("check-ins", done, len(plans))
        if batch:
            CheckIn.objects.bulk_create(batch, batch_size=BATCH_SIZE)

    def _person_checkins(self, plan: _PersonPlan, shifts_of: dict[int, list[Shift]]) -> Iterator[CheckIn]:
        rng = self.rng
        visits = self._person_visits(plan)
        declared_at = [at for at, _ in plan.declarations]
        for n, visit in enumerate(visits):
            next_start = visits[n + 1].start if n + 1 < len(visits) else None
            out: datetime | None = visit.end
            estimated = False
            if visit.end > self.now:
                out = None  # still inside
            elif not visit.checkout:
                # What checkin_create (next check-in elsewhere) or close_visits (the estimate) would record.
                end = estimate_end(
                    venue=visit.venue, checked_in_at=visit.start, shifts=shifts_of.get(visit.venue.pk)
                )
                if next_start is not None:
                    end = min(end, next_start)
                if next_start is None and end > self.now:
                    out = None  # nothing has closed it yet
                else:
                    out, estimated = max(end, visit.start), True
            index = bisect_right(declared_at, visit.start) - 1
            status = plan.declarations[index][1] if index >= 0 else ""
            method = visit.method
            if method == CheckIn.Method.SELF_SCAN and plan.device_id is None:
                # No phone that remembers them: staff scan their CCCD or personal QR, or type the number.
                method = CheckIn.Method.GATE if rng.random() < 0.7 else CheckIn.Method.MANUAL
            elif rng.random() < 0.02:
                method = CheckIn.Method.MANUAL
            yield CheckIn(
                client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                person_id=plan.person.pk,
                venue_id=visit.venue.pk,
                area_id=visit.area.pk if visit.area else None,
                checked_in_at=visit.start,
                checked_out_at=out,
                checked_out_estimated=estimated,
                method=method,
                device_id=plan.device_id if method == CheckIn.Method.SELF_SCAN else None,
                status_at_entry=status,
            )

    def _person_visits(self, plan: _PersonPlan) -> list[_Visit]:
        """The person's visits over the period, one after the other (never overlapping)."""
        rng = self.rng
        visits: list[_Visit] = []
        cursor = self.window_start
        gap = timedelta(minutes=1)
        for day in self.dates:
            wanted: list[tuple[int, Sequence[_Visit]]] = []  # (start minute, visits in order)
            job = plan.job
            busy: tuple[int, int] | None = None
            night = job is not None and job.end > 1440
            if job and day.weekday() in job.weekdays and rng.random() < 0.95:  # 5 % off sick or on leave
                work = self._work_visits(job, day)
                wanted.append((job.start, work))
                busy = (job.start - 60, job.end + 30)
            for kind, probability, (earliest, latest), (short, long) in ERRANDS:
                if plan.elderly and kind == VenueKind.HEALTH:
                    probability *= 2.5
                if rng.random() >= probability:
                    continue
                start = rng.randint(earliest, latest)
                stay = rng.randint(short, long)
                # Day workers run errands around their work; night-shift workers sleep in the morning.
                if busy and start < busy[1] and start + stay > busy[0]:
                    continue
                if night and start < 12 * 60:
                    continue
                venue = self._errand_venue(kind, plan.commune_id)
                if venue is None:
                    continue
                at = self._at(day, start)
                area = rng.choice(self.rooms) if venue.name == HEALTH_NAME else None
                visit = _Visit(venue, area, at, at + timedelta(minutes=stay), CheckIn.Method.SELF_SCAN,
                               rng.random() < 0.85)  # fmt: skip
                wanted.append((start, (visit,)))
            wanted.sort(key=lambda item: item[0])
            for _, group in wanted:
                # A group (a factory shift) is kept whole or dropped: a half-recorded shift is not realistic.
                if group[0].start < cursor + gap or group[0].start > self.now:
                    continue
                if group[0].venue.status == Venue.Status.SUSPENDED and group[0].start >= self.suspended_from:
                    continue
                for visit in group:
                    if visit.start > self.now:
                        break
                    visits.append(visit)
                    cursor = visit.end
        return visits

    def _work_visits(self, job: _Job, day: date) -> list[_Visit]:
        rng = self.rng
        arrive = self._at(day, job.start - rng.randint(5, 25))
        leave = self._at(day, job.end + rng.randint(0, 15))
        checkout = rng.random() < 0.85
        if not job.shift:
            return [_Visit(job.venue, None, arrive, leave, job.method, checkout)]
        # A shift: the line, a 30-minute meal in the canteen four hours in, the line again. Moving between
        # areas of the same venue is a real exit (checkin_create closes the previous area at the new scan).
        meal = self._at(day, job.start + 240 + rng.randint(-20, 20))
        back = meal + timedelta(minutes=30)
        if rng.random() < 0.2:  # some eat at their line and scan only at the gate
            return [_Visit(job.venue, job.line, arrive, leave, job.method, checkout)]
        return [
            _Visit(job.venue, job.line, arrive, meal, job.method, True),
            _Visit(job.venue, self.canteen, meal, back, CheckIn.Method.SELF_SCAN if rng.random() < 0.5
                   else job.method, True),
            _Visit(job.venue, job.line, back, leave, job.method, checkout),
        ]  # fmt: skip

    def _errand_venue(self, kind: str, commune_id: int) -> Venue | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.7:
            options = self.by_commune_kind.get((commune_id, kind))
        elif roll < 0.85:
            town = self.by_name.get("Thị trấn Liên Quan")
            options = self.by_commune_kind.get((town.pk, kind)) if town else None
        else:
            options = None
        options = options or self.by_kind.get(kind)
        if not options:
            return None
        venue = rng.choice(options)
        if venue.kind == VenueKind.FACTORY and venue.name == FACTORY_NAME:
            return None  # visitors to the showcase factory would blur its shift story
        return venue
