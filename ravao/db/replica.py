"""Reads that may go to a PostgreSQL streaming replica, and only those (issue 13 item 5).

Nothing reads from the replica unless the code asks for it: tracing look-ups and the oversight figures run
inside `reading_from_replica()` (usually through `replica_reads`, which also retries on the primary when the
replica fails mid-way). Everything else — and every write — stays on the primary, so the rest of ravao keeps
reading its own writes. Inside the context the router still answers "primary" when:

- no replica is configured (`DATABASE_REPLICA_URL` unset: the router is not even installed);
- the request is pinned: the officer's earlier request wrote, less than RAVAO_READ_AFTER_WRITE_SECONDS ago
  (`ravao.db.middleware`), so they see what they just did;
- a transaction is open on the primary (its reads may depend on its own uncommitted writes);
- the replica is down or lags more than RAVAO_REPLICA_MAX_LAG_SECONDS (checked at most every
  RAVAO_REPLICA_CHECK_SECONDS per process, logged once per change of state).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"
logger = logging.getLogger("ravao.db")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class RequestState:
    """Per request: pinned to the primary (an earlier write), and whether this request wrote."""

    pinned: bool = False
    wrote: bool = False


_requested: ContextVar[bool] = ContextVar("ravao_replica_requested", default=False)
# A mutable holder, so a write seen by the router deep in a view reaches the middleware that set it.
_request: ContextVar[RequestState | None] = ContextVar("ravao_replica_request", default=None)
_used: ContextVar[list[bool] | None] = ContextVar("ravao_replica_used", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads of the ORM inside go to the replica when it is usable (see the module's docstring)."""
    token = _requested.set(True)
    try:
        yield
    finally:
        _requested.reset(token)


@contextmanager
def request_state(state: RequestState) -> Iterator[RequestState]:
    token = _request.set(state)
    try:
        yield state
    finally:
        _request.reset(token)


def note_write() -> None:
    state = _request.get()
    if state is not None:
        state.wrote = True


def read_alias() -> str:
    """The alias a read in the current context goes to: the replica or the primary."""
    if not _requested.get() or not configured():
        return DEFAULT_DB_ALIAS
    state = _request.get()
    if state is not None and state.pinned:
        return DEFAULT_DB_ALIAS
    if primary_in_transaction():
        return DEFAULT_DB_ALIAS
    if not health.usable():
        return DEFAULT_DB_ALIAS
    used = _used.get()
    if used is not None:
        used[0] = True
    return REPLICA


def primary_in_transaction() -> bool:
    return bool(connections[DEFAULT_DB_ALIAS].in_atomic_block)


class _ReadConnection:
    """`django.db.connection` for raw SQL that may read from the replica: each attribute is looked up on the
    connection `read_alias()` names at that moment (the primary outside `reading_from_replica`)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(connections[read_alias()], name)


read_connection = cast(BaseDatabaseWrapper, _ReadConnection())


def replica_reads(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` reading from the replica; if the replica fails during it (it went down between two health
    checks), mark it down and run `func` again on the primary — read-only callers only, so a second run is
    harmless and the user never sees a 500 for a replica's fault. Querysets `func` returns unevaluated are
    evaluated where they are iterated, i.e. on the primary."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _requested.get() or not configured():
            return func(*args, **kwargs)  # nested in another replica read, or no replica at all
        used = [False]
        token = _used.set(used)
        try:
            with reading_from_replica():
                return func(*args, **kwargs)
        except DatabaseError as exc:
            if not used[0]:
                raise
            health.mark_down(f"{type(exc).__name__}: {exc}".strip())
        finally:
            _used.reset(token)
        return func(*args, **kwargs)

    return wrapper


def replica_reads_in(namespace: dict[str, Any], *names: str) -> None:
    """Wrap the named functions of a module with `replica_reads`, in place: one line at the end of a module
    says which of its reads may go to the replica (other modules import the wrapped functions)."""
    for name in names:
        namespace[name] = replica_reads(namespace[name])


# --- Health of the replica, per process ---------------------------------------------------------------------

# now() - the last replayed commit, or 0 when everything received is replayed (an idle primary sends no
# commits, and a caught-up replica must not look late). Not in recovery (promoted, or a primary): 0.
LAG_SQL = (
    "SELECT COALESCE(CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END, 0)::float"
)


class _Health:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.ok = True
        self.reason = ""
        self.checked_at = float("-inf")
        self.checks = 0

    def usable(self) -> bool:
        interval = settings.RAVAO_REPLICA_CHECK_SECONDS if self.ok else settings.RAVAO_REPLICA_RETRY_SECONDS
        if time.monotonic() - self.checked_at < interval:
            return self.ok
        with self.lock:
            if time.monotonic() - self.checked_at >= interval:
                self._check()
        return self.ok

    def _check(self) -> None:
        self.checks += 1
        try:
            lag = self.lag_seconds()
        except DatabaseError as exc:
            self._set(False, f"unreachable ({type(exc).__name__}: {str(exc).strip()[:200]})")
            return
        finally:
            self.checked_at = time.monotonic()
        if lag > settings.RAVAO_REPLICA_MAX_LAG_SECONDS:
            self._set(False, f"lagging {lag:.1f} s (more than {settings.RAVAO_REPLICA_MAX_LAG_SECONDS} s)")
        else:
            self._set(True, "")

    @staticmethod
    def lag_seconds() -> float:
        connection = connections[REPLICA]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                return float(cursor.fetchone()[0])
        except DatabaseError:
            connection.close()  # a broken connection is not kept for the next request
            raise

    def mark_down(self, reason: str) -> None:
        with self.lock:
            self.checked_at = time.monotonic()
            self._set(False, f"failed during a read ({reason[:200]})")
        connections[REPLICA].close()

    def _set(self, ok: bool, reason: str) -> None:
        # Logged once per change of state, not at every check: a replica down for an hour is one line.
        if ok and not self.ok:
            logger.warning("read replica usable again: tracing and oversight read from it")
        elif not ok and self.ok:
            logger.warning("read replica not used, reading from the primary: %s", reason)
        self.ok, self.reason = ok, reason


health = _Health()
