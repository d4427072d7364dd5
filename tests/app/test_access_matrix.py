"""Every endpoint x every role -> the status its ACCESS_RULES promise; no endpoint unlisted."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Mount

from app.api.access import ROLES, AccessRule
from app.api.rules import all_rules
from app.auth import service
from app.main import create_app
from census import service as census_service
from census import surveys
from census.models import ImportJob
from gis.ict import repairs
from gis.schools import rounds
from kernel.config import get_settings
from kernel.principal import Role
from tests.helpers.access_examples import (
    MATRIX_EXPLANATIONS,
    MATRIX_FIGURES,
    MATRIX_FORM,
    example_for,
)
from tests.helpers.payloads import (
    june_round,
    matched_child,
    office_submission,
    office_xlsform,
    small_household,
)
from tests.helpers.world import MATRIX_SCHOOL, Account

RULES = all_rules()


def flatten(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Routes of the app, looking inside included routers (we include them unprefixed)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flatten(inner.routes)
        elif not isinstance(route, Mount):  # static files
            yield route


def test_every_route_has_an_access_rule() -> None:
    app = create_app()
    covered = {(rule.method, rule.route) for rule in RULES}
    routes = {
        (method, getattr(route, "path", ""))
        for route in flatten(app.routes)
        for method in (getattr(route, "methods", None) or set()) - {"HEAD"}
    }
    assert len(routes) >= 20
    missing = sorted(routes - covered)
    assert not missing, f"routes without an entry in ACCESS_RULES: {missing}"
    stale = sorted(covered - routes)
    assert not stale, f"ACCESS_RULES for routes that no longer exist: {stale}"


@pytest.fixture
def path_values(db_session: Session, accounts: dict[str, Account]) -> dict[str, str]:
    """Ids that example paths name: a device of the matrix school; a child and an import job
    of the matrix surveyor; a child the registers leave unplaced in the surveyor's tambon; and
    the account the disable rule acts on (all rolled back with the
    test, so each call meets the same world)."""
    session = db_session
    service.create_user(
        session, username="matrix-victim", password="a-long-enough-password", role=Role.surveyor
    )
    device = session.execute(
        text(
            "SELECT d.id FROM ict_device d JOIN school s ON s.id = d.school_id "
            "WHERE s.code = :code ORDER BY d.id LIMIT 1"
        ),
        {"code": MATRIX_SCHOOL},
    ).scalar_one()
    surveyor = service.get_user(session, accounts["surveyor"].username)
    principal = service.principal_for(surveyor, "test")
    household, _ = census_service.submit_household(
        session, get_settings(), principal, small_household()
    )
    admin = service.principal_for(service.get_user(session, accounts["admin"].username), "test")
    surveys.add_form(
        session,
        admin,
        "matrix.xlsx",
        office_xlsform(MATRIX_FORM),
        roles=["surveyor"],
        usernames=[],
    )
    surveys.store_submission(
        session,
        principal,
        office_submission("uuid:matrix", form_id=MATRIX_FORM),
        [("photo.jpg", b"\xff\xd8 a photo")],
    )
    job = ImportJob(round_year=2569, filename="x.csv", created_by=surveyor.id)
    session.add(job)
    session.flush()
    village = session.execute(
        text("SELECT min(id) FROM village WHERE subdistrict_code = '550101'")
    ).scalar_one()
    data_rounds = {}
    for name, steps in (
        ("data_round", ()),
        ("submitted_round", ("submit",)),
        ("accepted_round", ("submit", "accept")),
    ):
        made = june_round(session, name)
        rounds.save(session, made, MATRIX_SCHOOL, MATRIX_FIGURES, version=0, actor="matrix")
        if "submit" in steps:
            rounds.submit(
                session,
                made,
                MATRIX_SCHOOL,
                version=1,
                explanations=MATRIX_EXPLANATIONS,
                actor="matrix",
            )
        if "accept" in steps:
            rounds.accept(session, made, MATRIX_SCHOOL, actor="matrix")
        data_rounds[name] = str(made)
    # Repair tickets of the matrix school's device: one open, one repaired (to close).
    service.create_user(
        session, username="matrix-technician", password="a-long-enough-password", role=Role.admin
    )
    tickets = {}
    for name in ("open_ticket", "repaired_ticket"):
        ticket = repairs.report_problem(
            session,
            school_code=MATRIX_SCHOOL,
            subject="device",
            device_id=device,
            problem="เปิดไม่ติด",
            actor="matrix",
        )
        if name == "repaired_ticket":
            repairs.record_repair(
                session,
                ticket.id,
                action="เปลี่ยนพาวเวอร์ซัพพลาย",
                cost_baht=Decimal(900),
                actor="matrix",
            )
        tickets[name] = str(ticket.id)
    return {
        **data_rounds,
        **tickets,
        "ref": matched_child(session, "550101"),
        "village_id": str(village),
        "device_id": str(device),
        "child_id": str(household.children[0].id),
        "job_id": str(job.id),
        "form_id": MATRIX_FORM,
    }


def _with_ids(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_with_ids(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return int(value.format(**ids))
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.method} {r.route}")
def test_role_gets_the_expected_status(
    request: pytest.FixtureRequest,
    accounts: dict[str, Account],
    path_values: dict[str, str],
    rule: AccessRule,
    role: str,
) -> None:
    headers = accounts[role].headers if role != "anonymous" else {}
    example = example_for(rule.method, rule.route)
    # Work that runs after the response (an import job) reads committed rows only.
    client: TestClient = request.getfixturevalue(
        "committing_client" if example.commits else "client"
    )
    body = example.json() if callable(example.json) else example.json
    if isinstance(body, dict):  # ids named in example bodies, e.g. ["{village_id}"]
        body = {key: _with_ids(value, path_values) for key, value in body.items()}
    form = example.form() if callable(example.form) else example.form
    if example.before:
        example.before(client.app)
    response = client.request(
        rule.method,
        (example.path or rule.route).format(**path_values),
        headers=headers,
        params=example.params,
        json=body,
        data=form,
        files=example.files,
        follow_redirects=False,
    )
    assert response.status_code == rule.expected[role], response.text[:300]
