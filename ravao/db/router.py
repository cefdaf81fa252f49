"""The database router installed when DATABASE_REPLICA_URL is set (see ravao.db.replica)."""

from typing import Any

from ravao.db.replica import REPLICA, note_write, read_alias


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        note_write()  # the officer's next reads stay on the primary (ravao.db.middleware)
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A streaming replica is read-only and receives the primary's schema through replication.
        return False if db == REPLICA else None
