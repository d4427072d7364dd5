"""``GET /health``: is the service up and its database reachable?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.access import PUBLIC, AccessRule
from app.api.deps import SessionDep
from app.api.errors import problem

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service and database health")
def health(session: SessionDep) -> Any:
    try:
        postgis = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        return problem(503, f"Database unavailable: {type(exc).__name__}")
    return JSONResponse(
        {"status": "ok", "database": "ok", "postgis": postgis, "schema_revision": revision}
    )


ACCESS_RULES = [AccessRule("GET", "/health", PUBLIC)]
