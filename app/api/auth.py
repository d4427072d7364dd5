"""Log in (OAuth2 password flow), refresh, who am I, and one's own API keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.access import SIGNED_IN, AccessRule, expect
from app.api.deps import RowId, SessionDep
from app.auth import security, service
from app.auth.deps import SignedInDep, client_ip
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    RefreshRequest,
    TokenPair,
    UserRead,
)
from kernel.accounts import UserAccount
from kernel.config import get_settings
from kernel.errors import AuthenticationError

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def issue_pair(user: UserAccount) -> TokenPair:
    settings = get_settings()
    lifetime = dt.timedelta(minutes=settings.access_token_minutes)
    access, _ = security.issue_token(
        settings, user_id=user.id, kind="access", version=user.token_version, lifetime=lifetime
    )
    refresh, _ = security.issue_token(
        settings,
        user_id=user.id,
        kind="refresh",
        version=user.token_version,
        lifetime=dt.timedelta(days=settings.refresh_token_days),
    )
    return TokenPair(
        access_token=access, expires_in=int(lifetime.total_seconds()), refresh_token=refresh
    )


@router.post("/token", response_model=TokenPair, summary="Log in: username and password")
def login(
    request: Request,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenPair:
    try:
        user = service.authenticate(
            session, get_settings(), form.username, form.password, client_ip(request)
        )
    finally:
        session.commit()  # the attempt counts for throttling whatever the outcome
    return issue_pair(user)


@router.post("/refresh", response_model=TokenPair, summary="New tokens from a refresh token")
def refresh(body: RefreshRequest, session: SessionDep) -> TokenPair:
    try:
        claims = security.decode_token(get_settings(), body.refresh_token, "refresh")
    except security.InvalidTokenError as exc:
        raise AuthenticationError(f"Refresh token rejected: {exc}.") from exc
    return issue_pair(service.user_for_token(session, claims.user_id, claims.version))


@router.get("/me", response_model=UserRead, summary="The account making the request")
def me(principal: SignedInDep, session: SessionDep) -> Any:
    return service.get_user(session, principal.username)


@router.get("/api-keys", response_model=list[ApiKeyRead], summary="My API keys")
def my_api_keys(principal: SignedInDep, session: SessionDep) -> Any:
    return service.list_api_keys(session, principal.user_id)


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key for a machine client (the key is shown once)",
)
def create_api_key(body: ApiKeyCreate, principal: SignedInDep, session: SessionDep) -> Any:
    user = service.get_user(session, principal.username)
    key, record = service.create_api_key(session, get_settings(), user, body.name)
    session.commit()
    return ApiKeyCreated(key=key, **ApiKeyRead.model_validate(record).model_dump())


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRead, summary="Revoke an API key")
def revoke_api_key(key_id: RowId, principal: SignedInDep, session: SessionDep) -> Any:
    record = service.revoke_api_key(session, key_id, principal)
    session.commit()
    return record


ACCESS_RULES = [
    # Bad credentials are refused whoever calls; the token endpoint needs no prior login.
    AccessRule("POST", "/api/v1/auth/token", expect(401)),
    AccessRule("POST", "/api/v1/auth/refresh", expect(401)),
    AccessRule("GET", "/api/v1/auth/me", SIGNED_IN),
    AccessRule("GET", "/api/v1/auth/api-keys", SIGNED_IN),
    AccessRule("POST", "/api/v1/auth/api-keys", expect(201, anonymous=401)),
    AccessRule("DELETE", "/api/v1/auth/api-keys/{key_id}", expect(404, anonymous=401)),
]
