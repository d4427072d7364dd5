"""Uploading a census file over HTTP: a job to poll, its per-row report, and its rejects."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from census.synth import make_dirty
from tests.helpers.payloads import poll, rows_in_550101, to_csv
from tests.helpers.world import Account


def test_surveyor_uploads_and_reads_the_report(
    committing_client: TestClient, accounts: dict[str, Account], engine: Engine
) -> None:
    rows, faults = make_dirty(rows_in_550101(engine), np.random.default_rng(3))
    headers = accounts["surveyor"].headers
    started = committing_client.post(
        "/api/v1/census/imports",
        headers=headers,
        data={"round": "2569"},
        files={"file": ("survey.csv", to_csv(rows), "text/csv")},
    )
    assert started.status_code == 202
    job = poll(committing_client, started.json()["poll"], headers)
    assert job["state"] == "rejected"
    report = job["report"]
    assert report["rows_read"] == len(rows) and not report["stored"]
    assert sorted((e["row"], e["field"]) for e in report["errors"]) == [
        (f.row, f.field) for f in faults
    ]
    as_csv = committing_client.get(job["report_csv"], headers=headers)
    assert as_csv.status_code == 200 and as_csv.text.startswith("\ufeffแถว,ช่อง,field,ค่าในไฟล์,ปัญหา")
    # Another surveyor's job is not theirs to see; a planner may.
    assert (
        committing_client.get(
            started.json()["poll"], headers=accounts["planner"].headers
        ).status_code
        == 200
    )


def test_accept_valid_upload_stores_and_offers_rejects(
    committing_client: TestClient, accounts: dict[str, Account], engine: Engine
) -> None:
    rows, faults = make_dirty(rows_in_550101(engine, 10), np.random.default_rng(4))
    headers = accounts["planner"].headers
    started = committing_client.post(
        "/api/v1/census/imports",
        headers=headers,
        data={"round": "2569", "accept_valid": "true"},
        files={"file": ("survey.csv", to_csv(rows), "text/csv")},
    )
    job = poll(committing_client, started.json()["poll"], headers)
    assert job["state"] == "done" and job["report"]["rows_rejected"] == len(faults)
    rejects = committing_client.get(job["rejects_csv"], headers=headers)
    assert rejects.status_code == 200
    assert len(rejects.text.strip().splitlines()) == len(faults) + 1
