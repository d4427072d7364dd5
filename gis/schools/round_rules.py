"""The checks of a data round's figures (issue 19): each a SQL query over the round's values
that gives the schools, items and figures breaking it, so one school's submission and a whole
country's round run the same code, in PostgreSQL. Severity, Thai message and parameters come
from ``data/norms/data_round_rules.toml``."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.schools.norms import norm_params, seats_sql
from kernel.config import get_settings
from kernel.vocabulary import (
    BUILDING_KIND_LABELS_TH,
    DEVICE_KIND_LABELS_TH,
    DEVICE_PURPOSE_LABELS_TH,
    GRADE_SHORT_LABELS_TH,
    PERSONNEL_POSITION_LABELS_TH,
)

SEVERITIES = ("error", "warning")
TEACHING_POSITIONS = ("teacher", "government_employee", "contract_teacher")

# The round's values (one school's, or all when :school_id is null) as grade rows.
_VALUES = """
    vals AS (
        SELECT school_id, item, field, value FROM data_round_value
        WHERE round_id = :round_id AND (CAST(:school_id AS int) IS NULL OR school_id = :school_id)
    ),
    grades AS (
        SELECT school_id, item AS grade,
            coalesce(max(value) FILTER (WHERE field = 'male'), 0)
              + coalesce(max(value) FILTER (WHERE field = 'female'), 0) AS pupils,
            coalesce(max(value) FILTER (WHERE field = 'classrooms'), 0) AS classrooms
        FROM vals WHERE item <> 'total' GROUP BY school_id, item
    ),
    totals AS (SELECT school_id, sum(pupils)::int AS pupils FROM grades GROUP BY school_id)
"""


def last_count_year_sql(school: str, year: str, day: str, *, through_day: bool = False) -> str:
    """SQL for the academic year of a school's last enrolment count before ``day`` (or on it,
    ``through_day``): an earlier year, or the same year counted earlier (a count with no day
    counts as earlier). The rules and the page's "last count" read the same one."""
    before = "<=" if through_day else "<"
    return (
        f"SELECT max(academic_year) FROM school_grade_year WHERE school_id = {school} "
        f"AND (academic_year < {year} OR (academic_year = {year} "
        f"AND coalesce(counted_on, DATE '-infinity') {before} {day}))"
    )


def _last_count(school: str, *, through_day: bool = False) -> str:
    """The school's pupils at that last count (``r`` is the round)."""
    year = last_count_year_sql(school, "r.academic_year", "r.counting_day", through_day=through_day)
    return (
        "SELECT sum(gy.enrolled_male + gy.enrolled_female)::int FROM school_grade_year gy "
        f"WHERE gy.school_id = {school} AND gy.academic_year = ({year})"
    )


# Each check: rows of (school_id, item, value, limit).
CHECKS: dict[str, str] = {
    "enrolment_over_capacity": f"""
        SELECT g.school_id, g.grade AS item, g.pupils AS value,
            {seats_sql("g.grade", "g.classrooms")} AS "limit"
        FROM grades g WHERE g.classrooms > 0 AND g.pupils > {seats_sql("g.grade", "g.classrooms")}
    """,
    "grade_not_taught": """
        SELECT g.school_id, g.grade AS item, g.pupils + g.classrooms AS value, NULL::int AS "limit"
        FROM grades g JOIN school s ON s.id = g.school_id
        WHERE g.pupils + g.classrooms > 0 AND NOT s.grades @> ARRAY[g.grade]::varchar[]
    """,
    "pupils_without_classrooms": """
        SELECT g.school_id, g.grade AS item, g.pupils AS value, 0 AS "limit"
        FROM grades g WHERE g.pupils > 0 AND g.classrooms = 0
    """,
    "total_disagrees": """
        SELECT v.school_id, 'total' AS item, coalesce(t.pupils, 0) AS value, v.value AS "limit"
        FROM vals v LEFT JOIN totals t ON t.school_id = v.school_id
        WHERE v.item = 'total' AND v.field = 'pupils' AND v.value <> coalesce(t.pupils, 0)
    """,
    "change_from_last_count": f"""
        SELECT t.school_id, 'total' AS item, t.pupils AS value, last.pupils AS "limit"
        FROM totals t CROSS JOIN data_round r
        CROSS JOIN LATERAL ({_last_count("t.school_id")}) AS last(pupils)
        WHERE r.id = :round_id AND last.pupils IS NOT NULL
          AND abs(t.pupils - last.pupils) > :change_from_last_count_share * last.pupils
          AND abs(t.pupils - last.pupils) >= :change_from_last_count_floor
    """,
    "devices_working_over_count": """
        SELECT school_id, item, max(value) FILTER (WHERE field = 'working') AS value,
            coalesce(max(value) FILTER (WHERE field = 'count'), 0) AS "limit"
        FROM vals GROUP BY school_id, item
        HAVING max(value) FILTER (WHERE field = 'working')
            > coalesce(max(value) FILTER (WHERE field = 'count'), 0)
    """,
    "condition_out_of_range": """
        SELECT school_id, item,
            coalesce(max(value) FILTER (WHERE field = 'condition'), 0) AS value, 5 AS "limit"
        FROM vals GROUP BY school_id, item
        HAVING coalesce(max(value) FILTER (WHERE field = 'count'), 0) > 0
           AND coalesce(max(value) FILTER (WHERE field = 'condition'), 0) NOT BETWEEN 1 AND 5
    """,
    "teachers_over_pupils": f"""
        SELECT p.school_id, 'teachers' AS item, p.teachers AS value, last.pupils AS "limit"
        FROM (SELECT school_id, sum(value)::int AS teachers FROM vals
              WHERE field = 'count' AND item IN {TEACHING_POSITIONS} GROUP BY school_id) p
        CROSS JOIN data_round r
        CROSS JOIN LATERAL ({_last_count("p.school_id", through_day=True)}) AS last(pupils)
        WHERE r.id = :round_id AND p.teachers > coalesce(last.pupils, 0)
    """,
}


