"""The registers: civil-registration and school-record extracts imported (faults named per
row, the same file twice adds nothing, a newer extract supersedes), and matched in PostgreSQL
so that every status count equals what the synthetic extracts planted, for two seeds and two
mixes of faults (the generator works the truth out from the Python rules; the matcher is SQL
and imports nothing of it)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.identity import with_check_digit
from census.matching import (
    NAME_MATCH_MIN_SCORE,
    RECORDS_EXPLAINED,
    match_round,
    matching_by_tambon,
)
from census.register_models import MATCH_STATUSES
from census.register_synth import build_registers, write_registers
from census.registers import Extract, import_register_file, read_crosswalk
from kernel.config import get_settings
from kernel.errors import InvalidInputError
from tests.helpers.payloads import synthetic_rows
from tests.helpers.world import Account

ROUND = 2569
CIVIL = Extract(ROUND, "civil", "dopa", dt.date(2026, 6, 1))
COUNTED = Extract(ROUND, "school", "obec", dt.date(2026, 6, 10))
MIXES = [
    (
        31,
        120,
        {
            "mistyped_id": 4,
            "moved_in": 3,
            "counted_twice": 2,
            "birth_date_differs": 2,
            "grade_two_below": 3,
            "g_code": 2,
            "name_variant": 4,
            "moved_away": 5,
        },
    ),
    (
        57,
        90,
        {
            "mistyped_id": 1,
            "moved_in": 6,
            "counted_twice": 3,
            "grade_two_below": 1,
            "g_code": 4,
            "name_variant": 2,
        },
    ),
]


@pytest.mark.parametrize(("seed", "households", "faults"), MIXES)
def test_every_status_count_equals_the_planted_truth(
    tmp_path: Path,
    db_session: Session,
    engine: object,
    seed: int,
    households: int,
    faults: dict[str, int],
) -> None:
    rows = synthetic_rows(engine, seed=seed, households=households)  # type: ignore[arg-type]
    world = build_registers(db_session, rows, round_year=ROUND, seed=seed, faults=faults)
    paths = write_registers(world, tmp_path, seed=seed)
    settings = get_settings()
    for path, extract in ((paths["civil"], CIVIL), (paths["school"], COUNTED)):
        report = import_register_file(db_session, settings, path, extract)
        assert report.stored, report.errors[:5]
    manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    counts = match_round(db_session, ROUND)
    expected = dict.fromkeys(MATCH_STATUSES, 0) | manifest["expected_statuses"]
    assert counts == expected
    # Matching again gives the same answer.
    assert match_round(db_session, ROUND) == expected
    explained = db_session.execute(
        text(
            f"SELECT {RECORDS_EXPLAINED} FROM register_match m WHERE round_year = :y "
            "AND status = 'enrolled_in_area' LIMIT 1"
        ),
        {"y": ROUND},
    ).scalar_one()
    assert explained["matched_by"] == "national_id" and explained["civil"]["row"] >= 2
    [record] = explained["school_records"]
    assert record["agency"] == "obec" and record["counted_on"] == "2026-06-10"
    # The name variants, and only they, are linked by birth date and name: the same pairs of
    # rows the generator planted (no other two children merged).
    linked = db_session.execute(
        text(
            """
            SELECT c.row_number, p.row_number
            FROM register_match m JOIN register_record c ON c.id = m.civil_record_id
            JOIN register_record p ON p.id = (m.school_record_ids ->> 0)::bigint
            WHERE m.round_year = :y AND m.explanation ->> 'matched_by' = 'name_birth_date'
            """
        ),
        {"y": ROUND},
    ).all()
    planted = {(v["civil_row"], v["school_row"]) for v in manifest["name_variants"]}
    assert len(planted) == faults.get("name_variant", 0)
    assert {tuple(r) for r in linked} == planted
    # A mistyped ID is never overruled by the name; both children show the other as possible.
    hinted = db_session.execute(
        text(
            "SELECT count(*) FROM register_match WHERE round_year = :y "
            "AND status = 'pupil_not_registered' AND explanation -> 'possible_matches' "
            "@> '[{\"score\": 100.0}]'"
        ),
        {"y": ROUND},
    ).scalar_one()
    assert hinted >= faults.get("mistyped_id", 0)
    by_tambon = matching_by_tambon(db_session, ROUND)
    assert by_tambon and all(
        v == "<5" or v == 0 or (isinstance(v, int) and v >= 5)
        for row in by_tambon
        for k, v in row.items()
        if k in MATCH_STATUSES
    )


SCHOOL_HEADER = "รหัสโรงเรียน,เลขประจำตัวประชาชน,รหัส G,คำนำหน้า,ชื่อ,นามสกุล,เพศ,วันเกิด,ชั้น,ห้อง"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _pupil(
    national_id: str, born: str = "15/03/2561", grade: str = "ป.2", school: str = "9955010001"
) -> str:
    return f"{school},{national_id},,ด.ช.,ทะเบียน,ทดสอบ,ชาย,{born},{grade},1"


def test_faults_are_named_by_row_and_field_and_nothing_is_stored(
    tmp_path: Path, db_session: Session
) -> None:
    good = with_check_digit("155010099001")
    path = _write(
        tmp_path / "dmc.csv",
        [
            "รายชื่อนักเรียน ณ วันที่ 10 มิถุนายน 2569",  # a title row above the header
            SCHOOL_HEADER,
            _pupil(good),
            _pupil("1550100990015"),  # check digit wrong
            _pupil(with_check_digit("155010099002"), born="15/03/3104"),  # 543 added twice
            _pupil(with_check_digit("155010099003"), school="9999999999"),  # no such school
            _pupil(with_check_digit("155010099004"), grade="ป.9"),
            _pupil("1.55010E+12"),  # Excel's scientific notation
        ],
    )
    report = import_register_file(db_session, get_settings(), path, COUNTED)
    assert not report.stored
    named = {(e.row, e.field) for e in report.errors}
    assert named == {
        (4, "national_id"),
        (5, "birth_date"),
        (6, "school_code"),
        (7, "grade"),
        (8, "national_id"),
    }
    assert "header found on row 2 (rows above it skipped)" in report.notes
    by_row = {e.row: e.message for e in report.errors}
    assert "เลขตรวจสอบ" in by_row[4] and "B.E./C.E." in by_row[5] and "เลขยกกำลัง" in by_row[8]


def test_accept_valid_keeps_the_good_rows_a_second_import_adds_nothing_a_newer_one_supersedes(
    tmp_path: Path, db_session: Session
) -> None:
    settings = get_settings()
    first = _write(
        tmp_path / "june.csv",
        [SCHOOL_HEADER, _pupil(with_check_digit("155010099011")), _pupil("1550100990015")],
    )
    report = import_register_file(db_session, settings, first, COUNTED, accept_valid=True)
    assert report.stored and report.children_new == 1 and report.rows_rejected == 1
    again = import_register_file(db_session, settings, first, COUNTED, accept_valid=True)
    assert again.stored and again.children_new == 0
    assert any("imported already" in note for note in again.notes)
    november = Extract(ROUND, "school", "obec", dt.date(2026, 11, 10))
    second = _write(
        tmp_path / "november.csv",
        [SCHOOL_HEADER, _pupil(with_check_digit("155010099012"), grade="ป.3")],
    )
    assert import_register_file(db_session, settings, second, november).stored
    current = db_session.execute(
        text(
            "SELECT as_of, superseded_by IS NULL FROM register_extract "
            "WHERE round_year = :y AND kind = 'school' AND agency = 'obec' ORDER BY as_of"
        ),
        {"y": ROUND},
    ).all()
    assert [tuple(r) for r in current] == [
        (dt.date(2026, 6, 10), False),
        (dt.date(2026, 11, 10), True),
    ]


def test_a_civil_extract_without_a_tambon_column_is_refused_naming_it(
    tmp_path: Path, db_session: Session
) -> None:
    path = _write(
        tmp_path / "civil.csv",
        [
            "เลขประจำตัวประชาชน,ชื่อ,นามสกุล,เพศ,วันเดือนปีเกิด",
            f"{with_check_digit('155010099021')},ก,ข,ชาย,01/01/2560",
        ],
    )
    report = import_register_file(db_session, get_settings(), path, CIVIL)
    [error] = report.errors
    assert (error.row, error.field) == (1, "header") and "ตำบล (subdistrict)" in error.message


def test_matching_over_http_public_counts_and_named_lists_for_the_office(
    tmp_path: Path,
    db_session: Session,
    engine: object,
    client: TestClient,
    accounts: dict[str, Account],
) -> None:
    rows = synthetic_rows(engine, seed=31, households=60)  # type: ignore[arg-type]
    world = build_registers(db_session, rows, round_year=ROUND, seed=31, faults={"moved_away": 2})
    paths = write_registers(world, tmp_path, seed=31)
    for path, extract in ((paths["civil"], CIVIL), (paths["school"], COUNTED)):
        assert import_register_file(db_session, get_settings(), path, extract).stored
    counts = match_round(db_session, ROUND)
    public = client.get(f"/api/v1/census/rounds/{ROUND}/matching").json()
    shown = [row for row in public["subdistricts"] if row["subdistrict_code"]]
    assert shown and public["suppressed_below"] == 5
    exact = sum(
        v for row in shown for k, v in row.items() if k == "no_record" and isinstance(v, int)
    )
    assert exact <= counts["no_record"]
    named = client.get(
        f"/api/v1/census/rounds/{ROUND}/matching/children",
        params={"status": "no_record"},
        headers=accounts["planner"].headers,
    )
    assert named.status_code == 200
    children = named.json()["children"]
    assert len(children) == counts["no_record"]  # the 60 households lie in Mueang Nan (P5501)
    assert all(c["national_id_masked"].count("x") >= 5 for c in children if c["national_id_masked"])
    assert not any(len(str(v)) == 13 and str(v).isdigit() for c in children for v in c.values())
    audited = db_session.execute(
        text("SELECT record_count FROM audit_log WHERE resource = :r ORDER BY id DESC LIMIT 1"),
        {"r": f"matching {ROUND} no_record"},
    ).scalar_one()
    assert audited == len(children)
    for role, status in (("surveyor", 403), ("school", 403), ("anonymous", 401)):
        headers = accounts[role].headers if role in accounts else {}
        refused = client.get(
            f"/api/v1/census/rounds/{ROUND}/matching/children",
            params={"status": "no_record"},
            headers=headers,
        )
        assert refused.status_code == status


SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def test_the_sample_files_import_cleanly_and_match_as_documented(db_session: Session) -> None:
    """The README's column layouts, as files an office can copy (a title row above each)."""
    settings = get_settings()
    for name, extract in (
        ("civil_register_sample.csv", CIVIL),
        ("school_records_sample.csv", COUNTED),
    ):
        report = import_register_file(db_session, settings, SAMPLES / name, extract)
        assert report.stored and report.error_count == 0, (name, report.errors)
    counts = {k: v for k, v in match_round(db_session, ROUND).items() if v}
    assert counts == {"enrolled_in_area": 1, "no_record": 2, "pupil_not_registered": 1}


