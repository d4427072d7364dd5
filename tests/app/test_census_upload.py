"""Uploading a census file over HTTP: a job to poll, its per-row report, and its rejects."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from census.synth import make_dirty, synthesize_rows
from kernel.config import get_settings
from tests.conftest import Account


def rows_in_550101(engine: Engine, households: int = 8) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows, houses = [], set()
        for row in synthesize_rows(session, province_code="55", round_year=2569, seed=99,
                                   data_dir=get_settings().data_dir):  # fmt: skip
            if row["ตำบล"] != "ในเวียง":
                continue
            houses.add(row["รหัสบ้าน"])
            if len(houses) > households:
                break
            rows.append(row)
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("cp874")


def poll(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job = client.get(url, headers=headers).json()
        if job["state"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_surveyor_uploads_and_reads_the_report(
    client: TestClient, accounts: dict[str, Account], engine: Engine
) -> None:
    rows, faults = make_dirty(rows_in_550101(engine), np.random.default_rng(3))
    headers = accounts["surveyor"].headers
    started = client.post("/api/v1/census/imports", headers=headers, data={"round": "2569"},
                          files={"file": ("survey.csv", to_csv(rows), "text/csv")})  # fmt: skip
    assert started.status_code == 202
    job = poll(client, started.json()["poll"], headers)
    assert job["state"] == "rejected"
    report = job["report"]
    assert report["rows_read"] == len(rows) and not report["stored"]
    assert sorted((e["row"], e["field"]) for e in report["errors"]) == [
        (f.row, f.field) for f in faults
    ]
    as_csv = client.get(job["report_csv"], headers=headers)
    assert as_csv.status_code == 200 and as_csv.text.startswith("\ufeffแถว,ช่อง,field,ค่าในไฟล์,ปัญหา")
    # Another surveyor's job is not theirs to see; a planner may.
    assert (
        client.get(started.json()["poll"], headers=accounts["planner"].headers).status_code == 200
    )


def test_accept_valid_upload_stores_and_offers_rejects(
    client: TestClient, accounts: dict[str, Account], engine: Engine
) -> None:
    rows, faults = make_dirty(rows_in_550101(engine, 10), np.random.default_rng(4))
    headers = accounts["planner"].headers
    started = client.post("/api/v1/census/imports", headers=headers,
                          data={"round": "2569", "accept_valid": "true"},
                          files={"file": ("survey.csv", to_csv(rows), "text/csv")})  # fmt: skip
    job = poll(client, started.json()["poll"], headers)
    assert job["state"] == "done" and job["report"]["rows_rejected"] == len(faults)
    rejects = client.get(job["rejects_csv"], headers=headers)
    assert rejects.status_code == 200
    assert len(rejects.text.strip().splitlines()) == len(faults) + 1
