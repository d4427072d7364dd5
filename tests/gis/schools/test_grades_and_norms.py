"""Level texts to grades, grade words, class-size capacity arithmetic."""

from __future__ import annotations

import pytest

from gis.schools.grades import parse_level_text
from gis.schools.importer import parse_grade
from gis.schools.norms import class_size_norms, utilisation


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("อนุบาล–ประถมศึกษา", "K1", "P6"),
        ("อนุบาล-ประถมศึกษา", "K1", "P6"),
        ("อนุบาล–มัธยมศึกษาตอนต้น", "K1", "M3"),
        ("มัธยมศึกษา", "M1", "M6"),
        ("มัธยมศึกษาตอนปลาย", "M4", "M6"),
        ("ประถมศึกษา–มัธยมศึกษาตอนต้น", "P1", "M3"),
        ("เตรียมอนุบาล–อนุบาล", "K1", "K3"),
        ("ปฐมวัย-ประถม-ม.ต้น", "K1", "M3"),
        ("อนุบาล-มัทยมศึกษาตอนต้น", "K1", "M3"),  # a typo seen in the real list
        ("12|อนุบาล–ประถมศึก", "K1", "P6"),  # wiki markup and a cut-off word
        ("อนุบาล\nมัธยมศึกษาตอนต้น\nมัธยมศึกษาตอนปลาย", "K1", "M6"),
        ("ประถมศึกษาตอนปลาย–มัธยมศึกษา", "P4", "M6"),
    ],
)
def test_level_text_to_grades(text: str, first: str, last: str) -> None:
    parsed = parse_level_text(text)
    assert parsed.problem is None
    assert (parsed.grades[0], parsed.grades[-1]) == (first, last)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "level not given"),
        ("undefined", "level is 'undefined'"),
        ("ปวช. ปวส.", "vocational or higher education only"),
    ],
)
def test_unusable_level_texts_are_reported(text: str, problem: str) -> None:
    parsed = parse_level_text(text)
    assert parsed.grades == () and parsed.problem is not None and problem in parsed.problem


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("ป.1", "P1"),
        ("ป. 6", "P6"),
        ("ประถมศึกษาปีที่ 3", "P3"),
        ("อ.2", "K2"),
        ("อนุบาล 3", "K3"),
        ("ม.4", "M4"),
        ("M6", "M6"),
        ("p2", "P2"),
        ("ป.7", None),
        ("x", None),
    ],
)
def test_grade_words(text: str, grade: str | None) -> None:
    assert parse_grade(text) == grade


def test_capacity_uses_the_level_norm() -> None:
    norms = class_size_norms()
    assert norms.seats("K2", 2) == 60  # 30 per kindergarten room
    assert norms.seats("P1", 3) == 120  # 40 per Prathom room
    assert norms.seats("M4", 1) == 40
    assert utilisation(90, 120) == 0.75
    assert utilisation(5, 0) is None
    assert [norms.size_band(n) for n in (0, 120, 121, 600, 601, 1500, 1501)] == [
        "small",
        "small",
        "medium",
        "medium",
        "large",
        "large",
        "extra_large",
    ]
