"""Tracing thresholds (BRIEF §3: every threshold is a setting). Read once at import from the environment
through the typed helpers of `ravao.env`, so a bad value stops the process at start-up."""

import re
from datetime import timedelta

from ravao.env import ConfigError, env_choice, env_int, env_list, env_str

# Infectious window: from this many days before symptom onset (or the positive sample) until isolation.
DAYS_BEFORE_ONSET = env_int("RAVAO_TRACE_DAYS_BEFORE_ONSET", 2, minimum=0)
# The case's stay is extended by this buffer after leaving (aerosols linger).
BUFFER_MINUTES = env_int("RAVAO_TRACE_BUFFER_MINUTES", 30, minimum=0)
# "high" tier: at least this many minutes of overlap; any overlap is "medium".
HIGH_OVERLAP_MINUTES = env_int("RAVAO_TRACE_HIGH_MINUTES", 15, minimum=1)
# "low" tier: checked in within this many minutes before the case arrived or after the case (+ buffer) left,
# without overlapping (the Vietnamese national app's ±60 min rule).
LOW_WINDOW_MINUTES = env_int("RAVAO_TRACE_LOW_WINDOW_MINUTES", 60, minimum=0)
# No visit is taken to last longer than this (a forgotten check-out, a bad import). It bounds the look-back
# of the co-presence query on (venue, checked_in_at): the engine stays exact for visits capped this way.
MAX_STAY_HOURS = env_int("RAVAO_TRACE_MAX_STAY_HOURS", 16, minimum=1)
# F2: an F1's own exposure period lasts until their quarantine, at most this many days after the exposure.
F1_FOLLOWUP_DAYS = env_int("RAVAO_TRACE_F1_FOLLOWUP_DAYS", 14, minimum=1)
# Cases closed longer ago than this are deleted with their contacts and alerts (health office's setting).
CASE_RETENTION_DAYS = env_int("RAVAO_CASE_RETENTION_DAYS", 90, minimum=1)
# How many (venue, time range) pairs go into one co-presence query.
QUERY_BATCH = env_int("RAVAO_TRACE_QUERY_BATCH", 200, minimum=1)


def buffer() -> timedelta:
    return timedelta(minutes=BUFFER_MINUTES)


def low_window() -> timedelta:
    return timedelta(minutes=LOW_WINDOW_MINUTES)


def max_stay() -> timedelta:
    return timedelta(hours=MAX_STAY_HOURS)


# Daily follow-up of a confirmed contact (issue 11): this many days after the last exposure, and how many
# calls a day a field worker makes to each contact.
FOLLOWUP_DAYS = env_int("RAVAO_FOLLOWUP_DAYS", 14, minimum=1)
FOLLOWUP_CALLS_PER_DAY = env_int("RAVAO_FOLLOWUP_CALLS_PER_DAY", 1, minimum=1)

# --- import files for other systems (issue 11, item 6; docs/interop.md) ------------------------------
_DHIS2_UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")


def _sormas_date_format(name: str, default: str) -> str:
    """A strftime format with day, month and four-digit year, as SORMAS's date parser accepts them."""
    value = env_str(name, default)
    if not all(f in value for f in ("%d", "%m", "%Y")) or not re.fullmatch(r"(%[dmY]|[./-])+", value):
        raise ConfigError(f"{name} must be a date format like %d/%m/%Y, not {value!r}")
    return value


def _dhis2_uid(name: str) -> str:
    """Empty (not configured) or a DHIS2 UID: a letter, then 10 letters or digits."""
    value = env_str(name, "")
    if value and not _DHIS2_UID.match(value):
        raise ConfigError(
            f"{name} must be a DHIS2 UID (11 letters or digits, the first a letter), not {value!r}"
        )
    return value


def _dhis2_org_units(name: str) -> dict[str, str]:
    mapping = {}
    for item in env_list(name, []):
        code, _sep, uid = item.partition("=")
        if not code.strip() or not _DHIS2_UID.match(uid.strip()):
            raise ConfigError(f"{name} must be code=uid pairs separated by commas, not {item!r}")
        mapping[code.strip()] = uid.strip()
    return mapping


