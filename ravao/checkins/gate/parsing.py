"""Reading a sync batch: the request body and each of its scans are checked against a schema (pydantic,
installed with django-ninja). The body must be `{"scans": [...]}`; each item becomes a `GateScanInput` or
an `ItemError`, never an exception, so that one bad item costs only itself (the good ones are kept)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from ravao.checkins.gate.scans import GateScanInput
from ravao.checkins.models import GateScan
from ravao.places.models import Area

MAX_PAYLOAD = 2000


class SyncBody(BaseModel):
    """The request of `gate_sync_view`. Items are checked one by one (`ScanItem`), not here: a bad item
    must not refuse the whole batch."""

    model_config = ConfigDict(extra="ignore")

    scans: list[Any]


class ScanItem(BaseModel):
    """One scan as gate.js queues it. The checks mirror what the device can get wrong: a client id that
    is not a UUID, an unknown kind or direction, a payload that is not text or too long, an area given as
    something other than an id, a time that is not an ISO 8601 string with an offset (a naive time would
    be read in the server's zone, not the device's) or not a real moment (30 February)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    client_id: uuid.UUID
    kind: StrictStr
    payload: StrictStr = Field(max_length=MAX_PAYLOAD)
    direction: StrictStr = GateScan.Direction.IN.value
    area: int | None = None
    scanned_at: datetime

    @field_validator("client_id", mode="before")
    @classmethod
    def _uuid_text(cls, value: object) -> uuid.UUID:
        if not isinstance(value, str):
            raise ValueError("client_id must be a string")
        return uuid.UUID(value)  # any form uuid.UUID reads (hyphens or not), as before the schema

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in GateScan.Kind.values:
            raise ValueError("unknown kind")
        return value

    @field_validator("direction")
    @classmethod
    def _known_direction(cls, value: str) -> str:
        if value not in GateScan.Direction.values:
            raise ValueError("unknown direction")
        return value

    @field_validator("area", mode="before")
    @classmethod
    def _area_id(cls, value: object) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("area must be an id")
        return int(value)  # a str that is not a number raises ValueError: a validation error

    @field_validator("scanned_at", mode="before")
    @classmethod
    def _aware_time(cls, value: object) -> datetime:
        if not isinstance(value, str):
            raise ValueError("scanned_at must be an ISO 8601 string")
        # parse_datetime raises ValueError for a well-formed impossible moment; None for anything else.
        parsed = parse_datetime(value)
        if parsed is None or timezone.is_naive(parsed):
            raise ValueError("scanned_at must be a moment with its offset")
        return parsed


@dataclass(frozen=True)
class ItemError:
    index: int
    client_id: str
    code: str


def parse_body(raw: bytes) -> SyncBody | str:
    """The body, or the code of what is wrong with it: "bad_json" (not JSON) or "no_list"."""
    try:
        return SyncBody.model_validate_json(raw)
    except ValidationError as error:
        return "bad_json" if any(e["type"] == "json_invalid" for e in error.errors()) else "no_list"


def parse_scan(item: object, *, areas: dict[int, Area], index: int) -> GateScanInput | ItemError:
    """One scan of a batch; an item that cannot be read is reported, never raised. The error names the
    item's client id as sent (cut to 64 characters) so that the device can drop it from its queue."""
    if not isinstance(item, dict):
        return ItemError(index, "", "bad_item")
    try:
        scan = ScanItem.model_validate(item)
    except ValidationError:
        return ItemError(index, _reported_id(item.get("client_id")), "bad_item")
    if scan.area is not None and scan.area not in areas:
        return ItemError(index, str(scan.client_id), "bad_item")
    return GateScanInput(
        client_id=scan.client_id,
        kind=scan.kind,
        payload=scan.payload,
        direction=scan.direction,
        area=areas[scan.area] if scan.area is not None else None,
        scanned_at=scan.scanned_at,
    )


def _reported_id(raw: object) -> str:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return str(raw)[:64]
