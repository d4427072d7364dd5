"""A school's enrolment has one source a year, named wherever it is shown: the schools' own
records once a school-records extract is loaded (the office's import then leaves it alone),
else the office's import, else synthetic figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.registers import Extract, import_register_file
from gis.schools.importer import import_school_records
from kernel.config import get_settings
from tests.helpers.world import MATRIX_SCHOOL

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
ROUND = 2569


def _grades(session: Session) -> dict[str, tuple[int, int, int, str, str | None]]:
    rows = session.execute(
        text(
            "SELECT g.grade, g.enrolled_male, g.enrolled_female, g.classrooms, g.source, "
            "g.source_detail FROM school_grade_year g JOIN school s ON s.id = g.school_id "
            "WHERE s.code = :c AND g.academic_year = :y"
        ),
        {"c": MATRIX_SCHOOL, "y": ROUND},
    ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_the_school_records_become_the_school_s_enrolment_and_say_so(
    tmp_path: Path, db_session: Session, client: TestClient
) -> None:
    before = _grades(db_session)
    assert before and {row[3] for row in before.values()} == {"synthetic"}
    counted = Extract(ROUND, "school", "obec", dt.date(2026, 6, 10))
    report = import_register_file(
        db_session,
        get_settings(),
        SAMPLES / "school_records_sample.csv",
        counted,
        set_enrolment=True,
    )
    assert report.stored and any("enrolment of 1 school" in n for n in report.notes)
    # The sample's two pupils of the school: a boy in Prathom 1, a girl in Prathom 2 (room 2).
    assert _grades(db_session) == {
        "P1": (1, 0, 1, "school_records", "school_records_sample.csv"),
        "P2": (0, 1, 1, "school_records", "school_records_sample.csv"),
    }
    shown = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()
    source = shown["enrolment_source"]
    assert source["source"] == "school_records" and source["counted_on"] == "2026-06-10"
    page = client.get(f"/schools/{MATRIX_SCHOOL}").text
    assert "ที่มาของจำนวนนักเรียน: ข้อมูลนักเรียนรายบุคคลของสถานศึกษา (DMC)" in page
    assert "10 มิ.ย. 2569" in page

    # The office's import of the same year leaves the records' figures as they are.
    office = tmp_path / "office.csv"
    office.write_text(
        f"รหัสโรงเรียน,ปีการศึกษา,ชั้น,ชาย,หญิง,ห้องเรียน\n{MATRIX_SCHOOL},2569,ป.1,20,20,1\n",
        encoding="utf-8",
    )
    loaded = import_school_records(db_session, office)
    assert loaded.counts["stored"] == 0 and any("kept" in n for n in loaded.notes)
    assert _grades(db_session)["P1"][:3] == (1, 0, 1)


def test_without_records_the_office_s_import_is_the_source_and_says_so(
    tmp_path: Path, db_session: Session, client: TestClient
) -> None:
    office = tmp_path / "office.csv"
    office.write_text(
        f"รหัสโรงเรียน,ปีการศึกษา,ชั้น,ชาย,หญิง,ห้องเรียน\n{MATRIX_SCHOOL},2569,ป.1,20,19,1\n",
        encoding="utf-8",
    )
    assert import_school_records(db_session, office).counts["stored"] == 1
    # The office's figures replace the synthetic ones of the school and year wholesale.
    assert _grades(db_session) == {"P1": (20, 19, 1, "office_import", "office.csv")}
    source = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()["enrolment_source"]
    assert source["source"] == "office_import"
