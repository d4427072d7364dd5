"""Benchmark: matching a national-size pair of registers in PostgreSQL (``census.matching``)
against a baseline of the same join in pandas (``merge``), and one office's share.

Run by hand after `edumap demo`, with no server connected to the demo database:

    .venv/bin/python bench/national_matching.py [--civil 11000000] [--school 9000000]

It copies the demo database to ``edumap_bench`` (dropped afterwards unless ``--keep``), gives
every province a primary and a secondary office and the country 30,000 synthetic schools,
and writes, with ``generate_series`` (synthetic, nothing of a real person): a civil-registration
extract of ``--civil`` children across all 7,425 tambons and a school-records extract of
``--school`` pupils, 97 % of them registered children, 2 % with an ID the register lacks (a
mistyped one) and 1 % with a G-code only. Then it times, each on its own:

- ``match_round`` on the whole country (name matching included), with the peak memory of the
  PostgreSQL backend that ran it (VmHWM) and of this process;
- the pandas baseline in a child process: the two extracts' keys read into DataFrames (load
  time reported apart), an outer ``merge`` on the ID key and the status a child gets from it
  (no_record, pupil_not_registered, matched: three of the seven statuses, no grades, offices
  or names), with its peak memory;
- ``match_round`` on one office's share, the children of the first tambons up to about 50,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from census.matching import match_round
from kernel.config import get_settings
from kernel.localdb import copy_database

# The country in the demo's round (its own extracts removed in the copy), so that the synthetic
# birth dates fall in the census window as they would; the office's share in the year before.
NATIONAL_ROUND = 2569
OFFICE_ROUND = 2568
OFFICE_CHILDREN = 50_000
SCHOOLS = 30_000
GRADES = "ARRAY['K1','K2','K3','P1','P2','P3','P4','P5','P6','M1','M2','M3','M4','M5','M6']"

SETUP_SQL = [
    "DELETE FROM register_match",
    "DELETE FROM register_extract",
    # Every province without offices gets a primary and a secondary one over all its districts.
    """
    INSERT INTO service_area_office (code, name_th, kind, province_code)
    SELECT 'B' || k.letter || p.code, 'สำนักงานสังเคราะห์ ' || p.name_th, k.kind::office_kind,
           p.code
    FROM province p CROSS JOIN (VALUES ('P', 'primary'), ('S', 'secondary')) k(letter, kind)
    WHERE NOT EXISTS (SELECT 1 FROM service_area_office o WHERE o.province_code = p.code)
    """,
    """
    INSERT INTO service_area_office_district (office_code, district_code)
    SELECT o.code, d.code FROM service_area_office o JOIN district d
         ON d.province_code = o.province_code
    WHERE o.code LIKE 'B%'
    """,
    "CREATE TEMP TABLE bench_tambon AS SELECT row_number() OVER (ORDER BY code) - 1 AS i, code, "
    "ST_PointOnSurface(geom) AS point FROM subdistrict",
    # Schools round-robin over the tambons: school i in tambon i mod T.
    f"""
    INSERT INTO school (code, code_synthetic, name_th, grades, affiliation, subdistrict_code,
                        location, location_source, location_accuracy_m, source)
    SELECT '98' || lpad(n::text, 8, '0'), true, 'โรงเรียนสังเคราะห์ ' || n,
           {GRADES}::varchar[], 'obec', t.code, t.point, 'bench', 0, 'bench'
    FROM generate_series(0, {SCHOOLS} - 1) n
    JOIN bench_tambon t ON t.i = n % (SELECT count(*) FROM bench_tambon)
    """,
]


def extract_sql(round_year: int) -> list[str]:
    return [
        f"INSERT INTO census_round (academic_year, province_code, state) "
        f"VALUES ({round_year}, '55', 'open') ON CONFLICT DO NOTHING",
        f"""
        INSERT INTO register_extract (round_year, kind, agency, as_of, source_name,
                                      content_sha256, rows)
        VALUES ({round_year}, 'civil', 'dopa', '2026-06-01', 'bench_civil.csv', 'c{round_year}', 0),
               ({round_year}, 'school', 'obec', '2026-06-10', 'bench_dmc.csv', 's{round_year}', 0)
        """,
    ]


CIVIL_SQL = """
INSERT INTO register_record (extract_id, row_number, national_id_hash, national_id_masked,
                             title, first_name, last_name, sex, birth_date, house_number, moo,
                             subdistrict_code)
