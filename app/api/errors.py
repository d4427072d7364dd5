"""Errors as RFC 9457 problem details (``application/problem+json``), registered once."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.oas30 import OGC_PREFIX
from kernel.errors import (
    AuthenticationError,
    ConflictError,
    InvalidFieldsError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyAttemptsError,
)

log = logging.getLogger("edumap")

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    """A problem-details response with a message a person can act on."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _field_name(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


# OGC API answers an invalid parameter with 400 (its conformance tests check it); the REST
# API's is a 422.


def _invalid_status(request: Request) -> int:
    return 400 if request.url.path.startswith(OGC_PREFIX) else 422


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(tuple(e["loc"])), "message": e["msg"], "input": e.get("input")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(_invalid_status(request), f"Invalid request: {detail}", errors=errors)


async def _invalid_fields(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidFieldsError)
    return problem(
        422,
        f"Invalid request: {exc}",
        errors=[{"field": f, "message": m} for f, m in exc.problems],
    )


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInputError)
    return problem(
        _invalid_status(request),
        f"Invalid request: {exc.field}: {exc.message}",
        errors=[{"field": exc.field, "message": exc.message}],
    )


def _status_handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return problem(status, str(exc))

    return handle


async def _unauthenticated(request: Request, exc: Exception) -> JSONResponse:
    response = problem(401, str(exc))
    # GIS clients (QGIS) offer Basic: the user name and an API key as the password.
    scheme = 'Basic realm="edumap"' if request.url.path.startswith(OGC_PREFIX) else "Bearer"
    response.headers["WWW-Authenticate"] = scheme
    return response


async def _throttled(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyAttemptsError)
    response = problem(429, str(exc), retry_after_s=exc.retry_after_s)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No such resource: {request.url.path}"
    return problem(exc.status_code, detail)


FOREIGN_KEY_DETAIL = re.compile(
    r'Key \((?P<field>[^)]+)\)=\((?P<value>.*)\) is not present in table "(?P<table>[^"]+)"'
)


async def _database_refusal(request: Request, exc: Exception) -> JSONResponse:
    """What the database refused that a service did not check first: a 4xx naming the field
    (an unknown code, a missing value, a duplicate), never a 500."""
    assert isinstance(exc, (IntegrityError, DataError))
    diag = getattr(exc.orig, "diag", None)
    code = getattr(exc.orig, "sqlstate", None) or ""
    column = getattr(diag, "column_name", None)
    detail_text = getattr(diag, "message_detail", None) or ""
    if code == "23503" and (match := FOREIGN_KEY_DETAIL.search(detail_text)):
        field, value, table = match["field"], match["value"], match["table"]
        message = f"no {table.replace('_', ' ')} {value!r} is loaded"
        return problem(
            422,
            f"Invalid request: {field}: {message}",
            errors=[{"field": field, "message": message}],
        )
    if code == "23502" and column:
        return problem(
            422,
            f"Invalid request: {column}: required",
            errors=[{"field": column, "message": "required"}],
        )
    if code == "23505":
        return problem(409, f"Already stored: {detail_text or 'a duplicate'}")
    log.info("refused by the database on %s %s: %s", request.method, request.url.path, exc.orig)
    reason = getattr(diag, "message_primary", None) or "a value the database cannot store"
    return problem(422, f"Invalid request: {reason}")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Details go to the log, never to the client.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error; it has been logged.")


def register_error_handlers(app: FastAPI) -> None:
    """The one table from exceptions to HTTP statuses."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidInputError, _invalid_input)
    app.add_exception_handler(InvalidFieldsError, _invalid_fields)
    app.add_exception_handler(NotFoundError, _status_handler(404))
    app.add_exception_handler(ConflictError, _status_handler(409))
    app.add_exception_handler(PermissionDeniedError, _status_handler(403))
    app.add_exception_handler(AuthenticationError, _unauthenticated)
    app.add_exception_handler(TooManyAttemptsError, _throttled)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _database_refusal)
    app.add_exception_handler(DataError, _database_refusal)
    app.add_exception_handler(Exception, _unexpected)
