"""Grades (ชั้น) and the Thai free-text level descriptions mapped onto them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kernel.vocabulary import GRADE_INDEX, GRADES, LEVELS


def level_of(grade: str) -> str:
    """The level (pre_primary, primary, lower_/upper_secondary) a grade belongs to."""
    return next(level for level, grades in LEVELS.items() if grade in grades)


def sort_grades(grades: set[str] | list[str] | tuple[str, ...]) -> list[str]:
    return sorted(set(grades), key=GRADE_INDEX.__getitem__)


# Each phrase -> the span of grades it names, most specific first.
_STUDY = r"(ศึกษา)?\s*"
_MATHAYOM = rf"(มั[ธท]ยม{_STUDY}|ม\.\s*)"
_PHRASES: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(rf"ประถม{_STUDY}ตอนต้น"), ("P1", "P3")),
    (re.compile(rf"ประถม{_STUDY}ตอนปลาย"), ("P4", "P6")),
    (re.compile(rf"{_MATHAYOM}ตอนต้น\s*-?\s*ตอนปลาย"), ("M1", "M6")),
    (re.compile(r"เตรียมมั[ธท]ยม"), ("M1", "M3")),
    (re.compile(rf"{_MATHAYOM}(ตอนต้น|ต้น)"), ("M1", "M3")),
    (re.compile(rf"{_MATHAYOM}(ตอนปลาย|ปลาย)"), ("M4", "M6")),
    (re.compile(r"มั[ธท]ยม"), ("M1", "M6")),
    (re.compile(r"ประถม"), ("P1", "P6")),
    (re.compile(r"เตรียมอนุบาล|อนุบาล|ปฐมวัย|เตรียมความพร้อม"), ("K1", "K3")),
]
_NOT_SCHOOL_GRADES = re.compile(r"ปวช|ปวส|ปริญญา")
_UNKNOWN = {"", "undefined", "none", "null", "-"}


@dataclass(frozen=True)
class ParsedLevels:
    """Grades read from a level text, or why none could be read."""

    grades: tuple[str, ...]
    problem: str | None = None


def parse_level_text(text: str | None) -> ParsedLevels:
    """Map texts like 'อนุบาล–มัธยมศึกษาตอนต้น' to grades K1..M3.

    A text naming several levels (joined by –, -, /, or new lines) covers every grade from the
    first to the last, as the school lists mean it. Vocational levels (ปวช., ปวส.) and degrees
    are outside edumap's grades and reported.
    """
    cleaned = re.sub(r"^\d+\|", "", (text or "").strip()).strip("}″\"' ")
    if cleaned.lower() in _UNKNOWN:
        return ParsedLevels((), "level not given" if not cleaned else f"level is {cleaned!r}")
    spans: list[tuple[str, str]] = []
    remaining = cleaned
    for pattern, span in _PHRASES:
        if pattern.search(remaining):
            spans.append(span)
            remaining = pattern.sub(" ", remaining)
    if not spans:
        if _NOT_SCHOOL_GRADES.search(cleaned):
            return ParsedLevels((), f"vocational or higher education only ({cleaned!r})")
        return ParsedLevels((), f"level text not understood: {cleaned!r}")
    first = min(GRADE_INDEX[start] for start, _ in spans)
    last = max(GRADE_INDEX[end] for _, end in spans)
    return ParsedLevels(GRADES[first : last + 1])
