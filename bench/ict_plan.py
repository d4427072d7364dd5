"""Benchmark: ICT needs against the norms and the procurement plan for a national-size
registry, in SQL (what edumap runs: ``gis.ict.needs`` and ``gis.ict.plan``) against a pandas
baseline (the tables read into data frames, the same arithmetic with merges and group-bys),
in the same run, with the same answers checked school by school and line by line.

Run by hand after `edumap demo`:

    .venv/bin/python bench/ict_plan.py [--schools 30000] [--batches 50]

Everything happens in one transaction that is rolled back: ``--schools`` synthetic schools
(copies of the loaded ones, codes 80...) with their copy's enrolment and staff, and
``--batches`` device batches each (1.5 million device rows by default: kinds, purposes,
years and broken units varied by a hash of the school and batch).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import app.main  # noqa: E402,F401  (registers every model)
from gis.ict.needs import school_needs  # noqa: E402
from gis.ict.norms import ict_norms  # noqa: E402
from gis.ict.plan import procurement_plan  # noqa: E402
from gis.ict.prices import price_list_for  # noqa: E402
from gis.schools.norms import class_size_norms  # noqa: E402
from gis.schools.round_rules import TEACHING_POSITIONS  # noqa: E402
from kernel.db import get_engine  # noqa: E402

FISCAL_YEAR = 2570
BUDGET = Decimal(50_000_000)
KINDS = ("computer", "notebook", "tablet", "printer", "projector", "scanner")


def plant(session: Session, schools: int, batches: int) -> None:
    for statement in PLANT_SQL.split(";"):
        if statement.strip():
            session.execute(text(statement), {"n": schools, "b": batches})


PLANT_SQL = """
        CREATE TEMP TABLE bench_copy ON COMMIT DROP AS
        SELECT n, s.id AS source_id, s.name_th, s.grades, s.affiliation, s.subdistrict_code,
            s.office_code, s.location
        FROM generate_series(1, :n) AS n
        JOIN (SELECT row_number() OVER (ORDER BY id) AS rn, * FROM school) s
          ON s.rn = 1 + n % (SELECT count(*) FROM school);
        INSERT INTO school (code, code_synthetic, name_th, grades, affiliation,
            subdistrict_code, office_code, location, location_source, location_accuracy_m, source)
        SELECT lpad((8000000000 + n)::text, 10, '0'), true, name_th || ' ' || n, grades,
            affiliation, subdistrict_code, office_code, location, 'surveyed', 10, 'bench'
        FROM bench_copy;
        INSERT INTO school_grade_year (school_id, academic_year, grade, enrolled_male,
            enrolled_female, classrooms, synthetic, source)
        SELECT s.id, gy.academic_year, gy.grade, gy.enrolled_male, gy.enrolled_female,
            gy.classrooms, true, 'synthetic'
        FROM bench_copy c JOIN school s ON s.code = lpad((8000000000 + c.n)::text, 10, '0')
        JOIN school_grade_year gy ON gy.school_id = c.source_id;
        INSERT INTO school_personnel (school_id, academic_year, position, count, synthetic)
        SELECT s.id, p.academic_year, p.position, p.count, true
        FROM bench_copy c JOIN school s ON s.code = lpad((8000000000 + c.n)::text, 10, '0')
        JOIN school_personnel p ON p.school_id = c.source_id;
        INSERT INTO internet_link (school_id, link_type, mbps, provider, synthetic)
        SELECT s.id, i.link_type, i.mbps, i.provider, true
        FROM bench_copy c JOIN school s ON s.code = lpad((8000000000 + c.n)::text, 10, '0')
        JOIN internet_link i ON i.school_id = c.source_id;
        INSERT INTO ict_device (school_id, kind, purpose, count, working, year_acquired, note,
            synthetic)
        SELECT s.id, (ARRAY['computer','notebook','tablet','printer','projector','scanner'])
                [1 + abs(hashtext(s.code || b)) % 6],
            CASE WHEN abs(hashtext(s.code || b || 'p')) % 3 = 0 THEN 'administration'
                 ELSE 'learning' END,
            1 + abs(hashtext(s.code || b || 'c')) % 3 AS count,
            1 + abs(hashtext(s.code || b || 'c')) % 3
                - (CASE WHEN abs(hashtext(s.code || b || 'w')) % 8 = 0 THEN 1 ELSE 0 END),
            2555 + abs(hashtext(s.code || b || 'y')) % 15, '', true
        FROM bench_copy c JOIN school s ON s.code = lpad((8000000000 + c.n)::text, 10, '0')
        CROSS JOIN generate_series(1, :b) AS b;
        ANALYZE school; ANALYZE school_grade_year; ANALYZE school_personnel;
        ANALYZE ict_device; ANALYZE internet_link;
