"""Personal data under the PDPA: national IDs encrypted at rest, masked, and small counts hidden.

National IDs are stored twice: AES-GCM ciphertext (readable only with EDUMAP_PII_KEY) and an
HMAC under the same key, so duplicates can be found and IDs looked up without decrypting.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kernel.config import Settings

NONCE_BYTES = 12


@functools.lru_cache(maxsize=4)
def _decoded(encoded_key: str) -> tuple[bytes, AESGCM]:
    key = base64.b64decode(encoded_key)
    if len(key) != 32:
        raise ValueError("EDUMAP_PII_KEY must be 32 bytes, base64-encoded")
    return key, AESGCM(key)


def _key(settings: Settings) -> bytes:
    return _decoded(settings.pii_key.get_secret_value())[0]


def _cipher(settings: Settings) -> AESGCM:
    return _decoded(settings.pii_key.get_secret_value())[1]


def encrypt_national_id(settings: Settings, national_id: str) -> bytes:
    """AES-256-GCM ciphertext (nonce first) of a 13-digit ID."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _cipher(settings).encrypt(nonce, national_id.encode(), b"national_id")


def decrypt_national_id(settings: Settings, ciphertext: bytes) -> str:
    """The ID back from ``encrypt_national_id``; fails loudly if tampered with."""
    nonce, body = ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:]
    return _cipher(settings).decrypt(nonce, body, b"national_id").decode()


def national_id_hash(settings: Settings, national_id: str) -> str:
    """Keyed hash for lookups and duplicate checks (same ID, same hash; not reversible)."""
    return hmac.new(
        _key(settings), b"national_id:" + national_id.encode(), hashlib.sha256
    ).hexdigest()


def mask_national_id(national_id: str | None) -> str | None:
    """Show only the first digit and the last two, as 1-xxxx-xxxxx-x2-3."""
    if not national_id:
        return national_id
    if len(national_id) != 13:
        return "x" * len(national_id)
    return f"{national_id[0]}-xxxx-xxxxx-x{national_id[11]}-{national_id[12]}"
