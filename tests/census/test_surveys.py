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
from tests.helpers.payloads import (
    OFFICE_FORM_ID,
    OFFICE_SURVEY,
    office_submission,
    office_xlsform,
)
from tests.helpers.run_cli import edumap
from tests.helpers.world import MATRIX_SCHOOL, Account

FORM_ID = OFFICE_FORM_ID


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
        db_session, admin, "toilets.xlsx", office_xlsform(), roles=["surveyor"], usernames=[]
    )
    assert added["form_id"] == FORM_ID and added["warnings"] == []
    assert added["personal_fields"] == ["location", "keeper_name", "remark"]
    assert added["repeats"] == ["rooms"]
    assert [f.form_id for f in surveys.forms_for(db_session, surveyor)] == [FORM_ID]
    assert surveys.forms_for(db_session, principal(db_session, accounts["school"])) == []

    assert surveys.store_submission(db_session, surveyor, office_submission("uuid:a1")) == (
        "uuid:a1",
        True,
    )
    assert surveys.store_submission(db_session, surveyor, office_submission("uuid:a1")) == (
        "uuid:a1",
        False,
    )
    with pytest.raises(ConflictError):
        surveys.store_submission(db_session, surveyor, office_submission("uuid:a1", toilets="5"))
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
        csv.reader(
            io.StringIO(surveys.export(db_session, admin, FORM_ID, "csv")[0].decode("utf-8-sig"))
        )
    )
    assert exported[1][exported[0].index("remark")] == "'=1+1"  # text, not a formula
    book = openpyxl.load_workbook(io.BytesIO(surveys.export(db_session, admin, FORM_ID, "xlsx")[0]))
    assert book.sheetnames == [FORM_ID, "rooms"]
    assert book[FORM_ID].cell(2, 1).value == "uuid:a1" and book["rooms"].max_row == 3
    remark = book[FORM_ID].cell(2, [c.value for c in book[FORM_ID][1]].index("remark") + 1)
    assert remark.value == "=1+1" and remark.data_type == "s"

    # The surveyor, or a planner of another office, does not read the office's submissions.
    with pytest.raises(PermissionDeniedError):
        surveys.submissions(db_session, surveyor, FORM_ID)
    # A new version replaces the form; the same version again is refused.
    with pytest.raises(ConflictError):
        surveys.add_form(
            db_session, admin, "toilets.xlsx", office_xlsform(), roles=[], usernames=[]
        )
    newer = office_xlsform(version="2026120202")
    again = surveys.add_form(db_session, admin, "toilets.xlsx", newer, roles=[], usernames=[])
    assert again["version"] == "2026120202"
    assert surveys.forms_for(db_session, surveyor) == []  # given to nobody now


