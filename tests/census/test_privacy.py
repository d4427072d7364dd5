"""Personal-data helpers: encryption at rest, keyed hashes, masking, small-count suppression."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from census.privacy import (
    decrypt_national_id,
    encrypt_national_id,
    mask_national_id,
    national_id_hash,
)
from kernel.config import Settings
from kernel.disclosure import suppress_small_count

NATIONAL_ID = "1101700203451"


def settings_with_key(byte: int) -> Settings:
    return Settings(pii_key=SecretStr(base64.b64encode(bytes([byte]) * 32).decode()))


def test_encryption_round_trips_and_hides_the_id() -> None:
    settings = settings_with_key(1)
    first = encrypt_national_id(settings, NATIONAL_ID)
    second = encrypt_national_id(settings, NATIONAL_ID)
    assert first != second  # a fresh nonce each time: equal IDs do not look equal
    assert NATIONAL_ID.encode() not in first
    assert decrypt_national_id(settings, first) == NATIONAL_ID


def test_tampered_ciphertext_or_wrong_key_fails() -> None:
    settings = settings_with_key(1)
    ciphertext = bytearray(encrypt_national_id(settings, NATIONAL_ID))
    ciphertext[-1] ^= 1
    with pytest.raises(InvalidTag):
        decrypt_national_id(settings, bytes(ciphertext))
    with pytest.raises(InvalidTag):
        decrypt_national_id(settings_with_key(2), encrypt_national_id(settings, NATIONAL_ID))


def test_keyed_hash_finds_duplicates_only_under_the_same_key() -> None:
    one, two = settings_with_key(1), settings_with_key(2)
    assert national_id_hash(one, NATIONAL_ID) == national_id_hash(one, NATIONAL_ID)
    assert national_id_hash(one, NATIONAL_ID) != national_id_hash(one, "1101700203452")
    assert national_id_hash(one, NATIONAL_ID) != national_id_hash(two, NATIONAL_ID)
    assert NATIONAL_ID not in national_id_hash(one, NATIONAL_ID)


def test_short_key_is_refused() -> None:
    settings = Settings(pii_key=SecretStr(base64.b64encode(b"short").decode()))
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt_national_id(settings, NATIONAL_ID)


@pytest.mark.parametrize(
    ("national_id", "masked"),
    [
        (NATIONAL_ID, "1-xxxx-xxxxx-x5-1"),
        ("123", "xxx"),
        (None, None),
        ("", ""),
    ],
)
def test_masking_keeps_three_digits_at_most(national_id: str | None, masked: str | None) -> None:
    assert mask_national_id(national_id) == masked


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (1234, 1234)])
def test_small_counts_are_suppressed(count: int, shown: int | str) -> None:
    assert suppress_small_count(count) == shown
