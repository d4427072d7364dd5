"""Following up the children the registers leave unplaced: a surveyor's visit and what it
found (the verified status every list then shows, saying so), the office's notice to the
guardian as a Thai PDF, referrals; history kept; each role and area as the policy says."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.report.figures import coverage_report
from app.report.render import to_html
from census.matching import match_again_if_matched, match_round
from census.registers import Extract, import_register_file
from kernel.config import get_settings
from kernel.errors import InvalidInputError
from tests.helpers.payloads import matched_child
from tests.helpers.pdf_text import pdf_text, squash, words_past_the_right_margin
from tests.helpers.run_cli import edumap
from tests.helpers.world import Account

ROUND = 2569
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BASE = f"/api/v1/census/rounds/{ROUND}"


def _sample_matched(session: Session) -> None:
    settings = get_settings()
    for name, extract in (
        ("civil_register_sample.csv", Extract(ROUND, "civil", "dopa", dt.date(2026, 6, 1))),
        ("school_records_sample.csv", Extract(ROUND, "school", "obec", dt.date(2026, 6, 10))),
    ):
        assert import_register_file(session, settings, SAMPLES / name, extract).stored
    match_round(session, ROUND)


def _no_record(client: TestClient, planner: Account) -> dict[str, dict[str, object]]:
    listed = client.get(
        f"{BASE}/matching/children", params={"status": "no_record"}, headers=planner.headers
    )
    assert listed.status_code == 200, listed.text
    return {c["first_name"] + " " + c["last_name"]: c for c in listed.json()["children"]}


def test_a_visit_s_finding_becomes_the_verified_status_the_lists_show(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    _sample_matched(db_session)
    children = _no_record(client, accounts["planner"])
    girl = children["ตัวอย่าง ทะเบียนราษฎร์"]  # tambon 550101, the surveyor's
    assert girl["verified"] is None and girl["status_source"] == "registers"
    ref = girl["ref"]
    surveyor = accounts["surveyor"].headers

    refused = {
        "finding": {"kind": "visit", "acted_on": "2026-11-20"},
        "school_code": {"kind": "visit", "acted_on": "2026-11-20", "finding": "enrolled"},
        "reason": {"kind": "visit", "acted_on": "2026-11-20", "finding": "out_of_school"},
        "moved_to_subdistrict": {
            "kind": "visit",
            "acted_on": "2026-11-20",
            "finding": "moved_away",
            "moved_to_subdistrict": "999999",
        },
        "acted_on": {"kind": "visit", "acted_on": "2099-01-01", "finding": "unknown"},
    }
    for field, body in refused.items():
        response = client.post(f"{BASE}/children/{ref}/follow-ups", headers=surveyor, json=body)
        assert response.status_code == 422, (field, response.text)
        assert field in response.text, (field, response.text)

    found = client.post(
        f"{BASE}/children/{ref}/follow-ups",
        headers=surveyor,
        json={
            "kind": "visit",
            "acted_on": "2026-11-20",
            "finding": "out_of_school",
            "reason": "ช่วยครอบครัวทำงาน",
            "note": "พบผู้ปกครอง",
        },
    )
    assert found.status_code == 201, found.text
    [visit] = found.json()["follow_ups"]
    assert visit["recorded_by"] == accounts["surveyor"].username
    # A surveyor visits; notices and referrals are the office's.
    notice = {"kind": "notice", "acted_on": "2026-11-21"}
    assert (
        client.post(f"{BASE}/children/{ref}/follow-ups", headers=surveyor, json=notice).status_code
        == 403
    )
    office = client.post(
        f"{BASE}/children/{ref}/follow-ups", headers=accounts["planner"].headers, json=notice
    )
    assert office.status_code == 201
    assert [f["kind"] for f in office.json()["follow_ups"]] == ["visit", "notice"]

    again = _no_record(client, accounts["planner"])["ตัวอย่าง ทะเบียนราษฎร์"]
    assert again["status"] == "no_record" and again["status_source"] == "field"
    assert again["verified"]["finding"] == "out_of_school"
    assert again["verified"]["reason"] == "ช่วยครอบครัวทำงาน"
    houses = client.get(f"{BASE}/verification", headers=surveyor).json()["households"]
    [listed] = [c for h in houses for c in h["children"] if c["ref"] == ref]
    assert listed["verified"]["finding"] == "out_of_school"

    # The other child lives in tambon บ่อ, outside the surveyor's area: not found for them.
    other = children["สาธิต ข้อมูลสังเคราะห์"]["ref"]
    away = client.get(f"{BASE}/children/{other}/follow-ups", headers=surveyor)
    assert away.status_code == 404
    read = client.get(f"{BASE}/children/{ref}/follow-ups", headers=surveyor)
    assert read.status_code == 200 and len(read.json()["follow_ups"]) == 2


def test_the_notice_letter_is_a_thai_pdf_for_a_child_out_of_school_only(
    tmp_path: Path, db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    _sample_matched(db_session)
    planner = accounts["planner"].headers
    children = _no_record(client, accounts["planner"])
    ref = children["สาธิต ข้อมูลสังเคราะห์"]["ref"]
    letter = client.get(f"{BASE}/children/{ref}/notice", headers=planner)
    assert letter.status_code == 200, letter.text
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.headers["cache-control"] == "no-store"
    path = tmp_path / "notice.pdf"
    path.write_bytes(letter.content)
    assert words_past_the_right_margin(path, margin_mm=14) == []
    words = squash(pdf_text(path))
    for expected in (
        "หนังสือแจ้งผู้ปกครองให้ส่งเด็กเข้าเรียน",
        "ผู้ปกครองของด.ช.สาธิตข้อมูลสังเคราะห์",
        "มาตรา๖",
        "บ้านเลขที่45หมู่ที่5",
        "ข้อมูลสังเคราะห์สำหรับสาธิต",
    ):
        assert squash(expected) in words, expected
    audited = db_session.execute(
        text("SELECT action, record_count FROM audit_log WHERE resource = :r"),
        {"r": f"notice {ROUND} {ref}"},
    ).one()
    assert tuple(audited) == ("export", 1)
    # Found enrolled: no notice, saying why.
    client.post(
        f"{BASE}/children/{ref}/follow-ups",
        headers=planner,
        json={
            "kind": "visit",
            "acted_on": "2026-11-22",
            "finding": "enrolled",
            "school_code": "9955010001",
        },
    )
    refused = client.get(f"{BASE}/children/{ref}/notice", headers=planner)
    assert refused.status_code == 409 and "out of school" in refused.text
    # Only the office prints notices.
    for role, status in (("surveyor", 403), ("school", 403), ("anonymous", 401)):
        headers = accounts[role].headers if role in accounts else {}
        assert client.get(f"{BASE}/children/{ref}/notice", headers=headers).status_code == status


def test_a_child_found_moved_goes_on_the_receiving_office_s_hand_over_list(
    tmp_path: Path, db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    _sample_matched(db_session)
    planner = accounts["planner"].headers  # of P5501 (Mueang Nan and seven more districts)
    ref = _no_record(client, accounts["planner"])["ตัวอย่าง ทะเบียนราษฎร์"]["ref"]
    # Moved to a tambon of Na Noi (5505), whose primary schools are P5502's.
    destination = db_session.execute(
        text("SELECT min(code) FROM subdistrict WHERE district_code = '5505'")
    ).scalar_one()
    moved = client.post(
        f"{BASE}/children/{ref}/follow-ups",
        headers=planner,
        json={
            "kind": "visit",
            "acted_on": "2026-11-20",
            "finding": "moved_away",
            "moved_to_subdistrict": destination,
        },
    )
    assert moved.status_code == 201, moved.text
    secondary = client.get(f"{BASE}/handover", params={"to_office": "S5500"}, headers=planner)
    assert secondary.status_code == 200 and secondary.text.count("\n") == 1  # the header only
    listed = client.get(f"{BASE}/handover", params={"to_office": "P5502"}, headers=planner)
    assert listed.status_code == 200, listed.text
    assert listed.headers["cache-control"] == "no-store"
    path = tmp_path / "handover.csv"
    path.write_bytes(listed.content)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["เลขประจำตัวประชาชน"] == "1550199000020"  # the full ID: P5502 matches on it
    assert (row["รหัสตำบล"], row["ส่งต่อถึง"], row["ส่งต่อจาก"]) == (destination, "P5502", "P5501")
    assert row["วันเดือนปีเกิด"] == "02/11/2559" and row["ตำบลเดิม"] == "550101"
    audited = db_session.execute(
        text("SELECT action, record_count FROM audit_log WHERE resource = :r"),
        {"r": f"handover {ROUND} P5502"},
    ).one()
    assert tuple(audited) == ("export", 1)

    # The receiving office imports it as a civil extract of its own: it adds, supersedes none.
    settings = get_settings()
    second = tmp_path / "handover-again.csv"  # another office's file of the next day
    second.write_bytes(path.read_bytes().replace("ย้ายเข้าพื้นที่".encode(), "ย้ายเข้า".encode()))
    for day, file in ((dt.date(2026, 11, 25), path), (dt.date(2026, 11, 26), second)):
        report = import_register_file(
            db_session, settings, file, Extract(ROUND, "civil", "handover", day)
        )
        assert report.stored and report.error_count == 0, report.errors
    current = db_session.execute(
        text(
            "SELECT agency, count(*) FILTER (WHERE superseded_by IS NULL), count(*) "
            "FROM register_extract WHERE round_year = :y AND kind = 'civil' GROUP BY agency"
        ),
        {"y": ROUND},
    ).all()
    assert sorted(tuple(r) for r in current) == [("dopa", 1, 1), ("handover", 2, 2)]
    placed = db_session.execute(
        text(
            "SELECT r.subdistrict_code FROM register_record r JOIN register_extract e "
            "ON e.id = r.extract_id WHERE e.agency = 'handover'"
        )
    ).scalars()
    assert list(placed) == [destination, destination]
    with pytest.raises(InvalidInputError, match="agency"):
        Extract(ROUND, "school", "handover", dt.date(2026, 11, 25))


def test_the_hand_over_command_names_a_wrong_office_and_writes_nothing_without_moves(
    tmp_path: Path, database_url: str
) -> None:
    wrong = edumap(
        database_url, "handover", "export", "--round", "2569", "--office", "X9", "-o", str(tmp_path)
    )
    assert wrong.returncode == 1 and "--office X9" in wrong.stderr
    none = edumap(
        database_url,
        "handover",
        "export",
        "--round",
        "2569",
        "--office",
        "P5501",
        "-o",
        str(tmp_path),
    )
    assert none.returncode == 0, none.stderr
    assert "no file" in none.stdout and not list(tmp_path.iterdir())


def test_the_report_counts_the_registers_with_what_visits_found_and_says_which(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    _sample_matched(db_session)
    ref = _no_record(client, accounts["planner"])["ตัวอย่าง ทะเบียนราษฎร์"]["ref"]
    visit = {
        "kind": "visit",
        "acted_on": "2026-11-20",
        "finding": "out_of_school",
        "reason": "ช่วยครอบครัวทำงาน",
    }
    posted = client.post(
        f"{BASE}/children/{ref}/follow-ups", headers=accounts["surveyor"].headers, json=visit
    )
    assert posted.status_code == 201
    report = coverage_report(db_session, ROUND, district="5501")
    # The sample: three registered children of compulsory age, one with a school record.
    assert report["register_totals"] == {
        "registered": 3,
        "out_of_school": 2,
        "out_of_school_verified": 1,
        "no_record_unverified": 1,
        "enrolled": 1,
        "moved_away": 0,
        "deceased": 0,
        "verified": 1,
    }
    assert {row["subdistrict_code"] for row in report["registers"]} == {"550101", "550102"}
    html = to_html(report)
    assert "จากทะเบียนราษฎรกับข้อมูลนักเรียนของสถานศึกษา" in html
    assert "ยืนยันจากการลงพื้นที่แล้ว 1 คน" in html
    public = client.get(f"{BASE}/matching", params={"district": "5501"}).json()
    [tambon] = [t for t in public["subdistricts"] if t["subdistrict_code"] == "550101"]
    assert tambon["known"]["out_of_school_verified"] == "<5"  # public: small counts hidden


def test_the_map_counts_registered_children_out_of_school_per_village(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    _sample_matched(db_session)
    ref = _no_record(client, accounts["planner"])["ตัวอย่าง ทะเบียนราษฎร์"]["ref"]
    visit = {"kind": "visit", "acted_on": "2026-11-20", "finding": "out_of_school", "reason": "x"}
    client.post(
        f"{BASE}/children/{ref}/follow-ups", headers=accounts["planner"].headers, json=visit
    )
    layer = client.get(
        "/api/v1/map-layers/register-villages", params={"round": ROUND, "district": "5501"}
    )
    assert layer.status_code == 200 and layer.headers["etag"]
    places = {
        (f["properties"]["subdistrict_name_th"], f["properties"]["moo"]): f["properties"]
        for f in layer.json()["features"]
    }
    # The girl (verified) in moo 2 of ในเวียง, the boy (no record, unvisited) in moo 5 of บ่อ.
    girl, boy = places[("ในเวียง", 2)], places[("บ่อ", 5)]
    assert (girl["children"], girl["verified"], girl["placed_at"]) == ("<5", "<5", "tambon")
    assert (boy["verified"], boy["placed_at"], boy["name_th"]) == (0, "village", "บ้านน้ำงาว")
    assert all(p["size"] == 0 for p in places.values())  # small counts do not show their size
    assert len(places) == 2
    # Found enrolled: off the layer; the answer changes with the follow-up (a new ETag).
    enrolled = {
        "kind": "visit",
        "acted_on": "2026-11-21",
        "finding": "enrolled",
        "school_code": "9955010001",
    }
    client.post(
        f"{BASE}/children/{ref}/follow-ups", headers=accounts["planner"].headers, json=enrolled
    )
    again = client.get(
        "/api/v1/map-layers/register-villages", params={"round": ROUND, "district": "5501"}
    )
    assert again.headers["etag"] != layer.headers["etag"]
    assert [f["properties"]["moo"] for f in again.json()["features"]] == [5]


def test_the_call_list_adds_registered_children_the_census_did_not_list(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    """Form พฐ.03 of the school whose primary service area holds บ้านน้ำงาว (moo 5 of บ่อ):
    two registered children due to enter Prathom 1 next year (born B.E. 2563) live there; the
    one a visit found moved away is left off."""
    school = db_session.execute(
        text(
            "SELECT s.code FROM service_area sa JOIN service_area_part p "
            "ON p.service_area_id = sa.id JOIN school s ON s.id = sa.school_id "
            "WHERE sa.level = 'primary' AND sa.academic_year = :y AND sa.is_current "
            "AND ST_Intersects(p.geom, (SELECT geom FROM village WHERE subdistrict_code = "
            "'550102' AND moo = 5 ORDER BY id LIMIT 1)) ORDER BY s.code LIMIT 1"
        ),
        {"y": ROUND},
    ).scalar_one()
    url = f"/api/v1/schools/{school}/call-list"
    admin = accounts["admin"].headers
    before = client.get(url, params={"round": ROUND}, headers=admin).json()
    for name in ("มาใหม่", "ย้ายไป"):
        matched_child(db_session, "550102", moo=5, born="2020-03-01", first_name=name)
    moved = matched_child(db_session, "550102", moo=5, born="2020-04-01", first_name="ย้ายแล้ว")
    db_session.execute(
        text(
            "INSERT INTO register_follow_up (round_year, person_key, kind, finding, "
            "moved_to_subdistrict, acted_on, status_seen) SELECT :y, person_key, 'visit', "
            "'moved_away', '550505', '2026-11-20', status FROM register_match "
            "WHERE left(md5(person_key), 20) = :ref"
        ),
        {"y": ROUND, "ref": moved},
    )
    after = client.get(url, params={"round": ROUND}, headers=admin).json()
    assert after["registered_children"] == 2
    assert after["children"] == before["children"] + 2
    listed = [
        (c["first_name"], c["source"])
        for v in after["villages"]
        for c in v["children"]
        if c["source"] == "registers"
    ]
    assert sorted(listed) == [("มาใหม่", "registers"), ("ย้ายไป", "registers")]
    workbook = client.get(f"{url}.xlsx", params={"round": ROUND}, headers=admin)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "ที่มา"
    assert sum(1 for row in rows if row[-1] == "ทะเบียนราษฎร") == 2


def test_findings_hold_through_matching_again_unless_the_child_s_records_change(
    tmp_path: Path, db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    _sample_matched(db_session)
    planner = accounts["planner"].headers
    children = _no_record(client, accounts["planner"])
    for name in ("ตัวอย่าง ทะเบียนราษฎร์", "สาธิต ข้อมูลสังเคราะห์"):
        visit = {
            "kind": "visit",
            "acted_on": "2026-11-20",
            "finding": "out_of_school",
            "reason": "ไม่ทราบ",
        }
        posted = client.post(
            f"{BASE}/children/{children[name]['ref']}/follow-ups", headers=planner, json=visit
        )
        assert posted.status_code == 201
    # November's count finds the girl at a school: her record changed, the finding lapses.
    november = tmp_path / "dmc_november.csv"
    november.write_text(
        (SAMPLES / "school_records_sample.csv").read_text(encoding="utf-8-sig")
        + "9955010001,1550199000020,,ด.ญ.,ตัวอย่าง,ทะเบียนราษฎร์,หญิง,02/11/2559,ป.4,1\n",
        encoding="utf-8",
    )
    counted = Extract(ROUND, "school", "obec", dt.date(2026, 11, 10))
    assert import_register_file(db_session, get_settings(), november, counted).stored
    # The round was matched before: the import's command matches it again.
    assert match_again_if_matched(db_session, ROUND) is not None
    still = _no_record(client, accounts["planner"])
    assert list(still) == ["สาธิต ข้อมูลสังเคราะห์"]
    assert still["สาธิต ข้อมูลสังเคราะห์"]["verified"]["finding"] == "out_of_school"
    enrolled = client.get(
        f"{BASE}/matching/children", params={"status": "enrolled_in_area"}, headers=planner
    ).json()["children"]
    [girl] = [c for c in enrolled if c["first_name"] == "ตัวอย่าง" and c["sex"] == "F"]
    assert girl["verified"] is None and girl["status_source"] == "registers"
    history = client.get(f"{BASE}/children/{girl['ref']}/follow-ups", headers=planner).json()
    assert [f["matching_status_then"] for f in history["follow_ups"]] == ["no_record"]


def test_a_child_the_surveyor_submits_on_the_household_form_is_a_finding(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    """The household form and submission API record a finding too: the registered girl with no
    school record, submitted with her ID as not enrolled, is verified out of school."""
    _sample_matched(db_session)
    household = {
        "uuid": str(uuid.uuid4()),
        "round": ROUND,
        "subdistrict_code": "550101",
        "moo": 2,
        "house_number": "12/3",
        "children": [
            {
                "national_id": "1550199000020",
                "first_name": "ตัวอย่าง",
                "last_name": "ทะเบียนราษฎร์",
                "sex": "หญิง",
                "birth_date": "02/11/2559",
                "enrolment_status": "ไม่ได้เรียน",
                "not_enrolled_reason": "ย้ายตามผู้ปกครองไปทำงาน",
            }
        ],
    }
    sent = client.post(
        "/api/v1/census/households", headers=accounts["surveyor"].headers, json=household
    )
    assert sent.status_code == 201, sent.text
    girl = _no_record(client, accounts["planner"])["ตัวอย่าง ทะเบียนราษฎร์"]
    assert girl["status_source"] == "field"
    assert girl["verified"]["finding"] == "out_of_school"
    assert girl["verified"]["reason"] == "ย้ายตามผู้ปกครองไปทำงาน"
    # The synthetic census (no surveyor) is no finding: the boy stays the registers' word.
    assert _no_record(client, accounts["planner"])["สาธิต ข้อมูลสังเคราะห์"]["verified"] is None