def test_the_verification_list_is_the_surveyors_houses_to_visit_pre_filled(
    tmp_path: Path,
    db_session: Session,
    engine: object,
    client: TestClient,
    accounts: dict[str, Account],
) -> None:
    rows = synthetic_rows(engine, seed=31, households=60)  # type: ignore[arg-type]
    faults = {"moved_away": 2, "counted_twice": 1}
    world = build_registers(db_session, rows, round_year=ROUND, seed=31, faults=faults)
    paths = write_registers(world, tmp_path, seed=31)
    for path, extract in ((paths["civil"], CIVIL), (paths["school"], COUNTED)):
        assert import_register_file(db_session, get_settings(), path, extract).stored
    counts = match_round(db_session, ROUND)
    in_550101 = db_session.execute(
        text(
            "SELECT count(*) FROM register_match WHERE round_year = :y "
            "AND status IN ('no_record', 'record_conflict') AND subdistrict_code = '550101'"
        ),
        {"y": ROUND},
    ).scalar_one()
    assert in_550101 and in_550101 <= counts["no_record"] + counts["record_conflict"]
    url = f"/api/v1/census/rounds/{ROUND}/verification"
    mine = client.get(url, headers=accounts["surveyor"].headers).json()["households"]
    children = [c for house in mine for c in house["children"]]
    assert len(children) == in_550101  # the surveyor's tambon only
    assert all(house["subdistrict_code"] == "550101" and house["house_number"] for house in mine)
    assert {c["status"] for c in children} <= {"no_record", "record_conflict"}
    assert all(c["first_name"] and c["birth_date"] for c in children)
    office = client.get(url, headers=accounts["planner"].headers).json()["households"]
    assert (
        sum(len(h["children"]) for h in office) == counts["no_record"] + counts["record_conflict"]
    )
    assert client.get(url, headers=accounts["school"].headers).status_code == 403
    audited = (
        db_session.execute(
            text("SELECT username FROM audit_log WHERE resource = :r ORDER BY id"),
            {"r": f"verification {ROUND}"},
        )
        .scalars()
        .all()
    )
    assert audited == ["matrix-surveyor", "matrix-planner"]