# SORMAS parses dates in its user's language (`Language.getDateFormat`: dd/MM/yyyy for most, M/d/yyyy for
# plain English): the format of the dates in the SORMAS files, as strftime.
SORMAS_DATE_FORMAT = _sormas_date_format("RAVAO_SORMAS_DATE_FORMAT", "%d/%m/%Y")
# DHIS2 COVID-19 "Contact registration & follow-up" tracker program: the identifiers of the instance the
# file is imported into. The package's metadata assigns them; the package documentation does not list
# them, so there is no default: the exports page says which are missing.
DHIS2_PROGRAM = _dhis2_uid("RAVAO_DHIS2_PROGRAM")
DHIS2_TRACKED_ENTITY_TYPE = _dhis2_uid("RAVAO_DHIS2_TRACKED_ENTITY_TYPE")
DHIS2_STAGE_FOLLOWUP = _dhis2_uid("RAVAO_DHIS2_STAGE_FOLLOWUP")
DHIS2_STAGE_SYMPTOMS = _dhis2_uid("RAVAO_DHIS2_STAGE_SYMPTOMS")
DHIS2_ATTR_FIRST_NAME = _dhis2_uid("RAVAO_DHIS2_ATTR_FIRST_NAME")
DHIS2_ATTR_LAST_NAME = _dhis2_uid("RAVAO_DHIS2_ATTR_LAST_NAME")
DHIS2_ATTR_SEX = _dhis2_uid("RAVAO_DHIS2_ATTR_SEX")
DHIS2_ATTR_AGE = _dhis2_uid("RAVAO_DHIS2_ATTR_AGE")
DHIS2_ATTR_PHONE = _dhis2_uid("RAVAO_DHIS2_ATTR_PHONE")
DHIS2_ATTR_ADDRESS = _dhis2_uid("RAVAO_DHIS2_ATTR_ADDRESS")
DHIS2_ATTR_LOCAL_ID = _dhis2_uid("RAVAO_DHIS2_ATTR_LOCAL_ID")
# Data elements: on the follow-up stage the date of last contact; on the symptoms stage "any symptoms"
# (true/false) and the temperature. An empty one is left out of the events.
DHIS2_DE_LAST_CONTACT = _dhis2_uid("RAVAO_DHIS2_DE_LAST_CONTACT")
DHIS2_DE_SYMPTOMATIC = _dhis2_uid("RAVAO_DHIS2_DE_SYMPTOMATIC")
DHIS2_DE_TEMPERATURE = _dhis2_uid("RAVAO_DHIS2_DE_TEMPERATURE")
# Org units: "CODE" writes each contact's commune code (import with `orgUnitIdScheme=CODE`); "UID" maps
# commune codes to DHIS2 org unit UIDs through RAVAO_DHIS2_ORG_UNITS ("code=uid,code=uid"; a commune
# without an entry takes the entry of the nearest unit above it).
DHIS2_ORG_UNIT_SCHEME = env_choice("RAVAO_DHIS2_ORG_UNIT_SCHEME", "CODE", ("CODE", "UID"), upper=True)
DHIS2_ORG_UNITS = _dhis2_org_units("RAVAO_DHIS2_ORG_UNITS")
# Lab lists of positive results (issue 11): the largest file and the most rows one upload may hold (each
# row opens a case and traces it, all in one request and one transaction: docs/benchmarks.md).
LAB_IMPORT_MAX_BYTES = env_int("RAVAO_LAB_IMPORT_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
LAB_IMPORT_MAX_ROWS = env_int("RAVAO_LAB_IMPORT_MAX_ROWS", 150, minimum=1)
# Bulk messages to contacts: the most recipients one "send" may have.
MESSAGE_MAX_RECIPIENTS = env_int("RAVAO_MESSAGE_MAX_RECIPIENTS", 1000, minimum=1)
# After this many consecutive days of the period without reaching a contact, `ravao followup_update` marks
# them lost to follow-up (SORMAS "lost to follow-up", Go.Data's "not seen for N days").
FOLLOWUP_LOST_AFTER_DAYS = env_int("RAVAO_FOLLOWUP_LOST_AFTER_DAYS", 3, minimum=1)
