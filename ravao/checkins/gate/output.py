"""What the gate shows for a scan (JSON for gate.js): a masked name and ID, the colour, warnings, and a
message in the staff member's language for every outcome code."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from ravao.checkins.gate.parsing import ItemError
from ravao.checkins.gate.scans import GateOutcome
from ravao.lib.ids import mask_id_number
from ravao.lib.phone import mask_phone
from ravao.lib.text import mask_name

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
