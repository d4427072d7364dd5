"""The household census form as an XLSForm: it converts with pyxform without warnings, a broken
one is refused with pyxform's message, and a submission built from the generated XForm's own
instance (as ODK Collect fills it) is stored by the census exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.xlsform import (
    HOUSEHOLD_FORM_FILE,
    HOUSEHOLD_FORM_ID,
    convert_xlsform,
    household_payload,
)
from kernel.config import get_settings
from kernel.errors import InvalidInputError
from tests.helpers.odk import filled_instance
from tests.helpers.world import Account

FORM = get_settings().data_dir / "forms" / HOUSEHOLD_FORM_FILE


def test_the_shipped_form_converts_without_warnings() -> None:
    form = convert_xlsform(FORM)
    assert form.warnings == ()
    assert (form.form_id, form.title) == (HOUSEHOLD_FORM_ID, "สำมะโนประชากรวัยเรียน: ครัวเรือน")
    assert form.version and form.hash.startswith("md5:") and len(form.hash) == 36
    assert 'type="geopoint"' in form.xml and "jr://file-csv/schools.csv" in form.xml


def test_a_broken_xlsform_is_refused_with_pyxform_s_message(tmp_path: Path) -> None:
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["integr", "age", "อายุ"])  # a type pyxform does not know
    path = tmp_path / "broken.xlsx"
    book.save(path)
    with pytest.raises(InvalidInputError, match=r"broken\.xlsx") as refused:
        convert_xlsform(path)
    assert "integr" in str(refused.value)


def test_a_submission_of_the_generated_xform_is_stored_by_the_census_exactly(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    form = convert_xlsform(FORM)
    submission = filled_instance(
        form.xml,
        {
            "subdistrict_code": "550101",
            "moo": "2",
            "house_number": "88/1",
            "location": "18.7831 100.7781 210.5 6.0",
            "end": "2026-11-20T10:15:00.000+07:00",
        },
        [
            {
                "id_kind": "national_id",
                "national_id": "1550199000020",
                "title": "ด.ญ.",
                "first_name": "แบบฟอร์ม",
                "last_name": "โอดีเค",
                "sex": "F",
                "birth_date": "2016-11-02",
                "enrolment_status": "not_enrolled",
                "not_enrolled_reason": "ช่วยงานบ้าน",
            },
            {
                "id_kind": "g_code",
                "g_code": "G550100000777",
                "first_name": "จายคำ",
                "last_name": "ทุนละ",
                "sex": "M",
                "birth_date": "2018-01-15",
                "enrolment_status": "enrolled",
                "school_code": "9955010001",
                "grade": "P2",
            },
        ],
    )
    payload = household_payload(submission, 2569)
    sent = client.post(
        "/api/v1/census/households", headers=accounts["surveyor"].headers, json=payload
    )
    assert sent.status_code == 201, sent.text
    stored = db_session.execute(
        text(
            "SELECT h.house_number, h.moo, round(ST_Y(h.location)::numeric, 4)::float, "
            "round(ST_X(h.location)::numeric, 4)::float, h.location_accuracy_m FROM household h "
            "WHERE h.uuid = :u"
        ),
        {"u": payload["uuid"]},
    ).one()
    assert tuple(stored) == ("88/1", 2, 18.7831, 100.7781, 6.0)
    children = db_session.execute(
        text(
            "SELECT c.first_name, c.id_kind, c.g_code, c.birth_date, c.enrolment_status, "
            "c.school_code, c.grade, c.not_enrolled_reason FROM child c JOIN household h "
            "ON h.id = c.household_id WHERE h.uuid = :u ORDER BY c.first_name"
        ),
        {"u": payload["uuid"]},
    ).all()
    assert [tuple(map(str, c)) for c in children] == [
        ("จายคำ", "g_code", "G550100000777", "2018-01-15", "enrolled", "9955010001", "P2", "None"),
        (
            "แบบฟอร์ม",
            "national_id",
            "None",
            "2016-11-02",
            "not_enrolled",
            "None",
            "None",
            "ช่วยงานบ้าน",
        ),
    ]
    # The same instanceID again is the same household: stored once.
    again = client.post(
        "/api/v1/census/households", headers=accounts["surveyor"].headers, json=payload
    )
    assert again.status_code == 200
    count = db_session.execute(
        text("SELECT count(*) FROM household WHERE uuid = :u"), {"u": payload["uuid"]}
    ).scalar_one()
    assert count == 1


def test_a_submission_of_another_form_or_without_an_instance_id_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="edumap_household"):
        household_payload(
            b'<data id="toilets"><meta><instanceID>uuid:1</instanceID></meta></data>', 2569
        )
    with pytest.raises(InvalidInputError, match="instanceID"):
        household_payload(b'<data id="edumap_household"><meta/></data>', 2569)
