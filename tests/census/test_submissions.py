"""REST submissions over real HTTP: idempotent resends, 409 on conflict, 20 concurrent
identical submissions, validation naming fields, scope, PATCH history, reads and audit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.helpers.payloads import household
from tests.helpers.world import Account

ROUND = 2569


def test_submit_then_identical_resend_then_conflict(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    body = household()
    headers = accounts["surveyor"].headers
    first = client.post("/api/v1/census/households", json=body, headers=headers)
    assert first.status_code == 201, first.text
    stored = first.json()
    assert stored["location"]["source"] == "gps"
    assert [c["out_of_school"] for c in stored["children"]] == [True, False]
    assert stored["children"][0]["national_id"] == "x-xxxx-xxxxx-xx-x"
    assert stored["children"][1]["due_prathom1_next_year"] is True
    again = client.post("/api/v1/census/households", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["x-edumap-already-stored"] == "true"
    assert again.json()["children"] == stored["children"]
    changed = body | {"house_number": "999"}
    conflict = client.post("/api/v1/census/households", json=changed, headers=headers)
    assert conflict.status_code == 409 and "different content" in conflict.json()["detail"]


def test_twenty_concurrent_identical_submissions_store_one(
    live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    body = household()
    headers = accounts["surveyor"].headers

    def send(_: int) -> int:
        with httpx2.Client(base_url=live_url, timeout=60) as http:
            return http.post("/api/v1/census/households", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(send, range(20)))
    assert sorted(statuses) == [200] * 19 + [201]
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM household WHERE uuid = :u"), {"u": body["uuid"]}
        ).scalar_one()
        children = conn.execute(
            text(
                "SELECT count(*) FROM child c JOIN household h ON h.id = c.household_id "
                "WHERE h.uuid = :u"
            ),
            {"u": body["uuid"]},
        ).scalar_one()
    assert (stored, children) == (1, 2)


def test_validation_errors_name_each_field(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    body = household()
    body["children"][0] |= {"national_id": "1550100000015", "sex": "?", "birth_date": "31/02/2560"}
    body["children"][1] |= {"birth_date": "2040-01-01"}
    response = client.post(
        "/api/v1/census/households", json=body, headers=accounts["surveyor"].headers
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "children.0.national_id",
        "children.0.sex",
        "children.0.birth_date",
        "children.1.birth_date",
    }
    assert "1550100000015" not in response.text  # the ID is masked even in errors


def test_surveyor_outside_their_area_gets_403(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    body = household(subdistrict_code="550501")  # Pua: never assigned to the matrix surveyor
    response = client.post(
        "/api/v1/census/households", json=body, headers=accounts["surveyor"].headers
    )
    assert response.status_code == 403 and "outside the areas assigned" in response.json()["detail"]


def test_closed_round_refuses_submissions(client: TestClient, accounts: dict[str, Account]) -> None:
    admin = accounts["admin"].headers
    assert (
        client.patch(
            f"/api/v1/census/rounds/{ROUND}", json={"state": "closed"}, headers=admin
        ).status_code
        == 200
    )
    try:
        closed = client.post(
            "/api/v1/census/households", json=household(), headers=accounts["surveyor"].headers
        )
        assert closed.status_code == 409
    finally:
        client.patch(f"/api/v1/census/rounds/{ROUND}", json={"state": "open"}, headers=admin)


def test_patch_keeps_history(client: TestClient, accounts: dict[str, Account]) -> None:
    created = client.post(
        "/api/v1/census/households", json=household(), headers=accounts["surveyor"].headers
    ).json()
    child_id = created["children"][0]["id"]
    school = client.get("/api/v1/schools", params={"subdistrict": "550101", "limit": 1}).json()
    code = school["features"][0]["properties"]["code"]
    patched = client.patch(
        f"/api/v1/census/children/{child_id}",
        json={"enrolment_status": "enrolled", "school_code": code, "grade": "P4"},
        headers=accounts["planner"].headers,
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["out_of_school"] is False and body["school_code"] == code
    changes = {(h["field"], h["old"], h["new"], h["by"]) for h in body["history"]}
    assert ("enrolment_status", "not_enrolled", "enrolled", "matrix-planner") in changes
    assert ("not_enrolled_reason", "ย้ายตามผู้ปกครอง", None, "matrix-planner") in changes
    no_school = client.patch(
        f"/api/v1/census/children/{child_id}",
        json={"enrolment_status": "enrolled", "school_code": "0000000000"},
        headers=accounts["planner"].headers,
    )
    assert no_school.status_code == 422 and no_school.json()["errors"][0]["field"] == "school_code"


def test_named_reads_are_scoped_and_audited(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    client.post("/api/v1/census/households", json=household(), headers=accounts["surveyor"].headers)
    params = {"round": ROUND, "subdistrict": "550101", "limit": 1000}
    mine = client.get(
        "/api/v1/census/households", params=params, headers=accounts["surveyor"].headers
    ).json()["households"]
    assert mine and all(h["source"] == "rest" for h in mine)  # only what they submitted
    everyone = client.get(
        "/api/v1/census/households", params=params, headers=accounts["planner"].headers
    ).json()["households"]
    assert len(everyone) > len(mine)  # the imported census too
    out = client.get(
        "/api/v1/census/households",
        params=params | {"flag": "out_of_school"},
        headers=accounts["planner"].headers,
    ).json()["households"]
    assert out and all(any(c["out_of_school"] for c in h["children"]) for h in out)
    log = client.get("/api/v1/admin/audit-log", headers=accounts["admin"].headers).json()
    reads = [e for e in log if e["resource"] == f"census {ROUND} households"]
    assert {e["username"] for e in reads} >= {"matrix-surveyor", "matrix-planner"}
    assert any(e["record_count"] == sum(len(h["children"]) for h in everyone) for e in reads)
    assert (
        client.get(
            "/api/v1/census/households", params=params, headers=accounts["school"].headers
        ).status_code
        == 403
    )


def test_summary_is_aggregate_and_suppresses_small_counts(
    client: TestClient, db_session: Session
) -> None:
    response = client.get(f"/api/v1/census/rounds/{ROUND}/summary", params={"province": "55"})
    assert response.status_code == 200
    rows = response.json()["subdistricts"]
    assert len(rows) == 99
    values = [v for r in rows for k, v in r.items() if k not in ("subdistrict_code", "name_th")]
    assert all(v == "<5" or v == 0 or (isinstance(v, int) and v >= 5) for v in values)
    assert any(v == "<5" for v in values)
    some_ids = (
        db_session.execute(
            text("SELECT national_id_hash FROM child WHERE national_id_hash IS NOT NULL LIMIT 50")
        )
        .scalars()
        .all()
    )
    assert not any(h in response.text for h in some_ids)
    assert "national_id" not in response.text and "first_name" not in response.text


def test_conflicts_list_the_same_id_in_two_households(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    first = household()
    second = household(house_number="77/7")
    second["children"] = [dict(first["children"][0])]
    second["children"][0]["first_name"] = "ซ้ำบ้าน"
    headers = accounts["surveyor"].headers
    assert client.post("/api/v1/census/households", json=first, headers=headers).status_code == 201
    assert client.post("/api/v1/census/households", json=second, headers=headers).status_code == 201
    found = client.get(
        f"/api/v1/census/rounds/{ROUND}/conflicts", headers=accounts["planner"].headers
    ).json()
    groups = [
        g
        for g in found["same_national_id"]
        if set(g["households"]) == {first["uuid"], second["uuid"]}
    ]
    assert len(groups) == 1 and len(groups[0]["child_ids"]) == 2