SELECT e.id, n + 1, md5('id' || n), 'x-xxxx-xxxxx-' || lpad((n % 100)::text, 2, '0') || '-x',
       CASE WHEN n % 2 = 0 THEN 'ด.ช.' ELSE 'ด.ญ.' END,
       'ชื่อ' || (n % 4999), 'สกุล' || (n % 7919), CASE WHEN n % 2 = 0 THEN 'M' ELSE 'F' END,
       date '2008-05-17' + (abs(hashint4(n)::bigint) % 5800)::int, (n % 300)::text,
       1 + n % 12, t.code
FROM generate_series(0, :civil - 1) n
JOIN bench_tambon t ON t.i = n % (SELECT count(*) FROM bench_tambon)
CROSS JOIN (SELECT id FROM register_extract WHERE round_year = :y AND kind = 'civil') e
"""
# Pupil n is registered child n (97 %), or has another ID (2 %), or a G-code only (1 %); the
# school is one of the child's tambon's, the grade the one the birth year gives.
SCHOOL_SQL = f"""
INSERT INTO register_record (extract_id, row_number, national_id_hash, national_id_masked,
                             g_code, title, first_name, last_name, sex, birth_date,
                             school_code, grade, room)
SELECT e.id, n + 1,
       CASE WHEN n % 100 < 97 THEN md5('id' || n) WHEN n % 100 < 99 THEN md5('other' || n) END,
       CASE WHEN n % 100 < 99 THEN 'x-xxxx-xxxxx-xx-x' END,
       CASE WHEN n % 100 = 99 THEN 'G' || lpad(n::text, 12, '0') END,
       CASE WHEN n % 2 = 0 THEN 'ด.ช.' ELSE 'ด.ญ.' END,
       'ชื่อ' || (n % 4999), 'สกุล' || (n % 7919), CASE WHEN n % 2 = 0 THEN 'M' ELSE 'F' END,
       b.born, '98' || lpad((t.i + (n % 4) * (SELECT count(*) FROM bench_tambon))::text, 8, '0'),
       ({GRADES})[1 + least(14, greatest(0, 2026 - extract(year FROM b.born)::int - 4))],
       '1'
FROM generate_series(0, :school - 1) n
CROSS JOIN LATERAL (SELECT date '2008-05-17' + (abs(hashint4(n)::bigint) % 5800)::int AS born) b
JOIN bench_tambon t ON t.i = n % (SELECT count(*) FROM bench_tambon)
CROSS JOIN (SELECT id FROM register_extract WHERE round_year = :y AND kind = 'school') e
"""
# One office's share: the children of the first tambons, up to about OFFICE_CHILDREN, and
# their pupils, copied into a round of their own.
OFFICE_SQL = """
INSERT INTO register_record (extract_id, row_number, national_id_hash, national_id_masked,
                             g_code, title, first_name, last_name, sex, birth_date, house_number,
                             moo, subdistrict_code, school_code, grade, room)
SELECT o.id, r.row_number, r.national_id_hash, r.national_id_masked, r.g_code, r.title,
       r.first_name, r.last_name, r.sex, r.birth_date, r.house_number, r.moo,
       r.subdistrict_code, r.school_code, r.grade, r.room
FROM register_record r
JOIN register_extract e ON e.id = r.extract_id AND e.round_year = :national
JOIN register_extract o ON o.round_year = :office AND o.kind = e.kind
LEFT JOIN school s ON s.code = r.school_code
WHERE coalesce(r.subdistrict_code, s.subdistrict_code) IN (
    SELECT code FROM bench_tambon WHERE i < :tambons)
"""


def backend_peak_kb(session: Session) -> int | None:
    """VmHWM of the PostgreSQL backend serving ``session`` (same machine)."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def timed_match(url: str, round_year: int) -> dict[str, object]:
    engine = create_engine(url)
    with Session(engine) as session:
        start = time.perf_counter()
        counts = match_round(session, round_year)
        session.commit()
        elapsed = time.perf_counter() - start
        peak = backend_peak_kb(session)
    engine.dispose()
    return {"seconds": elapsed, "backend_peak_kb": peak, "counts": counts}


