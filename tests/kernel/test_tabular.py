"""Office files as they come: a title row or two above the header, a cover sheet before the
data, a sheet named on the command line, IDs an Excel export turned into scientific notation."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.importer import ALIASES, import_census_file
from kernel.config import get_settings
from kernel.tabular import TableError, open_table
from tests.helpers.payloads import CENSUS_HEADER, person

ROWS = [
    f"{person(8801)},ด.ช.,หัวเรื่อง,ทดสอบแถวชื่อ,ชาย,15/03/2562,1,1,ในเวียง,เมืองน่าน,น่าน",
    f"{person(8802)},ด.ญ.,หัวเรื่อง,ทดสอบแถวชื่อ,หญิง,16/03/2562,1,1,ในเวียง,เมืองน่าน,น่าน",
]
TITLES = ["แบบสำรวจเด็กวัยเรียน ปีการศึกษา 2569,,,", "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต 1"]


def test_a_csv_with_two_title_rows_finds_its_header_and_numbers_rows_as_in_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "titled.csv"
    path.write_text("\n".join([*TITLES, CENSUS_HEADER, *ROWS]) + "\n", encoding="utf-8")
    table = open_table(path, ALIASES)
    assert table.header_row == 3
    rows = list(table.rows)
    assert [number for number, _ in rows] == [4, 5]
    assert rows[0][1]["first_name"] == "หัวเรื่อง"


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_workbook_reads_the_sheet_with_the_columns_after_a_cover_sheet(tmp_path: Path) -> None:
    data = [["รายชื่อเด็ก"], CENSUS_HEADER.split(","), *[r.split(",") for r in ROWS]]
    path = _workbook(
        tmp_path / "office.xlsx",
        {"คำอธิบาย": [["อ่านก่อนกรอก"], ["กรอกในแผ่นที่ 2"]], "ข้อมูล": data, "สรุป": [["รวม", 2]]},
    )
    table = open_table(path, ALIASES)
    assert (table.sheet, table.header_row) == ("ข้อมูล", 2)
    assert [number for number, _ in table.rows] == [3, 4]
    named = open_table(path, ALIASES, sheet="สรุป")
    assert named.sheet == "สรุป" and named.columns == {}
    with pytest.raises(TableError, match="ไม่มีแผ่นงานชื่อ"):
        open_table(path, ALIASES, sheet="ไม่มี")


def test_an_import_of_a_titled_file_stores_it_and_says_where_the_header_was(
    tmp_path: Path, db_session: Session
) -> None:
    path = tmp_path / "titled.csv"
    path.write_text("\n".join([*TITLES, CENSUS_HEADER, *ROWS]) + "\n", encoding="utf-8")
    report = import_census_file(db_session, get_settings(), path, 2569)
    assert report.stored and report.children_new == 2, report.errors
    assert "header found on row 3 (rows above it skipped)" in report.notes
    stored = db_session.execute(
        text("SELECT count(*) FROM child WHERE last_name = 'ทดสอบแถวชื่อ'")
    ).scalar_one()
    assert stored == 2


def test_an_id_in_scientific_notation_is_refused_with_the_reason_and_the_fix(
    tmp_path: Path, db_session: Session
) -> None:
    path = tmp_path / "excel.csv"
    mangled = ROWS[0].replace(person(8801), "1.10501E+12", 1)
    path.write_text("\n".join([CENSUS_HEADER, mangled]) + "\n", encoding="utf-8")
    report = import_census_file(db_session, get_settings(), path, 2569)
    assert not report.stored
    [error] = report.errors
    assert (error.row, error.field) == (2, "national_id")
    assert "เลขยกกำลัง" in error.message and "format the column as text" in error.message
