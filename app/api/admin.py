"""User management and the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from app.api.access import ADMIN_ONLY, AccessRule, expect
from app.api.deps import Offset, SessionDep
from app.auth import service
from app.auth.deps import AdminDep
from app.auth.schemas import AreaAssign, AuditRead, UserCreate, UserRead

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get("/users", response_model=list[UserRead], summary="All accounts")
def list_users(_: AdminDep, session: SessionDep) -> Any:
    return service.list_users(session)


@router.post(
    "/users", response_model=UserRead, status_code=status.HTTP_201_CREATED, summary="New account"
)
def create_user(body: UserCreate, _: AdminDep, session: SessionDep) -> Any:
    user = service.create_user(session, **body.model_dump())
    session.commit()
    return user


@router.post("/users/{username}/disable", response_model=UserRead, summary="Disable an account")
def disable_user(username: str, _: AdminDep, session: SessionDep) -> Any:
    user = service.disable_user(session, username)
    session.commit()
    return user


@router.post(
    "/users/{username}/areas", response_model=UserRead, summary="Assign a surveyor an area"
)
def assign_area(username: str, body: AreaAssign, _: AdminDep, session: SessionDep) -> Any:
    user = service.assign_area(session, username, body.subdistrict_code, body.moo)
    session.commit()
    return user


@router.get("/audit-log", response_model=list[AuditRead], summary="Who read personal data")
def audit_log(
    _: AdminDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> Any:
    return service.audit_entries(session, limit=limit, offset=offset)


ACCESS_RULES = [
    AccessRule("GET", "/api/v1/admin/users", ADMIN_ONLY),
    AccessRule("POST", "/api/v1/admin/users", expect(403, anonymous=401, admin=201)),
    AccessRule("POST", "/api/v1/admin/users/{username}/disable", ADMIN_ONLY),
    AccessRule("POST", "/api/v1/admin/users/{username}/areas", ADMIN_ONLY),
    AccessRule("GET", "/api/v1/admin/audit-log", ADMIN_ONLY),
]
