"""The coverage report: XLSX totals equal the coverage API, CSV opens in Excel, HTML in Thai."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook

PARAMS = {"round": "2569", "esao": "P5501"}


def test_xlsx_totals_equal_the_coverage_api(client: TestClient) -> None:
    response = client.get("/api/v1/reports/coverage", params=PARAMS | {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["สรุป", "อำเภอ", "ตำบล", "โรงเรียน", "เด็กนอกระบบ"]
    tambons = list(book["ตำบล"].iter_rows(values_only=True))
    header, rows = tambons[0], tambons[1:]
    assert header[:3] == ("รหัสตำบล", "ตำบล", "เด็กวัยเรียนภาคบังคับ")
    api = client.get("/api/v1/coverage/subdistricts", params={"round": "2569", "esao": "P5501"})
    by_code = {f["id"]: f["properties"] for f in api.json()["features"]}
    assert {r[0] for r in rows} == set(by_code)
    for row in rows:
        assert row[2] == by_code[row[0]]["compulsory_age"]  # numbers stay numbers
        assert row[4] == by_code[row[0]]["out_of_school"]
    districts = list(book["อำเภอ"].iter_rows(values_only=True))[1:]
    assert len(districts) == 8


def test_csv_has_a_bom_and_html_is_thai(client: TestClient) -> None:
    csv_response = client.get("/api/v1/reports/coverage", params=PARAMS | {"format": "csv"})
    assert csv_response.content.startswith("\ufeff".encode())
    assert "รหัสตำบล" in csv_response.content.decode("utf-8-sig").splitlines()[0]
    html = client.get("/api/v1/reports/coverage", params=PARAMS).text
    assert "รายงานการจัดการศึกษาภาคบังคับ ปีการศึกษา 2569" in html and "จัดทำเมื่อ" in html
    pdf = client.get("/api/v1/reports/coverage", params=PARAMS | {"format": "pdf"})
    assert pdf.status_code == 422 and "not available yet" in pdf.json()["detail"]


def test_command_line_writes_the_file(tmp_path: Path, database_url: str) -> None:
    import os

    out = tmp_path / "report.xlsx"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "report",
            "coverage",
            "--esao",
            "P5502",
            "--round",
            "2569",
            "--format",
            "xlsx",
            "-o",
            str(out),
        ],
        env={**os.environ, "EDUMAP_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ตำบล" in load_workbook(out, read_only=True).sheetnames
