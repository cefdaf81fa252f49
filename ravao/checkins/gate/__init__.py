"""The gate (J4, J5): who may operate it, how a scan is read from JSON, and what the gate shows.

The gate page queues every scan in the browser (IndexedDB) with a client-generated id and sends the queue
to `sync` — online that is a batch of one, right away; offline the queue waits and is sent when the
network returns. One code path for both, so the offline case is not a rarely exercised branch.
What the gate shows is deliberately little: a masked name and ID, the status colour and warnings.

Screen mode (proof of presence): the venue's poster code gets a prefix that the check-in page refuses
unless the browser just scanned the venue's screen, whose code changes every RAVAO_SCREEN_CODE_SECONDS.
"""

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ravao.accounts.models import Membership, Role, User
from ravao.checkins import conf
from ravao.checkins.gate.scans import GateOutcome, GateScanInput
from ravao.checkins.models import GateScan
from ravao.lib.ids import mask_id_number
from ravao.lib.phone import mask_phone
from ravao.lib.text import nfc
from ravao.places.access import access_venue
from ravao.places.models import Area, Venue
from ravao.places.services import SCREEN_PREFIX
from ravao.security.ratelimit import Charge, charge_all, refund_all

GATE_ROLES = (Role.VENUE_MANAGER, Role.VENUE_STAFF)
MAX_PAYLOAD = 2000

OUTCOME_MESSAGES: dict[str, Any] = {
    "checked_in": _("Entry recorded"),
    "checked_out": _("Exit recorded"),
    "already_inside": _("Already inside: nothing recorded"),
    "not_inside": _("Not inside: no entry to close"),
    "repeat": _("Scanned again within a few seconds: ignored"),
    "in_future": _("The scan's time is in the future: check the clock of this device."),
    "too_old": _("This scan waited too long on the device and was not recorded."),
    "unknown_person": _("This personal QR code belongs to nobody in this system (deleted profile?)."),
    "bad_phone": _("Enter a Vietnamese phone number, for example 0912 345 678."),
    "unknown_phone": _("Nobody with this phone number yet: enter the visitor by hand."),
    "cccd_mismatch": _(
        "This ID card does not match our records for its number (name or date of birth differ): "
        "nothing was recorded. Enter the visitor by hand; health officers are told."
    ),
    "bad_kind": _("Unknown kind of scan."),
    "bad_item": _("This scan could not be read by the server."),
    "server_error": _("The server could not record this scan now; it will be sent again."),
}
WARNING_MESSAGES: dict[str, Any] = {
    "status_yellow": _("Yellow status: under follow-up or symptoms / risky contact declared."),
    "status_red": _("Red status: confirmed case. Do not admit; call the health station."),
    "status_grey": _("No recent health declaration."),
    "already_inside": _("Already inside."),
    "new_person": _("First time in the system: created from the ID card."),
    "late": _("Sent late by this device: the scan's time is kept as claimed and shown to health officers."),
    "card_mismatch": _("ID card and records disagree: possibly someone else's card. Check the person."),
}


class VenueNotActive(Http404):
    """The gate of a venue that is pending approval or suspended, asked for by one of its own people:
    answered as a missing venue (404, no data), with a page that says why."""

    def __init__(self, venue: Venue) -> None:
        super().__init__("venue not active")
        self.venue = venue


