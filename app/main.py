"""The FastAPI application: ``app.main:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import geography, health
from app.api.errors import register_error_handlers
from app.core.db import make_engine


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the app; ``database_url`` overrides the settings (tests use their own database)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(database_url)
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="edumap",
        summary="Education mapping and school-age census for Thai service area offices",
        version="0.1.0",
        lifespan=lifespan,
    )
    register_error_handlers(app)
    app.include_router(health.router)
    app.include_router(geography.router)
    return app


app = create_app()
