"""Accounts, their areas, API keys, login attempts and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import Base
from kernel.principal import Role


class UserAccount(Base):
    """A person or machine client; ``role`` and the scope columns bound what it may do."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint("role <> 'planner' OR office_code IS NOT NULL", name="planner_has_office"),
        CheckConstraint("role <> 'school' OR school_code IS NOT NULL", name="school_has_code"),
        CheckConstraint(
            "role::text <> 'viewer' OR office_code IS NOT NULL", name="viewer_has_office"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e])
    )
    # A planner's (and optionally a surveyor's) service area office.
    office_code: Mapped[str | None] = mapped_column(
        ForeignKey("service_area_office.code"), index=True
    )
    # A school account's school (10-digit code).
    school_code: Mapped[str | None] = mapped_column(
        ForeignKey("school.code", onupdate="CASCADE"), index=True
    )
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Raised on disable or password change: every token issued before stops working.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    areas: Mapped[list[UserArea]] = relationship(
        cascade="all, delete-orphan", order_by="UserArea.subdistrict_code", lazy="selectin"
    )


class UserArea(Base):
    """A surveyor's assigned tambon, or one moo (village number) of it."""

    __tablename__ = "user_area"
    __table_args__ = (
        Index(
            "uq_user_area_user_id_subdistrict_code_moo",
            "user_id",
            "subdistrict_code",
            text("coalesce(moo, 0)"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    subdistrict_code: Mapped[str] = mapped_column(ForeignKey("subdistrict.code"))
    # None: the whole tambon.
    moo: Mapped[int | None] = mapped_column(SmallInteger)


class ApiKey(Base):
    """A key for machine clients: shown once, stored as a keyed hash, revocable."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One password login attempt, for throttling per account and per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(INET)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    succeeded: Mapped[bool] = mapped_column()


class AuditLog(Base):
    """Who read or exported personal data: who, what, when, how many records."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(Text)
    resource: Mapped[str] = mapped_column(Text)
    record_count: Mapped[int] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(INET)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
