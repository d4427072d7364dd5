"""Every 5xx the fuzzer and the hostile files found is now a 4xx with a clear message: unknown
areas, huge numbers, NUL characters, unknown codes, nulls, unreadable import files, a million
columns; the demo's admin password file is per database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, update
from sqlalchemy.orm import Session

from app.cli.demo import admin_password_file, create_first_admin
from census.importer import import_census_file
from kernel.accounts import UserAccount
from kernel.config import Settings, get_settings
from kernel.principal import Role
from tests.helpers.payloads import household
from tests.helpers.world import MATRIX_SCHOOL, Account


@pytest.mark.parametrize("area", [{"district": "9999"}, {"province": "99"}, {"esao": "NOPE"}])
def test_a_map_of_an_unknown_area_is_404_naming_it(
    client: TestClient, area: dict[str, str]
) -> None:
    response = client.get("/maps/coverage", params=area | {"round": "2569"})
    assert response.status_code == 404, response.text
    assert next(iter(area.values())) in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/api/v1/schools", {"offset": str(2**63)}),
        ("GET", "/api/v1/subdistricts", {"province": "55", "offset": str(2**63 + 5)}),
        ("GET", "/api/v1/census/households", {"round": "2569", "offset": str(2**64)}),
        ("PATCH", "/api/v1/census/children/2147483648", {}),
        ("POST", f"/api/v1/schools/{MATRIX_SCHOOL}/devices/2147483648/maintenance", {}),
        ("DELETE", "/api/v1/auth/api-keys/9223372036854775808", {}),
    ],
)
def test_numbers_past_the_databases_range_are_422(
    client: TestClient,
    accounts: dict[str, Account],
    method: str,
    path: str,
    params: dict[str, str],
) -> None:
    response = client.request(
        method,
        path,
        params=params,
        headers=accounts["admin"].headers,
        json={} if method != "GET" else None,
    )
    assert response.status_code == 422, response.text


def test_nul_characters_are_refused_naming_the_field(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    token = client.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "x"})
    assert token.status_code == 422 and token.json()["errors"][0]["field"] == "body.username"
    body = household()
    body["children"][0]["first_name"] = "สม\x00ชาย"
    submitted = client.post(
        "/api/v1/census/households", json=body, headers=accounts["surveyor"].headers
    )
    assert submitted.status_code == 422
    assert submitted.json()["errors"][0]["field"] == "body.children.0.first_name"
    query = client.get("/api/v1/schools", params={"q": "a\x00"})
    assert query.status_code == 422 and query.json()["errors"][0]["field"] == "query.q"
    assert client.get("/api/v1/schools/99%0055").status_code == 422


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/census/rounds", {"academic_year": 2601, "province_code": "99"}, "province_code"),
        (
            "/api/v1/admin/users",
            {
                "username": "fk-user",
                "password": "a-long-password",
                "role": "planner",
                "office_code": "NOPE",
            },
            "office_code",
        ),
        (
            "/api/v1/admin/users",
            {
                "username": "fk-school",
                "password": "a-long-password",
                "role": "school",
                "school_code": "1234567890",
            },
            "school_code",
        ),
        (
            "/api/v1/schools",
            {
                "code": "9812345678",
                "name_th": "โรงเรียนรหัสเขตผิด",
                "grades": ["P1"],
                "subdistrict_code": "550101",
                "office_code": "NOPE",
                "lon": 100.7745,
                "lat": 18.7836,
            },
            "office_code",
        ),
    ],
)
def test_unknown_codes_are_422_naming_the_field(
    client: TestClient,
    accounts: dict[str, Account],
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.post(path, json=body, headers=accounts["admin"].headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_patching_a_required_school_field_to_null_is_422(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    for field in ("name_th", "grades", "subdistrict_code", "lon"):
        response = client.patch(
            f"/api/v1/schools/{MATRIX_SCHOOL}",
            json={field: None},
            headers=accounts["admin"].headers,
        )
        assert response.status_code == 422, (field, response.text)
        assert field in response.json()["detail"]


HEADER = "เลขประจำตัวประชาชน,ชื่อ,นามสกุล,เพศ,วันเกิด,บ้านเลขที่,หมู่,ตำบล,อำเภอ,จังหวัด\n"
ROW = "1550100000014,{name},ทดสอบ,ชาย,15/03/2562,1,1,ในเวียง,เมืองน่าน,น่าน\n"
UNREADABLE = {
    "a 200 KB cell": (HEADER + ROW.format(name="ก" * 200_000)).encode(),
    # an English header, then bytes no Thai encoding defines (0xDB-0xDE, 0xFC-0xFF in cp874)
    "bytes neither UTF-8 nor cp874": b"national_id,first_name,last_name,sex,birth_date,"
    b"house_number,moo,subdistrict_code\n1550100000014,\xdb\xdc,x,M,2019-03-15,1,1,550101\n",
    "a NUL in a name": (HEADER + ROW.format(name="ก\x00ข")).encode(),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_census_files_name_the_row_in_thai(
    case: str, tmp_path: Path, db_session: Session
) -> None:
    path = tmp_path / "census.csv"
    path.write_bytes(UNREADABLE[case])
    report = import_census_file(db_session, get_settings(), path, 2569)
    assert not report.stored
    [error] = report.errors
    assert error.row == 2 and "แถว 2" in error.message, error


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_school_records_are_422_naming_the_row(
    case: str, client: TestClient, accounts: dict[str, Account]
) -> None:
    header = "รหัสโรงเรียน,ปีการศึกษา,ชั้น,ชาย,หญิง,ห้องเรียน,หมายเหตุ\n"
    note = {"a 200 KB cell": "ก" * 200_000, "a NUL in a name": "ก\x00ข"}.get(case, "x")
    content = (header + f"{MATRIX_SCHOOL},2569,P1,10,10,1,{note}\n").encode()
    if case == "bytes neither UTF-8 nor cp874":
        content = header.encode() + f"{MATRIX_SCHOOL},2569,P1,10,10,1,".encode() + b"\xdb\xdc\n"
    response = client.post(
        "/api/v1/schools/imports",
        headers=accounts["admin"].headers,
        files={"file": ("records.csv", content, "text/csv")},
    )
    assert response.status_code == 422, response.text
    assert "แถว 2" in response.json()["detail"]


def test_a_million_columns_is_refused_and_notes_stay_short(
    tmp_path: Path, db_session: Session
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n", encoding="utf-8")
    report = import_census_file(db_session, get_settings(), path, 2569)
    assert not report.stored and "1,000,000" in report.errors[0].message
    assert len(str(report.as_dict())) < 2_000
    extra = ",".join(f"extra{i}" for i in range(300))
    path.write_text(
        HEADER.strip() + "," + extra + "\n" + ROW.format(name="กว้าง").strip() + "," * 300 + "\n",
        encoding="utf-8",
    )
    wide = import_census_file(db_session, get_settings(), path, 2569)
    [note] = wide.notes
    assert note.endswith("and 280 more") and len(note) < 400


def test_the_demo_keeps_one_admin_password_file_per_database(
    tmp_path: Path, db_session: Session, database_url: str
) -> None:
    local = Settings(var_dir=tmp_path)
    other = Settings(var_dir=tmp_path, database_url=database_url)
    assert admin_password_file(local) == tmp_path / "admin-password"
    url = make_url(database_url)
    assert admin_password_file(other).name == f"admin-password.{url.host}-{url.port}-{url.database}"
    main_file = admin_password_file(local)
    main_file.write_text("the main database's password\n")
    # A database with no administrator yet (the change is rolled back after the test).
    db_session.execute(
        update(UserAccount).where(UserAccount.role == Role.admin).values(role=Role.surveyor)
    )
    written = create_first_admin(db_session, other)
    assert written == admin_password_file(other) and written.stat().st_mode & 0o077 == 0
    assert main_file.read_text() == "the main database's password\n"
    assert create_first_admin(db_session, other) is None  # once per database