def access_gate(user: Any, venue_id: int) -> tuple[Venue, str]:
    """An ACTIVE venue whose gate the user operates (its manager or staff), with the user's role there.
    404 for a missing venue, a venue of someone else, and an official who only oversees it; also for a
    venue pending approval or suspended (VenueNotActive, so that its own people are told why): only an
    approved venue reads or writes anything of a person at its gate (issue 9)."""
    venue = access_venue(user, venue_id)
    role = (
        Membership.objects.filter(user=user, venue=venue, role__in=GATE_ROLES)
        .order_by("role")  # "venue_manager" before "venue_staff"
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Http404
    if venue.status != Venue.Status.ACTIVE:
        raise VenueNotActive(venue)
    return venue, role


class GateBudget:
    """The per-scan limits of one staff member at one venue (services.ScanBudget), counted in the cache:
    every new scan against RAVAO_GATE_SCANS_PER_STAFF_HOUR and ..._PER_VENUE_HOUR, every phone look-up
    that found nobody against RAVAO_GATE_UNKNOWN_PER_STAFF_HOUR and ..._PER_VENUE_HOUR."""

    def __init__(self, *, venue_id: int, staff_id: int, now: float | None = None) -> None:
        self.venue_id, self.staff_id = venue_id, staff_id
        self.now = time.time() if now is None else now

    def _charges(self, *, scans: int, unknown: int) -> list[Charge]:
        return [
            Charge(f"gate-scans:user-{self.staff_id}", conf.gate_scans_per_staff(), scans),
            Charge(f"gate-scans:venue-{self.venue_id}", conf.gate_scans_per_venue(), scans),
            Charge(f"gate-unknown:user-{self.staff_id}", conf.gate_unknown_per_staff(), unknown),
            Charge(f"gate-unknown:venue-{self.venue_id}", conf.gate_unknown_per_venue(), unknown),
        ]

    def take(self, *, scans: int, unknown: int) -> tuple[int, str] | None:
        return charge_all(
            self._charges(scans=scans, unknown=unknown), window=conf.GATE_LIMIT_WINDOW_SECONDS, now=self.now
        )

    def give_back(self, *, scans: int, unknown: int) -> None:
        refund_all(
            self._charges(scans=scans, unknown=unknown), window=conf.GATE_LIMIT_WINDOW_SECONDS, now=self.now
        )


def gate_venues(user: User) -> list[Venue]:
    from ravao.accounts.selectors import venues_served_by

    return list(venues_served_by(user, roles=GATE_ROLES).order_by("name"))


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V. A.': the family name, then initials (enough to greet, not to identify)."""
    words = nfc(full_name).split()
    if len(words) <= 1:
        return words[0][:1] + "." if words else ""
    return " ".join([words[0], *(w[:1].upper() + "." for w in words[1:])])


# --- reading a sync batch ------------------------------------------------------------------------------


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


# --- what the gate shows -------------------------------------------------------------------------------


def outcome_json(result: GateOutcome) -> dict[str, Any]:
    person = result.person
    warnings = [
        {"code": code, "message": str(msg or WARNING_MESSAGES.get(code, code))}
        for code, msg in result.warnings
    ]
    if person is not None and result.status in ("yellow", "red", "grey"):
        warnings.insert(
            0,
            {"code": f"status_{result.status}", "message": str(WARNING_MESSAGES[f"status_{result.status}"])},
        )
    message = result.message or OUTCOME_MESSAGES.get(result.outcome) or OUTCOME_MESSAGES["bad_item"]
    data: dict[str, Any] = {
        "client_id": str(result.client_id),
        "ok": result.ok,
        "outcome": result.outcome,
        "message": str(message),
        "replay": result.replay,
        "warnings": warnings,
        "person": None,
    }
    if person is not None:
        data["person"] = {
            "name": mask_name(person.full_name),
            "id": mask_id_number(person.id_number) if person.id_number else "",
            "phone": mask_phone(person.phone) if person.phone else "",
            # Known only from an ID card: the gate asks staff for a phone instead of showing nothing.
            "no_phone": not person.phone,
            "status": result.status,
            "doses": result.doses,
        }
    if result.checkin is not None:
        data["checked_in_at"] = result.checkin.checked_in_at.isoformat()
    return data


def item_error_json(error: ItemError) -> dict[str, Any]:
    return {
        "client_id": error.client_id,
        "ok": False,
        "outcome": error.code,
        "message": str(OUTCOME_MESSAGES[error.code]),
        "replay": False,
        "warnings": [],
        "person": None,
        "index": error.index,
    }


# --- screen mode ---------------------------------------------------------------------------------------

PRESENCE_COOKIE = "ravao_presence"
_PRESENCE_SALT = "ravao.checkins.screen-presence"


def is_screen_code(code: str) -> bool:
    return code.startswith(SCREEN_PREFIX)


def _window(at: datetime) -> int:
    return int(at.timestamp() // conf.screen_rotation().total_seconds())


def _rotating(code: str, window: int) -> str:
    key = hashlib.sha256(f"ravao screen code v1:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, f"{code}:{window}".encode(), hashlib.sha256).hexdigest()
    return digest[:10]


def screen_rotating_code(code: str, *, now: datetime) -> str:
    return _rotating(code, _window(now))


def screen_code_is_fresh(code: str, rotating: str, *, now: datetime) -> bool:
    """The current code, or the one just before it (a visitor who scanned a second before it changed)."""
    window = _window(now)
    return any(hmac.compare_digest(_rotating(code, w), rotating) for w in (window, window - 1))


def screen_url(code: str, *, now: datetime) -> str:
    return f"{settings.SITE_URL}/s/{code}/{screen_rotating_code(code, now=now)}"


def presence_cookie_value(code: str) -> str:
    return signing.TimestampSigner(salt=_PRESENCE_SALT).sign(code)


def presence_is_valid(request: HttpRequest, code: str) -> bool:
    raw = request.COOKIES.get(PRESENCE_COOKIE, "")
    try:
        value = signing.TimestampSigner(salt=_PRESENCE_SALT).unsign(raw, max_age=conf.screen_presence())
    except signing.BadSignature:
        return False
    return hmac.compare_digest(value, code)
