"""Three hand-made schools of a test office whose ICT needs and procurement plan are worked
out by hand in tests/gis/ict/test_needs_and_plan.py (issue 20)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

OFFICE = "T9901"
SCHOOL_A, SCHOOL_B, SCHOOL_C = "9000000001", "9000000002", "9000000003"
ACADEMIC_YEAR = 2569
FISCAL_YEAR = 2570

# code: (grades with pupils, teachers, devices (kind, purpose, count, working, acquired),
# links (type, Mbps))
SCHOOLS = {
    SCHOOL_A: (
        {"P1": 20, "P2": 15, "P3": 15, "P4": 15, "P5": 15, "P6": 15},
        5,
        [
            ("computer", "learning", 6, 5, 2566),
            ("tablet", "learning", 4, 4, 2560),  # past a tablet's 4 years in 2570
            ("computer", "administration", 2, 2, 2569),
            ("printer", None, 1, 0, 2568),
            ("projector", "learning", 2, 2, 2565),  # not a need the norms count
        ],
        [("adsl", 20.0)],
    ),
    SCHOOL_B: (
        {"M1": 10, "M2": 10, "M3": 10},
        4,
        [("notebook", "learning", 6, 6, 2568), ("printer", None, 1, 1, 2569)],
        [],
    ),
    SCHOOL_C: (
        {"K2": 15, "K3": 15, **{f"P{n}": 35 for n in range(1, 7)}},
        12,
        [],
        [("fiber", 100.0), ("4g", 40.0)],
    ),
}


def make_ict_schools(session: Session) -> None:
    """The office and its three schools in tambon 550101 (rolled back with the session)."""
    session.execute(
        text(
            "INSERT INTO service_area_office (code, name_th, kind, province_code) "
            "VALUES (:o, 'สำนักงานทดสอบไอซีที', 'primary', '55')"
        ),
        {"o": OFFICE},
    )
    for code, (grades, teachers, devices, links) in SCHOOLS.items():
        school_id = session.execute(
            text(
                "INSERT INTO school (code, code_synthetic, name_th, grades, affiliation, "
                "subdistrict_code, office_code, location, location_source, "
                "location_accuracy_m, source) VALUES (:code, false, :name, :grades, "
                "'obec_primary', '550101', :office, "
                "ST_SetSRID(ST_MakePoint(100.77, 18.78), 4326), 'surveyed', 10, 'test') "
                "RETURNING id"
            ),
            {
                "code": code,
                "name": f"โรงเรียนทดสอบ {code[-1]}",
                "grades": list(grades),
                "office": OFFICE,
            },
        ).scalar_one()
        for grade, pupils in grades.items():
            session.execute(
                text(
                    "INSERT INTO school_grade_year (school_id, academic_year, grade, "
                    "enrolled_male, enrolled_female, classrooms, source, synthetic) "
                    "VALUES (:s, :y, :g, :m, :f, 1, 'office_import', false)"
                ),
                {
                    "s": school_id,
                    "y": ACADEMIC_YEAR,
                    "g": grade,
                    "m": pupils // 2,
                    "f": pupils - pupils // 2,
                },
            )
        session.execute(
            text(
                "INSERT INTO school_personnel (school_id, academic_year, position, count, "
                "synthetic) VALUES (:s, :y, 'teacher', :n, false), (:s, :y, 'director', 1, false)"
            ),
            {"s": school_id, "y": ACADEMIC_YEAR, "n": teachers},
        )
        for kind, purpose, count, working, acquired in devices:
            session.execute(
                text(
                    "INSERT INTO ict_device (school_id, kind, purpose, count, working, "
                    "year_acquired, note, synthetic) VALUES (:s, :k, :p, :c, :w, :y, '', false)"
                ),
                {"s": school_id, "k": kind, "p": purpose, "c": count, "w": working, "y": acquired},
            )
        for link_type, mbps in links:
            session.execute(
                text(
                    "INSERT INTO internet_link (school_id, link_type, mbps, provider, synthetic) "
                    "VALUES (:s, :t, :m, 'NT', false)"
                ),
                {"s": school_id, "t": link_type, "m": mbps},
            )
    # A reported its learning devices' use: computers 20 hours a week, tablets 10.
    session.execute(
        text(
            "UPDATE ict_device d SET hours_per_week = CASE d.kind WHEN 'computer' THEN 20 "
            "ELSE 10 END FROM school s WHERE s.id = d.school_id AND s.code = :a "
            "AND d.purpose = 'learning' AND d.kind IN ('computer', 'tablet')"
        ),
        {"a": SCHOOL_A},
    )
    session.flush()
