"""Accounts, login, API keys and the audit log: plain functions on a session."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.auth import security
from gis.models import ServiceAreaOffice, Subdistrict
from kernel.accounts import ApiKey, AuditLog, LoginAttempt, UserAccount, UserArea
from kernel.config import Settings
from kernel.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TooManyAttemptsError,
)
from kernel.principal import Principal, Role

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters long"
        )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
    office_code: str | None = None,
    school_code: str | None = None,
) -> UserAccount:
    """A new active account; the role's scope (office or school) must be given."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInputError(
            "username", "3-64 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    validate_password(password)
    if role in (Role.planner, Role.viewer) and not office_code:
        raise InvalidInputError(
            "office_code", f"a {role.value} needs the service area office they work for"
        )
    if office_code and session.get(ServiceAreaOffice, office_code) is None:
        raise InvalidInputError("office_code", f"no service area office {office_code!r}")
    if role is Role.school and not (school_code and re.fullmatch(r"\d{10}", school_code)):
        raise InvalidInputError("school_code", "a school account needs its 10-digit school code")
    if session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
        raise ConflictError(f"username {username!r} is taken")
    user = UserAccount(
        username=username,
        full_name=full_name.strip(),
        role=role,
        office_code=office_code,
        school_code=school_code if role is Role.school else None,
        password_hash=security.hash_password(password),
        is_active=True,
        token_version=0,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> UserAccount:
    user = session.scalar(select(UserAccount).where(UserAccount.username == username.lower()))
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[UserAccount]:
    return list(session.scalars(select(UserAccount).order_by(UserAccount.username)))


def disable_user(session: Session, username: str) -> UserAccount:
    """Disable an account and invalidate every token and API key it holds."""
    user = get_user(session, username)
    user.is_active = False
    user.disabled_at = _now()
    user.token_version += 1
    session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> UserAccount:
    """Change a password; tokens issued before stop working."""
    validate_password(password)
    user = get_user(session, username)
    user.password_hash = security.hash_password(password)
    user.token_version += 1
    session.flush()
    return user


def assign_area(
    session: Session, username: str, subdistrict_code: str, moo: int | None = None
) -> UserAccount:
    """Give a surveyor a tambon (or one moo of it) to survey."""
    user = get_user(session, username)
    if user.role is not Role.surveyor:
        raise InvalidInputError("username", f"{username} is a {user.role.value}, not a surveyor")
    if session.get(Subdistrict, subdistrict_code) is None:
        raise InvalidInputError("subdistrict_code", f"no subdistrict {subdistrict_code!r} loaded")
    if moo is not None and not 1 <= moo <= 99:
        raise InvalidInputError("moo", "must be 1-99")
    if any(a.subdistrict_code == subdistrict_code and a.moo == moo for a in user.areas):
        return user
    user.areas.append(UserArea(subdistrict_code=subdistrict_code, moo=moo))
    session.flush()
    return user


def principal_for(
    user: UserAccount, auth_method: str, session_token_id: str | None = None
) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        office_code=user.office_code,
        school_code=user.school_code,
        areas=frozenset((a.subdistrict_code, a.moo) for a in user.areas),
        auth_method=auth_method,
        session_token_id=session_token_id,
    )


def _failures_since(session: Session, since: dt.datetime, **where: str) -> list[dt.datetime]:
    """Times of failed logins since ``since`` matching ``where`` (username and/or ip)."""
    query = select(LoginAttempt.at).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    for name, value in where.items():
        query = query.where(getattr(LoginAttempt, name) == value)
    return list(session.scalars(query.order_by(LoginAttempt.at)))


