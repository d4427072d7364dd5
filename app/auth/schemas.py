"""Pydantic schemas for accounts, tokens, API keys and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kernel.principal import Role


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str


class RefreshRequest(BaseModel):
    refresh_token: str


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subdistrict_code: str
    moo: int | None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    full_name: str
    role: Role
    office_code: str | None
    school_code: str | None
    is_active: bool
    areas: list[AreaRead]


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    full_name: str = Field(default="", max_length=200)
    office_code: str | None = Field(default=None, max_length=16)
    school_code: str | None = Field(default=None, pattern=r"^\d{10}$")


class AreaAssign(BaseModel):
    subdistrict_code: str = Field(pattern=r"^\d{6}$")
    moo: int | None = Field(default=None, ge=1, le=99)


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="Shown once; store it now.")


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    username: str
    role: str
    action: str
    resource: str
    record_count: int
    ip: Any
    detail: dict[str, Any]
