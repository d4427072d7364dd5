"""Check digits, dates in both eras, and the age rules on their boundary days."""

from __future__ import annotations

import datetime as dt

import pytest

from census.dates import DateProblem, format_thai_date, parse_thai_date
from census.identity import check_digit, national_id_problem, with_check_digit
from census.rules import EnrolmentStatus, assess, default_rules, expected_grade, full_years

VALID_ID = with_check_digit("110170020345")


def test_check_digit_formula() -> None:
    # s = 1*13 + 1*12 + 0*11 + 1*10 + 7*9 + 0*8 + 0*7 + 2*6 + 0*5 + 3*4 + 4*3 + 5*2 = 144
    assert check_digit("110170020345") == (11 - 144 % 11) % 10 == 0
    assert VALID_ID == "1101700203450"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (VALID_ID, None),
        ("1101700203451", "check digit does not match"),
        ("0000000000000", "not a real ID"),
        ("110170020345", "expected 13 digits, got 12"),
        ("11017002034500", "expected 13 digits, got 14"),
        ("9101700203450", "first digit 9 is not issued"),
    ],
)
def test_national_id_validation(value: str, problem: str | None) -> None:
    found = national_id_problem(value)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize(
    ("text", "date", "era"),
    [
        ("15/03/2562", dt.date(2019, 3, 15), "BE"),
        ("2562-03-15", dt.date(2019, 3, 15), "BE"),
        ("15 มี.ค. 2562", dt.date(2019, 3, 15), "BE"),
        ("15 มีนาคม 2562", dt.date(2019, 3, 15), "BE"),
        ("๑๕/๐๓/๒๕๖๒", dt.date(2019, 3, 15), "BE"),
        ("15/03/2019", dt.date(2019, 3, 15), "CE"),
        ("2019-03-15", dt.date(2019, 3, 15), "CE"),
        ("29/02/2563", dt.date(2020, 2, 29), "BE"),
        (dt.datetime(2562, 3, 15), dt.date(2019, 3, 15), "BE"),  # an Excel cell typed in B.E.
        (dt.date(2019, 3, 15), dt.date(2019, 3, 15), "CE"),
    ],
)
def test_dates_in_both_eras(text: object, date: dt.date, era: str) -> None:
    parsed = parse_thai_date(text)
    assert (parsed.value, parsed.era) == (date, era)


@pytest.mark.parametrize("text", ["29/02/2562", "31/04/2562", "2562/13/01", "สิบห้า", ""])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(DateProblem):
        parse_thai_date(text)


def test_dates_are_shown_in_thai_and_be() -> None:
    assert format_thai_date(dt.date(2019, 3, 15)) == "15 มี.ค. 2562"


RULES = default_rules()


@pytest.mark.parametrize(
    ("birth", "grade"),
    [
        # Prathom 1 in AY2569 = born in 2562 B.E. (2019), whatever the day.
        (dt.date(2019, 1, 1), "P1"),
        (dt.date(2019, 12, 31), "P1"),
        (dt.date(2018, 12, 31), "P2"),
        (dt.date(2020, 1, 1), "K3"),
        # Anuban by full years on 16 May 2026: born 16 May 2023 is 3 -> K1; 17 May 2023 is not.
        (dt.date(2023, 5, 16), "K1"),
        (dt.date(2023, 5, 17), None),
        (dt.date(2021, 5, 16), "K3"),
        (dt.date(2021, 5, 17), "K2"),
        (dt.date(2010, 6, 1), "M4"),
        (dt.date(2007, 6, 1), None),
    ],
)
def test_expected_grade_on_boundary_days(birth: dt.date, grade: str | None) -> None:
    assert expected_grade(birth, 2569, RULES) == grade


def test_leap_day_birthdays() -> None:
    leap = dt.date(2020, 2, 29)
    assert full_years(leap, dt.date(2023, 2, 28)) == 2
    assert full_years(leap, dt.date(2023, 3, 1)) == 3
    assert full_years(leap, dt.date(2024, 2, 29)) == 4


@pytest.mark.parametrize(
    ("birth_year_ce", "compulsory"),
    [(2009, False), (2010, True), (2019, True), (2020, False)],  # AY2569: born 2553-2562 B.E.
)
def test_compulsory_window(birth_year_ce: int, compulsory: bool) -> None:
    result = assess(dt.date(birth_year_ce, 7, 1), 2569, EnrolmentStatus.not_enrolled, RULES)
    assert result.compulsory_age is compulsory
    assert result.out_of_school is compulsory


def test_flags() -> None:
    enrolled = assess(dt.date(2014, 3, 3), 2569, "enrolled", RULES)
    assert enrolled.compulsory_age and not enrolled.out_of_school
    outside = assess(dt.date(2014, 3, 3), 2569, "enrolled_outside_area", RULES)
    assert not outside.out_of_school
    done = assess(dt.date(2010, 3, 3), 2569, "completed_m3", RULES)
    assert not done.compulsory_age and not done.out_of_school
    due = assess(dt.date(2020, 12, 31), 2569, "not_enrolled", RULES)
    assert due.due_prathom1_next_year and not due.compulsory_age and due.stage == "pre_primary"
    assert not assess(dt.date(2019, 1, 1), 2569, "enrolled", RULES).due_prathom1_next_year


def test_one_vocabulary_of_grades() -> None:
    """The API's grade type, the census rules and the SQL array all say the same grades."""
    from typing import get_args

    from app.api.schools import Grade
    from census import rules
    from kernel.vocabulary import GRADE_PATTERN, GRADES, GRADES_SQL_ARRAY, utm_srid

    assert get_args(Grade) == GRADES and rules.GRADES is GRADES
    assert GRADES_SQL_ARRAY == "ARRAY[" + ",".join(f"'{g}'" for g in GRADES) + "]"
    assert all(__import__("re").fullmatch(GRADE_PATTERN, g) for g in GRADES)
    assert (utm_srid(100.77), utm_srid(104.85)) == (32647, 32648)  # Nan, Ubon Ratchathani