CIVIL_HEADER = (
    "เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,เพศ,วันเดือนปีเกิด,รหัสบ้าน,บ้านเลขที่,หมู่ที่,ตำบล,อำเภอ,จังหวัด"
)


def _registered(national_id: str, first: str, last: str = "ใจดี", born: str = "15/03/2561") -> str:
    return f"{national_id},ด.ช.,{first},{last},ชาย,{born},,9,2,ในเวียง,เมืองน่าน,น่าน"


def _without_id(g_code: str, first: str, last: str = "ใจดี", born: str = "15/03/2561") -> str:
    return f"9955010001,,{g_code},ด.ช.,{first},{last},ชาย,{born},ป.2,1"


@pytest.mark.parametrize(
    ("written", "linked_to"),
    [
        ("ณัฐวุฒิ", "นัฐวุฒิ"),  # ณ for น: the same name, linked
        ("ณัฐวุฒ", "นัฐวุฒิ"),  # a vowel left off: linked, the twin's name is further
        ("สมชย", None),  # as close to สมชาย as to สมชัย (twins): left for a person to judge
    ],
)
def test_a_pupil_without_an_id_is_linked_by_name_only_when_it_is_clear(
    tmp_path: Path, db_session: Session, written: str, linked_to: str | None
) -> None:
    """Brothers born the same day, one named like the pupil, the twins สมชาย and สมชัย: a
    G-code pupil is linked to the child whose name is clearly closest, never to one of two."""
    civil = _write(
        tmp_path / "civil.csv",
        [
            CIVIL_HEADER,
            _registered(with_check_digit("155010099031"), "นัฐวุฒิ"),
            _registered(with_check_digit("155010099032"), "สมชาย"),
            _registered(with_check_digit("155010099033"), "สมชัย"),
            _registered(with_check_digit("155010099034"), "นัฐวุฒิ", born="16/03/2561"),
        ],
    )
    school = _write(tmp_path / "dmc.csv", [SCHOOL_HEADER, _without_id("G550199000777", written)])
    settings = get_settings()
    for path, extract in ((civil, CIVIL), (school, COUNTED)):
        assert import_register_file(db_session, settings, path, extract).stored
    counts = {k: v for k, v in match_round(db_session, ROUND).items() if v}
    rows = db_session.execute(
        text(
            "SELECT m.status, c.first_name, c.birth_date, m.explanation FROM register_match m "
            "LEFT JOIN register_record c ON c.id = m.civil_record_id WHERE m.round_year = :y"
        ),
        {"y": ROUND},
    ).all()
    if linked_to:
        assert counts == {"enrolled_in_area": 1, "no_record": 3}
        [(first, born, explanation)] = [(r[1], r[2], r[3]) for r in rows if r[0] != "no_record"]
        assert (first, born) == (linked_to, dt.date(2018, 3, 15))  # not the one born a day later
        assert explanation["matched_by"] == "name_birth_date"
        assert NAME_MATCH_MIN_SCORE <= explanation["name_score"] <= 100
    else:
        assert counts == {"pupil_not_registered": 1, "no_record": 4}
        [pupil] = [r[3] for r in rows if r[0] == "pupil_not_registered"]
        assert {p["civil"]["row"] for p in pupil["possible_matches"]} == {3, 4}
        twins = [r[3] for r in rows if r[1] in ("สมชาย", "สมชัย")]
        assert all(t["possible_matches"][0]["school_record"]["row"] == 2 for t in twins)


