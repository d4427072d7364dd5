"""The SQL form of the age rules agrees with the Python rules for every stored child."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.assessment_sql import assessed_children_sql, assessment_params
from census.rules import assess


def test_sql_and_python_rules_agree_on_every_child(db_session: Session) -> None:
    # Children on the boundary days, next to the synthetic census.
    household = db_session.execute(text("SELECT id FROM household LIMIT 1")).scalar_one()
    births = [
        dt.date(2019, 1, 1),
        dt.date(2019, 12, 31),
        dt.date(2020, 1, 1),
        dt.date(2023, 5, 16),
        dt.date(2023, 5, 17),
        dt.date(2020, 2, 29),
        dt.date(2010, 1, 1),
        dt.date(2009, 12, 31),
        dt.date(2021, 5, 16),
    ]
    for i, born in enumerate(births):
        for status in ("enrolled", "not_enrolled", "completed_m3"):
            db_session.execute(
                text(
                    "INSERT INTO child (household_id, round_year, person_key, id_kind, "
                    "no_id_reason, "
                    "first_name, last_name, sex, birth_date, enrolment_status, disability) "
                    "VALUES (:h, 2569, :k, 'none', 'test', 'ขอบ', 'ทดสอบ', 'M', :b, :s, false)"
                ),
                {"h": household, "k": f"edge-{i}-{status}", "b": born, "s": status},
            )
    rows = db_session.execute(
        text(
            f"SELECT birth_date, enrolment_status, expected_grade, stage, compulsory_age, "
            f"out_of_school, due_prathom1_next_year FROM ({assessed_children_sql()}) a"
        ),
        assessment_params(2569),
    ).all()
    assert len(rows) > 80_000
    mismatches = []
    for born, status, grade, stage, compulsory, out, due in rows:
        expected = assess(born, 2569, status)
        got = (grade, stage, compulsory, out, due)
        want = (
            expected.expected_grade,
            expected.stage,
            expected.compulsory_age,
            expected.out_of_school,
            expected.due_prathom1_next_year,
        )
        if got != want:
            mismatches.append((born, status, got, want))
    assert mismatches == []


def test_synthetic_census_is_calibrated(db_session: Session) -> None:
    """Out-of-school children are a few percent of the compulsory ages, as in the sources."""
    compulsory, out = db_session.execute(
        text(
            f"SELECT count(*) FILTER (WHERE compulsory_age), "
            f"count(*) FILTER (WHERE out_of_school) FROM ({assessed_children_sql()}) a"
        ),
        assessment_params(2569),
    ).one()
    assert compulsory > 50_000
    assert 0.01 < out / compulsory < 0.08
