"""The FastAPI application: ``app.main:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from app.api.errors import register_error_handlers
from app.api.openapi import edumap_openapi
from app.api.rules import ROUTER_MODULES
from app.middleware import (
    BodySizeLimitMiddleware,
    NulRefusalMiddleware,
    SecurityHeadersMiddleware,
)
from app.refresher import CoverageRefresher
from app.usage import FeedbackLimiter, UsageCounter, UsageCountingMiddleware
from census.jobs import sweep_interrupted_jobs
from kernel.config import get_settings
from kernel.db import make_engine

STATIC_DIR = Path(__file__).parent / "static"
# Paths that take file uploads (the larger body limit applies).
# Pages are not compressed: each carries a CSRF token beside text a visitor may choose, which
# is what BREACH needs; files already compressed (zip, XLSX, PDF, images, fonts) gain nothing.
NOT_COMPRESSED = (
    "text/html",
    "text/event-stream",
    "application/zip",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png",
    "image/jpeg",
    "font/woff2",
)
COMPRESS_MIN_BYTES = 1400  # below one packet there is nothing to save
# Level 1: 3.5x smaller GeoJSON for 40% of level 5's CPU (an 8 MB layer: 63 ms against 157 ms;
# measured, BENCHMARKS.md); on two cores the CPU is what large layers are short of.
COMPRESS_LEVEL = 1
UPLOAD_PATHS = ("/api/v1/census/imports", "/api/v1/schools/imports")


def create_app(database_url: str | None = None, read_database_url: str | None = None) -> FastAPI:
    """Build the app; ``database_url`` (and the standby's ``read_database_url``) override the
    settings (tests use their own database)."""
    settings = get_settings()  # refuses default secrets outside development
    usage = UsageCounter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(database_url)
        read_url = read_database_url or settings.read_database_url
        app.state.read_engine = make_engine(read_url) if read_url else None
        app.state.usage = usage
        app.state.feedback_limiter = FeedbackLimiter()
        sweep_interrupted_jobs(app.state.engine)
        refresher = CoverageRefresher(app.state.engine, settings.coverage_refresh_seconds)
        app.state.refresher = refresher
        if settings.coverage_refresh_seconds > 0:
            refresher.start()
        yield
        if settings.coverage_refresh_seconds > 0:
            refresher.stop()
        usage.flush(app.state.engine)
        app.state.engine.dispose()
        if app.state.read_engine is not None:
            app.state.read_engine.dispose()

    app = FastAPI(
        title="edumap",
        summary="Education mapping and school-age census for Thai service area offices",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    register_error_handlers(app)
    app.openapi = lambda: edumap_openapi(app)  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    for module in ROUTER_MODULES:
        app.include_router(module.router)

    # Inside the size limit (middleware added later wraps what was added before).
    app.add_middleware(NulRefusalMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        default_limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(UsageCountingMiddleware, counter=usage)
    if settings.compress_responses:
        app.add_middleware(
            GZipMiddleware,
            minimum_size=COMPRESS_MIN_BYTES,
            compresslevel=COMPRESS_LEVEL,
            exclude_content_types=NOT_COMPRESSED,
        )
    return app


app = create_app()
