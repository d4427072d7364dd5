"""Loading the school list and office records: idempotent, all-or-nothing, any encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.datasets import BundledData
from gis.loading import LoadError
from gis.schools.importer import import_school_records, load_school_list
from tests.helpers.world import MATRIX_SCHOOL

THAI_HEADER = "รหัสโรงเรียน,ปีการศึกษา,ชั้น,ชาย,หญิง,ห้องเรียน"


def test_reloading_the_list_keeps_codes_and_surveyed_locations(
    db_session: Session, data: BundledData
) -> None:
    path = data.school_list("55")
    assert path is not None
    db_session.execute(
        text(
            "UPDATE school SET location = ST_SetSRID(ST_MakePoint(100.7751, 18.7839), 4326), "
            "location_source = 'surveyed', location_accuracy_m = 5 WHERE code = :c"
        ),
        {"c": MATRIX_SCHOOL},
    )
    before = db_session.execute(text("SELECT count(*), min(code), max(code) FROM school")).one()
    report = load_school_list(db_session, path, "55")
    assert report.counts["loaded"] == 398 and report.counts["inserted"] == 0
    after = db_session.execute(text("SELECT count(*), min(code), max(code) FROM school")).one()
    assert before == after
    kept = db_session.execute(
        text("SELECT location_source, ST_X(location) FROM school WHERE code = :c"),
        {"c": MATRIX_SCHOOL},
    ).one()
    assert kept == ("surveyed", 100.7751)


def write_records(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([THAI_HEADER, *lines]) + "\n", encoding=encoding)
    return path


def grade_row(session: Session, grade: str, year: int) -> tuple[int, int, int] | None:
    row = session.execute(
        text(
            "SELECT enrolled_male, enrolled_female, classrooms FROM school_grade_year gy "
            "JOIN school s ON s.id = gy.school_id WHERE s.code = :c AND grade = :g "
            "AND academic_year = :y"
        ),
        {"c": MATRIX_SCHOOL, "g": grade, "y": year},
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_records_import_in_each_encoding(
    tmp_path: Path, db_session: Session, encoding: str
) -> None:
    path = write_records(
        tmp_path / "records.csv",
        [f"{MATRIX_SCHOOL},2567,ป.1,12,10,1", f"{MATRIX_SCHOOL},2024,อ.2,7,8,1"],
        encoding,
    )
    report = import_school_records(db_session, path)
    assert report.counts == {"rows": 2, "stored": 2}
    assert grade_row(db_session, "P1", 2567) == (12, 10, 1)
    assert grade_row(db_session, "K2", 2567) == (7, 8, 1)  # C.E. 2024 kept as B.E. 2567
    again = import_school_records(db_session, path)
    assert again.counts["stored"] == 2
    count = db_session.execute(
        text("SELECT count(*) FROM school_grade_year WHERE academic_year = 2567 AND NOT synthetic")
    ).scalar_one()
    assert count == 2


def test_bad_rows_are_each_named_and_nothing_is_stored(tmp_path: Path, db_session: Session) -> None:
    path = write_records(
        tmp_path / "bad.csv",
        [
            f"{MATRIX_SCHOOL},2567,ป.2,11,9,1",  # fine, but must not be stored
            "1234567890,2567,ป.1,1,1,1",
            f"{MATRIX_SCHOOL},2567,ม.1,5,5,1",  # not taught there
            f"{MATRIX_SCHOOL},2567,ป.3,-4,5,1",
            f"{MATRIX_SCHOOL},25x7,ป.4,4,5,1",
            f"{MATRIX_SCHOOL},2567,ป.9,4,5,1",
        ],
    )
    with pytest.raises(LoadError) as caught:
        with db_session.begin_nested():
            import_school_records(db_session, path)
    message = str(caught.value)
    assert "5 bad row(s), nothing stored" in message
    for expected in (
        "แถว 3 ช่อง รหัสโรงเรียน (row 3, field school_code): ไม่มีโรงเรียนรหัส '1234567890'",
        f"แถว 4 ช่อง ชั้น (row 4, field grade): โรงเรียนนี้ไม่ได้สอนชั้น M1 "
        f"(school {MATRIX_SCHOOL} does not teach M1)",
        "แถว 5 ช่อง ชาย (row 5, field male): ต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป "
        "(expected a whole number 0 or more, got '-4')",
        "(row 6, field academic_year)",
        "(row 7, field grade): ไม่ใช่ชั้นเรียน ใช้ อ.1-3, ป.1-6, ม.1-6 (not a grade: 'ป.9')",
    ):
        assert expected in message
    assert grade_row(db_session, "P2", 2567) is None


def test_xlsx_with_english_headers(tmp_path: Path, db_session: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["School code", "Academic year", "Grade", "Boys", "Girls", "Rooms", "Note"])
    sheet.append([MATRIX_SCHOOL, 2566, "P5", 14, 13, 1, "checked"])
    path = tmp_path / "records.xlsx"
    book.save(path)
    report = import_school_records(db_session, path)
    assert report.counts == {"rows": 1, "stored": 1}
    assert report.notes == ["columns ignored: Note"]
    assert grade_row(db_session, "P5", 2566) == (14, 13, 1)


def test_missing_columns_are_named(tmp_path: Path, db_session: Session) -> None:
    path = tmp_path / "short.csv"
    path.write_text("รหัสโรงเรียน,ชั้น,ชาย\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"missing column\(s\) academic_year, female, classrooms"):
        import_school_records(db_session, path)
