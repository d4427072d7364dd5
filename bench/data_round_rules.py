"""Benchmark: a data round's rules over a national-size round, in SQL (what edumap runs)
against a row-by-row Python baseline (a query per school, the rules in Python), in the same
run, with the same answers checked.

Run by hand after `edumap demo`:

    .venv/bin/python bench/data_round_rules.py [--schools 30000]

Everything happens in one transaction that is rolled back: ``--schools`` synthetic schools
(copies of the loaded ones, codes 80...), their last count (B.E. 2568), an enrolment round of
2569 asking every school, and each school's figures with planted faults: 2% a grade without
classrooms, 2% a grade over its seats, 1% a grade the school does not teach, 1% a total
that disagrees, 3% a change of more than 30% from the last count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import app.main  # noqa: E402,F401  (registers every model the rounds refer to)
from gis.schools import rounds  # noqa: E402
from gis.schools.norms import class_size_norms  # noqa: E402
from gis.schools.round_rules import round_rules, violations  # noqa: E402
from kernel.db import get_engine  # noqa: E402

FAULTS_SQL = """
    SELECT s.id AS school_id, g.grade, (abs(hashtext(s.code || g.grade)) % 100) AS dice,
           (abs(hashtext(s.code)) % 100) AS school_dice
    FROM school s CROSS JOIN LATERAL unnest(s.grades) AS g(grade)