def test_smis_codes_are_read_through_the_crosswalk_and_named_without_one(
    tmp_path: Path, db_session: Session
) -> None:
    settings = get_settings()
    lines = [
        SCHOOL_HEADER,
        _pupil(with_check_digit("155010099041"), school="55010001"),  # in the crosswalk
        _pupil(with_check_digit("155010099042"), school="55019999"),  # not in it
    ]
    path = _write(tmp_path / "dmc_smis.csv", lines)
    refused = db_session.begin_nested()  # as the CLI and API roll a refused import back
    without = import_register_file(db_session, settings, path, COUNTED)
    refused.rollback()
    assert not without.stored
    assert {(e.row, e.field) for e in without.errors} == {(2, "school_code"), (3, "school_code")}
    assert all("--crosswalk" in e.message for e in without.errors)

    crosswalk = read_crosswalk(SAMPLES / "smis_crosswalk_sample.csv")
    assert crosswalk == {"55010001": "9955010001"}
    report = import_register_file(
        db_session, settings, path, COUNTED, crosswalk=crosswalk, accept_valid=True
    )
    assert report.stored and report.children_new == 1
    [error] = report.errors
    assert (error.row, error.value) == (3, "55019999") and "crosswalk" in error.message
    stored = db_session.execute(
        text(
            "SELECT r.school_code FROM register_record r JOIN register_extract e "
            "ON e.id = r.extract_id WHERE e.source_name = 'dmc_smis.csv'"
        )
    ).scalar_one()
    assert stored == "9955010001"

    bad = _write(
        tmp_path / "crosswalk.csv", ["รหัส SMIS,รหัส OBEC", "55010001,9955010001", "5501,99"]
    )
    with pytest.raises(InvalidInputError, match="row 3"):
        read_crosswalk(bad)


def test_the_demo_loads_synthetic_extracts_that_match_as_planted(db_session: Session) -> None:
    """``edumap demo`` (run for this test database too) imports Nan's synthetic extracts and
    matches them; what matching found is kept beside what the generator planted."""
    report = db_session.execute(
        text("SELECT report FROM load_log WHERE kind = :k ORDER BY id DESC LIMIT 1"),
        {"k": f"registers:synthetic:55:{ROUND}"},
    ).scalar_one()
    counts = report["counts"]
    assert counts["civil_records"] > 80_000 and counts["planted_name_variant"] == 30
    for status in MATCH_STATUSES:
        assert counts[f"matched_{status}"] == counts[f"expected_{status}"], status
    assert any("matched as planted" in note for note in report["notes"])
