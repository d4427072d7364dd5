"""Census file imports: encodings, date forms, a dirty file's exact report, all-or-nothing,
re-import, accept-valid with a rejects file, and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.importer import import_census_file, write_rejects
from census.synth import HEADERS_TH, make_dirty, write_rows
from kernel.config import get_settings
from tests.helpers.payloads import CENSUS_HEADER as HEADER
from tests.helpers.payloads import person, synthetic_rows

ROUND = 2569


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding=encoding)
    return path


def counts(session: Session) -> tuple[int, int]:
    row = session.execute(
        text("SELECT (SELECT count(*) FROM household), (SELECT count(*) FROM child)")
    ).one()
    return row[0], row[1]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_each_encoding_imports(tmp_path: Path, db_session: Session, encoding: str) -> None:
    path = write(
        tmp_path / "census.csv",
        [
            f"{person(1)},ด.ช.,สมชาย,ทดสอบ,ชาย,15/03/2562,10,1,ในเวียง,เมืองน่าน,น่าน",
            f"{person(2)},ด.ญ.,สมหญิง,ทดสอบ,ญ,2019-04-01,10,1,ในเวียง,เมืองน่าน,น่าน",
        ],
        encoding,
    )
    before = counts(db_session)
    report = import_census_file(db_session, get_settings(), path, ROUND)
    assert report.stored and report.encoding == encoding
    assert (report.households_new, report.children_new) == (1, 2)
    assert counts(db_session) == (before[0] + 1, before[1] + 2)
    names = db_session.execute(
        text(
            "SELECT first_name, birth_date::text, sex FROM child WHERE last_name = 'ทดสอบ' "
            "AND round_year = :y ORDER BY first_name"
        ),
        {"y": ROUND},
    ).all()
    assert names == [("สมชาย", "2019-03-15", "M"), ("สมหญิง", "2019-04-01", "F")]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("15/03/2562", "2019-03-15"),
        ("2562-03-15", "2019-03-15"),
        ("15 มี.ค. 2562", "2019-03-15"),
        ("15/03/2019", "2019-03-15"),
        ("2019-03-15", "2019-03-15"),
        ("๑๕/๐๓/๒๕๖๒", "2019-03-15"),
    ],
)
def test_each_date_form(tmp_path: Path, db_session: Session, written: str, stored: str) -> None:
    path = write(
        tmp_path / "dates.csv",
        [
            f"{person(3)},ด.ช.,วันที่,ทดสอบวัน,1,{written},20,2,ในเวียง,เมืองน่าน,น่าน",
        ],
    )
    report = import_census_file(db_session, get_settings(), path, ROUND)
    assert report.stored, report.errors
    born = db_session.execute(
        text("SELECT birth_date::text FROM child WHERE last_name = 'ทดสอบวัน'")
    ).scalar_one()
    assert born == stored


def test_xlsx_with_spreadsheet_dates(tmp_path: Path, db_session: Session) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            person(4),
            "ด.ญ.",
            "เอกสาร",
            "ทดสอบเอ็กเซล",
            "หญิง",
            dt.datetime(2562, 3, 15),
            "5/1",
            3,
            "ในเวียง",
            "เมืองน่าน",
            "น่าน",
        ]
    )
    path = tmp_path / "census.xlsx"
    book.save(path)
    report = import_census_file(db_session, get_settings(), path, ROUND)
    assert report.stored, report.errors
    born = db_session.execute(
        text("SELECT birth_date::text FROM child WHERE last_name = 'ทดสอบเอ็กเซล'")
    ).scalar_one()
    assert born == "2019-03-15"


@pytest.fixture(scope="module")
def clean_rows(engine: Any) -> list[dict[str, Any]]:
    """The first 60 households of the synthetic census for a fresh seed."""
    return synthetic_rows(engine, seed=77, households=60)


def test_dirty_file_report_matches_its_faults_exactly(
    tmp_path: Path, db_session: Session, clean_rows: list[dict[str, Any]]
) -> None:
    rows, faults = make_dirty(clean_rows, np.random.default_rng(5))
    path = tmp_path / "dirty.csv"
    write_rows(rows, path, encoding="cp874")
    before = counts(db_session)
    report = import_census_file(db_session, get_settings(), path, ROUND)
    assert not report.stored
    assert report.encoding == "cp874"
    assert sorted((e.row, e.field) for e in report.errors) == [(f.row, f.field) for f in faults]
    assert counts(db_session) == before  # all-or-nothing: nothing at all


def test_accept_valid_stores_the_rest_and_returns_rejects(
    tmp_path: Path, db_session: Session, clean_rows: list[dict[str, Any]]
) -> None:
    rows, faults = make_dirty(clean_rows, np.random.default_rng(6))
    path = tmp_path / "dirty.xlsx"
    write_rows(rows, path)
    before = counts(db_session)
    report = import_census_file(db_session, get_settings(), path, ROUND, accept_valid=True)
    assert report.stored and report.rows_rejected == len(faults)
    assert counts(db_session)[1] == before[1] + len(rows) - len(faults)
    rejects = tmp_path / "rejects.csv"
    assert write_rejects(path, report.rejected_rows, rejects) == len(faults)
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(",") == HEADERS_TH and len(lines) == len(faults) + 1


def test_reimport_adds_nothing_and_overlap_adds_only_new(
    tmp_path: Path, db_session: Session, clean_rows: list[dict[str, Any]]
) -> None:
    first_half = tmp_path / "first.csv"
    write_rows(clean_rows[:40], first_half)
    everything = tmp_path / "all.csv"
    write_rows(clean_rows, everything)
    one = import_census_file(db_session, get_settings(), first_half, ROUND)
    assert one.stored and one.children_new == 40
    again = import_census_file(db_session, get_settings(), first_half, ROUND)
    assert (again.households_new, again.children_new, again.children_already_stored) == (0, 0, 40)
    overlap = import_census_file(db_session, get_settings(), everything, ROUND)
    assert overlap.children_new == len(clean_rows) - 40
    assert overlap.children_already_stored == 40


def test_households_without_coordinates_sit_at_their_village(
    tmp_path: Path, db_session: Session
) -> None:
    village = db_session.execute(
        text(
            "SELECT v.code, v.moo, s.name_th, d.name_th, ST_X(v.geom) FROM village v "
            "JOIN subdistrict s ON s.code = v.subdistrict_code JOIN district d ON d.code = "
            "s.district_code WHERE v.code LIKE '5501%' ORDER BY v.code LIMIT 1"
        )
    ).one()
    code, moo, tambon, district, lon = village
    path = write(
        tmp_path / "placed.csv",
        [
            f"{person(9)},ด.ช.,ที่ตั้ง,ทดสอบหมู่บ้าน,ชาย,01/01/2560,7,{moo},{tambon},{district},น่าน",
            f"{person(10)},ด.ช.,ที่ตั้ง,ทดสอบตำบล,ชาย,01/01/2560,8,77,{tambon},{district},น่าน",
        ],
    )
    assert import_census_file(db_session, get_settings(), path, ROUND).stored
    placed = dict(
        db_session.execute(
            text(
                "SELECT c.last_name, h.location_source || ' ' "
                "|| coalesce(h.village_code, '-') || ' ' || "
                "round(ST_X(h.location)::numeric, 5) FROM child c JOIN household h ON h.id = "
                "c.household_id WHERE c.last_name LIKE 'ทดสอบ%' AND c.first_name = 'ที่ตั้ง'"
            )
        ).all()
    )
    assert placed["ทดสอบหมู่บ้าน"] == f"village_point {code} {round(lon, 5)}"
    assert placed["ทดสอบตำบล"].startswith("tambon ")


def test_surveyor_scope_rejects_rows_outside(tmp_path: Path, db_session: Session) -> None:
    path = write(
        tmp_path / "scope.csv",
        [
            f"{person(11)},ด.ช.,นอก,ทดสอบขอบเขต,ชาย,01/01/2560,9,1,ในเวียง,เมืองน่าน,น่าน",
        ],
    )
    report = import_census_file(
        db_session, get_settings(), path, ROUND, may_write=lambda code, _moo: code == "550102"
    )
    assert not report.stored
    assert report.errors[0].field == "subdistrict"
    assert report.errors[0].message == ("อยู่นอกพื้นที่ที่ได้รับมอบหมาย (outside the areas assigned to you)")


def test_command_line_exits_1_and_writes_the_report(
    tmp_path: Path, database_url: str, clean_rows: list[dict[str, Any]]
) -> None:
    rows, faults = make_dirty(clean_rows, np.random.default_rng(8))
    path = tmp_path / "field.csv"
    write_rows(rows, path)
    env = {**os.environ, "EDUMAP_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "census", "import", str(path), "--round", str(ROUND)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing stored" in result.stdout
    report = (tmp_path / "field.report.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "แถว,ช่อง,field,ค่าในไฟล์,ปัญหา" and len(report) == len(faults) + 1


def test_synth_command_writes_dirty_file_and_manifest(tmp_path: Path, database_url: str) -> None:
    env = {**os.environ, "EDUMAP_DATABASE_URL": database_url}
    out = tmp_path / "dirty.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "census",
            "synth",
            "--out",
            str(out),
            "--dirty",
            "--households",
            "30",
            "--encoding",
            "cp874",
            "--seed",
            "3",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    faults = json.loads((tmp_path / "dirty.faults.json").read_text())
    assert {f["kind"] for f in faults} == {
        "check_digit",
        "missing_moo",
        "impossible_date",
        "bad_sex",
        "future_date",
        "duplicate",
    }
    out.read_bytes().decode("cp874")  # really cp874
