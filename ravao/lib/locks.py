"""Serialise transactions that decide on counts they then change (a limit checked, then a row added)."""

import hashlib

from django.db import connection


def _key(name: str) -> int:
    # A signed 64-bit number, as pg_advisory_xact_lock takes.
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def lock_for_transaction(*names: str) -> None:
    """Hold a lock on each name until the current transaction ends. On PostgreSQL, transaction-level
    advisory locks (taken in a fixed order, so two callers never deadlock); SQLite's write transactions
    already run one at a time (`transaction_mode: IMMEDIATE` in settings), so nothing is needed there."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted({_key(name) for name in names if name}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
