"""What each school has against the ICT norms, and what it lacks (issue 20, part 1).

Per school and need (devices for learning, for administration, printers): the norm asks a
number (pupils of each level over the pupils per device; teachers over teachers per device;
printers by the school's size band); the school has devices that work, that are broken, and
that work but are older than their replacement age; the usable ones (working, not over age)
count towards the norm; the shortfall is what is missing. The internet link is measured the
same way in Mbps. All of it is one SQL query over the registry, so a whole country's schools
are counted where the data lives.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.ict.models import PURCHASE_NEEDS
from gis.ict.norms import IctNorms, ict_norms
from gis.schools.norms import class_size_norms
from gis.schools.round_rules import TEACHING_POSITIONS
from kernel.errors import InvalidInputError
from kernel.ratios import ratio

NEED_FIELDS = ("required", "count", "working", "broken", "over_age", "usable", "shortfall")
AREA_LEVELS = ("district", "esao")


def current_year_be(today: dt.date | None = None) -> int:
    return (today or dt.date.today()).year + 543


# The schools in scope with pupils (latest year counted), teachers, size band, the norm per
# need, and their devices per need; one row per school and need. Bind ``needs_params``.
NEEDS_CTES = f"""
    scope AS (
        SELECT s.id, s.code, s.name_th, t.district_code, d.name_th AS district_name_th,
            s.office_code
        FROM school s JOIN subdistrict t ON t.code = s.subdistrict_code
        JOIN district d ON d.code = t.district_code
        WHERE (CAST(:districts AS text[]) IS NULL OR t.district_code = ANY(:districts))
          AND (CAST(:office_code AS text) IS NULL OR s.office_code = :office_code)
          AND (CAST(:school_code AS text) IS NULL OR s.code = :school_code)
    ),
    latest_count AS (
        SELECT gy.school_id, max(gy.academic_year) AS academic_year
        FROM school_grade_year gy JOIN scope ON scope.id = gy.school_id GROUP BY gy.school_id
    ),
    pupils AS (
        SELECT gy.school_id,
            sum(gy.enrolled_male + gy.enrolled_female)::int AS total,
            sum(gy.enrolled_male + gy.enrolled_female) FILTER (WHERE gy.grade LIKE 'K%')
                AS pre_primary,
            sum(gy.enrolled_male + gy.enrolled_female) FILTER (WHERE gy.grade LIKE 'P%')
                AS primary_,
            sum(gy.enrolled_male + gy.enrolled_female)
                FILTER (WHERE gy.grade IN ('M1', 'M2', 'M3')) AS lower_secondary,
            sum(gy.enrolled_male + gy.enrolled_female)
                FILTER (WHERE gy.grade IN ('M4', 'M5', 'M6')) AS upper_secondary
        FROM school_grade_year gy
        JOIN latest_count l ON l.school_id = gy.school_id AND l.academic_year = gy.academic_year
        GROUP BY gy.school_id
    ),
    latest_staff AS (
        SELECT sp.school_id, max(sp.academic_year) AS academic_year
        FROM school_personnel sp JOIN scope ON scope.id = sp.school_id GROUP BY sp.school_id
    ),
    teachers AS (
        SELECT sp.school_id, sum(sp.count)::int AS teachers
        FROM school_personnel sp
        JOIN latest_staff l ON l.school_id = sp.school_id AND l.academic_year = sp.academic_year
        WHERE sp.position IN {TEACHING_POSITIONS}
        GROUP BY sp.school_id
    ),
    devices AS (
        SELECT x.school_id, x.need, sum(x.count)::int AS count, sum(x.working)::int AS working,
            coalesce(sum(x.working) FILTER (WHERE x.over_age), 0)::int AS over_age
        FROM (
            SELECT dv.school_id, dv.count, dv.working,
                CASE WHEN dv.purpose = 'learning' AND dv.kind IN ('computer', 'notebook', 'tablet')
                        THEN 'learning'
                     WHEN dv.kind IN ('computer', 'notebook') THEN 'administration'
                     WHEN dv.kind = 'printer' THEN 'printer' END AS need,
                dv.year_acquired IS NOT NULL
                    AND :as_of_year - dv.year_acquired
                        > (CAST(:replacement_age AS jsonb) ->> dv.kind)::int AS over_age
            FROM ict_device dv JOIN scope ON scope.id = dv.school_id
        ) x
        WHERE x.need IS NOT NULL
        GROUP BY x.school_id, x.need
    ),
    links AS (
        SELECT i.school_id, max(i.mbps) AS mbps, string_agg(DISTINCT i.link_type, ',') AS types
        FROM internet_link i JOIN scope ON scope.id = i.school_id GROUP BY i.school_id
    ),
    schools AS (
        SELECT sc.*, coalesce(p.total, 0) AS pupils, coalesce(te.teachers, 0) AS teachers,
            CASE WHEN coalesce(p.total, 0) <= :small_max THEN 'small'
                 WHEN coalesce(p.total, 0) <= :medium_max THEN 'medium'
                 WHEN coalesce(p.total, 0) <= :large_max THEN 'large'
                 ELSE 'extra_large' END AS size_band,
            (coalesce(ceil(coalesce(p.pre_primary, 0)::numeric
                           / nullif(:pupils_per_pre_primary, 0)), 0)
             + coalesce(ceil(coalesce(p.primary_, 0)::numeric / nullif(:pupils_per_primary, 0)), 0)
             + coalesce(ceil(coalesce(p.lower_secondary, 0)::numeric
                             / nullif(:pupils_per_lower_secondary, 0)), 0)
             + coalesce(ceil(coalesce(p.upper_secondary, 0)::numeric
                             / nullif(:pupils_per_upper_secondary, 0)), 0))::int
                AS learning_required,
            greatest(:admin_devices_minimum,
                     ceil(coalesce(te.teachers, 0) / :teachers_per_admin_device))::int
                AS administration_required,
            l.mbps, l.types AS link_types,
            greatest(:minimum_mbps, coalesce(p.total, 0) * :mbps_per_pupil) AS required_mbps
        FROM scope sc LEFT JOIN pupils p ON p.school_id = sc.id
        LEFT JOIN teachers te ON te.school_id = sc.id
        LEFT JOIN links l ON l.school_id = sc.id
    ),
    needs AS (
        SELECT s.*, n.need, n.need_order,
            CASE n.need WHEN 'learning' THEN s.learning_required
                WHEN 'administration' THEN s.administration_required
                ELSE CASE s.size_band WHEN 'small' THEN :printers_small
                    WHEN 'medium' THEN :printers_medium WHEN 'large' THEN :printers_large
                    ELSE :printers_extra_large END END AS required,
            coalesce(d.count, 0) AS count, coalesce(d.working, 0) AS working,
            coalesce(d.over_age, 0) AS over_age
        FROM schools s
        CROSS JOIN (VALUES ('learning', 1), ('administration', 2), ('printer', 3))
            AS n(need, need_order)
        LEFT JOIN devices d ON d.school_id = s.id AND d.need = n.need
    ),
    shortfalls AS (
        SELECT n.*, n.working - n.over_age AS usable,
            greatest(n.required - (n.working - n.over_age), 0) AS shortfall
        FROM needs n
    )
