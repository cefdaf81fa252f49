"""Tests for signed personal QR tokens: round trip, tampering, expiry, keyrings, rotation, properties."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from ravao.env import ConfigError
from ravao.lib import tokens
from ravao.lib.tokens import Keyring, TokenResult, issue_token, verify_token

NOW = datetime(2025, 6, 1, 8, 30, tzinfo=UTC)
TTL = timedelta(minutes=10)
PERSON = uuid.UUID("3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f708192")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def seed(n: int) -> str:
    return base64.urlsafe_b64encode(bytes([n]) * 32).rstrip(b"=").decode()


RING_A = Keyring.from_spec(f"a:{seed(1)}", "unused")
RING_B = Keyring.from_spec(f"b:{seed(2)}", "unused")


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tokens.ENV_VAR, raising=False)


def test_round_trip() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    result = verify_token(token, now=NOW + timedelta(minutes=5), keyring=RING_A)
    assert result.ok
    assert result.person_public_id == PERSON
    assert result.expires_at == NOW + TTL
    assert result.issued_at == NOW
    assert result.kid == "a"
    assert result.error_code is None and result.message is None


def test_round_trip_with_the_deployment_keyring() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL)
    result = verify_token(token, now=NOW)
    assert result.ok and result.person_public_id == PERSON and result.kid == tokens.DEV_KID


def test_shape_length_and_no_id_number() -> None:
    id_number = "001092012345"
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    assert token.startswith("RV1")
    assert len(token) == tokens.TOKEN_LENGTH < 120
    assert token.isascii() and token.isprintable()
    assert set(token[3:]) <= set(ALPHABET)
    assert id_number not in token
    # The payload holds only the key hint, the UUID and two times: nothing else about the person.
    body = base64.urlsafe_b64decode(token[3:])[:23]
    hint, person, _expires, _age = tokens._BODY.unpack(body)
    assert person == PERSON.bytes
    assert hint == RING_A.signer.public_bytes[0]


@given(st.uuids())
@settings(max_examples=50)
def test_any_uuid_round_trips_and_never_leaks_digits_runs(person: uuid.UUID) -> None:
    token = issue_token(person, now=NOW, ttl=TTL, keyring=RING_A)
    assert len(token) == tokens.TOKEN_LENGTH
    assert verify_token(token, now=NOW, keyring=RING_A).person_public_id == person


def test_boundary_of_expiry() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    assert verify_token(token, now=NOW + TTL - timedelta(seconds=1), keyring=RING_A).ok
    expired = verify_token(token, now=NOW + TTL, keyring=RING_A)
    assert not expired.ok and expired.error_code == tokens.EXPIRED


def test_expired() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    result = verify_token(token, now=NOW + timedelta(days=1), keyring=RING_A)
    assert not result.ok
    assert result.error_code == "expired"
    assert result.person_public_id is None  # a refused token does not reveal who it was for
    assert result.expires_at == NOW + TTL
    assert str(result.message)


def test_not_yet_valid_beyond_clock_skew() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    assert verify_token(token, now=NOW - timedelta(minutes=1), keyring=RING_A).ok  # within tolerance
    result = verify_token(token, now=NOW - timedelta(hours=1), keyring=RING_A)
    assert result.error_code == "not_yet_valid"


def test_long_lived_printed_token() -> None:
    ttl = timedelta(days=365)
    token = issue_token(PERSON, now=NOW, ttl=ttl, keyring=RING_A)
    result = verify_token(token, now=NOW + timedelta(days=200), keyring=RING_A)
    assert result.ok and result.expires_at == NOW + ttl
    assert result.issued_at is not None and result.issued_at <= NOW
    assert verify_token(token, now=NOW, keyring=RING_A).ok


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(seconds=-5), tokens.MAX_TTL + timedelta(hours=1)])
def test_issue_refuses_bad_ttl(ttl: timedelta) -> None:
    with pytest.raises(ValueError):
        issue_token(PERSON, now=NOW, ttl=ttl, keyring=RING_A)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        issue_token(PERSON, now=datetime(2025, 1, 1), ttl=TTL, keyring=RING_A)


def test_tampering_with_any_single_character_is_refused() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    for i in range(3, len(token)):  # every character of the payload and the signature
        for replacement in {ALPHABET[(ALPHABET.index(token[i]) + k) % 64] for k in (1, 17, 32, 63)}:
            forged = token[:i] + replacement + token[i + 1 :]
            result = verify_token(forged, now=NOW, keyring=RING_A)
            assert not result.ok, (i, replacement)
            assert result.error_code in {"malformed", "unknown_key", "bad_signature"}
    for prefix in ("RV2", "rv1", "RVI", "XV1"):
        assert verify_token(prefix + token[3:], now=NOW, keyring=RING_A).error_code == "malformed"


def test_signature_bit_flips_are_bad_signature() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    for index in (1, 17, 22, 23, 50, len(raw) - 1):  # uuid, times, signature (index 0 is the key hint)
        flipped = bytearray(raw)
        flipped[index] ^= 0x01
        forged = "RV1" + base64.urlsafe_b64encode(bytes(flipped)).decode()
        assert verify_token(forged, now=NOW, keyring=RING_A).error_code == "bad_signature"


def test_extending_the_expiry_is_refused() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    hint, person, expires, age = tokens._BODY.unpack(bytes(raw[:23]))
    raw[:23] = tokens._BODY.pack(hint, person, expires + 86400, age)
    forged = "RV1" + base64.urlsafe_b64encode(bytes(raw)).decode()
    assert verify_token(forged, now=NOW + timedelta(hours=1), keyring=RING_A).error_code == "bad_signature"


def test_token_from_another_keyring() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_B)
    result = verify_token(token, now=NOW, keyring=RING_A)
    assert not result.ok
    assert result.error_code in {"unknown_key", "bad_signature"}


def test_unknown_key_versus_bad_signature_when_hints_collide() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_B)
    assert verify_token(token, now=NOW, keyring=RING_A).error_code == (
        "bad_signature" if RING_A.signer.hint == RING_B.signer.hint else "unknown_key"
    )
    # Find another key whose public key starts with the same byte: the hint matches, the signature does not.
    same_hint = next(
        ring
        for ring in (Keyring.from_spec(f"x:{seed(n)}", "") for n in range(3, 2000))
        if ring.signer.hint == RING_B.signer.hint
    )
    assert verify_token(token, now=NOW, keyring=same_hint).error_code == "bad_signature"
    # Both keys listed: every key sharing the hint is tried.
    both = Keyring(keys=same_hint.keys + RING_B.keys)
    assert verify_token(token, now=NOW, keyring=both).kid == "b"


def test_key_rotation() -> None:
    old = Keyring.from_spec(f"old:{seed(1)}", "")
    rotated = Keyring.from_spec(f"new:{seed(2)},old:{seed(1)}", "")
    old_token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=old)
    result = verify_token(old_token, now=NOW, keyring=rotated)
    assert result.ok and result.kid == "old"
    new_token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=rotated)
    assert verify_token(new_token, now=NOW, keyring=rotated).kid == "new"
    assert not verify_token(new_token, now=NOW, keyring=old).ok


def test_keyring_from_settings() -> None:
    line = tokens.generate_key("k1")
    with override_settings(RAVAO_QR_SIGNING_KEYS=f" {line} , {tokens.generate_key('k0')} "):
        assert list(tokens.public_keys()) == ["k1", "k0"]
        token = issue_token(PERSON, now=NOW, ttl=TTL)
        assert verify_token(token, now=NOW).kid == "k1"
    with override_settings(RAVAO_QR_SIGNING_KEYS=tokens.generate_key("other")):
        assert not verify_token(token, now=NOW).ok


def test_dev_key_is_derived_from_secret_key() -> None:
    with override_settings(SECRET_KEY="one"):
        first = tokens.public_keys()
        token = issue_token(PERSON, now=NOW, ttl=TTL)
    with override_settings(SECRET_KEY="one"):
        assert tokens.public_keys() == first  # deterministic
    with override_settings(SECRET_KEY="two"):
        assert tokens.public_keys() != first
        assert not verify_token(token, now=NOW).ok
    assert list(first) == [tokens.DEV_KID]


def test_public_keys_are_raw_ed25519_and_hint_is_first_byte() -> None:
    keys = tokens.public_keys(RING_A)
    raw = base64.urlsafe_b64decode(keys["a"] + "=")
    assert len(raw) == 32
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    assert base64.urlsafe_b64decode(token[3:])[0] == raw[0]


def test_generate_key() -> None:
    line = tokens.generate_key()
    kid, _, encoded = line.partition(":")
    assert kid.startswith("k") and len(base64.urlsafe_b64decode(encoded + "=")) == 32
    assert tokens.generate_key() != line
    Keyring.from_spec(line, "")  # usable as is
    with pytest.raises(ValueError):
        tokens.generate_key("bad kid")


@pytest.mark.parametrize(
    "spec",
    [
        "nocolon",
        f"a:{seed(1)},a:{seed(2)}",
        "a:tooshort",
        "a:!!!!",
        f"bad kid:{seed(1)}",
        f":{seed(1)}",
        "a:" + base64.urlsafe_b64encode(b"\x01" * 31).decode(),
    ],
)
def test_bad_configuration_fails_loudly(spec: str) -> None:
    with pytest.raises(ConfigError):
        Keyring.from_spec(spec, "")


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "RV1",
        "RV1" + "A" * 115,
        "RV1" + "A" * 117,
        "RV1" + "A" * 116,
        "RV1" + "=" * 116,
        "RV1" + "é" * 116,
        "001092012345|012345678|Nguyễn Văn An|15031992|Nam|Hà Nội|10052021",
        "\x00" * 200,
        None,
        42,
        b"RV1",
    ],
)
def test_junk_is_malformed_or_refused(junk: object) -> None:
    result = verify_token(junk, now=NOW, keyring=RING_A)
    assert isinstance(result, TokenResult) and not result.ok
    assert result.error_code in {"malformed", "unknown_key", "bad_signature"}


def test_scanner_decoration_is_tolerated() -> None:
    token = issue_token(PERSON, now=NOW, ttl=TTL, keyring=RING_A)
    assert verify_token("\ufeff" + token + "\r\n", now=NOW, keyring=RING_A).ok
    assert not verify_token(token[:50] + "\r\n" + token[50:], now=NOW, keyring=RING_A).ok


@given(st.text())
@settings(max_examples=300)
def test_arbitrary_strings_never_raise(text: str) -> None:
    result = verify_token(text, now=NOW, keyring=RING_A)
    assert not result.ok and result.error_code in tokens.MESSAGES


@given(st.from_regex(r"\ARV1[A-Za-z0-9_-]{116}\Z"))
@settings(max_examples=300)
def test_well_formed_random_tokens_are_refused(text: str) -> None:
    result = verify_token(text, now=NOW, keyring=RING_A)
    assert not result.ok and result.error_code in {"unknown_key", "bad_signature"}
