"""Model fields whose values are encrypted in the database (see ravao.privacy.crypto)."""

import json
from datetime import date
from typing import Any

from django.db import models

from ravao.privacy.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """A text value stored encrypted. Only exact `isnull` look-ups make sense on it; look up by the
    keyed hash stored beside it instead."""

    def get_lookup(self, lookup_name: str) -> Any:
        # A filter on ciphertext would silently match nothing (each value has its own nonce): refuse it.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


class EncryptedDateField(EncryptedTextField):
    """A date stored encrypted as ISO text."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> date | None:  # type: ignore[override]
        text = super().from_db_value(value, expression, connection)
        return date.fromisoformat(text) if text else None

    def to_python(self, value: Any) -> date | None:
        if value is None or value == "" or isinstance(value, date):
            return value or None
        return date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, date):
            value = value.isoformat()
        return super().get_prep_value(value)


class EncryptedJSONField(EncryptedTextField):
    """A JSON object stored as one encrypted value: several answers of one form sealed together, so a
    row costs one decryption and the columns say nothing about what was answered. Values must be JSON
    types (the model converts dates to ISO text itself)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        text = super().from_db_value(value, expression, connection)
        return json.loads(text) if text else {}

    def get_prep_value(self, value: Any) -> Any:
        # No to_python override: TextField.get_prep_value passes the JSON text through it unchanged.
        if value is None:
            return None
        # ensure_ascii=False keeps Vietnamese text short before sealing; sort_keys: stable bytes.
        return super().get_prep_value(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, sort_keys=True)
