"""Schemathesis over the whole OpenAPI document, in a scratch copy of the seeded test
database: every operation with at least 10 generated examples, each sent anonymously and as
each role; no server error, no status code or content type the document does not promise, no
response that breaks its schema.

Budget: 49 operations x 10 examples x 5 roles, about five minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.api.openapi import api_routes
from app.auth import security, service
from app.main import create_app
from kernel.config import get_settings
from kernel.principal import Role

ROLES = ("anonymous", "admin", "planner", "surveyor", "school")
EXAMPLES = 10
# Operations the fuzzer does not call, each with its reason (none so far).
EXCLUDED: dict[tuple[str, str], str] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The app's routes, read without a database (building the document connects to nothing).
OPERATIONS = sorted(
    (method, route.path)
    for route in api_routes(create_app("postgresql+psycopg://unused@127.0.0.1:9/x").routes)
    for method in (route.methods or set()) - {"HEAD"}
)


@pytest.fixture(scope="module")
def fuzz_app(fuzz_database_url: str) -> Iterator[FastAPI]:
    app = create_app(fuzz_database_url)
    with TestClient(app):  # runs the lifespan: engine, refresher
        yield app


@pytest.fixture(scope="module")
def fuzz_headers(fuzz_database_url: str) -> dict[str, dict[str, str]]:
    """An account per role in the scratch database, and its bearer header."""
    engine = create_engine(fuzz_database_url)
    specs: dict[str, dict[str, Any]] = {
        "admin": {"role": Role.admin},
        "planner": {"role": Role.planner, "office_code": "P5501"},
        "surveyor": {"role": Role.surveyor},
        "school": {"role": Role.school, "school_code": "9955010001"},
    }
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with Session(engine) as session, session.begin():
        for role, spec in specs.items():
            user = service.create_user(
                session, username=f"fuzz-{role}", password="a-long-fuzz-password", **spec
            )
            if role == "surveyor":
                service.assign_area(session, user.username, "550101")
            token, _ = security.issue_token(
                get_settings(),
                user_id=user.id,
                kind="access",
                version=user.token_version,
                lifetime=dt.timedelta(hours=3),
            )
            headers[role] = {"Authorization": f"Bearer {token}"}
    engine.dispose()
    return headers


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


def test_the_document_lists_every_route(fuzz_schema: Any) -> None:
    documented = {
        (op.method.upper(), op.path)
        for op in (result.ok() for result in fuzz_schema.get_all_operations())
    }
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error_and_no_violation(
    fuzz_schema: Any, fuzz_headers: dict[str, dict[str, str]], method: str, path: str
) -> None:
    """At least ``EXAMPLES`` generated requests, each anonymously and as every role."""
    if (method, path) in EXCLUDED:
        pytest.skip(EXCLUDED[(method, path)])
    operation = fuzz_schema[path][method]
    sent = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def each_example(case: Any) -> None:
        sent.append(case)
        for role in ROLES:
            case.call_and_validate(headers=fuzz_headers[role], checks=CHECKS)

    each_example()
    assert len(sent) >= EXAMPLES or _few_distinct_inputs(operation), (method, path, len(sent))


def _few_distinct_inputs(operation: Any) -> bool:
    """An operation without parameters or body, or whose every parameter admits a value or two
    (the tile matrix set's id, ``f``), has a few inputs: hypothesis stops early."""
    definition = operation.definition.raw
    if "requestBody" in definition:
        return False
    return all(_few_values(p.get("schema", {})) for p in definition.get("parameters", []))


def _few_values(schema: dict[str, Any]) -> bool:
    if "anyOf" in schema:  # an optional value: its kinds, null apart
        kinds = [kind for kind in schema["anyOf"] if kind.get("type") != "null"]
        return all(_few_values(kind) for kind in kinds)
    return 1 <= len(schema.get("enum", ())) <= 2 or bool(
        re.fullmatch(r"\^[A-Za-z0-9_]+\$", schema.get("pattern", ""))
    )
