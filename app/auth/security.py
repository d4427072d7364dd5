"""Cryptographic primitives: password hashing, signed tokens, API keys, CSRF tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from pwdlib import PasswordHash

from kernel.config import Settings

# Argon2id with pwdlib's recommended parameters (memory-hard).
password_hasher = PasswordHash.recommended()

TokenKind = Literal["access", "refresh", "session"]
JWT_ALGORITHM = "HS256"
API_KEY_PREFIX = "edk_"


class InvalidTokenError(Exception):
    """A token is malformed, tampered with, expired or of the wrong kind."""


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return password_hasher.verify(password, password_hash)


# Verifying against this keeps an unknown username as slow as a wrong password.
DUMMY_PASSWORD_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    kind: TokenKind
    version: int
    token_id: str
    expires_at: dt.datetime


def issue_token(
    settings: Settings, *, user_id: int, kind: TokenKind, version: int, lifetime: dt.timedelta
) -> tuple[str, TokenClaims]:
    """A signed token for ``user_id``; ``version`` must match the account's token_version."""
    now = dt.datetime.now(dt.UTC)
    claims = TokenClaims(user_id, kind, version, uuid.uuid4().hex, now + lifetime)
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "typ": kind,
        "ver": version,
        "jti": claims.token_id,
        "iat": now,
        "exp": claims.expires_at,
    }
    token = jwt.encode(payload, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    return token, claims


def decode_token(settings: Settings, token: str, kind: TokenKind) -> TokenClaims:
    """Check signature, expiry and kind; raise InvalidTokenError otherwise."""
    try:
        payload = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "typ", "ver", "jti", "exp"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidTokenError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("invalid token") from exc
    if payload["typ"] != kind:
        raise InvalidTokenError(f"expected a {kind} token")
    return TokenClaims(
        int(payload["sub"]),
        kind,
        int(payload["ver"]),
        str(payload["jti"]),
        dt.datetime.fromtimestamp(payload["exp"], dt.UTC),
    )


def keyed_hash(settings: Settings, value: str, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under the secret key, separated by ``purpose``."""
    key = hmac.new(settings.secret_key.get_secret_value().encode(), purpose.encode(), "sha256")
    return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()


def new_api_key(settings: Settings) -> tuple[str, str, str]:
    """A new key: (the key shown once, its lookup prefix, its stored hash)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, keyed_hash(settings, key, "api-key")


def parse_api_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, _, rest = key[len(API_KEY_PREFIX) :].partition("_")
    return prefix if len(prefix) == 12 and rest else None


def csrf_token(settings: Settings, session_token_id: str) -> str:
    """The CSRF token bound to one web session (double submit, signed)."""
    return keyed_hash(settings, session_token_id, "csrf")


def csrf_matches(settings: Settings, session_token_id: str, candidate: str | None) -> bool:
    return bool(candidate) and hmac.compare_digest(
        csrf_token(settings, session_token_id), candidate or ""
    )
