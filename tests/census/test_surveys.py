"""The office's own forms: an XLSForm added, its personal questions marked, given to a role,
listed and served to ODK Collect over OpenRosa, a submission stored once as a document with its
point and repeats, exported as tables with formula-safe cells; a broken form refused with
pyxform's message."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.auth import service as accounts_service
from census import surveys
from kernel.errors import ConflictError, InvalidInputError, PermissionDeniedError
from kernel.principal import Principal
from tests.helpers.run_cli import edumap
from tests.helpers.world import Account

FORM_ID = "toilet_survey"
SURVEY = [
    ("type", "name", "label", "personal"),
    ("text", "school_name", "ชื่อโรงเรียน", "no"),  # a school's name is no person's
    ("integer", "toilets", "จำนวนห้องน้ำ", None),
    ("geopoint", "location", "ตำแหน่ง", None),
    ("begin repeat", "rooms", "ห้องน้ำ", None),
    ("select_one cond", "condition", "สภาพ", None),
    ("text", "keeper_name", "ผู้ดูแล", None),
    ("end repeat", None, None, None),
    ("text", "remark", "หมายเหตุ", "yes"),
]


def xlsform(version: str = "2026120201", survey: list[tuple[object, ...]] = SURVEY) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in [("list_name", "name", "label"), ("cond", "good", "ดี"), ("cond", "poor", "ชำรุด")]:
        choices.append(list(row))
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([FORM_ID, version, "สำรวจห้องน้ำโรงเรียน"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def submission(instance: str, toilets: str = "4", remark: str = "=1+1") -> bytes:
    return (
        f'<data id="{FORM_ID}" version="2026120201"><school_name>บ้านนา</school_name>'
        f"<toilets>{toilets}</toilets><location>18.7836 100.7745 250 6</location>"
        "<rooms><condition>good</condition><keeper_name>ลุงมี</keeper_name></rooms>"
        "<rooms><condition>poor</condition><keeper_name/></rooms>"
        f"<remark>{remark}</remark><meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def principal(session: Session, account: Account) -> Principal:
    user = accounts_service.get_user(session, account.username)
    return accounts_service.principal_for(user, "test")


def test_a_form_is_added_served_and_its_submissions_stored_once_and_exported(
    db_session: Session, accounts: dict[str, Account]
) -> None:
    admin, surveyor = (
        principal(db_session, accounts["admin"]),
        principal(db_session, accounts["surveyor"]),
    )
    added = surveys.add_form(
        db_session, admin, "toilets.xlsx", xlsform(), roles=["surveyor"], usernames=[]
    )
    assert added["form_id"] == FORM_ID and added["warnings"] == []
    assert added["personal_fields"] == ["location", "keeper_name", "remark"]
    assert added["repeats"] == ["rooms"]
    assert [f.form_id for f in surveys.forms_for(db_session, surveyor)] == [FORM_ID]
    assert surveys.forms_for(db_session, principal(db_session, accounts["school"])) == []

    assert surveys.store_submission(db_session, surveyor, submission("uuid:a1")) == (
        "uuid:a1",
        True,
    )
    assert surveys.store_submission(db_session, surveyor, submission("uuid:a1")) == (
        "uuid:a1",
        False,
    )
    with pytest.raises(ConflictError):
        surveys.store_submission(db_session, surveyor, submission("uuid:a1", toilets="5"))
    row = db_session.execute(
        text(
            "SELECT count(*), min(ST_Y(location)), min(location_accuracy_m) "
            "FROM survey_submission WHERE instance_id = 'uuid:a1'"
        )
    ).one()
    assert tuple(row) == (1, 18.7836, 6.0)

    [stored] = surveys.submissions(db_session, admin, FORM_ID)
    assert stored["data"]["rooms"] == [
        {"condition": "good", "keeper_name": "ลุงมี"},
        {"condition": "poor", "keeper_name": None},
    ]
    tables = surveys.export_tables(db_session, admin, FORM_ID)
    assert list(tables) == [FORM_ID, "rooms"]
    [main] = tables[FORM_ID]
    assert (main["KEY"], main["toilets"], main["meta/instanceID"]) == ("uuid:a1", "4", "uuid:a1")
    assert [(r["PARENT_KEY"], r["KEY"], r["condition"]) for r in tables["rooms"]] == [
        ("uuid:a1", "uuid:a1/rooms[1]", "good"),
        ("uuid:a1", "uuid:a1/rooms[2]", "poor"),
    ]
    exported = list(
        csv.reader(io.StringIO(surveys.export_csv(db_session, admin, FORM_ID).decode("utf-8-sig")))
    )
    assert exported[1][exported[0].index("remark")] == "'=1+1"  # text, not a formula
    book = openpyxl.load_workbook(io.BytesIO(surveys.export_xlsx(db_session, admin, FORM_ID)))
    assert book.sheetnames == [FORM_ID, "rooms"]
    assert book[FORM_ID].cell(2, 1).value == "uuid:a1" and book["rooms"].max_row == 3
    remark = book[FORM_ID].cell(2, [c.value for c in book[FORM_ID][1]].index("remark") + 1)
    assert remark.value == "=1+1" and remark.data_type == "s"

    # The surveyor, or a planner of another office, does not read the office's submissions.
    with pytest.raises(PermissionDeniedError):
        surveys.submissions(db_session, surveyor, FORM_ID)
    # A new version replaces the form; the same version again is refused.
    with pytest.raises(ConflictError):
        surveys.add_form(db_session, admin, "toilets.xlsx", xlsform(), roles=[], usernames=[])
    again = surveys.add_form(
        db_session, admin, "toilets.xlsx", xlsform("2026120202"), roles=[], usernames=[]
    )
    assert again["version"] == "2026120202"
    assert surveys.forms_for(db_session, surveyor) == []  # given to nobody now


def test_a_broken_form_is_refused_with_pyxforms_message(
    db_session: Session, accounts: dict[str, Account]
) -> None:
    admin = principal(db_session, accounts["admin"])
    broken = xlsform(survey=[*SURVEY[:4], ("end repeat", None, None, None)])
    with pytest.raises(InvalidInputError) as refused:
        surveys.add_form(db_session, admin, "broken.xlsx", broken, roles=[], usernames=[])
    assert "broken.xlsx" in str(refused.value) and "repeat" in str(refused.value).lower()
    with pytest.raises(PermissionDeniedError):
        surveys.add_form(
            db_session,
            principal(db_session, accounts["surveyor"]),
            "toilets.xlsx",
            xlsform(),
            roles=[],
            usernames=[],
        )


def test_collect_lists_downloads_and_submits_an_office_form(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    surveys.add_form(
        db_session,
        principal(db_session, accounts["admin"]),
        "toilets.xlsx",
        xlsform(),
        roles=[],
        usernames=[accounts["surveyor"].username],
    )
    made = client.post(
        "/api/v1/auth/api-keys", headers=accounts["surveyor"].headers, json={"name": "phone"}
    )
    base = f"/odk/key/{made.json()['key']}"
    listed = ElementTree.fromstring(client.get(f"{base}/formList").content)
    namespace = {"x": "http://openrosa.org/xforms/xformsList"}
    ids = [e.text for e in listed.findall("x:xform/x:formID", namespace)]
    assert ids == ["edumap_household", FORM_ID]
    xform = client.get(f"{base}/forms/{FORM_ID}/form.xml")
    assert xform.status_code == 200 and f'id="{FORM_ID}"' in xform.text
    for _ in range(2):  # a resend after a lost answer: 201 again, stored once
        sent = client.post(
            f"{base}/submission",
            files={"xml_submission_file": ("s.xml", submission("uuid:b2"), "text/xml")},
        )
        assert sent.status_code == 201, sent.text
    count = db_session.execute(
        text("SELECT count(*) FROM survey_submission WHERE instance_id = 'uuid:b2'")
    ).scalar_one()
    assert count == 1
    # A phone whose account was not given the form cannot fetch or send it.
    other = client.post(
        "/api/v1/auth/api-keys", headers=accounts["planner"].headers, json={"name": "x"}
    )
    other_base = f"/odk/key/{other.json()['key']}"
    assert client.get(f"{other_base}/forms/{FORM_ID}/form.xml").status_code == 404


def test_the_command_line_adds_a_form_and_exports_its_submissions(
    database_url: str, tmp_path: Path, accounts: dict[str, Account], engine: Engine
) -> None:
    source = tmp_path / "toilets.xlsx"
    source.write_bytes(xlsform())
    admin = accounts["admin"].username
    try:
        added = edumap(
            database_url, "forms", "add", str(source), "--by", admin, "--role", "surveyor"
        )
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["personal_fields"] == ["location", "keeper_name", "remark"]
        output = tmp_path / "toilets-export.xlsx"
        exported = edumap(database_url, "forms", "export", FORM_ID, str(output), "--by", admin)
        assert exported.returncode == 0, exported.stderr
        assert openpyxl.load_workbook(output).sheetnames == [FORM_ID, "rooms"]
        refused = edumap(database_url, "forms", "add", str(source), "--by", admin)
        assert refused.returncode == 1 and "version 2026120201 exists" in refused.stderr
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM survey_form WHERE form_id = :f"), {"f": FORM_ID})