"""


def pandas_baseline(session: Session) -> tuple[dict[str, dict[str, int]], list[tuple[Any, ...]]]:
    """The needs and the plan in pandas: the tables read whole, then merges and group-bys."""
    norms = ict_norms()
    bands = class_size_norms()
    conn = session.connection()
    schools = pd.read_sql(text("SELECT id, code FROM school"), conn)
    grades = pd.read_sql(
        text(
            "SELECT school_id, academic_year, grade, enrolled_male + enrolled_female AS n "
            "FROM school_grade_year"
        ),
        conn,
    )
    staff = pd.read_sql(
        text("SELECT school_id, academic_year, position, count FROM school_personnel"), conn
    )
    devices = pd.read_sql(
        text("SELECT school_id, kind, purpose, count, working, year_acquired FROM ict_device"),
        conn,
    )
    latest = grades.groupby("school_id")["academic_year"].transform("max")
    grades = grades[grades["academic_year"] == latest].copy()
    grades["level"] = grades["grade"].map(
        lambda g: (
            "pre_primary"
            if g.startswith("K")
            else "primary"
            if g.startswith("P")
            else "lower_secondary"
            if g in ("M1", "M2", "M3")
            else "upper_secondary"
        )
    )
    by_level = grades.pivot_table(index="school_id", columns="level", values="n", aggfunc="sum")
    learning_required = pd.Series(0, index=by_level.index, dtype="int64")
    for level, per in norms.pupils_per_learning_device.items():
        if per and level in by_level:
            learning_required += by_level[level].fillna(0).map(lambda x, p=per: math.ceil(x / p))
    pupils = grades.groupby("school_id")["n"].sum()
    latest_staff = staff.groupby("school_id")["academic_year"].transform("max")
    teachers = (
        staff[(staff["academic_year"] == latest_staff) & staff["position"].isin(TEACHING_POSITIONS)]
        .groupby("school_id")["count"]
        .sum()
    )
    frame = schools.set_index("id")
    frame["pupils"] = pupils.reindex(frame.index).fillna(0).astype(int)
    frame["teachers"] = teachers.reindex(frame.index).fillna(0).astype(int)
    band = pd.cut(
        frame["pupils"],
        [-1, bands.small_max, bands.medium_max, bands.large_max, float("inf")],
        labels=["small", "medium", "large", "extra_large"],
    )
    required = {
        "learning": learning_required.reindex(frame.index).fillna(0).astype(int),
        "administration": (frame["teachers"] / norms.teachers_per_admin_device)
        .map(math.ceil)
        .clip(lower=norms.admin_devices_minimum)
        .astype(int),
        "printer": band.map(norms.printers_by_size_band).astype(int),
    }
    devices["need"] = None
    learning = devices["purpose"].eq("learning") & devices["kind"].isin(
        ["computer", "notebook", "tablet"]
    )
    devices.loc[devices["kind"].isin(["computer", "notebook"]), "need"] = "administration"
    devices.loc[learning, "need"] = "learning"
    devices.loc[devices["kind"].eq("printer"), "need"] = "printer"
    life = devices["kind"].map(norms.replacement_age)
    over = devices["year_acquired"].notna() & (FISCAL_YEAR - devices["year_acquired"] > life)
    devices["usable"] = devices["working"].where(~over, 0)
    usable = devices.dropna(subset=["need"]).groupby(["school_id", "need"])["usable"].sum()
    shortfalls: dict[str, dict[str, int]] = {}
    lines = []
    for need, needed in required.items():
        have = usable.xs(need, level="need").reindex(frame.index).fillna(0).astype(int)
        short = (needed - have).clip(lower=0)
        for code, value in zip(frame["code"], short, strict=True):
            shortfalls.setdefault(code, {})[need] = int(value)
        lines.append(
            pd.DataFrame(
                {
                    "code": frame["code"],
                    "need": need,
                    "order": ("learning", "administration", "printer").index(need) + 1,
                    "shortfall": short,
                    "pupils": frame["pupils"],
                }
            )
        )
    plan = pd.concat(lines)
    plan = plan[(plan["shortfall"] > 0) & (plan["pupils"] > 0)].copy()
    plan["per_pupil"] = plan["shortfall"] / plan["pupils"]
    minimum = plan.assign(units=plan["shortfall"].clip(upper=norms.plan_minimum_units), step=1)
    rest = plan.assign(units=plan["shortfall"] - minimum["units"], step=2)
    ranked = pd.concat([minimum, rest])
    ranked = ranked[ranked["units"] > 0].sort_values(
        ["step", "per_pupil", "code", "order"], ascending=[True, False, True, True]
    )
    prices: dict[str, Decimal] = {}
    for item in price_list_for(session, FISCAL_YEAR)["items"]:
        prices.setdefault(item["need"], Decimal(str(item["unit_price_baht"])))
    ranked["price"] = ranked["need"].map(lambda n: float(prices[n]))
    ranked["cost"] = ranked["units"] * ranked["price"]
    running = ranked["cost"].cumsum()
    before = running - ranked["cost"]
    budget = float(BUDGET)
    ranked["funded"] = (
        ranked["units"]
        .where(running <= budget, ((budget - before) // ranked["price"]).clip(lower=0))
        .where(before < budget, 0)
        .astype(int)
    )
    return shortfalls, list(
        zip(ranked["code"], ranked["need"], ranked["units"], ranked["funded"], strict=True)
    )


def edumap_sql(session: Session) -> tuple[dict[str, dict[str, int]], list[tuple[Any, ...]]]:
    needs = school_needs(session, as_of_year=FISCAL_YEAR)
    plan = procurement_plan(session, fiscal_year=FISCAL_YEAR, budget_baht=BUDGET)
    return (
        {s["code"]: {n: f["shortfall"] for n, f in s["needs"].items()} for s in needs},
        [(x["school_code"], x["need"], x["units"], x["funded_units"]) for x in plan["lines"]],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=30_000)
    parser.add_argument("--batches", type=int, default=50)
    args = parser.parse_args()
    with Session(get_engine()) as session:
        try:
            started = time.perf_counter()
            plant(session, args.schools, args.batches)
            counts = session.execute(
                text("SELECT (SELECT count(*) FROM school), (SELECT count(*) FROM ict_device)")
            ).one()
            print(
                f"planted: {counts[0]:,} schools, {counts[1]:,} device rows "
                f"in {time.perf_counter() - started:.0f} s"
            )
            session.execute(text("SET LOCAL jit = off"))
            timings: dict[str, list[float]] = {"sql": [], "pandas": []}
            answers: dict[str, Any] = {}
            for _ in range(3):  # interleaved, medians
                for name, run in (("sql", edumap_sql), ("pandas", pandas_baseline)):
                    started = time.perf_counter()
                    answers[name] = run(session)
                    timings[name].append(time.perf_counter() - started)
            assert answers["sql"][0] == answers["pandas"][0], "the needs disagree"
            assert answers["sql"][1] == answers["pandas"][1], "the plans disagree"
            lines = answers["sql"][1]
            short = sum(sum(v.values()) for v in answers["sql"][0].values())
            funded = sum(1 for line in lines if line[3] == line[2])
            print(
                f"answers equal: {len(answers['sql'][0]):,} schools, {short:,} devices short, "
                f"{len(lines):,} plan lines ({funded:,} funded in full by "
                f"{BUDGET:,.0f} baht)"
            )
            sql = sorted(timings["sql"])[1]
            pandas = sorted(timings["pandas"])[1]
            print(json.dumps({"sql_s": round(sql, 2), "pandas_s": round(pandas, 2)}))
            print(f"SQL {sql:.2f} s, pandas {pandas:.2f} s: ratio {sql / pandas:.3f}x")
        finally:
            session.rollback()


if __name__ == "__main__":
    main()
