"""Encryption at rest of personal fields, and keyed hashes for exact look-ups.

Design
- Each personal value is encrypted with AES-256-GCM under a data key. The stored text is
  `e1:<kid>:<base64url(nonce ‖ ciphertext ‖ tag)>`, so every value names the key that sealed it and keys
  can rotate: new values use the first key of RAVAO_DATA_KEYS, old ones stay readable while their key is
  listed, and `ravao rotate_keys` re-encrypts every row under the first key.
- A database dump, a backup or a read-only SQL account therefore shows no name, phone, ID number, address
  or date of birth. The application server holds the keys: this protects data at rest, not against a
  compromised application.
- Exact look-ups (a phone number at the gate, an ID number from a card) use HMAC-SHA256 under a separate
  look-up key (RAVAO_LOOKUP_KEY): equal inputs give equal hashes, so a unique index de-duplicates persons
  without storing the number. The look-up key cannot rotate without re-hashing every row (rotate_keys does).
- Name search uses a blind index: the HMAC of each folded word of the name ("nguyen", "van", "an"),
  truncated to 64 bits. Searching "nguyen van an" finds persons whose index holds all three word hashes.
  Trade-off (docs/privacy.md): equal words in different names give equal hashes, so someone with the
  database alone can count how common a (hashed) word is, but cannot read a name; prefix search is not
  possible, only whole words.
- Without keys in the environment, development keys are derived from SECRET_KEY (HKDF) so a fresh clone
  runs; production sets RAVAO_DATA_KEYS and RAVAO_LOOKUP_KEY (checked by `ravao check --deploy`).
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from ravao.env import ConfigError
from ravao.lib.text import fold

PREFIX = "e1"


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ravao", info=purpose).derive(secret.encode())


@dataclass(frozen=True)
class Keyring:
    data_keys: tuple[tuple[str, bytes], ...]  # (kid, 32-byte key); the first encrypts
    lookup_key: bytes
    derived: bool

    @property
    def current(self) -> tuple[str, bytes]:
        return self.data_keys[0]

    def key(self, kid: str) -> bytes | None:
        for candidate, key in self.data_keys:
            if candidate == kid:
                return key
        return None


def _parse_lookup_key(lookup_key: str) -> bytes:
    try:
        key = _b64d(lookup_key)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError("RAVAO_LOOKUP_KEY must be base64url of 32 bytes (see docs/configuration.md)")
    return key


def parse_keyring(data_keys: str, lookup_key: str, secret_key: str) -> Keyring:
    if lookup_key:
        # Checked even without data keys: a mangled key is found at start-up, not when keys are switched on.
        _parse_lookup_key(lookup_key)
    if not data_keys:
        return Keyring(
            data_keys=(("dev", _derive(secret_key, b"data-key")),),
            lookup_key=_derive(secret_key, b"lookup-key"),
            derived=True,
        )
    keys: list[tuple[str, bytes]] = []
    for item in data_keys.split(","):
        kid, _, encoded = item.strip().partition(":")
        try:
            key = _b64d(encoded)
        except ValueError as exc:
            raise ConfigError(f"RAVAO_DATA_KEYS: key {kid!r} is not base64url") from exc
        if not kid.isalnum() or len(key) != 32:
            raise ConfigError("RAVAO_DATA_KEYS: each item is kid:base64url(32 bytes), kid alphanumeric")
        keys.append((kid, key))
    if not lookup_key:
        raise ConfigError("RAVAO_LOOKUP_KEY must be set when RAVAO_DATA_KEYS is")
    # The development key stays readable (never used to encrypt) so an installation that started
    # without keys can move to real ones: set the keys, then `ravao rotate_keys`.
    keys.append(("dev", _derive(secret_key, b"data-key")))
    return Keyring(data_keys=tuple(keys), lookup_key=_parse_lookup_key(lookup_key), derived=False)


@lru_cache(maxsize=4)
def _keyring_for(data_keys: str, lookup_key: str, secret_key: str) -> Keyring:
    return parse_keyring(data_keys, lookup_key, secret_key)


def keyring() -> Keyring:
    """This deployment's keys (settings read once at start-up; cached by value: override_settings works)."""
    return _keyring_for(settings.RAVAO_DATA_KEYS, settings.RAVAO_LOOKUP_KEY, settings.SECRET_KEY)


def generate_key(kid: str) -> str:
    """A new `kid:key` item for RAVAO_DATA_KEYS (or a bare key for RAVAO_LOOKUP_KEY with kid='')."""
    key = _b64e(os.urandom(32))
    return f"{kid}:{key}" if kid else key


def encrypt(plaintext: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    kid, key = ring.current
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
    return f"{PREFIX}:{kid}:{_b64e(nonce + sealed)}"


class DecryptionError(ValueError):
    pass


def decrypt(stored: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    try:
        prefix, kid, payload = stored.split(":", 2)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    key = ring.key(kid)
    if prefix != PREFIX or key is None:
        raise DecryptionError(f"unknown key id {kid!r}")
    raw = _b64d(payload)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], kid.encode()).decode("utf-8")
    except Exception as exc:  # InvalidTag: wrong key or tampered value
        raise DecryptionError("value does not decrypt") from exc


def key_id_of(stored: str) -> str:
    return stored.split(":", 2)[1] if stored.startswith(PREFIX + ":") else ""


def lookup_hash(value: str, ring: Keyring | None = None) -> str:
    """Keyed hash of a normalised identifier (phone, ID number) for exact look-ups."""
    ring = ring or keyring()
    return hmac.new(ring.lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def name_tokens(name: str, ring: Keyring | None = None) -> list[str]:
    """Blind-index tokens of a name: 16 hex characters per folded word."""
    ring = ring or keyring()
    words = sorted(set(fold(name).split()))
    return [hmac.new(ring.lookup_key, b"name:" + w.encode(), hashlib.sha256).hexdigest()[:16] for w in words]


def name_index(name: str, ring: Keyring | None = None) -> str:
    """The stored index: tokens between spaces, so `LIKE '% token %'` matches whole words only."""
    return " " + " ".join(name_tokens(name, ring)) + " "
