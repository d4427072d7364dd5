"""Errors as RFC 9457 problem details (``application/problem+json``), registered once."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis.geography import NotFoundError

log = logging.getLogger("edumap")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class InvalidParameterError(ValueError):
    """A request parameter is malformed; ``field`` names it, as ``query.bbox`` say."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


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


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(tuple(e["loc"])), "message": e["msg"], "input": e.get("input")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, f"Invalid request: {detail}", errors=errors)


async def _invalid_parameter(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidParameterError)
    return problem(
        422,
        f"Invalid request: {exc.field}: {exc.message}",
        errors=[{"field": exc.field, "message": exc.message}],
    )


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return problem(404, str(exc))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No such resource: {request.url.path}"
    return problem(exc.status_code, detail)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Details go to the log, never to the client.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error; it has been logged.")


def register_error_handlers(app: FastAPI) -> None:
    """The one table from exceptions to HTTP statuses."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidParameterError, _invalid_parameter)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
