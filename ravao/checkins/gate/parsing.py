"""Reading a sync batch: each item of the JSON becomes a `GateScanInput` or an `ItemError`, never an
exception."""

import uuid
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ravao.checkins.gate.scans import GateScanInput
from ravao.checkins.models import GateScan
from ravao.places.models import Area

MAX_PAYLOAD = 2000


@dataclass(frozen=True)
class ItemError:
    index: int
    client_id: str
    code: str


def parse_scan(item: object, *, areas: dict[int, Area], index: int) -> GateScanInput | ItemError:
    """One scan of a batch; an item that cannot be read is reported, never raised."""
    if not isinstance(item, dict):
        return ItemError(index, "", "bad_item")
    raw_id = item.get("client_id")
    try:
        client_id = uuid.UUID(str(raw_id))
    except ValueError:
        return ItemError(index, str(raw_id)[:64], "bad_item")
    kind, direction, payload = item.get("kind"), item.get("direction", "in"), item.get("payload")
    area_id, raw_at = item.get("area"), item.get("scanned_at")
    scanned_at = parse_datetime(raw_at) if isinstance(raw_at, str) else None
    if (
        kind not in GateScan.Kind.values
        or direction not in GateScan.Direction.values
        or not isinstance(payload, str)
        or len(payload) > MAX_PAYLOAD
        or scanned_at is None
        or timezone.is_naive(scanned_at)
        or (area_id not in (None, "") and (not isinstance(area_id, int | str) or _int(area_id) not in areas))
    ):
        return ItemError(index, str(client_id), "bad_item")
    area = areas[_int(area_id)] if area_id not in (None, "") else None
    return GateScanInput(
        client_id=client_id,
        kind=str(kind),
        payload=payload,
        direction=str(direction),
        area=area,
        scanned_at=scanned_at,
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1
