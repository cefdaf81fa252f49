"""Tracing thresholds (BRIEF §3: every threshold is a setting). Read once at import from the environment
through the typed helpers of `ravao.env`, so a bad value stops the process at start-up."""

from datetime import timedelta

from ravao.env import env_int

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
# Lab lists of positive results (issue 11): the largest file and the most rows one upload may hold (each
# row opens a case and traces it, all in one request and one transaction: docs/benchmarks.md).
LAB_IMPORT_MAX_BYTES = env_int("RAVAO_LAB_IMPORT_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
LAB_IMPORT_MAX_ROWS = env_int("RAVAO_LAB_IMPORT_MAX_ROWS", 150, minimum=1)
# Bulk messages to contacts: the most recipients one "send" may have.
MESSAGE_MAX_RECIPIENTS = env_int("RAVAO_MESSAGE_MAX_RECIPIENTS", 1000, minimum=1)
# After this many consecutive days of the period without reaching a contact, `ravao followup_update` marks
# them lost to follow-up (SORMAS "lost to follow-up", Go.Data's "not seen for N days").
FOLLOWUP_LOST_AFTER_DAYS = env_int("RAVAO_FOLLOWUP_LOST_AFTER_DAYS", 3, minimum=1)
