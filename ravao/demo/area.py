"""The demo's area on the map: the administrator's unit, its communes (2021) or wards (2025), its venues."""

from __future__ import annotations

from django.db.models import QuerySet

from ravao.demo.data import (
    DEMO_MAPS,
    FACTORY_NAME,
)
from ravao.places.models import AdminUnit, Venue
from ravao.places.units import communes_of, unit_code


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
    return demo_venues(scheme).filter(name=FACTORY_NAME).exists()


def demo_venues(scheme: str) -> QuerySet[Venue]:
    return Venue.objects.filter(commune__in=demo_communes(scheme))
