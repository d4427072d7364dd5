"""The OpenAPI document says what each route really answers: its security schemes, and the
problem-details errors (401, 403, 404, 409, 413, 422, 429) it can give, derived from the one
access table (``ACCESS_RULES``) and the route's shape, so the document cannot drift from the
routes. Schemathesis checks the app against it (tests/app/test_schemathesis.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app.api.access import AccessRule
from app.api.errors import PROBLEM_MEDIA_TYPE
from app.api.oas30 import OGC_PREFIX
from app.api.rules import all_rules
from app.auth.deps import SESSION_COOKIE

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from POST /api/v1/auth/token",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A key from POST /api/v1/auth/api-keys",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The web pages' session cookie (writes need the CSRF token)",
    },
}
SIGNED_IN_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}, {"session": []}]
ERROR_TEXT = {
    "400": "The multipart body cannot be parsed, or (OGC API) a parameter is invalid or unknown",
    "401": "No valid credentials",
    "403": "This role or scope may not do this",
    "404": "No such resource (or not one the caller may see)",
    "409": "Clashes with what is stored (a taken name, a closed round, a different resend)",
    "413": "The body or an archive member is larger than allowed",
    "422": "A parameter, field or file breaks a rule; `errors` names each field",
    "429": "Too many failed logins; see Retry-After",
}
LOGIN_PATHS = {"/api/v1/auth/token", "/api/v1/auth/refresh"}
BINARY = {"type": "string", "format": "binary"}
GEOJSON_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """The API routes of the app, looking inside included routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)
        elif isinstance(route, APIRoute) and route.include_in_schema:
            yield route


def _rules() -> dict[tuple[str, str], AccessRule]:
    return {(rule.method, rule.route): rule for rule in all_rules()}


def _takes_parameters(dependant: Dependant) -> bool:
    """Whether a route (or any dependency it has) reads a path, query, body or header value."""
    return bool(
        dependant.path_params
        or dependant.query_params
        or dependant.body_params
        or dependant.header_params
        or any(_takes_parameters(sub) for sub in dependant.dependencies)
    )


def _error_statuses(
    route: APIRoute, method: str, rule: AccessRule | None, public: bool
) -> set[str]:
    """The error statuses a route can answer: those its access rule expects for some role, the
    credentials errors of a signed-in route, and what its parameters and body can cause."""
    statuses = {str(s) for s in (rule.expected.values() if rule else ()) if s >= 400}
    has_params = _takes_parameters(route.dependant)
    if has_params:
        statuses |= {"404", "422"}  # an unknown code or round is a 404, a bad value a 422
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        statuses |= {"404", "409", "413", "422"}
        if any(isinstance(p.field_info, params.Form) for p in route.dependant.body_params):
            statuses.add("400")  # a multipart body (File is a Form) that cannot be parsed
    if not public:
        statuses |= {"401", "403"}
    if route.path in LOGIN_PATHS:
        statuses.add("429")
    if route.path.startswith(OGC_PREFIX):  # OGC API's invalid parameter is a 400
        statuses = (statuses - {"422"}) | {"400"}
    return statuses


def _fill_success_schema(operation: dict[str, Any]) -> None:
    """A schema for successes FastAPI left empty (files, GeoJSON, hand-built JSON)."""
    for status, response in operation.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        content = response.setdefault("content", {"application/json": {}})
        for media_type, body in content.items():
            if body.get("schema"):
                continue
            if media_type in ("application/geo+json",):
                body["schema"] = GEOJSON_COLLECTION
            elif media_type == "application/json" or media_type.split(";")[0].endswith("+json"):
                body["schema"] = {"type": "object"}  # JSON documents (OpenAPI, JSON Schema)
            else:
                body["schema"] = BINARY if "text" not in media_type else {"type": "string"}


def edumap_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, built once."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    rules = _rules()
    for route in api_routes(app.routes):
        path = re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", route.path_format)
        for method in (route.methods or set()) - {"HEAD"}:
            operation = schema["paths"][path][method.lower()]
            rule = rules.get((method, route.path))
            public = route.path in LOGIN_PATHS or (
                rule is not None and rule.expected.get("anonymous", 200) < 400
            )
            if not public:
                operation["security"] = SIGNED_IN_SECURITY
            responses = operation.setdefault("responses", {})
            if route.path.startswith(OGC_PREFIX):
                responses.pop("422", None)  # FastAPI's own; OGC API answers 400 instead
            for status in sorted(_error_statuses(route, method, rule, public)):
                responses[status] = {
                    "description": ERROR_TEXT[status],
                    "content": {
                        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    },
                }
            _fill_success_schema(operation)
    app.openapi_schema = schema
    return schema