# Every building reported has a condition from 1 to 5 (a good, only when counted).
CHECKS["building_condition_out_of_range"] = """
    SELECT school_id, item,
        coalesce(max(value) FILTER (WHERE field = 'condition'), 0) AS value, 5 AS "limit"
    FROM vals GROUP BY school_id, item
    HAVING coalesce(max(value) FILTER (WHERE field = 'condition'), 0) NOT BETWEEN 1 AND 5
"""

# Hours of use fit in a week.
CHECKS["hours_over_a_week"] = """
    SELECT school_id, item, value, 168 AS "limit" FROM vals
    WHERE field = 'hours_per_week' AND value > 168
"""
# A building's year (B.E.) is no earlier than its school's founding...
CHECKS["building_older_than_school"] = """
    SELECT v.school_id, v.item, v.value, s.founded_year AS "limit"
    FROM vals v JOIN school s ON s.id = v.school_id
    WHERE v.field = 'year_built' AND v.value < s.founded_year
"""
# ... and is a year the registry can hold: from 2500 to the round's academic year.
CHECKS["building_year_out_of_range"] = """
    SELECT v.school_id, v.item, v.value, r.academic_year AS "limit"
    FROM vals v CROSS JOIN data_round r
    WHERE r.id = :round_id AND v.field = 'year_built'
      AND v.value NOT BETWEEN 2500 AND r.academic_year
"""
# Floors and rooms a building can have (the registry keeps them as small numbers).
CHECKS["building_size_out_of_range"] = """
    SELECT school_id, item, value,
        CASE field WHEN 'floors' THEN :building_size_out_of_range_max_floors
            ELSE :building_size_out_of_range_max_rooms END AS "limit"
    FROM vals
    WHERE (field = 'floors' AND value NOT BETWEEN 1 AND :building_size_out_of_range_max_floors)
       OR (field = 'rooms' AND value > :building_size_out_of_range_max_rooms)
"""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    message_th: str
    params: dict[str, Any]


def read_rules(path: Path) -> dict[str, Rule]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    rules = {}
    for rule_id, entry in raw.items():
        if rule_id not in CHECKS:
            raise ValueError(f"{path}: [{rule_id}] is no rule edumap knows ({', '.join(CHECKS)})")
        if entry.get("severity") not in SEVERITIES:
            raise ValueError(f"{path}: [{rule_id}] severity must be one of {SEVERITIES}")
        settings = {k: v for k, v in entry.items() if k not in ("kind", "severity", "message_th")}
        rules[rule_id] = Rule(
            rule_id, str(entry["kind"]), entry["severity"], str(entry["message_th"]), settings
        )
    return rules


@functools.cache
def round_rules() -> dict[str, Rule]:
    return read_rules(get_settings().data_dir / "norms" / "data_round_rules.toml")


def _item_th(item: str) -> str:
    kind, _, purpose = item.partition("-")
    if kind == "building":
        return f"อาคารรหัส {purpose}"
    if kind == "new":
        new_kind, _, number = purpose.rpartition("-")
        return f"{BUILDING_KIND_LABELS_TH.get(new_kind, new_kind)} หลังใหม่ ({number})"
    if kind in DEVICE_KIND_LABELS_TH and purpose in DEVICE_PURPOSE_LABELS_TH:
        return f"{DEVICE_KIND_LABELS_TH[kind]} ({DEVICE_PURPOSE_LABELS_TH[purpose]})"
    labels = GRADE_SHORT_LABELS_TH | PERSONNEL_POSITION_LABELS_TH
    return {"total": "รวม", "teachers": "ครู"}.get(item, labels.get(item, item))


def violations(
    session: Session, round_id: int, kind: str, school_id: int | None = None
) -> list[dict[str, Any]]:
    """Every rule of the round's kind broken, by school (one school's, or the round's): rule,
    severity, item, figures and the Thai message."""
    rules = [rule for rule in round_rules().values() if rule.kind == kind]
    if not rules:
        return []
    params: dict[str, Any] = {"round_id": round_id, "school_id": school_id, **norm_params()}
    for rule in rules:
        params |= {f"{rule.id}_{name}": value for name, value in rule.params.items()}
    union = " UNION ALL ".join(
        f"SELECT '{rule.id}' AS rule, c.* FROM ({CHECKS[rule.id]}) c" for rule in rules
    )
    rows = session.execute(
        text(
            f"WITH {_VALUES} SELECT x.*, s.code FROM ({union}) x "
            "JOIN school s ON s.id = x.school_id ORDER BY s.code, x.rule, x.item"
        ),
        params,
    ).mappings()
    found = []
    for row in rows:
        rule = round_rules()[row["rule"]]
        found.append(
            {
                "school_code": row["code"],
                "rule": rule.id,
                "severity": rule.severity,
                "item": row["item"],
                "value": row["value"],
                "limit": row["limit"],
                "message_th": rule.message_th.format(
                    item=_item_th(row["item"]), value=row["value"], limit=row["limit"]
                ),
            }
        )
    return found
