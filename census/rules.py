"""Thai school-age rules: stage by age, Prathom 1 intake, the compulsory window, flags.

Pure functions; the parameters come from data/norms/census_rules.toml. Academic years are
Buddhist Era (AY 2569 starts in May 2026).
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from census.dates import BE_OFFSET
from kernel.config import get_settings
from kernel.vocabulary import ENROLMENT_STATUS_LABELS_TH, GRADES


class EnrolmentStatus(StrEnum):
    enrolled = "enrolled"  # at a school of the area, with grade
    enrolled_outside_area = "enrolled_outside_area"
    not_enrolled = "not_enrolled"  # with a reason
    completed_m3 = "completed_m3"  # finished compulsory education


ENROLLED_STATUSES = frozenset({EnrolmentStatus.enrolled, EnrolmentStatus.enrolled_outside_area})

# The Thai words are the one vocabulary's (kernel.vocabulary); an EnrolmentStatus is its string.
STATUS_LABELS_TH = ENROLMENT_STATUS_LABELS_TH


@dataclass(frozen=True)
class AgeRules:
    cutoff_month: int
    cutoff_day: int
    anuban1_age: int
    prathom1_offset: int
    compulsory_oldest_offset: int
    compulsory_youngest_offset: int
    min_age: int
    max_age: int


def read_rules(path: Path) -> AgeRules:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return AgeRules(
        cutoff_month=int(raw["kindergarten"]["cutoff_month"]),
        cutoff_day=int(raw["kindergarten"]["cutoff_day"]),
        anuban1_age=int(raw["kindergarten"]["anuban1_age"]),
        prathom1_offset=int(raw["prathom1"]["birth_year_offset"]),
        compulsory_oldest_offset=int(raw["compulsory"]["oldest_birth_year_offset"]),
        compulsory_youngest_offset=int(raw["compulsory"]["youngest_birth_year_offset"]),
        min_age=int(raw["census"]["min_age"]),
        max_age=int(raw["census"]["max_age"]),
    )


@functools.cache
def default_rules() -> AgeRules:
    return read_rules(get_settings().data_dir / "norms" / "census_rules.toml")


def cutoff_date(academic_year: int, rules: AgeRules) -> dt.date:
    """16 May of the academic year's first calendar year (AY 2569 -> 16 May 2026)."""
    return dt.date(academic_year - BE_OFFSET, rules.cutoff_month, rules.cutoff_day)


def full_years(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a day (a 29 Feb birthday counts from 1 Mar in common years)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def birth_year_be(birth_date: dt.date) -> int:
    return birth_date.year + BE_OFFSET


def expected_grade(birth_date: dt.date, academic_year: int, rules: AgeRules) -> str | None:
    """The grade a child of this age belongs in: Anuban by full years on 16 May, Prathom and
    Mathayom by birth year (Prathom 1 = born B.E. Y-7). None before Anuban 1 or after M6."""
    p1_birth_year = academic_year - rules.prathom1_offset
    steps_past_p1 = p1_birth_year - birth_year_be(birth_date)
    if steps_past_p1 >= 0:
        index = GRADES.index("P1") + steps_past_p1
        return GRADES[index] if index < len(GRADES) else None
    age = full_years(birth_date, cutoff_date(academic_year, rules))
    if age < rules.anuban1_age:
        return None
    # Born Jan-May of the year after the Prathom 1 cohort: 6 on 16 May yet not due for
    # Prathom 1 until next year, so still in Anuban 3.
    return GRADES[min(age - rules.anuban1_age, 2)]


def stage_of(grade: str | None) -> str:
    if grade is None:
        return "out_of_range"
    return {"K": "pre_primary", "P": "primary"}.get(grade[0]) or (
        "lower_secondary" if grade in ("M1", "M2", "M3") else "upper_secondary"
    )


@dataclass(frozen=True)
class ChildAssessment:
    """What the rules say about one child in one census round."""

    age_on_cutoff: int
    expected_grade: str | None
    stage: str
    compulsory_age: bool
    out_of_school: bool
    due_prathom1_next_year: bool


def assess(
    birth_date: dt.date,
    academic_year: int,
    status: EnrolmentStatus | str,
    rules: AgeRules | None = None,
) -> ChildAssessment:
    """Stage and flags of a child for the round's academic year (B.E.)."""
    rules = rules or default_rules()
    status = EnrolmentStatus(status)
    born = birth_year_be(birth_date)
    in_window = (
        academic_year - rules.compulsory_oldest_offset
        <= born
        <= academic_year - rules.compulsory_youngest_offset
    )
    compulsory = in_window and status is not EnrolmentStatus.completed_m3
    grade = expected_grade(birth_date, academic_year, rules)
    return ChildAssessment(
        age_on_cutoff=full_years(birth_date, cutoff_date(academic_year, rules)),
        expected_grade=grade,
        stage=stage_of(grade),
        compulsory_age=compulsory,
        out_of_school=compulsory and status is EnrolmentStatus.not_enrolled,
        due_prathom1_next_year=born == academic_year + 1 - rules.prathom1_offset,
    )
