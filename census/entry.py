"""What the household form needs to ask as a surveyor thinks: the tambons and villages the
person may survey (by name, with their moo and point), the schools of those districts with the
grades they teach, and a check of one child by the same rules as a submission."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.dates import DateProblem, parse_thai_date
from census.forms import clean_child
from census.rules import EnrolmentStatus, assess
from kernel.config import Settings
from kernel.policy import office_districts
from kernel.principal import Principal, Role
from kernel.vocabulary import GRADE_LABELS_TH, LEVEL_LABELS_TH


def _tambon_scope(
    session: Session, principal: Principal, settings: Settings
) -> tuple[str, dict[str, Any]]:
    """SQL on ``t`` (subdistrict) for the tambons the principal may enter households in."""
    if principal.role == Role.admin:
        return "t.code LIKE :province || '%'", {"province": settings.demo_province}
    if principal.role == Role.planner:
        return "t.district_code = ANY(:districts)", {
            "districts": sorted(office_districts(session, principal.office_code))
        }
    return "t.code = ANY(:tambons)", {"tambons": sorted({code for code, _ in principal.areas})}


def entry_places(session: Session, principal: Principal, settings: Settings) -> dict[str, Any]:
    """Tambons (with their villages by moo) the principal may survey, and the schools of their
    districts: small enough to ride in the form's page, so the form keeps working when the
    signal drops after it loaded."""
    where, params = _tambon_scope(session, principal, settings)
    tambons: dict[str, dict[str, Any]] = {}
    for row in session.execute(
        text(
            f"""
        SELECT t.code, t.name_th, d.name_th AS district_name_th,
               v.id AS village_id, v.code AS village_code, v.moo, v.name_th AS village_name_th,
               round(ST_X(v.geom)::numeric, 5) AS lon, round(ST_Y(v.geom)::numeric, 5) AS lat
        FROM subdistrict t JOIN district d ON d.code = t.district_code
        LEFT JOIN village v ON v.subdistrict_code = t.code
        WHERE {where}
        ORDER BY t.name_th, t.code, v.moo NULLS LAST, v.name_th, v.id
        """
        ),
        params,
    ).mappings():
        tambon = tambons.setdefault(
            row["code"],
            {
                "code": row["code"],
                "name_th": row["name_th"],
                "district_name_th": row["district_name_th"],
                "villages": [],
            },
        )
        if row["village_id"] is None:
            continue
        moo = row["moo"]  # unknown for villages DOPA's list does not name: typed on the form
        if principal.role == Role.surveyor and not principal.covers(row["code"], moo):
            continue
        tambon["villages"].append(
            {
                "id": row["village_id"],
                "code": row["village_code"],
                "moo": moo,
                "name_th": row["village_name_th"],
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
            }
        )
    districts = sorted({code[:4] for code in tambons})
    schools = [
        {
            "code": r["code"],
            "name_th": r["name_th"],
            "grades": r["grades"],
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
        }
        for r in session.execute(
            text(
                "SELECT code, name_th, grades, round(ST_X(location)::numeric, 5) AS lon, "
                "round(ST_Y(location)::numeric, 5) AS lat FROM school "
                "WHERE left(subdistrict_code, 4) = ANY(:d) ORDER BY code"
            ),
            {"d": districts},
        ).mappings()
    ]
    return {"tambons": list(tambons.values()), "schools": schools}


def check_child(
    session: Session, settings: Settings, round_year: int, child: dict[str, Any]
) -> dict[str, Any]:
    """One child as the submission would judge it, while it is typed: the problems by field
    (Thai first) and, once the birth date reads, the grade the child should be in, its stage
    and whether the Compulsory Education Act covers the child."""
    code = child.get("school_code")
    schools = (
        set(session.scalars(text("SELECT code FROM school WHERE code = :c"), {"c": code}))
        if code
        else set()
    )
    record, problems = clean_child(child, settings, round_year, schools)
    result: dict[str, Any] = {
        "problems": [{"field": p.field, "message": p.message} for p in problems],
        "assessment": None,
    }
    # The grade follows from the birth date alone: say it as soon as the date reads, before
    # the rest of the child is typed.
    if any(p.field == "birth_date" for p in problems) or not child.get("birth_date"):
        return result
    try:
        born = parse_thai_date(child["birth_date"]).value
    except DateProblem:
        return result
    status = record.enrolment_status if record else EnrolmentStatus.not_enrolled
    assessed = assess(born, round_year, status)
    result["assessment"] = {
        "age_on_cutoff": assessed.age_on_cutoff,
        "expected_grade": assessed.expected_grade,
        "expected_grade_th": GRADE_LABELS_TH.get(assessed.expected_grade or ""),
        "stage": assessed.stage,
        "stage_th": LEVEL_LABELS_TH.get(assessed.stage, "อยู่นอกช่วงวัยเรียน"),
        "compulsory_age": assessed.compulsory_age,
        "out_of_school": assessed.out_of_school,
    }
    return result
