"""Example bodies and files: households as the REST API takes them, census rows and files as the
import takes them, a school, a service-area polygon."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
import uuid
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from census.identity import with_check_digit
from census.synth import first_households, synthesize_rows
from gis.schools import rounds
from kernel.config import get_settings

ROUND = 2569


def household(**changes: Any) -> dict[str, Any]:
    """A household of tambon 550101 with a GPS point, a child with an ID out of school and one
    with a G-code; a fresh uuid, house number and IDs each call."""
    serial = uuid.uuid4().int
    body = {
        "uuid": str(uuid.uuid4()),
        "round": ROUND,
        "subdistrict_code": "550101",
        "moo": 2,
        "house_number": f"{serial % 500}/1",
        "location": {"lon": 100.7745, "lat": 18.7836, "accuracy_m": 8},
        "children": [
            {
                "national_id": with_check_digit(f"15501{serial % 10**7:07d}"),
                "title": "ด.ช.",
                "first_name": "ส่งซ้ำ",
                "last_name": "ทดสอบ",
                "sex": "ชาย",
                "birth_date": "02/01/2558",
                "enrolment_status": "ไม่ได้เรียน",
                "not_enrolled_reason": "ย้ายตามผู้ปกครอง",
            },
            {
                "g_code": f"G{serial % 10**10:010d}",
                "first_name": "น้อง",
                "last_name": "ทดสอบ",
                "sex": "F",
                "birth_date": "2020-12-31",
            },
        ],
    }
    return body | changes


def small_household() -> dict[str, Any]:
    """The least a surveyor can send: a house of moo 1, tambon 550101, one child, no point."""
    serial = uuid.uuid4().int
    return {
        "uuid": str(uuid.uuid4()),
        "round": ROUND,
        "subdistrict_code": "550101",
        "moo": 1,
        "house_number": str(serial % 900 + 1),
        "children": [
            {
                "national_id": with_check_digit(f"15501{serial % 10**7:07d}"),
                "first_name": "ทดสอบ",
                "last_name": "สิทธิ์",
                "sex": "ชาย",
                "birth_date": "01/06/2560",
            }
        ],
    }


def new_school() -> dict[str, Any]:
    """A school in tambon 550101 with a fresh 10-digit code (98...: never a demo code)."""
    return {
        "code": f"98{uuid.uuid4().int % 10**8:08d}",
        "name_th": "โรงเรียนทดสอบสิทธิ์",
        "grades": ["P1", "P2"],
        "subdistrict_code": "550101",
        "lon": 100.7745,
        "lat": 18.7836,
    }


# A census file of one child in the import's Thai layout.
SMALL_CENSUS_FILE = (
    "ตำบล,อำเภอ,จังหวัด,หมู่ที่,บ้านเลขที่,เลขประจำตัวประชาชน,ชื่อ,นามสกุล,เพศ,วันเดือนปีเกิด\n"
    "ในเวียง,เมืองน่าน,น่าน,1,99/9,1550100000014,ทดสอบ,นำเข้า,หญิง,01/06/2560\n"
).encode()

# A small service area in Mueang Nan, as an uploaded GeoJSON file.
SQUARE_GEOJSON = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
    b'{"type":"Polygon","coordinates":[[[100.77,18.78],[100.78,18.78],[100.78,18.79],'
    b"[100.77,18.79],[100.77,18.78]]]}}]}"
)

CENSUS_HEADER = "เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,เพศ,วันเกิด,บ้านเลขที่,หมู่,ตำบล,อำเภอ,จังหวัด"


def person(serial: int) -> str:
    """A valid 13-digit ID of Nan numbered ``serial``."""
    return with_check_digit(f"15501{serial:07d}")


def synthetic_rows(
    engine: Engine, *, seed: int, households: int, tambon_name: str | None = None
) -> list[dict[str, Any]]:
    """The first ``households`` households of the synthetic census of Nan for ``seed`` (only
    those of the tambon named, if one is)."""
    with Session(engine) as session:
        rows = synthesize_rows(
            session,
            province_code="55",
            round_year=ROUND,
            seed=seed,
            data_dir=get_settings().data_dir,
        )
        if tambon_name is not None:
            rows = (row for row in rows if row["ตำบล"] == tambon_name)
        return first_households(rows, households)


def rows_in_550101(engine: Engine, households: int = 8) -> list[dict[str, Any]]:
    return synthetic_rows(engine, seed=99, households=households, tambon_name="ในเวียง")


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """Rows as a cp874 CSV, as an office's spreadsheet saves them."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("cp874")


