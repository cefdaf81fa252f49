"""Signed, expiring, opaque personal QR tokens (BRIEF §4: a personal QR never carries an ID number).

A visitor's personal QR (on the phone, or printed for people without a smartphone) holds only the person's
*public id* (a random UUID), a validity window and a signature. The gate reads it, checks the signature and
the window, and looks the person up on the server; nothing personal can be read from the code itself.

Why Ed25519
-----------
* Asymmetric: the offline gate (a browser with no server) must verify tokens with a **public** key. An HMAC
  would force us to ship the signing secret to every gate device, and anyone who opened the page could mint
  valid codes.
* Small: 32-byte keys and 64-byte signatures, the shortest of the widely implemented signatures, which
  matters for a QR that a cheap phone camera must read from a scratched printout.
* Deterministic and misuse-resistant (no per-signature nonce to get wrong), fast, available in
  ``cryptography`` on the server and in WebCrypto / small JS libraries in the browser.

Wire format (version 1), always exactly 119 ASCII characters::

    "RV1" + base64url_nopad( body(23 bytes) ‖ signature(64 bytes) )

    body = key hint  u8      first byte of the signer's raw Ed25519 public key
         ‖ person   16 bytes UUID, big-endian (uuid.bytes)
         ‖ expires  u32 BE   epoch seconds, exact
         ‖ age      u16 BE   lifetime (expires - issued): high bit 0 → minutes, 1 → hours (rounded up)

    signature = Ed25519(b"RV1" ‖ body)     (the prefix is signed too: domain separation per version)

The brief asked for tokens under 120 characters. 64 bytes of signature and 16 of UUID are already 107
base64 characters, so a textual ``kid`` and two u32 timestamps cannot fit alongside a prefix. Hence: the key
is identified by a one-byte *hint* (the browser can compute it from ``public_keys()`` without hashing; on the
rare collision every matching key is tried), the expiry is exact, and the issue time is a coarse age. The
issue time only guards against clock skew ("not yet valid"), and rounding the age *up* can only make that
guard more permissive, never refuse a genuine token. 87 bytes is a multiple of 3, so the base64 text has no
padding and no unused bits: every character is significant, and changing any one of them changes the bytes.
Base64url uses no character that needs escaping in a URL; the QR uses byte mode (version 7-M).

Keys
----
``RAVAO_QR_SIGNING_KEYS`` = comma-separated ``kid:base64url(32-byte Ed25519 seed)``. The first key signs;
all listed keys verify, so rotation is: add the new key first, keep the old one second until the longest
token lifetime has passed, then remove it. When the variable is empty a development key is derived from
``SECRET_KEY``. **Production must set RAVAO_QR_SIGNING_KEYS**: the derived key changes whenever
``SECRET_KEY`` does (invalidating every printed QR) and ties two unrelated secrets together.

``verify_token`` never raises for any input string; configuration errors raise ``ConfigError`` (fail loudly
at start-up, like every other setting).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ravao.env import ConfigError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PREFIX = "RV1"
TOKEN_LENGTH = 119
ENV_VAR = "RAVAO_QR_SIGNING_KEYS"
DEV_KID = "dev"

_BODY = struct.Struct(">B16sIH")
_SIGNATURE_SIZE = 64
_AGE_HOURS = 0x8000
_AGE_MAX = 0x7FFF
# Longest lifetime the age field can carry (32767 hours, about 3.7 years): enough for a printed QR.
MAX_TTL = timedelta(hours=_AGE_MAX)
# A gate device's clock may be a little ahead of the server's; do not call a fresh token "not yet valid".
CLOCK_SKEW = timedelta(minutes=2)

_TOKEN = re.compile(rf"{PREFIX}[A-Za-z0-9_-]{{{TOKEN_LENGTH - len(PREFIX)}}}")
_KID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")

MALFORMED = "malformed"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"

MESSAGES: dict[str, StrOrPromise] = {
    MALFORMED: _("This is not a personal QR code of this system."),
    UNKNOWN_KEY: _("This QR code was signed with a key this system does not know. Ask for a new code."),
    BAD_SIGNATURE: _("This QR code has been altered or was not issued by this system."),
    EXPIRED: _("This QR code has expired. Ask the person to open a fresh code."),
    NOT_YET_VALID: _("This QR code is not valid yet. Check the clock of this device."),
}


@dataclass(frozen=True)
class TokenResult:
    """Outcome of :func:`verify_token`. On failure only ``error_code``/``message`` (and, for the time
    errors, the validity window) are set: the person is not revealed for a token we refuse."""

    ok: bool
    person_public_id: uuid.UUID | None = None
    expires_at: datetime | None = None
    # Approximate (see the module docstring): never later than the real issue time.
    issued_at: datetime | None = None
    kid: str | None = None
    error_code: str | None = None
    message: StrOrPromise | None = None


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    public_bytes: bytes

    @property
    def hint(self) -> int:
        return self.public_bytes[0]

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


@dataclass(frozen=True)
class Keyring:
    """Keys in order of preference: ``keys[0]`` signs, every key verifies."""

    keys: tuple[SigningKey, ...]

    @property
    def signer(self) -> SigningKey:
        return self.keys[0]

    @classmethod
    def from_seeds(cls, seeds: list[tuple[str, bytes]]) -> Keyring:
        if not seeds:
            raise ConfigError(f"{ENV_VAR} lists no key")
        keys: list[SigningKey] = []
        for kid, seed in seeds:
            if _KID.fullmatch(kid) is None:
                raise ConfigError(f"{ENV_VAR}: key id {kid!r} must be 1-32 of A-Z a-z 0-9 _ -")
            if any(k.kid == kid for k in keys):
                raise ConfigError(f"{ENV_VAR}: key id {kid!r} is listed twice")
            if len(seed) != 32:
                raise ConfigError(f"{ENV_VAR}: key {kid!r} must be a 32-byte Ed25519 seed")
            private = Ed25519PrivateKey.from_private_bytes(seed)
            public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            keys.append(SigningKey(kid=kid, private_key=private, public_bytes=public))
        return cls(keys=tuple(keys))

    @classmethod
    def from_spec(cls, spec: str, secret_key: str) -> Keyring:
        """Build from the ``RAVAO_QR_SIGNING_KEYS`` syntax, or the development key when ``spec`` is blank."""
        items = [item.strip() for item in spec.split(",") if item.strip()]
        if not items:
            return cls.from_seeds([(DEV_KID, _dev_seed(secret_key))])
        seeds: list[tuple[str, bytes]] = []
        for item in items:
            kid, sep, encoded = item.partition(":")
            if not sep:
                raise ConfigError(f"{ENV_VAR}: each key must be written kid:base64url-seed")
            seed = _b64decode(encoded.strip())
            if seed is None:
                raise ConfigError(f"{ENV_VAR}: key {kid.strip()!r} is not valid base64url")
            seeds.append((kid.strip(), seed))
        return cls.from_seeds(seeds)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    # Strict: b64decode silently skips characters outside the alphabet unless told otherwise.
    if _B64URL.fullmatch(text) is None or len(text) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _dev_seed(secret_key: str) -> bytes:
    # Development only: a stable key without configuration, so that codes survive a restart of runserver.
    # HKDF with a purpose-specific "info" keeps this key independent of any other use of SECRET_KEY.
    # PRODUCTION MUST SET RAVAO_QR_SIGNING_KEYS (see the module docstring).
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"ravao", info=b"ravao personal QR signing key v1"
    ).derive(secret_key.encode("utf-8"))


@functools.lru_cache(maxsize=8)
def _cached_keyring(spec: str, secret_key: str) -> Keyring:
    return Keyring.from_spec(spec, secret_key)


def get_keyring() -> Keyring:
    """The keyring of this deployment (``settings.RAVAO_QR_SIGNING_KEYS``, read once at start-up). Looked up
    on each call (cheap, cached by value) so that ``override_settings`` is seen without a restart."""
    return _cached_keyring(settings.RAVAO_QR_SIGNING_KEYS, str(settings.SECRET_KEY))


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def _encode_age(seconds: int) -> int:
    # Rounded up, so the decoded issue time is never later than the real one (see module docstring).
    minutes = -(-seconds // 60)
    if minutes <= _AGE_MAX:
        return minutes
    return _AGE_HOURS | -(-seconds // 3600)


def _decode_age(age: int) -> int:
    return (age & _AGE_MAX) * 3600 if age & _AGE_HOURS else age * 60


def issue_token(
    person_public_id: uuid.UUID, *, now: datetime, ttl: timedelta, keyring: Keyring | None = None
) -> str:
    """Sign a personal QR token valid from ``now`` for ``ttl``.

    Raises ``ValueError`` for programming errors only (naive ``now``, ttl outside 1 s .. ``MAX_TTL``).
    """
    _require_aware(now)
    if not timedelta(seconds=1) <= ttl <= MAX_TTL:
        raise ValueError(f"ttl must be between 1 second and {MAX_TTL}")
    ring = keyring if keyring is not None else get_keyring()
    issued = int(now.timestamp())
    expires = issued + int(ttl.total_seconds())
    if issued < 0 or expires > 0xFFFFFFFF:
        raise ValueError("the validity window must fit in unsigned 32-bit epoch seconds")
    signer = ring.signer
    body = _BODY.pack(signer.hint, person_public_id.bytes, expires, _encode_age(expires - issued))
    signature = signer.private_key.sign(PREFIX.encode("ascii") + body)
    return PREFIX + _b64encode(body + signature)


def _refuse(
    code: str, *, expires_at: datetime | None = None, issued_at: datetime | None = None
) -> TokenResult:
    return TokenResult(
        ok=False, error_code=code, message=MESSAGES[code], expires_at=expires_at, issued_at=issued_at
    )


def verify_token(token: object, *, now: datetime, keyring: Keyring | None = None) -> TokenResult:
    """Check a scanned token. Never raises for any input (``now`` must be timezone-aware)."""
    _require_aware(now)
    if not isinstance(token, str):
        return _refuse(MALFORMED)
    # A wedge scanner may add a BOM, spaces or CR/LF around the code; nothing may be inside it.
    text = token.strip().lstrip("\ufeff").strip()
    if _TOKEN.fullmatch(text) is None:
        return _refuse(MALFORMED)
    raw = _b64decode(text[len(PREFIX) :])
    if raw is None or len(raw) != _BODY.size + _SIGNATURE_SIZE:
        return _refuse(MALFORMED)
    body, signature = raw[: _BODY.size], raw[_BODY.size :]
    hint, person_bytes, expires, age = _BODY.unpack(body)

    ring = keyring if keyring is not None else get_keyring()
    candidates = [key for key in ring.keys if key.hint == hint]
    if not candidates:
        return _refuse(UNKNOWN_KEY)
    signer: SigningKey | None = None
    message = PREFIX.encode("ascii") + body
    for key in candidates:
        try:
            key.public_key.verify(signature, message)
        except InvalidSignature:
            continue
        signer = key
        break
    if signer is None:
        return _refuse(BAD_SIGNATURE)

    # Only now, with an authentic body, are the times worth reading.
    expires_at = datetime.fromtimestamp(expires, UTC)
    issued_at = datetime.fromtimestamp(max(expires - _decode_age(age), 0), UTC)
    if now < issued_at - CLOCK_SKEW:
        return _refuse(NOT_YET_VALID, expires_at=expires_at, issued_at=issued_at)
    if now >= expires_at:
        return _refuse(EXPIRED, expires_at=expires_at, issued_at=issued_at)
    return TokenResult(
        ok=True,
        person_public_id=uuid.UUID(bytes=person_bytes),
        expires_at=expires_at,
        issued_at=issued_at,
        kid=signer.kid,
    )


def public_keys(keyring: Keyring | None = None) -> dict[str, str]:
    """``{kid: base64url(raw 32-byte Ed25519 public key)}`` for the offline gate. A token's hint byte is
    the first byte of the decoded public key."""
    ring = keyring if keyring is not None else get_keyring()
    return {key.kid: _b64encode(key.public_bytes) for key in ring.keys}


def generate_key(kid: str | None = None) -> str:
    """A new ``kid:seed`` entry for ``RAVAO_QR_SIGNING_KEYS`` (put it first to start signing with it)."""
    if kid is None:
        # Dated so that operators can see which key is older; the random tail avoids same-day clashes.
        kid = f"k{datetime.now(UTC):%Y%m%d}{secrets.token_hex(2)}"
    if _KID.fullmatch(kid) is None:
        raise ValueError("kid must be 1-32 of A-Z a-z 0-9 _ -")
    return f"{kid}:{_b64encode(secrets.token_bytes(32))}"