def _has_logged_in_from(session: Session, username: str, ip: str) -> bool:
    """Whether this account has ever logged in successfully from this address."""
    return (
        session.scalar(
            select(LoginAttempt.id)
            .where(
                LoginAttempt.username == username,
                LoginAttempt.ip == ip,
                LoginAttempt.succeeded.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def lockout_seconds(
    failures: list[dt.datetime], limit: int, window_s: int, now: dt.datetime
) -> int:
    """Seconds a source must wait after ``failures`` (oldest first) against one account: none
    below ``limit``; then 1 minute after the last failure, doubling with each further failure,
    at most the window."""
    if len(failures) < limit:
        return 0
    backoff_s = min(window_s, 60 * 2 ** (len(failures) - limit))
    return max(0, math.ceil(backoff_s - (now - failures[-1]).total_seconds()))


def authenticate(
    session: Session, settings: Settings, username: str, password: str, ip: str
) -> UserAccount:
    """Check a password login, throttled per account *and* address, and per address.

    Failures of one account from one address lock that address out of that account, with a
    back-off that doubles per further failure; other addresses are not affected, so nobody can
    lock an administrator out by failing on purpose. Failures of one account from many
    addresses (a spread guessing attack) lock out only addresses the account has never logged
    in from. Each attempt is recorded; the caller commits, so failures count although the login
    is refused.
    """
    username = username.strip().lower()[:64]
    now = _now()
    window_s = settings.login_window_minutes * 60
    since = now - dt.timedelta(seconds=window_s)
    wait_s = lockout_seconds(
        _failures_since(session, since, username=username, ip=ip),
        settings.login_max_failures_per_user,
        window_s,
        now,
    )
    if wait_s:
        raise TooManyAttemptsError(
            "Too many failed logins for this account from this address; try again later.", wait_s
        )
    if len(_failures_since(session, since, ip=ip)) >= settings.login_max_failures_per_ip:
        raise TooManyAttemptsError(
            "Too many failed logins from this address; try again later.", window_s
        )
    if len(
        _failures_since(session, since, username=username)
    ) >= settings.login_max_failures_per_account and not _has_logged_in_from(session, username, ip):
        raise TooManyAttemptsError(
            "Too many failed logins for this account from new addresses; try again later, or "
            "from an address you have logged in from before.",
            window_s,
        )
    user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    valid = security.verify_password(
        password, user.password_hash if user else security.DUMMY_PASSWORD_HASH
    )
    ok = bool(user and valid and user.is_active)
    session.add(LoginAttempt(username=username, ip=ip, succeeded=ok))
    session.flush()
    if not ok or user is None:
        raise AuthenticationError("Wrong username or password, or the account is disabled.")
    return user


# Who a token speaks for, in one round trip without the ORM: every authenticated request asks.
_TOKEN_PRINCIPAL_SQL = text(
    """
    SELECT u.username, u.role, u.office_code, u.school_code,
           coalesce(array_agg(a.subdistrict_code) FILTER (WHERE a.id IS NOT NULL), '{}'),
           coalesce(array_agg(a.moo) FILTER (WHERE a.id IS NOT NULL), '{}')
    FROM user_account u LEFT JOIN user_area a ON a.user_id = u.id
    WHERE u.id = :id AND u.is_active AND u.token_version = :version
    GROUP BY u.id
    """
)


def principal_for_token(
    session: Session,
    user_id: int,
    version: int,
    auth_method: str,
    session_token_id: str | None = None,
) -> Principal:
    """The principal of a current token of an active account; AuthenticationError else."""
    row = session.execute(_TOKEN_PRINCIPAL_SQL, {"id": user_id, "version": version}).first()
    if row is None:
        raise AuthenticationError("Token no longer valid; log in again.")
    username, role, office_code, school_code, tambons, moos = row
    return Principal(
        user_id=user_id,
        username=username,
        role=Role(role),
        office_code=office_code,
        school_code=school_code,
        areas=frozenset(zip(tambons, moos, strict=True)),
        auth_method=auth_method,
        session_token_id=session_token_id,
    )


def user_for_token(session: Session, user_id: int, version: int) -> UserAccount:
    """The active account a token was issued to, if the token is still current."""
    user = session.get(UserAccount, user_id)
    if user is None or not user.is_active or user.token_version != version:
        raise AuthenticationError("Token no longer valid; log in again.")
    return user


def create_api_key(
    session: Session, settings: Settings, user: UserAccount, name: str
) -> tuple[str, ApiKey]:
    """A new key for ``user``: the key itself is returned once and never stored."""
    if not name.strip():
        raise InvalidInputError("name", "say what the key is for")
    key, prefix, key_hash = security.new_api_key(settings)
    record = ApiKey(user_id=user.id, name=name.strip(), prefix=prefix, key_hash=key_hash)
    session.add(record)
    session.flush()
    return key, record


KEY_USE_PRECISION = dt.timedelta(minutes=1)


def user_for_api_key(session: Session, settings: Settings, key: str) -> UserAccount:
    """The active account owning an unrevoked key."""
    prefix = security.parse_api_key(key)
    record = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if (
        record is None
        or record.revoked_at is not None
        or not security.hmac.compare_digest(
            record.key_hash, security.keyed_hash(settings, key, "api-key")
        )
    ):
        raise AuthenticationError("Unknown or revoked API key.")
    user = session.get(UserAccount, record.user_id)
    if user is None or not user.is_active:
        raise AuthenticationError("Unknown or revoked API key.")
    # Every request of a key would otherwise update one row, and concurrent requests (a phone
    # resending, a client's parallel calls) queue on its lock until each commits: a minute's
    # precision is enough to see which keys are in use.
    now = _now()
    if record.last_used_at is None or now - record.last_used_at > KEY_USE_PRECISION:
        record.last_used_at = now
    return user


def list_api_keys(session: Session, user_id: int | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.id)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return list(session.scalars(query))


def revoke_api_key(session: Session, key_id: int, principal: Principal) -> ApiKey:
    """Revoke a key; its owner or an admin may."""
    record = session.get(ApiKey, key_id)
    if record is None or (
        record.user_id != principal.user_id and not principal.has_role(Role.admin)
    ):
        raise NotFoundError(f"no API key {key_id}")
    record.revoked_at = record.revoked_at or _now()
    session.flush()
    return record


def record_access(
    session: Session,
    principal: Principal,
    *,
    action: str,
    resource: str,
    record_count: int,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write who read or exported personal data, in the caller's transaction."""
    session.add(
        AuditLog(
            user_id=principal.user_id,
            username=principal.username,
            role=principal.role.value if principal.role else "anonymous",
            action=action,
            resource=resource,
            record_count=record_count,
            ip=ip,
            detail=detail or {},
        )
    )
    session.flush()


def audit_entries(session: Session, *, limit: int = 200, offset: int = 0) -> list[AuditLog]:
    return list(
        session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit).offset(offset))
    )
