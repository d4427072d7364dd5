"""Benchmark: refreshing the stored coverage after census changes, only the changed households
(migration 0007) against recomputing the whole round (the baseline, what every change cost
before).

Run by hand after `edumap demo`:

    .venv/bin/python bench/coverage_refresh.py

Each case touches N households of the demo round (an UPDATE that changes nothing a reader
sees, but fires the triggers), refreshes, checks the result equals a full recompute, and rolls
everything back.
"""

from __future__ import annotations

import time

from sqlalchemy import text

from gis import coverage
from kernel.config import get_settings
from kernel.db import session_scope

SNAPSHOT = """
    SELECT md5(string_agg(concat_ws(',', child_id, out_of_school, beyond_distance, enrolled,
                                    area_school_ids), ';' ORDER BY child_id))
    FROM child_coverage WHERE round_year = :y
"""


def main() -> None:
    round_year = get_settings().demo_academic_year
    with session_scope() as session:
        coverage.refresh_coverage(session, round_year)
    print("| households changed | incremental | full round (baseline) | ratio | same result |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for changed in (1, 10, 100, 1_000, 5_000):
        with session_scope() as session:
            session.execute(
                text(
                    "UPDATE household SET house_number = house_number WHERE id IN "
                    "(SELECT id FROM household WHERE round_year = :y ORDER BY id LIMIT :n)"
                ),
                {"y": round_year, "n": changed},
            )
            start = time.perf_counter()
            coverage.refresh_coverage(session, round_year)
            incremental_s = time.perf_counter() - start
            incremental = session.execute(text(SNAPSHOT), {"y": round_year}).scalar()
            session.execute(
                text("UPDATE coverage_state SET stale = true WHERE round_year = :y"),
                {"y": round_year},
            )
            start = time.perf_counter()
            coverage.refresh_coverage(session, round_year)
            full_s = time.perf_counter() - start
            full = session.execute(text(SNAPSHOT), {"y": round_year}).scalar()
            session.rollback()
        print(
            f"| {changed:,} | {incremental_s * 1000:,.0f} ms | {full_s * 1000:,.0f} ms "
            f"| {full_s / incremental_s:,.1f}x | {'yes' if incremental == full else 'NO'} |"
        )


if __name__ == "__main__":
    main()
