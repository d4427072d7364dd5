"""Benchmark: the whole country on one node (issue 22). Run by hand, step by step, after
`edumap demo`, with no server connected to the demo database:

    .venv/bin/python bench/national.py world      # copy the demo database, schools, offices
    .venv/bin/python bench/national.py census     # ~11 million children as census files
    .venv/bin/python bench/national.py import     # the office-size file, then the country's
    .venv/bin/python bench/national.py records    # synthetic enrolment, ICT, assets
    .venv/bin/python bench/national.py areas      # proposed service areas, every province
    .venv/bin/python bench/national.py coverage   # full pass; one office's incremental refresh
    .venv/bin/python bench/national.py nearest    # nearest school per child, 10k..1M children
    .venv/bin/python bench/national.py report     # an office's report and map: country vs Nan
    .venv/bin/python bench/national.py api        # the public API under 16 clients

The national world is synthetic and seeded (nothing of a real person): the demo database is
copied to ``edumap_national``; every school of the bundled Wikipedia list is placed as the
demo places Nan's; every province gets primary offices in proportion to its population (168 in
all) and a secondary one (77): 245 offices; the census of round 2568 is written by the demo's
generator (``census.synth``) for every province, calibrated on DOPA's population per tambon,
into one CSV of the census import's Thai headers, and imported by the census import. Each step
adds its figures to ``var/bench/national.json``; ``BENCHMARKS.md`` reports them.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = "edumap_national"
# Everything below reads the settings: this process and its children use the national copy.
os.environ["EDUMAP_PG_DATABASE"] = DATABASE
os.environ.setdefault("EDUMAP_COVERAGE_REFRESH_SECONDS", "0")

from sqlalchemy import text  # noqa: E402

import app.main  # noqa: E402,F401  (registers every model)
from kernel.config import get_settings  # noqa: E402
from kernel.db import session_scope  # noqa: E402

ROUND = 2568  # the country's census round (the demo's Nan round 2569 stays as it is)
SEED = 2568
OUT = ROOT / "var" / "bench" / "national"
RESULTS = ROOT / "var" / "bench" / "national.json"
OFFICE = "P5501"
PRIMARY_OFFICES = 168  # plus one secondary office per province: 245


TAG = ""  # --tag: the figures of a step run again under another name (before/after a fix)


def record(step: str, figures: dict[str, Any]) -> None:
    step += TAG
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[step] = figures
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(json.dumps({step: figures}, indent=2, ensure_ascii=False, default=str))


def _bench_module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- world ---------------------------------------------------------------------------------

OFFICES_SQL = [
    # Primary offices in proportion to each province's population (at least one), each over a
    # run of the province's districts; one secondary office per province over all of them.
    """
    CREATE TEMP TABLE bench_share AS
    WITH pop AS (
        SELECT p.code, p.name_th, sum(pp.total) AS people
        FROM province p JOIN subdistrict s ON s.province_code = p.code
        JOIN population pp ON pp.subdistrict_code = s.code
        WHERE NOT EXISTS (SELECT 1 FROM service_area_office o WHERE o.province_code = p.code)
        GROUP BY p.code, p.name_th
    )
    SELECT code, name_th,
           greatest(1, round(people * :primaries / sum(people) OVER ()))::int AS offices
    FROM pop
    """,
    """
    CREATE TEMP TABLE bench_district AS
    SELECT d.code AS district_code, b.code AS province_code, b.name_th, b.offices,
           1 + (row_number() OVER (PARTITION BY b.code ORDER BY d.code) - 1) * b.offices
               / count(*) OVER (PARTITION BY b.code) AS office_no
    FROM district d JOIN bench_share b ON b.code = d.province_code
    """,
    """
    INSERT INTO service_area_office (code, name_th, kind, province_code)
    SELECT DISTINCT 'P' || province_code || lpad(office_no::text, 2, '0'),
           'สพป.' || name_th || ' เขต ' || office_no || ' (สังเคราะห์)', 'primary'::office_kind,
           province_code
    FROM bench_district
    UNION ALL
    SELECT 'S' || code || '00', 'สพม.' || name_th || ' (สังเคราะห์)', 'secondary'::office_kind,
           code
    FROM bench_share
    """,
    """
    INSERT INTO service_area_office_district (office_code, district_code)
    SELECT 'P' || province_code || lpad(office_no::text, 2, '0'), district_code
    FROM bench_district
    UNION ALL
    SELECT 'S' || province_code || '00', district_code FROM bench_district
    """,
    # Schools take the office of their district (primary) or the secondary one (secondary
    # grades only), as the demo's are.
    """
    UPDATE school s SET office_code = CASE
        WHEN NOT s.grades && ARRAY['K1','K2','K3','P1','P2','P3','P4','P5','P6']::varchar[]
        THEN 'S' || left(s.subdistrict_code, 2) || '00'
        ELSE (SELECT 'P' || b.province_code || lpad(b.office_no::text, 2, '0')
              FROM bench_district b WHERE b.district_code = left(s.subdistrict_code, 4)) END
    WHERE s.office_code IS NULL AND s.subdistrict_code NOT LIKE '55%'
    """,
]


def world() -> None:
    from kernel.localdb import copy_database

    settings = get_settings()
    started = time.perf_counter()
    copy_database(settings.local_database_url("postgres"), "edumap", DATABASE)
    copied = time.perf_counter() - started
    schools = _bench_module("coverage").load_national_schools()
    placed = time.perf_counter() - started - copied
    record(
        "world",
        {"copy_s": round(copied, 1), "schools_placed": schools, "place_s": round(placed, 1)},
    )
    offices()


def offices() -> None:
    with session_scope() as session:
        for statement in OFFICES_SQL:
            session.execute(text(statement), {"primaries": PRIMARY_OFFICES})
        made = session.execute(
            text("SELECT kind::text, count(*) FROM service_area_office GROUP BY 1 ORDER BY 1")
        ).all()
        schools = session.execute(
            text("SELECT office_code IS NOT NULL, count(*) FROM school GROUP BY 1")
        ).all()
    record("offices", {"offices": dict(made), "schools_with_office": dict(schools)})


# --- census --------------------------------------------------------------------------------


def _province_file(code: str) -> tuple[str, int, float]:
    from census.synth import synthesize_rows, write_rows

    started = time.perf_counter()
    with session_scope() as session:
        rows = list(
            synthesize_rows(
                session,
                province_code=code,
                round_year=ROUND,
                seed=SEED + int(code),
                data_dir=get_settings().data_dir,
            )
        )
    write_rows(rows, OUT / f"census-{code}.csv")
    return code, len(rows), time.perf_counter() - started


def census() -> None:
    """One file per province (two processes), then the country's file: all of them."""
    OUT.mkdir(parents=True, exist_ok=True)
    with session_scope() as session:
        provinces = session.scalars(text("SELECT code FROM province ORDER BY code")).all()
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        made = pool.map(_province_file, provinces, chunksize=1)
    generated = time.perf_counter() - started
    national = OUT / "census-national.csv"
    with national.open("w", encoding="utf-8-sig", newline="") as out:
        writer = None
        for code in provinces:
            with (OUT / f"census-{code}.csv").open(encoding="utf-8-sig", newline="") as part:
                reader = csv.reader(part)
                header = next(reader)
                if writer is None:
                    writer = csv.writer(out)
                    writer.writerow(header)
                writer.writerows(reader)
    children = sum(n for _, n, _ in made)
    record(
        "census",
        {
            "children": children,
            "provinces": len(made),
            "generate_s": round(generated, 1),
            "nan_children": next(n for c, n, _ in made if c == "55"),
            "national_file_mb": round(national.stat().st_size / 2**20),
        },
    )