def test_a_broken_form_is_refused_with_pyxforms_message(
    db_session: Session, accounts: dict[str, Account]
) -> None:
    admin = principal(db_session, accounts["admin"])
    broken = office_xlsform(survey=[*OFFICE_SURVEY[:4], ("end repeat", None, None, None)])
    with pytest.raises(InvalidInputError) as refused:
        surveys.add_form(db_session, admin, "broken.xlsx", broken, roles=[], usernames=[])
    assert "broken.xlsx" in str(refused.value) and "repeat" in str(refused.value).lower()
    with pytest.raises(PermissionDeniedError):
        surveys.add_form(
            db_session,
            principal(db_session, accounts["surveyor"]),
            "toilets.xlsx",
            office_xlsform(),
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
        office_xlsform(),
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
    # A resend after a lost answer (201 again, stored once), then a later part of a submission
    # Collect split, with the second photo: both photos kept, each once.
    for photo in ("toilet-1.jpg", "toilet-1.jpg", "toilet-2.jpg"):
        sent = client.post(
            f"{base}/submission",
            files=[
                ("xml_submission_file", ("s.xml", office_submission("uuid:b2"), "text/xml")),
                (photo, (photo, f"jpeg bytes of {photo}".encode(), "image/jpeg")),
            ],
        )
        assert sent.status_code == 201, sent.text
    photos = db_session.execute(
        text(
            "SELECT a.name, a.content_type FROM survey_attachment a JOIN survey_submission s "
            "ON s.id = a.submission_id WHERE s.instance_id = 'uuid:b2' ORDER BY a.name"
        )
    ).all()
    assert [tuple(p) for p in photos] == [
        ("toilet-1.jpg", "image/jpeg"),
        ("toilet-2.jpg", "image/jpeg"),
    ]
    photo = client.get(
        f"/api/v1/forms/{FORM_ID}/submissions/uuid:b2/files/toilet-2.jpg",
        headers=accounts["admin"].headers,
    )
    assert photo.status_code == 200 and photo.content == b"jpeg bytes of toilet-2.jpg"
    assert photo.headers["content-type"] == "image/jpeg"
    assert (
        client.get(
            f"/api/v1/forms/{FORM_ID}/submissions/uuid:b2/files/toilet-2.jpg",
            headers=accounts["surveyor"].headers,
        ).status_code
        == 403
    )
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
    source.write_bytes(office_xlsform())
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


PUBLIC_SURVEY: list[tuple[object, ...]] = [
    ("type", "name", "label", "personal"),
    ("text", "school_code", "รหัสโรงเรียน", None),
    ("select_one cond", "condition", "สภาพ", None),
    ("geopoint", "location", "ตำแหน่ง", "no"),  # a school's place, marked not personal
]


def _public_submission(instance: str, condition: str) -> bytes:
    return (
        f'<data id="school_toilets" version="1"><school_code>{MATRIX_SCHOOL}</school_code>'
        f"<condition>{condition}</condition><location>18.7836 100.7745 0 5</location>"
        f"<meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def test_over_rest_a_form_is_added_counted_in_public_and_exported_with_an_audit(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    upload = office_xlsform("school_toilets", "1", PUBLIC_SURVEY)
    added = client.post(
        "/api/v1/forms",
        headers=accounts["admin"].headers,
        files={"file": ("toilets.xlsx", upload, "application/octet-stream")},
        data={"roles": ["surveyor"]},
    )
    assert added.status_code == 201, added.text
    assert added.json()["personal_fields"] == [] and added.json()["roles"] == ["surveyor"]
    listed = client.get("/api/v1/forms", headers=accounts["surveyor"].headers).json()
    assert [(f["form_id"], f["public"]) for f in listed] == [("school_toilets", True)]
    surveyor = principal(db_session, accounts["surveyor"])
    for n, condition in enumerate(["good"] * 6 + ["poor"] * 2):
        surveys.store_submission(db_session, surveyor, _public_submission(f"uuid:p{n}", condition))

    params = {"question": "condition", "by": "tambon"}
    public = client.get("/api/v1/forms/school_toilets/counts", params=params).json()
    assert public["exact"] is False
    assert [(a["code"], a["name_th"], a["answers"]) for a in public["areas"]] == [
        ("550101", "ในเวียง", {"good": 6, "poor": "<5"})
    ]
    exact = client.get(
        "/api/v1/forms/school_toilets/counts", params=params, headers=accounts["admin"].headers
    ).json()
    assert exact["areas"][0]["answers"] == {"good": 6, "poor": 2}
    school_counts = client.get(
        "/api/v1/forms/school_toilets/counts",
        params={"question": "condition", "by": "school"},
        headers=accounts["planner"].headers,
    )
    assert school_counts.status_code == 200, school_counts.text
    by_school = school_counts.json()
    assert [(a["code"], a["answers"]) for a in by_school["areas"]] == [
        (MATRIX_SCHOOL, {"good": 6, "poor": 2})
    ]
    unknown = client.get(
        "/api/v1/forms/school_toilets/counts", params={"question": "toilets", "by": "tambon"}
    )
    assert unknown.status_code == 422 and "toilets" in unknown.json()["detail"]

    before = db_session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    exported = client.get(
        "/api/v1/forms/school_toilets/submissions.csv", headers=accounts["planner"].headers
    )
    assert exported.status_code == 200 and exported.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 9 and rows[0][:3] == ["KEY", "SubmitterName", "SubmissionDate"]
    audit = db_session.execute(
        text("SELECT resource, record_count FROM audit_log ORDER BY id DESC LIMIT 1")
    ).one()
    assert tuple(audit) == ("form school_toilets submissions csv", 8)
    assert db_session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before + 1

    refused = client.post(
        "/api/v1/forms",
        headers=accounts["admin"].headers,
        files={"file": ("notes.xlsx", b"not a workbook", "application/octet-stream")},
    )
    assert refused.status_code == 422 and "notes.xlsx" in refused.json()["detail"]
