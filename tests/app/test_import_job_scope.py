"""Census import jobs (their reports and rejected rows name children) are read by their creator,
admins and the planners of the creator's office only; every read is audited."""

from __future__ import annotations

import uuid

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.auth import service
from census.synth import make_dirty
from kernel.principal import Role
from tests.helpers.payloads import poll, rows_in_550101, to_csv
from tests.helpers.world import PASSWORD, Account


def _login(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_another_offices_planner_cannot_read_a_job_and_reads_are_audited(
    committing_client: TestClient, accounts: dict[str, Account], engine: Engine
) -> None:
    other = f"planner-p5502-{uuid.uuid4().hex[:6]}"
    with Session(engine) as session, session.begin():
        service.create_user(
            session, username=other, password=PASSWORD, role=Role.planner, office_code="P5502"
        )
    rows, _ = make_dirty(rows_in_550101(engine, households=6), np.random.default_rng(5))
    surveyor = accounts["surveyor"].headers
    started = committing_client.post(
        "/api/v1/census/imports",
        headers=surveyor,
        data={"round": "2569"},
        files={"file": ("s.csv", to_csv(rows), "text/csv")},
    )
    assert started.status_code == 202, started.text
    job_url = started.json()["poll"]
    poll(committing_client, job_url, surveyor)
    job_id = job_url.rsplit("/", 1)[1]

    other_headers = _login(committing_client, other)
    # The job, its report and (an all-or-nothing job keeps none) its rejects.
    for suffix, status in (("", 200), ("/report.csv", 200), ("/rejects.csv", 404)):
        refused = committing_client.get(job_url + suffix, headers=other_headers)
        assert refused.status_code == 404, (suffix, refused.text)
        allowed = committing_client.get(job_url + suffix, headers=accounts["planner"].headers)
        assert allowed.status_code == status, (suffix, allowed.text)
    with engine.connect() as connection:
        audited = connection.execute(
            text("SELECT username, resource FROM audit_log WHERE resource LIKE :r ORDER BY id"),
            {"r": f"census import {job_id}%"},
        ).all()
    readers = {username for username, _ in audited}
    assert "matrix-planner" in readers and other not in readers
    assert any(resource.endswith("report.csv") for _, resource in audited)

    # A job of the other office's planner is not the first office's to read.
    own = committing_client.post(
        "/api/v1/census/imports",
        headers=other_headers,
        data={"round": "2569"},
        files={"file": ("o.csv", to_csv(rows), "text/csv")},
    )
    assert own.status_code == 202
    poll(committing_client, own.json()["poll"], other_headers)
    assert (
        committing_client.get(own.json()["poll"], headers=accounts["planner"].headers).status_code
        == 404
    )
    assert (
        committing_client.get(own.json()["poll"], headers=accounts["admin"].headers).status_code
        == 200
    )
