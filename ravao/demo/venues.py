"""Venues: the named ones of the story (a factory with lines and shifts, a market, a health station, a
school) registered as a manager would, then hundreds more of every kind, some pending or suspended."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant
from ravao.demo.base import (
    BuilderBase,
)
from ravao.demo.data import (
    BUSINESS_TYPES,
    CANTEEN,
    COMPANY_WORDS,
    CRAFT_TYPES,
    DISTRICT_AGENCIES,
    FACTORY_COMMUNE,
    FACTORY_NAME,
    FACTORY_TYPES,
    HEALTH_NAME,
    HEALTH_ROOMS,
    HIGH_SCHOOLS,
    HOURS,
    LINES,
    MARKET_NAME,
    OTHER_TYPES,
    RESTAURANT_TYPES,
    SCHOOL_NAME,
    SHIFTS,
    SHOP_OWNERS,
    SHOP_TYPES,
)
from ravao.lib.text import nfc
from ravao.places.models import AdminUnit, Area, Venue, VenueKind
from ravao.places.services import area_create, shift_create, venue_register, venue_set_status


class VenueMaker(BuilderBase):
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
