"""Benchmark: bulk census import (streaming COPY) against a row-by-row ORM baseline.

Run by hand after `edumap demo`:

    .venv/bin/python bench/census_import.py [--households 200000]

It writes a synthetic census CSV of Nan scaled to the requested number of households, imports
it into a scratch round (B.E. 2568, deleted afterwards) in a child process that reports its
peak memory, imports a 10x smaller file the same way to show memory stays flat, and times the
row-by-row ORM baseline (one Household and one Child object per row, flushed) on a sample.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from census.forms import clean_child, household_uuid, parse_moo
from census.importer import ALIASES, Places
from census.models import Child, Household
from census.service import create_round
from census.synth import synthesize_rows, write_rows
from kernel.config import get_settings
from kernel.db import session_scope

BENCH_ROUND = 2568
BASELINE_SAMPLE = 2_000


def make_file(path: Path, households: int) -> int:
    with session_scope() as session:
        scale = households / 54_753  # households of the demo census at scale 1
        rows, seen = [], set()
        generated = synthesize_rows(
            session,
            province_code="55",
            round_year=BENCH_ROUND,
            seed=11,
            data_dir=get_settings().data_dir,
            scale=scale,
        )
        for row in generated:
            seen.add(row["รหัสบ้าน"])
            if len(seen) > households:
                break
            rows.append(row)
    write_rows(rows, path)
    return len(rows)


def import_in_child(path: Path) -> dict[str, float]:
    """Import in a fresh process: its peak RSS is the importer's, not the generator's."""
    code = (
        "import json, sys, time; from pathlib import Path;"
        "from kernel.config import get_settings; from kernel.db import session_scope;"
        "from census.importer import import_census_file;"
        "t = time.perf_counter();\n"
        "with session_scope() as s:\n"
        f"    r = import_census_file(s, get_settings(), Path(sys.argv[1]), {BENCH_ROUND})\n"
        # VmHWM, not ru_maxrss: the latter carries the parent's peak across fork and exec.
        "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'));"
        "peak = int(hwm.split()[1]) / 1024;"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'rows': r.rows_read,"
        "'stored': r.stored, 'errors': r.error_count, 'peak_rss_mb': peak}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def orm_baseline(path: Path, sample: int) -> float:
    """Rows per second, one ORM object per household and child, flushed row by row."""
    import csv

    settings = get_settings()
    lookup = {a: f for f, names in ALIASES.items() for a in names}
    with path.open(encoding="utf-8-sig") as handle:
        rows = [
            {lookup.get(k, k): v for k, v in r.items()}
            for _, r in zip(range(sample), csv.DictReader(handle), strict=False)
        ]
    with session_scope() as session:
        places = Places(session)
        schools = set(session.scalars(text("SELECT code FROM school")))
        started = time.perf_counter()
        for row in rows:
            child, problems = clean_child(row, settings, BENCH_ROUND, schools)
            assert child is not None, problems
            code = places.subdistrict(row)
            assert code is not None
            moo = parse_moo(row.get("moo"))
            uid = household_uuid(BENCH_ROUND, "orm:" + str(row.get("house_code")))
            household = session.query(Household).filter_by(uuid=uid).one_or_none()
            if household is None:
                household = Household(
                    uuid=uid,
                    round_year=BENCH_ROUND,
                    house_number=row.get("house_number"),
                    moo=moo,
                    subdistrict_code=code,
                    house_code=row.get("house_code"),
                    location=f"SRID=4326;POINT({row['longitude']} {row['latitude']})",
                    location_source="gps",
                    source="csv",
                    content_hash="orm",
                )
                session.add(household)
                session.flush()
            values = {
                k: v
                for k, v in child.__dict__.items()
                if k not in ("national_id_masked", "birth_date_era")
            }
            session.add(Child(household_id=household.id, round_year=BENCH_ROUND, **values))
            session.flush()
        elapsed = time.perf_counter() - started
    return len(rows) / elapsed


def cleanup() -> None:
    with session_scope() as session:
        session.execute(text("DELETE FROM household WHERE round_year = :y"), {"y": BENCH_ROUND})
        session.execute(
            text("DELETE FROM census_round WHERE academic_year = :y"), {"y": BENCH_ROUND}
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=200_000)
    args = parser.parse_args()
    with session_scope() as session:
        create_round(session, academic_year=BENCH_ROUND, province_code="55")
    try:
        with tempfile.TemporaryDirectory() as folder:
            big, small = Path(folder) / "big.csv", Path(folder) / "small.csv"
            started = time.perf_counter()
            big_rows = make_file(big, args.households)
            small_rows = make_file(small, args.households // 10)
            size_mb = big.stat().st_size / 1e6
            print(
                f"generated {big_rows:,} + {small_rows:,} rows in "
                f"{time.perf_counter() - started:.1f} s ({size_mb:.0f} MB)"
            )
            small_result = import_in_child(small)
            cleanup()
            with session_scope() as session:
                create_round(session, academic_year=BENCH_ROUND, province_code="55")
            big_result = import_in_child(big)
            cleanup()
            with session_scope() as session:
                create_round(session, academic_year=BENCH_ROUND, province_code="55")
            baseline = orm_baseline(big, BASELINE_SAMPLE)
    finally:
        cleanup()
    bulk = big_result["rows"] / big_result["seconds"]
    print(
        f"bulk COPY import: {big_result['rows']:,} rows in {big_result['seconds']:.1f} s = "
        f"{bulk:,.0f} rows/s, peak RSS {big_result['peak_rss_mb']:.0f} MB"
    )
    print(
        f"  10x smaller file: {small_result['rows']:,} rows, peak RSS "
        f"{small_result['peak_rss_mb']:.0f} MB"
    )
    print(f"row-by-row ORM baseline ({BASELINE_SAMPLE:,}-row sample): {baseline:,.0f} rows/s")
    print(f"speed-up: {bulk / baseline:.1f}x")


if __name__ == "__main__":
    main()
