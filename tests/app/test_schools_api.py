"""School registry over HTTP: listing with filters, detail arithmetic, CRUD round trips."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi.testclient import TestClient

from shapely.geometry import box, shape

from tests.helpers.world import MATRIX_SCHOOL, Account

PLACE_IN_550101 = {"subdistrict_code": "550101", "lon": 100.7745, "lat": 18.7836}


def new_code() -> str:
    return f"98{uuid.uuid4().int % 10**8:08d}"


def test_list_filters(client: TestClient) -> None:
    nan = client.get("/api/v1/schools", params={"province": "55", "limit": 5000}).json()
    assert nan["numberMatched"] >= 398
    first = nan["features"][0]["properties"]
    assert {"code", "name_th", "location_source", "grades", "utilisation"} <= set(first)
    district = client.get("/api/v1/schools", params={"district": "5501", "limit": 5000}).json()
    assert 0 < district["numberMatched"] < nan["numberMatched"]
    assert all(f["properties"]["subdistrict_code"].startswith("5501") for f in district["features"])
    secondary = client.get(
        "/api/v1/schools", params={"province": "55", "level": "upper_secondary", "limit": 5000}
    ).json()
    assert secondary["numberMatched"] > 0
    assert all(set(f["properties"]["grades"]) & {"M4", "M5", "M6"} for f in secondary["features"])
    office = client.get("/api/v1/schools", params={"esao": "P5502", "limit": 5000}).json()
    assert office["numberMatched"] > 0
    assert all(
        f["properties"]["subdistrict_code"][:4]
        in {"5505", "5506", "5508", "5509", "5512", "5513", "5515"}
        for f in office["features"]
    )
    area = (100.70, 18.70, 100.85, 18.85)
    boxed = client.get(
        "/api/v1/schools", params={"bbox": ",".join(map(str, area)), "limit": 5000}
    ).json()
    assert boxed["numberMatched"] > 0
    assert all(box(*area).covers(shape(f["geometry"])) for f in boxed["features"])
    page = client.get("/api/v1/schools", params={"province": "55", "limit": 10, "offset": 10})
    assert page.json()["numberReturned"] == 10


def test_detail_arithmetic_is_consistent(client: TestClient) -> None:
    detail = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()
    enrolment = detail["enrolment"]
    rows = enrolment["by_grade"]
    assert detail["academic_year"] == 2569 and detail["synthetic_records"] is True
    assert enrolment["total"] == sum(r["enrolled"] for r in rows)
    assert enrolment["capacity"] == sum(r["capacity"] for r in rows)
    for row in rows:
        norm = 30 if row["grade"].startswith("K") else 40
        assert row["capacity"] == row["classrooms"] * norm
        assert row["spare_seats"] == row["capacity"] - row["enrolled"]
    assert enrolment["utilisation"] == round(enrolment["total"] / enrolment["capacity"], 3)
    ict = detail["ict"]
    assert ict["devices"] == ict["working"] + ict["broken"]
    assert ict["devices_per_pupil"] == round(
        ict["learning_devices_working"] / enrolment["total"], 3
    )
    assert ict["internet_mbps"] > 0
    assert detail["assets"]["buildings"]


def test_create_update_and_records_round_trip(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    admin = accounts["admin"].headers
    code = new_code()
    created = client.post(
        "/api/v1/schools",
        headers=admin,
        json={
            "code": code,
            "name_th": "โรงเรียนบ้านทดลอง",
            "grades": ["P3", "P1", "P2"],
            **PLACE_IN_550101,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["grades"] == ["P1", "P2", "P3"]
    assert body["location"]["source"] == "surveyed" and body["office_code"] == "P5501"
    assert (
        client.post(
            "/api/v1/schools",
            headers=admin,
            json={
                "code": code,
                "name_th": "ซ้ำ",
                "grades": ["P1"],
                **PLACE_IN_550101,
            },
        ).status_code
        == 409
    )

    renamed = client.patch(
        f"/api/v1/schools/{code}", headers=admin, json={"name_th": "โรงเรียนบ้านทดลองใหม่"}
    )
    assert renamed.json()["name_th"] == "โรงเรียนบ้านทดลองใหม่"
    # Its founding year and whom to call (the list of schools missing a data round shows them).
    profile = {"founded_year": 2531, "phone": " 054-710-001 ", "email": "school@example.ac.th"}
    profiled = client.patch(f"/api/v1/schools/{code}", headers=admin, json=profile)
    assert profiled.status_code == 200, profiled.text
    assert [profiled.json()[k] for k in (*profile, "profile_synthetic")] == [
        2531,
        "054-710-001",
        "school@example.ac.th",
        False,
    ]
    assert (
        client.patch(
            f"/api/v1/schools/{code}", headers=admin, json={"founded_year": 2300}
        ).status_code
        == 422
    )

    year = client.put(
        f"/api/v1/schools/{code}/years/2569",
        headers=admin,
        json={
            "grades": [
                {"grade": "P1", "enrolled_male": 20, "enrolled_female": 25, "classrooms": 1},
                {"grade": "P2", "enrolled_male": 10, "enrolled_female": 12, "classrooms": 1},
            ]
        },
    )
    assert year.status_code == 200
    detail = client.get(f"/api/v1/schools/{code}").json()
    p1 = next(r for r in detail["enrolment"]["by_grade"] if r["grade"] == "P1")
    assert (p1["enrolled"], p1["capacity"], p1["spare_seats"]) == (45, 40, -5)
    assert detail["enrolment"]["utilisation"] == round(67 / 80, 3)
    assert detail["synthetic_records"] is False

    device = client.post(
        f"/api/v1/schools/{code}/devices",
        headers=admin,
        json={
            "kind": "computer",
            "purpose": "learning",
            "count": 10,
            "working": 8,
            "year_acquired": 2566,
        },
    )
    assert device.status_code == 201
    repair = client.post(
        f"/api/v1/schools/{code}/devices/{device.json()['id']}/maintenance",
        headers=admin,
        json={"date": "2026-06-01", "problem": "จอเสีย", "action": "เปลี่ยนจอ", "cost_baht": 2500},
    )
    assert repair.status_code == 201 and repair.json()["cost_baht"] == 2500
    building = client.post(
        f"/api/v1/schools/{code}/buildings",
        headers=admin,
        json={
            "kind": "อาคารเรียน",
            "design_name": "แบบ สปช.105/29",
            "year_built": 2530,
            "floors": 2,
            "rooms": 6,
            "condition": 2,
        },
    )
    assert building.status_code == 201
    detail = client.get(f"/api/v1/schools/{code}").json()
    assert detail["ict"]["broken"] == 2
    assert detail["ict"]["devices_per_pupil"] == round(8 / 67, 3)
    assert detail["assets"]["building_condition_mean"] == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lon": 100.2, "lat": 13.7}, "location", "km outside tambon 550101"),
        ({"lon": 120.0, "lat": 30.0}, "location", "outside Thailand"),
        ({"lon": 100.77}, "location", "give both lon and lat"),
        ({"grades": ["P1", "X9"]}, "body.grades.1", "Input should be"),
        ({"colour": "red"}, "body.colour", "Extra inputs"),
    ],
)
def test_bad_edits_are_422_naming_the_field(
    client: TestClient,
    accounts: dict[str, Account],
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    code = new_code()
    client.post(
        "/api/v1/schools",
        headers=accounts["admin"].headers,
        json={"code": code, "name_th": "โรงเรียนทดสอบ", "grades": ["P1"], **PLACE_IN_550101},
    )
    response = client.patch(
        f"/api/v1/schools/{code}", headers=accounts["admin"].headers, json=change
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"] == field and message in e["message"] for e in errors), errors


def test_year_validation_names_fields(client: TestClient, accounts: dict[str, Account]) -> None:
    url = f"/api/v1/schools/{MATRIX_SCHOOL}/years/2568"
    negative = client.put(
        url,
        headers=accounts["admin"].headers,
        json={
            "grades": [{"grade": "P1", "enrolled_male": -1, "enrolled_female": 0, "classrooms": 1}]
        },
    )
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "body.grades.0.enrolled_male"
    not_taught = client.put(
        url,
        headers=accounts["admin"].headers,
        json={
            "grades": [{"grade": "M5", "enrolled_male": 1, "enrolled_female": 0, "classrooms": 1}]
        },
    )
    assert not_taught.status_code == 422
    assert not_taught.json()["errors"][0]["field"] == "grades.0.grade"


def test_roles_edit_only_their_own_schools(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    other_district = client.get("/api/v1/schools", params={"district": "5505", "limit": 1}).json()
    code = other_district["features"][0]["properties"]["code"]
    change = {"affiliation": "obec_primary"}
    # Pua (5505) belongs to office P5502: the P5501 planner and a school account may not.
    assert (
        client.patch(
            f"/api/v1/schools/{code}", headers=accounts["planner"].headers, json=change
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/schools/{code}", headers=accounts["school"].headers, json=change
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/schools/{code}", headers=accounts["admin"].headers, json=change
        ).status_code
        == 200
    )


def test_records_upload_reports_per_row(client: TestClient, accounts: dict[str, Account]) -> None:
    good = f"รหัสโรงเรียน,ปีการศึกษา,ชั้น,ชาย,หญิง,ห้องเรียน\n{MATRIX_SCHOOL},2565,ป.1,9,9,1\n"
    response = client.post(
        "/api/v1/schools/imports",
        headers=accounts["planner"].headers,
        files={"file": ("records.csv", io.BytesIO(good.encode("cp874")), "text/csv")},
    )
    assert response.status_code == 200 and response.json()["counts"]["stored"] == 1
    bad = good.replace(",9,9,1", ",9,x,1")
    refused = client.post(
        "/api/v1/schools/imports",
        headers=accounts["planner"].headers,
        files={"file": ("records.csv", io.BytesIO(bad.encode()), "text/csv")},
    )
    assert refused.status_code == 422
    assert "row 2, field female" in refused.json()["detail"]
