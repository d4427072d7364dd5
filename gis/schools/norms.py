"""Class-size norms and capacity arithmetic, from data/norms/class_size.toml."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.core.config import get_settings
from gis.schools.grades import LEVELS, level_of


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
    return round(enrolled / capacity, 3) if capacity else None
