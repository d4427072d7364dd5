"""Seeded synthetic school records for what public data lacks: enrolment, classrooms,
personnel, ICT, internet and assets. Every row it writes says ``synthetic = true``.

Calibrated to be plausible for a rural northern province: most primary schools are small
(the median Nan primary school has well under 120 pupils), a few town schools are large, and
secondary schools are larger; buildings from the 2510s-2560s in mixed condition.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from gis.schools.grades import level_of
from gis.schools.models import (
    Building,
    DeviceMaintenance,
    DurableGood,
    IctDevice,
    InternetLink,
    School,
    SchoolGradeYear,
    SchoolPersonnel,
)
from gis.schools.norms import class_size_norms
from kernel.db import Base
from kernel.vocabulary import DURABLE_GOOD_CATEGORIES

# Median pupils per grade and the spread (log-normal sigma) by the school's top level.
MEDIAN_PER_GRADE = {"primary": 11.0, "lower_secondary": 45.0, "upper_secondary": 60.0}
SIGMA = 0.75
DEVICE_KINDS = [
    # kind, purpose, pupils per device (None: per school), range per school
    ("computer", "learning", 8.0, None),
    ("computer", "administration", None, (2, 6)),
    ("notebook", "learning", 25.0, None),
    ("tablet", "learning", 15.0, None),
    ("printer", None, None, (1, 4)),
    ("scanner", None, None, (0, 2)),
    ("projector", "learning", None, (1, 5)),
]
LINKS = [
    ("fiber", 0.6, (100, 1000)),
    ("adsl", 0.15, (20, 50)),
    ("4g", 0.15, (10, 60)),
    ("satellite", 0.10, (5, 20)),
]
BUILDING_DESIGNS = [
    ("อาคารเรียน", "แบบ สปช.105/29"),
    ("อาคารเรียน", "แบบ 017"),
    ("อาคารเรียน", "แบบ 216ล"),
    ("อาคารเรียน", "แบบ 108ล"),
    ("โรงอาหาร", "แบบ 312"),
    ("ส้วม", "แบบ สปช.601/26"),
    ("หอประชุม", "แบบ สปช.202/26"),
    ("บ้านพักครู", "แบบ องค์การฯ 203/27"),
]
DURABLE_CATEGORIES = list(zip(DURABLE_GOOD_CATEGORIES, (1.0, 0.05, 0.03, 0.01), strict=True))


def _profile(seed: int, school: School, building_years: list[int]) -> dict[str, Any]:
    """A founding year up to ten years before the school's oldest building (none built before
    2510, so every founding year is after 2500, the registry's earliest), a Nan-style landline
    (area code 054) and an address under the reserved ``.example`` domain. Its own random
    stream, so the school's other records stay as they were before profiles existed."""
    rng = np.random.default_rng([seed, int(school.code), 1])
    oldest = min(building_years, default=2540)
    return {
        "id": school.id,
        "founded_year": oldest - int(rng.integers(0, 10)),
        "phone": f"054-{int(rng.integers(600, 800))}-{int(rng.integers(0, 1000)):03d}",
        "email": f"school{school.code}@obec.example",
        "profile_synthetic": True,
    }


def _grade_counts(rng: np.random.Generator, grades: list[str]) -> dict[str, int]:
    top = level_of(grades[-1]) if grades else "primary"
    scale = MEDIAN_PER_GRADE.get(top, MEDIAN_PER_GRADE["primary"])
    size = rng.lognormal(math.log(scale), SIGMA)
    counts = {}
    for grade in grades:
        # Kindergarten classes are a little smaller; upper grades thin out in rural schools.
        factor = 0.8 if grade.startswith("K") else 1.0
        counts[grade] = max(0, round(rng.normal(size * factor, max(1.0, size * 0.2))))
    return counts