"""


def plant(session: Session, schools: int) -> int:
    """Synthetic schools, their last count, a round asking all, figures with faults."""
    session.execute(
        text(
            """
        INSERT INTO school (code, code_synthetic, name_th, grades, affiliation,
            subdistrict_code, office_code, location, location_source, location_accuracy_m,
            source)
        SELECT lpad((8000000000 + n)::text, 10, '0'), true, s.name_th || ' ' || n, s.grades,
            s.affiliation, s.subdistrict_code, s.office_code, s.location, s.location_source,
            s.location_accuracy_m, 'bench'
        FROM generate_series(1, :n) AS n
        JOIN (SELECT row_number() OVER (ORDER BY id) AS rn, * FROM school) s
          ON s.rn = 1 + n % (SELECT count(*) FROM school)
        """
        ),
        {"n": schools},
    )
    # The last count: 2568, 15-30 pupils a grade in one classroom (30 seats in Anuban).
    session.execute(text("DELETE FROM school_grade_year WHERE academic_year = 2568"))
    session.execute(
        text(
            f"""
        INSERT INTO school_grade_year (school_id, academic_year, grade, enrolled_male,
            enrolled_female, classrooms, synthetic, source)
        SELECT f.school_id, 2568, f.grade, 10 + f.dice % 10, 5 + f.dice % 6, 1, true,
            'synthetic'
        FROM ({FAULTS_SQL}) f
        """
        )
    )
    found = rounds.create_round(
        session,
        kind="enrolment",
        title_th="bench",
        academic_year=2569,
        counting_day=dt.date(2026, 6, 10),
        opens_on=dt.date(2026, 6, 1),
        deadline=dt.date(2026, 6, 30),
        office_code=None,
        actor="bench",
    )
    # This year's figures: last year's, with the planted faults (not the demo's DMC count).
    session.execute(text("DELETE FROM data_round_value WHERE round_id = :r"), {"r": found.id})
    session.execute(
        text(
            f"""
        INSERT INTO data_round_value (round_id, school_id, item, field, value)
        SELECT :r, f.school_id, f.grade, v.field, v.value
        FROM ({FAULTS_SQL}) f
        CROSS JOIN LATERAL (VALUES
            ('male', CASE WHEN f.school_dice < 3 THEN 30 + f.dice % 10
                          WHEN f.dice < 2 THEN 60 ELSE 10 + f.dice % 10 END),
            ('female', 5 + f.dice % 6),
            ('classrooms', CASE WHEN f.dice BETWEEN 2 AND 3 THEN 0 ELSE 1 END)) AS v(field, value)
        UNION ALL  -- 1%: a grade the school does not teach
        SELECT :r, s.id, 'M6', v.field, 5 FROM school s
        CROSS JOIN (VALUES ('male'), ('female'), ('classrooms')) AS v(field)
        WHERE abs(hashtext(s.code)) % 100 = 50 AND NOT s.grades @> ARRAY['M6']::varchar[]
        UNION ALL  -- 1%: a stated total that disagrees
        SELECT :r, s.id, 'total', 'pupils', 1 FROM school s
        WHERE abs(hashtext(s.code)) % 100 = 60
        """
        ),
        {"r": found.id},
    )
    session.execute(text("ANALYZE data_round_value; ANALYZE school_grade_year; ANALYZE school"))
    return found.id


def row_by_row(session: Session, round_id: int) -> list[tuple[str, str, str]]:
    """The same rules, a school at a time: its figures, grades and last count read with a
    query each, the checks in Python."""
    rules = round_rules()
    norms = class_size_norms()
    share = rules["change_from_last_count"].params["share"]
    floor = rules["change_from_last_count"].params["floor"]
    found = []
    schools = session.execute(
        text(
            "SELECT s.id, s.code, s.grades FROM data_round_school rs "
            "JOIN school s ON s.id = rs.school_id WHERE rs.round_id = :r ORDER BY s.code"
        ),
        {"r": round_id},
    ).all()
    for school_id, code, grades in schools:
        values: dict[str, dict[str, int]] = {}
        for item, field, value in session.execute(
            text(
                "SELECT item, field, value FROM data_round_value "
                "WHERE round_id = :r AND school_id = :s"
            ),
            {"r": round_id, "s": school_id},
        ):
            values.setdefault(item, {})[field] = value
        last = session.execute(
            text(
                "SELECT sum(enrolled_male + enrolled_female) FROM school_grade_year "
                "WHERE school_id = :s AND academic_year = (SELECT max(academic_year) FROM "
                "school_grade_year WHERE school_id = :s AND (academic_year < 2569 OR "
                "(academic_year = 2569 AND coalesce(counted_on, DATE '-infinity') "
                "< DATE '2026-06-10')))"
            ),
            {"s": school_id},
        ).scalar()
        total = 0
        for item, fields in values.items():
            if item == "total":
                continue
            pupils = fields.get("male", 0) + fields.get("female", 0)
            rooms = fields.get("classrooms", 0)
            total += pupils
            if rooms > 0 and pupils > norms.seats(item, rooms):
                found.append((code, "enrolment_over_capacity", item))
            if pupils + rooms > 0 and item not in grades:
                found.append((code, "grade_not_taught", item))
            if pupils > 0 and rooms == 0:
                found.append((code, "pupils_without_classrooms", item))
        stated = values.get("total", {}).get("pupils")
        if stated is not None and stated != total:
            found.append((code, "total_disagrees", "total"))
        if values and last is not None and abs(total - last) > share * last:
            if abs(total - last) >= floor:
                found.append((code, "change_from_last_count", "total"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=30_000)
    args = parser.parse_args()
    with Session(get_engine()) as session:
        try:
            started = time.perf_counter()
            round_id = plant(session, args.schools)
            asked = session.execute(
                text("SELECT count(*) FROM data_round_school WHERE round_id = :r"),
                {"r": round_id},
            ).scalar_one()
            values = session.execute(
                text("SELECT count(*) FROM data_round_value WHERE round_id = :r"),
                {"r": round_id},
            ).scalar_one()
            print(
                f"planted a round of {asked:,} schools, {values:,} figures "
                f"in {time.perf_counter() - started:.0f} s"
            )
            session.execute(text("SET LOCAL jit = off"))
            timings: dict[str, list[float]] = {"sql": [], "python": []}
            answers: dict[str, Any] = {}
            for _ in range(3):  # interleaved, medians
                started = time.perf_counter()
                batch = violations(session, round_id, "enrolment")
                timings["sql"].append(time.perf_counter() - started)
                answers["sql"] = sorted((v["school_code"], v["rule"], v["item"]) for v in batch)
                started = time.perf_counter()
                answers["python"] = sorted(row_by_row(session, round_id))
                timings["python"].append(time.perf_counter() - started)
            assert answers["sql"] == answers["python"], "the two disagree"
            by_rule = Counter(rule for _, rule, _ in answers["sql"])
            print(f"violations: {len(answers['sql']):,} ({dict(sorted(by_rule.items()))})")
            sql = sorted(timings["sql"])[1]
            python = sorted(timings["python"])[1]
            print(
                f"SQL batch {sql:.2f} s, row-by-row Python {python:.2f} s: "
                f"ratio {sql / python:.3f}x ({python / sql:.0f} times faster)"
            )
        finally:
            session.rollback()


if __name__ == "__main__":
    main()