def pandas_baseline(url: str, round_year: int) -> dict[str, object]:
    """Run in a child process: read the keys, merge, classify; times and peak memory."""
    import io

    import pandas as pd
    import psycopg

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    start = time.perf_counter()
    frames = {}
    with psycopg.connect(libpq) as conn:
        for kind, columns in (
            ("civil", "coalesce(national_id_hash, 'c:' || r.id) AS key, birth_date, sex"),
            (
                "school",
                "coalesce(national_id_hash, 'g:' || g_code, 's:' || r.id) AS key, birth_date, "
                "sex, school_code, grade",
            ),
        ):
            buffer = io.BytesIO()
            query = (
                f"COPY (SELECT {columns} FROM register_record r JOIN register_extract e "
                f"ON e.id = r.extract_id WHERE e.round_year = {round_year} "
                f"AND e.kind = '{kind}') TO STDOUT WITH CSV"
            )
            with conn.cursor().copy(query) as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            frames[kind] = pd.read_csv(buffer, header=None)
    load_s = time.perf_counter() - start
    civil, school = frames["civil"], frames["school"]
    civil.columns = ["key", "birth_date", "sex"]
    school.columns = ["key", "birth_date", "sex", "school_code", "grade"]
    start = time.perf_counter()
    pupils = school.drop_duplicates("key")
    merged = civil.drop_duplicates("key").merge(
        pupils, on="key", how="outer", indicator=True, suffixes=("_civil", "_school")
    )
    status = merged["_merge"].map(
        {"left_only": "no_record", "right_only": "pupil_not_registered", "both": "matched"}
    )
    counts = status.value_counts().to_dict()
    merge_s = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"load_seconds": load_s, "seconds": merge_s, "peak_kb": peak_kb, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--civil", type=int, default=11_000_000)
    parser.add_argument("--school", type=int, default=9_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the edumap_bench database")
    parser.add_argument("--baseline-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_only:
        print(json.dumps(pandas_baseline(args.baseline_only, NATIONAL_ROUND), default=str))
        return

    settings = get_settings()
    source_url = make_url(settings.effective_database_url)
    bench_url = source_url.set(database="edumap_bench").render_as_string(hide_password=False)
    server = source_url.set(database="postgres").render_as_string(hide_password=False)
    start = time.perf_counter()
    copy_database(server, source_url.database or "edumap", "edumap_bench")
    engine = create_engine(bench_url)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        for statement in SETUP_SQL:
            conn.execute(text(statement))
        for round_year in (NATIONAL_ROUND, OFFICE_ROUND):
            for statement in extract_sql(round_year):
                conn.execute(text(statement))
        conn.execute(text(CIVIL_SQL), {"civil": args.civil, "y": NATIONAL_ROUND})
        conn.execute(text(SCHOOL_SQL), {"school": args.school, "y": NATIONAL_ROUND})
        per_tambon = args.civil / conn.execute(text("SELECT count(*) FROM bench_tambon")).scalar()
        tambons = max(1, round(OFFICE_CHILDREN / per_tambon))
        conn.execute(
            text(OFFICE_SQL),
            {"national": NATIONAL_ROUND, "office": OFFICE_ROUND, "tambons": tambons},
        )
        conn.execute(text("ANALYZE register_extract, register_record, school"))
    engine.dispose()
    print(f"# generated in {time.perf_counter() - start:.0f} s", flush=True)

    national = timed_match(bench_url, NATIONAL_ROUND)
    print(f"# national: {json.dumps(national, default=str)}", flush=True)
    office = timed_match(bench_url, OFFICE_ROUND)
    print(f"# office: {json.dumps(office, default=str)}", flush=True)
    child = subprocess.run(
        [sys.executable, __file__, "--baseline-only", bench_url],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    baseline = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"# pandas: {json.dumps(baseline)}", flush=True)

    national_children = sum(national["counts"].values())  # type: ignore[union-attr]
    office_children = sum(office["counts"].values())  # type: ignore[union-attr]
    print()
    print(f"civil {args.civil:,} children, school records {args.school:,}")
    print()
    print("| case | children | time | vs pandas merge | peak memory |")
    print("| --- | ---: | ---: | ---: | ---: |")
    ratio = national["seconds"] / baseline["seconds"]  # type: ignore[operator]
    print(
        f"| pandas merge, 3 statuses (baseline; reading the keys took "
        f"{baseline['load_seconds']:.0f} s more) | {sum(baseline['counts'].values()):,} | "
        f"{baseline['seconds']:.1f} s | 1.00 | {baseline['peak_kb'] / 1024:,.0f} MB |"
    )
    print(
        f"| edumap match, country, 7 statuses and names | {national_children:,} | "
        f"{national['seconds']:.1f} s | {ratio:.2f} | "
        f"{(national['backend_peak_kb'] or 0) / 1024:,.0f} MB (PostgreSQL backend) |"
    )
    print(
        f"| edumap match, one office's share | {office_children:,} | {office['seconds']:.2f} s | "
        f"{office['seconds'] / baseline['seconds']:.3f} | "  # type: ignore[operator]
        f"{(office['backend_peak_kb'] or 0) / 1024:,.0f} MB (PostgreSQL backend) |"
    )
    if not args.keep:
        with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS edumap_bench WITH (FORCE)"))


if __name__ == "__main__":
    main()