def census_enrolment(
    session: Session, *, province_code: str, round_year: int
) -> dict[str, dict[str, tuple[int, int]]]:
    """Children the census round records as enrolled, per school code and grade: (boys, girls).
    Empty when the province has no census for the round."""
    rows = session.execute(
        text(
            """
            SELECT ch.school_code, ch.grade,
                   count(*) FILTER (WHERE ch.sex = 'M'), count(*) FILTER (WHERE ch.sex = 'F')
            FROM child ch JOIN school s ON s.code = ch.school_code
            WHERE ch.round_year = :round_year AND ch.enrolment_status = 'enrolled'
              AND ch.grade IS NOT NULL AND s.subdistrict_code LIKE :prefix
            GROUP BY 1, 2
            """
        ),
        {"round_year": round_year, "prefix": f"{province_code}%"},
    ).all()
    enrolment: dict[str, dict[str, tuple[int, int]]] = {}
    for code, grade, boys, girls in rows:
        enrolment.setdefault(code, {})[grade] = (int(boys), int(girls))
    return enrolment


def fill_synthetic_records(
    session: Session,
    *,
    province_code: str,
    academic_year: int,
    seed: int = 2569,
    enrolment: dict[str, dict[str, tuple[int, int]]] | None = None,
) -> dict[str, int]:
    """Replace the synthetic records of the province's schools for one year (idempotent for a
    seed). Real rows (``synthetic = false``) are never touched; a school with real enrolment
    for the year gets no synthetic enrolment.

    With ``enrolment`` (``census_enrolment``), each school's pupils are the census children
    enrolled there, so its demand and enrolment tell one story; staff, ICT and buildings then
    scale with those pupils. Without it, enrolment is drawn from the size distribution."""
    norms = class_size_norms()
    schools = session.scalars(
        select(School)
        .where(School.subdistrict_code.like(f"{province_code}%"))
        .order_by(School.code)
    ).all()
    ids = [s.id for s in schools]
    per_school: tuple[
        type[SchoolPersonnel | InternetLink | Building | DurableGood | IctDevice], ...
    ]
    per_school = (SchoolPersonnel, InternetLink, Building, DurableGood, IctDevice)
    for model in per_school:
        session.execute(delete(model).where(model.school_id.in_(ids), model.synthetic.is_(True)))
    session.execute(
        delete(SchoolGradeYear).where(
            SchoolGradeYear.school_id.in_(ids),
            SchoolGradeYear.academic_year == academic_year,
            SchoolGradeYear.synthetic.is_(True),
        )
    )
    real = set(
        session.scalars(
            select(SchoolGradeYear.school_id).where(
                SchoolGradeYear.school_id.in_(ids), SchoolGradeYear.academic_year == academic_year
            )
        )
    )
    grade_rows: list[dict[str, Any]] = []
    staff: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    buildings: list[dict[str, Any]] = []
    goods: list[dict[str, Any]] = []
    devices: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    profiles: list[dict[str, Any]] = []
    for school in schools:
        # One stream per school: adding a school does not change the others.
        rng = np.random.default_rng([seed, int(school.code)])
        grades = list(school.grades)
        by_sex: dict[str, tuple[int, int]] | None = None
        if enrolment is not None:
            counted = enrolment.get(school.code, {})
            by_sex = {grade: counted.get(grade, (0, 0)) for grade in grades}
            counts = {grade: boys + girls for grade, (boys, girls) in by_sex.items()}
        else:
            counts = _grade_counts(rng, grades)
        pupils = sum(counts.values())
        if school.id not in real:
            for grade, count in counts.items():
                norm = norms.students_per_classroom[level_of(grade)]
                rooms = max(1, round(count / norm * rng.uniform(0.75, 1.3))) if count else 1
                male = by_sex[grade][0] if by_sex else int(rng.binomial(count, 0.51))
                grade_rows.append(
                    {
                        "school_id": school.id,
                        "academic_year": academic_year,
                        "grade": grade,
                        "enrolled_male": male,
                        "enrolled_female": count - male,
                        "classrooms": rooms,
                        "synthetic": True,
                        "source": "synthetic",
                        "source_detail": f"ข้อมูลสุ่ม เลขตั้งต้น {seed}",
                    }
                )
        teachers = max(2, round(pupils / rng.uniform(14, 22)))
        for position, count in (
            ("director", 1),
            ("teacher", teachers),
            ("government_employee", int(rng.integers(0, 3))),
            ("contract_teacher", int(rng.integers(0, 3))),
            ("support_staff", int(rng.integers(1, 4))),
        ):
            staff.append(
                {
                    "school_id": school.id,
                    "academic_year": academic_year,
                    "position": position,
                    "count": count,
                    "synthetic": True,
                }
            )
        for kind, purpose, per_pupil, spread in DEVICE_KINDS:
            if per_pupil is not None:
                count = round(pupils / per_pupil * rng.uniform(0.5, 1.5))
            else:
                assert spread is not None
                count = int(rng.integers(spread[0], spread[1] + 1))
            if count <= 0:
                continue
            broken = int(rng.binomial(count, 0.12))
            device = {
                "school_id": school.id,
                "kind": kind,
                "purpose": purpose,
                "count": count,
                "working": count - broken,
                "year_acquired": int(rng.integers(2555, 2569)),
                "note": "",
                "synthetic": True,
            }
            repairs = [
                {
                    "date": dt.date(2025, int(rng.integers(1, 13)), int(rng.integers(1, 28))),
                    "problem": "เปิดไม่ติด" if kind in ("computer", "notebook") else "ชำรุด",
                    "action": "ส่งซ่อม",
                    "cost_baht": int(rng.integers(300, 4000)),
                }
                for _ in range(min(broken, 2))
            ]
            devices.append((device, repairs))
        link_index = rng.choice(len(LINKS), p=[p for _, p, _ in LINKS])
        link_type, _, (low, high) = LINKS[link_index]
        links.append(
            {
                "school_id": school.id,
                "link_type": link_type,
                "mbps": float(rng.integers(low, high + 1)),
                "provider": str(rng.choice(["NT", "UniNet", "TRUE", "AIS"])),
                "synthetic": True,
            }
        )
        built = len(buildings)
        for _ in range(int(rng.integers(1, 3 + pupils // 200))):
            kind, design = BUILDING_DESIGNS[int(rng.integers(0, len(BUILDING_DESIGNS)))]
            buildings.append(
                {
                    "school_id": school.id,
                    "kind": kind,
                    "design_name": design,
                    "year_built": int(rng.integers(2510, 2566)),
                    "floors": int(rng.choice([1, 1, 2, 2, 3])),
                    "rooms": int(rng.integers(1, 12)),
                    "condition": int(rng.choice([1, 2, 3, 3, 4, 4, 5])),
                    "synthetic": True,
                }
            )
        # A synthetic profile follows the buildings drawn now (a second fill draws others);
        # one the office entered stays.
        if school.profile_synthetic or (school.founded_year is None and not school.phone):
            profiles.append(_profile(seed, school, [b["year_built"] for b in buildings[built:]]))
        for category, per_pupil in DURABLE_CATEGORIES:
            goods.append(
                {
                    "school_id": school.id,
                    "category": category,
                    "count": max(1, round(pupils * per_pupil * rng.uniform(0.8, 1.3))),
                    "condition": int(rng.choice([2, 3, 3, 4, 4, 5])),
                    "synthetic": True,
                }
            )

    batches: tuple[tuple[type[Base], list[dict[str, Any]]], ...] = (
        (SchoolGradeYear, grade_rows),
        (SchoolPersonnel, staff),
        (InternetLink, links),
        (Building, buildings),
        (DurableGood, goods),
    )
    for table, rows in batches:
        if rows:
            session.execute(insert(table), rows)
    if profiles:
        session.execute(update(School), profiles)
    if devices:
        device_ids = session.scalars(
            insert(IctDevice).returning(IctDevice.id, sort_by_parameter_order=True),
            [d for d, _ in devices],
        ).all()
        repairs = [
            {**r, "device_id": i}
            for i, (_, rs) in zip(device_ids, devices, strict=True)
            for r in rs
        ]
        if repairs:
            session.execute(insert(DeviceMaintenance), repairs)
    session.flush()
    return {
        "schools": len(schools),
        "grade_rows": len(grade_rows),
        "devices": len(devices),
        "buildings": len(buildings),
    }
