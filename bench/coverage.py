"""Benchmark: coverage queries on a synthetic census of about a million children, each against
a naive formulation measured in the same run, with the same answers checked.

Run by hand after `edumap demo`:

    .venv/bin/python bench/coverage.py [--households 650000] [--sample 2000]

It imports a scaled synthetic census of Nan into a scratch round (B.E. 2568, deleted
afterwards), proposes that round's service areas, then times:
  1. nearest school per child: KNN (`ORDER BY geog <-> geog LIMIT 1` in a LATERAL) against
     `ORDER BY ST_Distance(...) LIMIT 1`, on the same sample of children;
  2. children with no school within 3 km: `ST_DWithin` on the indexed geography columns
     against the same test with the points cast to geography inside the predicate;
  3. children per service area: the subdivided parts against the whole polygons.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from census.importer import import_census_file
from census.service import create_round
from census.synth import synthesize_rows, write_rows
from gis.service_areas.propose import propose_service_areas
from kernel.config import get_settings
from kernel.db import session_scope

ROUND = 2568


def timed(session, sql: str, params: dict | None = None) -> tuple[float, list]:  # type: ignore[no-untyped-def,type-arg]
    started = time.perf_counter()
    rows = session.execute(text(sql), params or {}).all()
    return time.perf_counter() - started, rows


def load(households: int) -> int:
    settings = get_settings()
    with session_scope() as session:
        create_round(session, academic_year=ROUND, province_code="55")
        rows, seen = [], set()
        for row in synthesize_rows(
            session,
            province_code="55",
            round_year=ROUND,
            seed=21,
            data_dir=settings.data_dir,
            scale=households / 54_753,
        ):
            seen.add(row["รหัสบ้าน"])
            if len(seen) > households:
                break
            rows.append(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "census.csv"
        write_rows(rows, path)
        del rows
        with session_scope() as session:
            report = import_census_file(session, settings, path, ROUND)
            assert report.stored, report.errors[:3]
            propose_service_areas(session, province_code="55", academic_year=ROUND)
        return report.children_new


def load_national_schools() -> int:
    """Every province's schools from the bundled list, placed as the demo places Nan's."""
    import io
    import zipfile

    import pandas as pd

    from gis.datasets import BundledData
    from gis.schools.importer import load_school_list
    from kernel.names import admin_key

    data = BundledData(get_settings().data_dir)
    with zipfile.ZipFile(data.schools_all_provinces) as archive:
        frame = pd.read_csv(
            io.BytesIO(archive.read("schools_all_provinces.csv")), dtype=str, keep_default_na=False
        )
    loaded = 0
    with tempfile.TemporaryDirectory() as folder, session_scope() as session:
        codes = dict(session.execute(text("SELECT name_th, code FROM province")).all())
        by_key = {admin_key(name): code for name, code in codes.items()}
        for province, group in frame.groupby(frame["province"].map(admin_key)):
            code = by_key.get(province)
            if code is None or code == "55":
                continue
            path = Path(folder) / f"{code}.csv"
            group.drop(columns=[]).to_csv(path, index=False)
            loaded += load_school_list(session, path, code).counts["loaded"]
    return loaded


def cleanup() -> None:
    with session_scope() as session:
        session.execute(
            text("DELETE FROM school WHERE code_synthetic AND subdistrict_code NOT LIKE '55%'")
        )
        session.execute(text("DELETE FROM household WHERE round_year = :y"), {"y": ROUND})
        session.execute(text("DELETE FROM service_area WHERE academic_year = :y"), {"y": ROUND})
        session.execute(text("DELETE FROM census_round WHERE academic_year = :y"), {"y": ROUND})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=650_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument(
        "--national-schools",
        action="store_true",
        help="also place the other provinces' 35,800 schools (removed after)",
    )
    args = parser.parse_args()
    if args.national_schools:
        started = time.perf_counter()
        print(
            f"placed {load_national_schools():,} more schools in "
            f"{time.perf_counter() - started:.0f} s"
        )
    started = time.perf_counter()
    children = load(args.households)
    print(f"loaded {children:,} children in {time.perf_counter() - started:.0f} s")
    try:
        with session_scope() as s:
            s.execute(text("SET LOCAL jit = off"))
            s.execute(text("ANALYZE household; ANALYZE child; ANALYZE service_area_part"))
            s.execute(
                text(
                    "CREATE TEMP TABLE sample AS SELECT h.id, h.location, h.location_geog "
                    "FROM child c JOIN household h ON h.id = c.household_id "
                    "WHERE c.round_year = :y "
                    "ORDER BY md5(c.id::text) LIMIT :n"
                ),
                {"y": ROUND, "n": args.sample},
            )
            knn_sql = (
                "SELECT x.id, n.code FROM sample x CROSS JOIN LATERAL (SELECT k.code FROM ("
                "SELECT s.code, ST_Distance(s.location_geog, x.location_geog) AS d FROM school s "
                "WHERE s.grades @> ARRAY['P1']::varchar[] "
                "ORDER BY s.location_geog <-> x.location_geog LIMIT 4) k ORDER BY k.d, k.code "
                "LIMIT 1) n ORDER BY x.id"
            )
            naive_sql = (
                "SELECT x.id, n.code FROM sample x CROSS JOIN LATERAL (SELECT s.code FROM school s "
                "WHERE s.grades @> ARRAY['P1']::varchar[] "
                "ORDER BY ST_Distance(s.location_geog, x.location_geog), s.code LIMIT 1) n "
                "ORDER BY x.id"
            )
            knn_s, knn = timed(s, knn_sql)
            naive_s, naive = timed(s, naive_sql)
            same = sum(a == b for a, b in zip(knn, naive, strict=True))
            print(
                f"1. nearest school, {args.sample:,} children: KNN {knn_s:.3f} s, "
                f"ORDER BY ST_Distance {naive_s:.3f} s -> {naive_s / knn_s:.0f}x; "
                f"same answer for {same:,}/{len(knn):,}"
            )
            all_s, all_rows = timed(
                s,
                knn_sql.replace(
                    "FROM sample x",
                    "FROM (SELECT h.id, "
                    "h.location_geog FROM child c JOIN household h ON h.id = "
                    f"c.household_id WHERE c.round_year = {ROUND}) x",
                ),
            )
            print(f"   KNN for all {len(all_rows):,} children: {all_s:.1f} s")

            # Schools within 3 km of each child, counted: every pair is tested, so neither
            # form can stop at its first match.
            fast_sql = (
                "SELECT count(*) FROM {table} x JOIN school s ON "
                "ST_DWithin(s.location_geog, x.location_geog, 3000)"
            )
            cast_sql = (
                "SELECT count(*) FROM {table} x JOIN school s ON "
                "ST_DWithin(s.location::geography, x.location::geography, 3000)"
            )
            fast_s, fast = timed(s, fast_sql.format(table="sample"))
            cast_s, cast = timed(s, cast_sql.format(table="sample"))
            print(
                f"2. schools within 3 km, {args.sample:,} children: indexed geography "
                f"{fast_s:.3f} s, cast in the predicate {cast_s:.3f} s -> "
                f"{cast_s / fast_s:.0f}x; counts {fast[0][0]:,} and {cast[0][0]:,}"
            )
            households = (
                f"(SELECT h.id, h.location_geog FROM household h WHERE h.round_year = {ROUND})"
            )
            all_fast_s, all_fast = timed(s, fast_sql.format(table=households))
            print(f"   all households: {all_fast_s:.1f} s ({all_fast[0][0]:,} pairs)")

            # Nan's full-resolution tambons (about 3,600 vertices each), as a service area made
            # of whole tambons would be: subdivided pieces against the whole polygons.
            s.execute(
                text(
                    "CREATE TEMP TABLE tambon_part AS SELECT code, ST_Subdivide(geom, 128) AS geom "
                    "FROM subdistrict WHERE province_code = '55'"
                )
            )
            s.execute(text("CREATE INDEX ON tambon_part USING gist (geom)"))
            s.execute(text("ANALYZE tambon_part"))
            parts_sql = (
                "SELECT p.code, count(DISTINCT x.id) FROM sample x JOIN tambon_part p "
                "ON ST_Intersects(p.geom, x.location) GROUP BY 1 ORDER BY 1"
            )
            whole_sql = (
                "SELECT t.code, count(DISTINCT x.id) FROM sample x JOIN subdistrict t "
                "ON ST_Intersects(t.geom, x.location) WHERE t.province_code = '55' "
                "GROUP BY 1 ORDER BY 1"
            )
            parts_s, parts = timed(s, parts_sql)
            whole_s, whole = timed(s, whole_sql)
            print(
                f"3. point in full-resolution tambon, {args.sample:,} points: subdivided "
                f"{parts_s:.3f} s, whole polygons {whole_s:.3f} s -> {whole_s / parts_s:.1f}x; "
                f"same answer: {parts == whole}"
            )
            s.rollback()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
