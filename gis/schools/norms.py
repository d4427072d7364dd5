"""Class-size norms and capacity arithmetic, from data/norms/class_size.toml."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gis.schools.grades import level_of
from kernel.config import get_settings
from kernel.ratios import ratio
from kernel.vocabulary import LEVELS


@dataclass(frozen=True)
class ClassSizeNorms:
    students_per_classroom: dict[str, int]
    small_max: int
    medium_max: int
    large_max: int

    def seats(self, grade: str, classrooms: int) -> int:
        """Capacity of a grade: classrooms x the norm of its level."""
        return classrooms * self.students_per_classroom[level_of(grade)]

    def size_band(self, pupils: int) -> str:
        if pupils <= self.small_max:
            return "small"
        if pupils <= self.medium_max:
            return "medium"
        if pupils <= self.large_max:
            return "large"
        return "extra_large"


def read_norms(path: Path) -> ClassSizeNorms:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    per_class = {k: int(v) for k, v in raw["students_per_classroom"].items()}
    missing = set(LEVELS) - set(per_class)
    if missing:
        raise ValueError(f"{path}: students_per_classroom lacks {sorted(missing)}")
    bands = raw["school_size_bands"]
    return ClassSizeNorms(
        per_class, int(bands["small_max"]), int(bands["medium_max"]), int(bands["large_max"])
    )


@functools.cache
def class_size_norms() -> ClassSizeNorms:
    return read_norms(get_settings().data_dir / "norms" / "class_size.toml")


def utilisation(enrolled: int, capacity: int) -> float | None:
    """Enrolment / capacity, or None when there are no seats to divide by."""
    return ratio(enrolled, capacity, 3)


def seats_sql(grade: str, classrooms: str) -> str:
    """SQL for a grade's seats (classrooms x its level's norm); bind ``norm_params()``."""
    return (
        f"({classrooms} * CASE WHEN {grade} LIKE 'K%' THEN :norm_pre_primary "
        f"WHEN {grade} LIKE 'P%' THEN :norm_primary "
        f"WHEN {grade} IN ('M1', 'M2', 'M3') THEN :norm_lower_secondary "
        "ELSE :norm_upper_secondary END)"
    )


def norm_params() -> dict[str, int]:
    """The bind parameters of ``seats_sql``."""
    per_class = class_size_norms().students_per_classroom
    return {f"norm_{level}": per_class[level] for level in LEVELS}


# Per grade, the schools whose latest enrolment up to the round exceeds their seats.
OVER_CAPACITY_SQL = f"""
    SELECT grade, array_agg(school_id) AS school_ids FROM (
        SELECT DISTINCT ON (gy.school_id, gy.grade) gy.school_id, gy.grade,
            gy.enrolled_male + gy.enrolled_female > {seats_sql("gy.grade", "gy.classrooms")}
                AS is_full
        FROM school_grade_year gy WHERE gy.academic_year <= :round_year
        ORDER BY gy.school_id, gy.grade, gy.academic_year DESC
    ) latest WHERE is_full GROUP BY grade
"""
