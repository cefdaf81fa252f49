"""Status colour rules: data, not code in views (BRIEF §3: provinces used different ones).

A rule is (colour, condition) where the condition names facts about a person. The first rule whose
condition holds decides. A deployment replaces the table with RAVAO_STATUS_RULES (JSON, read once in
ravao/settings.py and checked at start-up by ravao.startup), e.g.
    [["red", "case_confirmed"], ["yellow", "any_symptom"], ["green", "fresh_declaration"]]
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from ravao.env import ConfigError
from ravao.people.models import StatusColour

FACTS = (
    "case_confirmed",  # F0 in isolation (tracing)
    "contact_followup",  # F1 under follow-up (tracing)
    "any_symptom",
    "risky_contact",
    "fresh_declaration",
)

DEFAULT_RULES: list[tuple[str, str]] = [
    (StatusColour.RED, "case_confirmed"),
    (StatusColour.YELLOW, "contact_followup"),
    (StatusColour.YELLOW, "any_symptom"),
    (StatusColour.YELLOW, "risky_contact"),
    (StatusColour.GREEN, "fresh_declaration"),
]


@dataclass(frozen=True)
class StatusFacts:
    case_confirmed: bool = False
    contact_followup: bool = False
    any_symptom: bool = False
    risky_contact: bool = False
    fresh_declaration: bool = False

    def as_mapping(self) -> Mapping[str, bool]:
        return self.__dict__


def parse_rules(raw: str) -> tuple[tuple[str, str], ...]:
    """The rules of a RAVAO_STATUS_RULES value ("" keeps the built-in table); a bad one raises ConfigError."""
    if not raw:
        return tuple(DEFAULT_RULES)
    try:
        rules = tuple((str(colour), str(fact)) for colour, fact in json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise ConfigError("RAVAO_STATUS_RULES must be a JSON list of [colour, fact] pairs") from exc
    for colour, fact in rules:
        if colour not in StatusColour.values or fact not in FACTS:
            raise ConfigError(f"RAVAO_STATUS_RULES: unknown colour {colour!r} or fact {fact!r}")
    return rules


@lru_cache(maxsize=4)
def _rules_for(raw: str) -> tuple[tuple[str, str], ...]:
    return parse_rules(raw)


def load_rules() -> list[tuple[str, str]]:
    """This deployment's rules (`settings.RAVAO_STATUS_RULES`, read once at start-up, parsed once a value)."""
    return list(_rules_for(settings.RAVAO_STATUS_RULES))


def colour_for(facts: StatusFacts, rules: list[tuple[str, str]] | None = None) -> str:
    values = facts.as_mapping()
    for colour, fact in rules or _rules_for(settings.RAVAO_STATUS_RULES):
        if values[fact]:
            return colour
    return StatusColour.GREY