# --- import --------------------------------------------------------------------------------

IMPORT_CHILD = """
import json, sys, time
from pathlib import Path
from kernel.config import get_settings
from kernel.db import session_scope
from census.importer import import_census_file
started = time.perf_counter()
with session_scope() as session:
    report = import_census_file(session, get_settings(), Path(sys.argv[1]), int(sys.argv[2]),
                                accept_valid=True)
seconds = time.perf_counter() - started
hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({'seconds': seconds, 'rows': report.rows_read, 'stored': report.stored,
                  'errors': report.error_count, 'peak_rss_mb': int(hwm.split()[1]) / 1024,
                  'first_errors': [str(e) for e in report.errors[:5]]}))
"""


def _import(path: Path, round_year: int) -> dict[str, Any]:
    """Import in a fresh process, so its peak memory is the importer's alone."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD, str(path), str(round_year)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["rows_per_s"] = round(figures["rows"] / figures["seconds"])
    return figures


def import_step() -> None:
    from census.service import create_round

    office_round = ROUND - 1  # the office-size baseline, in a round of its own, removed after
    with session_scope() as session:
        create_round(session, academic_year=ROUND, province_code="55")
        create_round(session, academic_year=office_round, province_code="55")
    office = _import(OUT / "census-55.csv", office_round)
    with session_scope() as session:
        session.execute(text("DELETE FROM household WHERE round_year = :y"), {"y": office_round})
        session.execute(
            text("DELETE FROM census_round WHERE academic_year = :y"), {"y": office_round}
        )
    country = _import(OUT / "census-national.csv", ROUND)
    record(
        "import",
        {
            "office_size": office,
            "national": country,
            "rows_per_s_ratio": round(country["rows_per_s"] / office["rows_per_s"], 2),
            "peak_memory_ratio": round(country["peak_rss_mb"] / office["peak_rss_mb"], 2),
        },
    )


# --- records, areas ------------------------------------------------------------------------


def records() -> None:
    from gis.schools.synth import census_enrolment, fill_synthetic_records

    started = time.perf_counter()
    with session_scope() as session:
        provinces = session.scalars(text("SELECT code FROM province ORDER BY code")).all()
    filled: dict[str, int] = {}
    for code in provinces:
        with session_scope() as session:
            enrolment = census_enrolment(session, province_code=code, round_year=ROUND)
            counts = fill_synthetic_records(
                session,
                province_code=code,
                academic_year=ROUND,
                seed=SEED + int(code),
                enrolment=enrolment or None,
            )
        for key, value in counts.items():
            filled[key] = filled.get(key, 0) + value
    record("records", {"seconds": round(time.perf_counter() - started, 1), "rows": filled})


def areas() -> None:
    from gis.service_areas.propose import propose_service_areas

    with session_scope() as session:
        provinces = session.scalars(text("SELECT code FROM province ORDER BY code")).all()
    times = {}
    made: dict[str, int] = {}
    for code in provinces:
        started = time.perf_counter()
        with session_scope() as session:
            counts = propose_service_areas(session, province_code=code, academic_year=ROUND)
        times[code] = time.perf_counter() - started
        for level, n in counts.items():
            made[level] = made.get(level, 0) + n
    with session_scope() as session:
        session.execute(text("ANALYZE service_area"))
    record(
        "areas",
        {
            "seconds": round(sum(times.values()), 1),
            "nan_s": round(times["55"], 2),
            "slowest": max(times.items(), key=lambda kv: kv[1]),
            "areas": made,
        },
    )


# --- coverage ------------------------------------------------------------------------------


def coverage() -> None:
    """The round's full pass (every child) as the server's refresher runs it, and Nan's demo
    round's in the office database for the baseline; then the incremental refresh after a
    submission."""
    from gis.coverage import refresh_coverage
    from kernel.db import make_engine

    workers = get_settings().coverage_workers
    figures: dict[str, Any] = {"workers": workers}
    for database, round_year in (("edumap", 2569), (DATABASE, ROUND)):
        engine = make_engine(get_settings().local_database_url(database))
        with session_scope(engine) as session:
            session.execute(text("ANALYZE household"))
            session.execute(text("ANALYZE child"))
            session.execute(
                text("UPDATE coverage_state SET stale = true WHERE round_year = :y"),
                {"y": round_year},
            )
        started = time.perf_counter()
        with session_scope(engine) as session:
            refresh_coverage(session, round_year, workers=workers)
        full = time.perf_counter() - started
        with session_scope(engine) as session:
            session.execute(text("ANALYZE child_coverage"))
            stored = session.scalar(
                text("SELECT count(*) FROM child_coverage WHERE round_year = :y"),
                {"y": round_year},
            )
        engine.dispose()
        figures[database] = {
            "children_stored": stored,
            "full_pass_s": round(full, 1),
            "children_per_s": round(stored / full),
        }
    figures["per_child_ratio"] = round(
        figures["edumap"]["children_per_s"] / figures[DATABASE]["children_per_s"], 2
    )
    record("coverage", figures)
    incremental()


def incremental() -> None:
    """One household submitted in the office's first tambon and the refresh it causes (what
    the refresher does after a submission), 5 times; the same in Nan's demo round for the
    office-size baseline."""
    import uuid

    from census.service import submit_household
    from gis.coverage import refresh_coverage
    from kernel.db import make_engine
    from kernel.principal import Principal, Role

    admin = Principal(username="bench", role=Role.admin)
    figures = {}
    for database, round_year in ((DATABASE, ROUND), ("edumap", 2569)):
        engine = make_engine(get_settings().local_database_url(database))
        times = []
        for n in range(6):
            with session_scope(engine) as session:
                submit_household(
                    session,
                    get_settings(),
                    admin,
                    {
                        "uuid": str(uuid.uuid4()),
                        "round": round_year,
                        "subdistrict_code": "550101",
                        "moo": 1,
                        "house_number": f"bench/{n}",
                        "children": [
                            {
                                "g_code": f"G{uuid.uuid4().int % 10**10:010d}",
                                "first_name": "ทดสอบ",
                                "last_name": "ระดับประเทศ",
                                "sex": "M",
                                "birth_date": "2016-05-01",
                            }
                        ],
                    },
                )
            started = time.perf_counter()
            with session_scope(engine) as session:
                refresh_coverage(session, round_year)
            times.append((time.perf_counter() - started) * 1000)
        with session_scope(engine) as session:  # the benchmark's households go again
            session.execute(
                text("DELETE FROM household WHERE house_number LIKE 'bench/%' AND round_year = :y"),
                {"y": round_year},
            )
            refresh_coverage(session, round_year)
        engine.dispose()
        figures[database] = {
            "ms": [round(ms, 1) for ms in times[1:]],  # the first warms the caches
            "median_ms": round(statistics.median(times[1:]), 1),
        }
    record("incremental", figures)


def nearest() -> None:
    """The nearest school teaching each child's grade (the call lists' and named lists' KNN
    lateral, gis.coverage.NEAREST_SCHOOL_SQL) for the first N children of the round: time per
    1,000 children should not grow with N."""
    from gis.coverage import NEAREST_SCHOOL_SQL

    sql = f"""
        SELECT count(nearest.code), sum(nearest.distance_m) FROM (
            SELECT cc.child_id, cc.expected_grade, h.location_geog
            FROM child_coverage cc JOIN household h ON h.id = cc.household_id
            WHERE cc.round_year = :y AND cc.expected_grade IS NOT NULL
            ORDER BY cc.child_id LIMIT :n
        ) c {NEAREST_SCHOOL_SQL}
    """
    timings = {}
    with session_scope() as session:
        for n in (10_000, 100_000, 1_000_000):
            started = time.perf_counter()
            found, _ = session.execute(text(sql), {"y": ROUND, "n": n}).one()
            seconds = time.perf_counter() - started
            timings[n] = {
                "children_with_a_school": found,
                "seconds": round(seconds, 2),
                "ms_per_1000": round(seconds / n * 1e6, 1),
            }
    record("nearest", timings)


# --- report, api ---------------------------------------------------------------------------


def report() -> None:
    """The office's report (HTML, PDF) and its map page, on the national database (round 2568)
    and on the demo database (Nan's round 2569), 3 runs each, medians."""
    code = """
import json, statistics, sys, time
from kernel.db import session_scope
from app.report import render
round_year = int(sys.argv[1])
out = {}
for fmt in ('html', 'pdf'):
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        with session_scope() as s:
            render.coverage_report_file(s, round_year, fmt, esao='P5501')
        runs.append(time.perf_counter() - t)
    out[fmt] = statistics.median(runs)
print(json.dumps(out))
"""
    figures = {}
    for database, round_year in ((DATABASE, ROUND), ("edumap", 2569)):
        env = os.environ | {"EDUMAP_PG_DATABASE": database}
        done = subprocess.run(
            [sys.executable, "-c", code, str(round_year)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        figures[database] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["map"] = _map_times()
    figures["ratios"] = {
        fmt: round(figures[DATABASE][fmt] / figures["edumap"][fmt], 2) for fmt in ("html", "pdf")
    }
    record("report", figures)


def _serve(database: str) -> tuple[subprocess.Popen[bytes], str]:
    http_load = _bench_module("http_load")
    port = http_load.free_port()
    env = os.environ | {"EDUMAP_PG_DATABASE": database, "EDUMAP_COVERAGE_REFRESH_SECONDS": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    http_load.wait_until_serving(url)
    return server, url


def _timed_gets(url: str, paths: list[str], runs: int = 3) -> dict[str, float]:
    import httpx2 as httpx

    times = {}
    with httpx.Client(base_url=url, timeout=300) as client:
        for path in paths:
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            times[path] = round(statistics.median(samples), 3)
    return times


def _map_times() -> dict[str, Any]:
    figures = {}
    for database, round_year in ((DATABASE, ROUND), ("edumap", 2569)):
        server, url = _serve(database)
        try:
            figures[database] = _timed_gets(
                url,
                [
                    f"/maps/coverage?round={round_year}&esao={OFFICE}",
                    f"/api/v1/coverage/subdistricts?round={round_year}&esao={OFFICE}",
                    f"/api/v1/map-layers/schools?round={round_year}&esao={OFFICE}",
                ],
            )
        finally:
            server.terminate()
            server.wait()
    return figures


def api() -> None:
    """16 clients on the public API for 120 s, at national size and on Nan's demo database
    (the baseline): each request a random office's coverage, schools, tambons, the areas or
    an OGC page; p50/p95 overall and per endpoint."""
    figures = {
        database: _api_load(database, round_year)
        for database, round_year in ((DATABASE, ROUND), ("edumap", 2569))
    }
    figures["p95_ratio"] = round(figures[DATABASE]["p95_ms"] / figures["edumap"]["p95_ms"], 2)
    record("api", figures)


def _api_load(
    database: str, round_year: int, clients: int = 16, seconds: int = 120
) -> dict[str, Any]:
    import random
    import threading

    import httpx2 as httpx

    from kernel.db import make_engine

    engine = make_engine(get_settings().local_database_url(database))
    with session_scope(engine) as session:
        offices = session.scalars(
            text("SELECT code FROM service_area_office WHERE kind = 'primary' ORDER BY code")
        ).all()
    engine.dispose()
    paths = [
        f"/api/v1/coverage/areas?round={round_year}&by=esao",
        f"/api/v1/coverage/areas?round={round_year}&by=district",
        *(f"/api/v1/coverage/subdistricts?round={round_year}&esao={o}" for o in offices),
        *(f"/api/v1/coverage/schools?round={round_year}&esao={o}" for o in offices),
        "/ogc/collections/schools/items?limit=100",
        *(f"/portal/offices/{o}" for o in offices),
    ]
    server, url = _serve(database)
    samples: dict[str, list[float]] = {}
    errors = []
    lock = threading.Lock()

    def client(seed: int, deadline: float) -> None:
        chooser = random.Random(seed)
        with httpx.Client(base_url=url, timeout=120) as http:
            while time.monotonic() < deadline:
                path = chooser.choice(paths)
                kind = (
                    path.split("?")[0].rsplit("/", 1)[0]
                    if "/portal/" in path
                    else path.split("?")[0]
                )
                started = time.perf_counter()
                response = http.get(path)
                elapsed = time.perf_counter() - started
                with lock:
                    samples.setdefault(kind, []).append(elapsed)
                    if response.status_code != 200:
                        errors.append((path, response.status_code))

    try:
        _timed_gets(url, paths[:2])  # warm
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=client, args=(n, deadline)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait()

    def q(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000)

    every = [v for values in samples.values() for v in values]
    return {
        "clients": clients,
        "seconds": seconds,
        "offices": len(offices),
        "requests": len(every),
        "errors": errors[:5],
        "p50_ms": q(every, 0.5),
        "p95_ms": q(every, 0.95),
        "by_endpoint": {
            kind: {"n": len(v), "p50_ms": q(v, 0.5), "p95_ms": q(v, 0.95)}
            for kind, v in sorted(samples.items())
        },
    }


STEPS = {
    "world": world,
    "offices": offices,
    "census": census,
    "import": import_step,
    "records": records,
    "areas": areas,
    "coverage": coverage,
    "incremental": incremental,
    "nearest": nearest,
    "report": report,
    "api": api,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="+", choices=list(STEPS))
    parser.add_argument("--tag", default="", help="record the figures as <step>-<tag>")
    args = parser.parse_args()
    global TAG
    TAG = f"-{args.tag}" if args.tag else ""
    for step in args.steps:
        started = time.perf_counter()
        STEPS[step]()
        print(f"{step}: {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