def poll(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """An import job's report once it has finished (a minute at most)."""
    deadline = time.monotonic() + 60
    while True:
        job = client.get(url, headers=headers).json()
        if job["state"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline
        time.sleep(0.1)


def matched_child(
    session: Session,
    tambon: str,
    status: str = "no_record",
    *,
    moo: int = 1,
    born: str = "2016-05-01",
    first_name: str = "ติดตาม",
) -> str:
    """A child of the civil registration in ``tambon`` (moo 1) that matching gave ``status``;
    returns its reference (``census.follow_up.CHILD_REF_SQL``). In the caller's transaction."""
    extract = session.execute(
        text(
            "INSERT INTO register_extract (round_year, kind, agency, as_of, source_name, "
            "content_sha256, rows) VALUES (:y, 'civil', 'dopa', '2026-06-01', "
            "'civil_register_synthetic_test.csv', :h, 1) RETURNING id"
        ),
        {"y": ROUND, "h": uuid.uuid4().hex},
    ).scalar_one()
    record = session.execute(
        text(
            "INSERT INTO register_record (extract_id, row_number, national_id_masked, title, "
            "first_name, last_name, sex, birth_date, house_number, moo, subdistrict_code) "
            "VALUES (:e, 2, 'x-xxxx-xxxxx-12-3', 'ด.ช.', :first, 'ทะเบียน', 'M', "
            "CAST(:born AS date), '7/1', :moo, :t) RETURNING id"
        ),
        {"e": extract, "t": tambon, "moo": moo, "born": born, "first": first_name},
    ).scalar_one()
    key = f"test:{uuid.uuid4().hex}"
    session.execute(
        text(
            "INSERT INTO register_match (round_year, person_key, status, civil_record_id, "
            "subdistrict_code, expected_grade, explanation) "
            "VALUES (:y, :k, :s, :r, :t, 'P4', '{}')"
        ),
        {"y": ROUND, "k": key, "s": status, "r": record, "t": tambon},
    )
    return hashlib.md5(key.encode()).hexdigest()[:20]


OFFICE_FORM_ID = "toilet_survey"
OFFICE_SURVEY: list[tuple[object, ...]] = [
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


def office_xlsform(
    form_id: str = OFFICE_FORM_ID,
    version: str = "2026120201",
    survey: list[tuple[object, ...]] = OFFICE_SURVEY,
    title: str = "สำรวจห้องน้ำโรงเรียน",
    public_key: str | None = None,
) -> bytes:
    """An office's own XLSForm (a survey of school toilets): a geopoint, a repeat with a select
    question and a name, a question marked personal and a name marked not."""
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
    settings.append(["form_id", "version", "form_title", "public_key"])
    settings.append([form_id, version, title, public_key])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def office_submission(
    instance: str,
    toilets: str = "4",
    remark: str = "=1+1",
    point: str = "18.7836 100.7745 250 6",
    form_id: str = OFFICE_FORM_ID,
) -> bytes:
    """A submission of ``office_xlsform`` as Collect sends it: two rooms, a good and a poor."""
    return (
        f'<data id="{form_id}" version="2026120201"><school_name>บ้านนา</school_name>'
        f"<toilets>{toilets}</toilets><location>{point}</location>"
        "<rooms><condition>good</condition><keeper_name>ลุงมี</keeper_name></rooms>"
        "<rooms><condition>poor</condition><keeper_name/></rooms>"
        f"<remark>{remark}</remark><meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def june_round(
    session: Session,
    title_th: str,
    *,
    office_code: str | None = None,
    deadline: dt.date = dt.date(2026, 6, 30),
    kind: str = "enrolment",
) -> int:
    """A data round (enrolment unless said) of 2569 counted on 10 June (open from 1 June),
    asking the office's schools (every school with no office); its id."""
    return rounds.create_round(
        session,
        kind=kind,
        title_th=title_th,
        academic_year=2569,
        counting_day=dt.date(2026, 6, 10),
        opens_on=dt.date(2026, 6, 1),
        deadline=deadline,
        office_code=office_code,
        actor="test",
    ).id
