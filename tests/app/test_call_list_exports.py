"""The call list (พฐ.03) as PDF and XLSX: exactly the children the stored coverage lists, by
village; only for roles allowed personal data; every export in the audit log."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers.pdf_text import pdf_text, squash, words_past_the_right_margin
from tests.helpers.world import MATRIX_SCHOOL, Account

ROUND = {"round": "2569"}
BASE = f"/api/v1/schools/{MATRIX_SCHOOL}/call-list"


def _due_children(db_session: Session) -> list[tuple[str, str]]:
    """The coverage query: children due for Prathom 1 next year in the school's primary area."""
    rows = db_session.execute(
        text(
            """
            SELECT ch.first_name, ch.last_name
            FROM child_coverage c JOIN child ch ON ch.id = c.child_id
            WHERE c.round_year = 2569 AND c.due_prathom1_next_year
              AND (SELECT id FROM school WHERE code = :code) = ANY(c.primary_area_school_ids)
            """
        ),
        {"code": MATRIX_SCHOOL},
    ).all()
    return sorted((first, last) for first, last in rows)


def test_pdf_lists_exactly_the_due_children(
    client: TestClient, accounts: dict[str, Account], db_session: Session, tmp_path: Path
) -> None:
    due = _due_children(db_session)
    assert len(due) > 20
    response = client.get(f"{BASE}.pdf", params=ROUND, headers=accounts["school"].headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    path = tmp_path / "call.pdf"
    path.write_bytes(response.content)
    extracted = squash(pdf_text(path))
    assert squash("บัญชีรายชื่อเด็กที่มีอายุถึงเกณฑ์เข้าเรียน ป.1 ปีการศึกษา 2570") in extracted
    assert squash(f"รวม {len(due)} คน") in extracted
    for first, last in due:
        assert squash(f"{first} {last}") in extracted, (first, last)
    # Every column inside the page's text area (A4, 14 mm margins), the last one too.
    assert words_past_the_right_margin(path, margin_mm=14) == []
    listed = client.get(BASE, params=ROUND, headers=accounts["school"].headers).json()
    for village in listed["villages"]:
        assert squash(f"ต.{village['subdistrict_name']} ({len(village['children'])} คน)") in (
            extracted
        )


def test_xlsx_has_a_row_per_due_child(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    response = client.get(f"{BASE}.xlsx", params=ROUND, headers=accounts["planner"].headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["พฐ.03"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("หมู่บ้าน", "ลำดับ", "ชื่อ - สกุล")
    names = sorted(tuple(str(row[2]).split(" ")[-2:]) for row in rows)
    assert names == _due_children(db_session)
    assert all(isinstance(row[1], int) for row in rows)


def test_roles_without_personal_data_get_403_and_no_file(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    for suffix in (".pdf", ".xlsx"):
        for role, status in (("surveyor", 403), ("anonymous", 401)):
            headers = accounts[role].headers if role in accounts else {}
            response = client.get(f"{BASE}{suffix}", params=ROUND, headers=headers)
            assert response.status_code == status
            assert response.headers["content-type"] == "application/problem+json"
            assert not response.content.startswith(b"%PDF")
            assert "content-disposition" not in response.headers
    # A school account sees its own list only.
    other = client.get(
        "/api/v1/schools/9955010002/call-list.pdf", params=ROUND, headers=accounts["school"].headers
    )
    assert other.status_code == 403


def test_each_export_is_audited(client: TestClient, accounts: dict[str, Account]) -> None:
    admin = accounts["admin"].headers
    for suffix in (".pdf", ".xlsx"):
        assert client.get(f"{BASE}{suffix}", params=ROUND, headers=admin).status_code == 200
    log = client.get("/api/v1/admin/audit-log", headers=admin).json()
    for suffix in (".pdf", ".xlsx"):
        entry = next(e for e in log if e["resource"] == f"call-list{suffix} {MATRIX_SCHOOL}")
        assert entry["action"] == "export" and entry["record_count"] > 20
        assert entry["username"] == accounts["admin"].username
