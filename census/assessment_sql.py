"""The age rules of census/rules.py as SQL, so counts over many children run in PostGIS.

``assessed_children_sql`` gives a SELECT over ``child`` with each child's expected grade,
stage and flags for a round; tests check it against the Python rules child by child.
"""

from __future__ import annotations

from typing import Any

from census.rules import AgeRules, cutoff_date, default_rules
from kernel.vocabulary import GRADES_SQL_ARRAY

_GRADES_ARRAY = GRADES_SQL_ARRAY


def assessment_params(round_year: int, rules: AgeRules | None = None) -> dict[str, Any]:
    rules = rules or default_rules()
    return {
        "round_year": round_year,
        "cutoff": cutoff_date(round_year, rules),
        "p1_offset": rules.prathom1_offset,
        "anuban1_age": rules.anuban1_age,
        "oldest_offset": rules.compulsory_oldest_offset,
        "youngest_offset": rules.compulsory_youngest_offset,
    }


def born_be_sql(birth_date: str) -> str:
    """The B.E. year of birth of an SQL date expression."""
    return f"(extract(year FROM {birth_date})::int + 543)"


def age_on_cutoff_sql(birth_date: str) -> str:
    """Full years on the round's cutoff day (``:cutoff``)."""
    return f"extract(year FROM age(CAST(:cutoff AS date), {birth_date}))::int"


def in_window_sql(born_be: str) -> str:
    """Whether a birth year (B.E.) lies in the compulsory window of the round."""
    return f"({born_be} BETWEEN :round_year - :oldest_offset AND :round_year - :youngest_offset)"


def grade_index_sql(born_be: str, age_on_cutoff: str) -> str:
    """The expected grade's index in GRADES (0 = K1), NULL outside K1-M6: Prathom 1 by the
    birth year, Anuban by full years on the cutoff day."""
    return f"""(CASE WHEN (:round_year - :p1_offset) - {born_be} >= 0 THEN
                    CASE WHEN 3 + (:round_year - :p1_offset) - {born_be} <= 14
                         THEN 3 + (:round_year - :p1_offset) - {born_be} END
                WHEN {age_on_cutoff} >= :anuban1_age
                    THEN least({age_on_cutoff} - :anuban1_age, 2)
           END)"""


def grade_of_index_sql(grade_index: str) -> str:
    return (
        f"CASE WHEN {grade_index} IS NULL THEN NULL ELSE ({_GRADES_ARRAY})[{grade_index} + 1] END"
    )


def stage_of_index_sql(grade_index: str) -> str:
    return f"""CASE WHEN {grade_index} IS NULL THEN 'out_of_range'
                    WHEN {grade_index} <= 2 THEN 'pre_primary'
                    WHEN {grade_index} <= 8 THEN 'primary'
                    WHEN {grade_index} <= 11 THEN 'lower_secondary'
                    ELSE 'upper_secondary' END"""


def assessed_children_sql(where: str = "true") -> str:
    """SELECT c.*, grade_index, expected_grade, stage, compulsory_age, out_of_school,
    due_prathom1_next_year FROM child c WHERE c.round_year = :round_year AND ``where``."""
    return f"""
        SELECT a.*,
               {grade_of_index_sql("a.grade_index")} AS expected_grade,
               {stage_of_index_sql("a.grade_index")} AS stage,
               (a.in_window AND a.enrolment_status <> 'completed_m3') AS compulsory_age,
               (a.in_window AND a.enrolment_status = 'not_enrolled') AS out_of_school,
               (a.born_be = :round_year + 1 - :p1_offset) AS due_prathom1_next_year
        FROM (
            SELECT c.*,
                   b.born_be,
                   {in_window_sql("b.born_be")} AS in_window,
                   {grade_index_sql("b.born_be", "b.age_on_cutoff")} AS grade_index
            FROM child c
            CROSS JOIN LATERAL (
                SELECT {born_be_sql("c.birth_date")} AS born_be,
                       {age_on_cutoff_sql("c.birth_date")} AS age_on_cutoff
            ) b
            WHERE c.round_year = :round_year AND ({where})
        ) a
    """
