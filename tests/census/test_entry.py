"""The household form's data and its as-you-type check, as plain functions."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from census import entry
from kernel.config import get_settings
from kernel.principal import Principal, Role

SURVEYOR = Principal(
    user_id=1, username="s", role=Role.surveyor, areas=frozenset({("550102", 2), ("550103", None)})
)


def test_a_surveyor_is_offered_their_tambons_and_assigned_villages_only(
    db_session: Session,
) -> None:
    places = entry.entry_places(db_session, SURVEYOR, get_settings())
    by_code = {t["code"]: t for t in places["tambons"]}
    assert sorted(by_code) == ["550102", "550103"]
    assert {v["moo"] for v in by_code["550102"]["villages"]} == {2}  # moo 2 only
    assert len(by_code["550103"]["villages"]) == 6  # the whole tambon: every village
    # the schools of district 5501, with the grades the form filters them by
    codes = {s["code"] for s in places["schools"]}
    in_district = set(
        db_session.scalars(text("SELECT code FROM school WHERE subdistrict_code LIKE '5501%'"))
    )
    assert codes == in_district and all(s["grades"] for s in places["schools"])


def test_the_check_gives_the_grade_from_the_birth_date_before_the_rest_is_typed(
    db_session: Session,
) -> None:
    result = entry.check_child(db_session, get_settings(), 2569, {"birth_date": "15/03/2562"})
    assert result["assessment"]["expected_grade"] == "P1"
    assert result["assessment"]["expected_grade_th"] == "ประถมศึกษาปีที่ 1"
    assert result["assessment"]["compulsory_age"] is True
    fields = {p["field"] for p in result["problems"]}
    assert {"first_name", "last_name", "sex"} <= fields  # what is still missing


def test_the_check_names_a_bad_id_a_bad_date_and_an_unknown_school(db_session: Session) -> None:
    result = entry.check_child(
        db_session,
        get_settings(),
        2569,
        {
            "national_id": "1550100000015",
            "birth_date": "31/02/2562",
            "enrolment_status": "กำลังเรียน",
            "school_code": "0000000000",
        },
    )
    problems = {p["field"]: p["message"] for p in result["problems"]}
    assert "เลขตรวจสอบ" in problems["national_id"]
    assert "birth_date" in problems and "school_code" in problems
    assert result["assessment"] is None