"""


def needs_params(
    norms: IctNorms,
    *,
    as_of_year: int,
    districts: list[str] | None = None,
    office_code: str | None = None,
    school_code: str | None = None,
) -> dict[str, Any]:
    bands = class_size_norms()
    params = norms.sql_params()
    params["replacement_age"] = json.dumps(params["replacement_age"])
    return params | {
        "as_of_year": as_of_year,
        "districts": districts,
        "office_code": office_code,
        "school_code": school_code,
        "small_max": bands.small_max,
        "medium_max": bands.medium_max,
        "large_max": bands.large_max,
    }


def school_needs(
    session: Session,
    *,
    districts: list[str] | None = None,
    office_code: str | None = None,
    school_code: str | None = None,
    as_of_year: int | None = None,
    norms: IctNorms | None = None,
) -> list[dict[str, Any]]:
    """Per school in scope (``districts``: None for all; an office; one school): pupils,
    teachers, size band, per need what the norm asks, what it has and what it lacks, and its
    internet link against the speed it should have; the most short first."""
    norms = norms or ict_norms()
    year = as_of_year or current_year_be()
    rows = session.execute(
        text(f"WITH {NEEDS_CTES} SELECT * FROM shortfalls ORDER BY code, need_order"),
        needs_params(
            norms,
            as_of_year=year,
            districts=districts,
            office_code=office_code,
            school_code=school_code,
        ),
    ).mappings()
    schools: dict[str, dict[str, Any]] = {}
    for row in rows:
        school = schools.get(row["code"])
        if school is None:
            mbps = float(row["mbps"]) if row["mbps"] is not None else None
            required_mbps = float(row["required_mbps"])
            school = schools[row["code"]] = {
                "code": row["code"],
                "name_th": row["name_th"],
                "district_code": row["district_code"],
                "district_name_th": row["district_name_th"],
                "office_code": row["office_code"],
                "pupils": row["pupils"],
                "teachers": row["teachers"],
                "size_band": row["size_band"],
                "needs": {},
                "internet": {
                    "link_types": row["link_types"].split(",") if row["link_types"] else [],
                    "mbps": mbps,
                    "required_mbps": required_mbps,
                    "shortfall_mbps": max(required_mbps - (mbps or 0.0), 0.0),
                },
            }
        school["needs"][row["need"]] = {
            "required": row["required"],
            "count": row["count"],
            "working": row["working"],
            "broken": row["count"] - row["working"],
            "over_age": row["over_age"],
            "usable": row["usable"],
            "shortfall": row["shortfall"],
        }
    found = list(schools.values())
    for school in found:
        school["shortfall_devices"] = sum(n["shortfall"] for n in school["needs"].values())
        school["shortfall_per_pupil"] = (
            ratio(school["shortfall_devices"], max(school["pupils"], 1), 4) or 0.0
        )
    found.sort(key=lambda s: (-s["shortfall_per_pupil"], -s["shortfall_devices"], s["code"]))
    return found


def area_needs(schools: Iterable[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """The schools' needs summed per district or office (``by``), the most short first."""
    if by not in AREA_LEVELS:
        raise InvalidInputError("by", f"one of {', '.join(AREA_LEVELS)}")
    areas: dict[str, dict[str, Any]] = {}
    for school in schools:
        code = school["district_code"] if by == "district" else school["office_code"] or "-"
        area = areas.setdefault(
            code,
            {
                "code": code,
                "name_th": school["district_name_th"] if by == "district" else code,
                "schools": 0,
                "pupils": 0,
                "needs": {
                    need: dict.fromkeys((*NEED_FIELDS, "schools_short"), 0)
                    for need in PURCHASE_NEEDS
                },
                "internet": {"schools_without_link": 0, "schools_below_norm": 0},
                "shortfall_devices": 0,
            },
        )
        area["schools"] += 1
        area["pupils"] += school["pupils"]
        for need, figures in school["needs"].items():
            summed = area["needs"][need]
            for field in NEED_FIELDS:
                summed[field] += figures[field]
            summed["schools_short"] += figures["shortfall"] > 0
        area["internet"]["schools_without_link"] += school["internet"]["mbps"] is None
        area["internet"]["schools_below_norm"] += school["internet"]["shortfall_mbps"] > 0
        area["shortfall_devices"] += school["shortfall_devices"]
    found = list(areas.values())
    for area in found:
        area["shortfall_per_pupil"] = (
            ratio(area["shortfall_devices"], max(area["pupils"], 1), 4) or 0.0
        )
    found.sort(key=lambda a: (-a["shortfall_devices"], a["code"]))
    return found
