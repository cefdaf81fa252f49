"""What the demo is made of: its two maps, its logins, its named places, and the names, numbers and
habits its people and venues are drawn from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from ravao.accounts.models import Role
from ravao.people.models import HealthDeclaration
from ravao.places.models import VenueKind
from ravao.places.units import Scheme

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
