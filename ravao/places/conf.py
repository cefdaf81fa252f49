"""Settings of the places app. Each value is read once at start-up in `ravao/settings.py` through the
typed helpers of `ravao.env`; functions, so that tests can override them."""

from django.conf import settings


def territory() -> list[str]:
    """Province unit codes ("v2025-01") this server serves, all of one map; empty: every loaded province
    of the newest loaded map (`ravao.places.units.territory_provinces`)."""
    return list(settings.RAVAO_TERRITORY)
