"""Federation on four clusters of Debian's PostgreSQL: three office instances (Nan's offices
P5501, P5502 and S5500, each a copy of the test database's server, publishing with
`edumap federation publish`) and one national instance subscribed to all three."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url
from sqlalchemy.orm import Session

from app.main import create_app
from gis.coverage import COVERAGE_COUNTS
from gis.datasets import BundledData, boundary_steps
from gis.federation import AGGREGATE_TABLES, national_coverage, subscription_name
from kernel import localdb
from kernel.backup import make_standby
from kernel.config import Settings, get_settings
from tests.helpers.clusters import edumap_on, libpq_url, migrate_and_load, scratch_settings
from tests.helpers.payloads import ROUND

OFFICES = ("P5501", "P5502", "S5500")
# Columns that would make a published row personal (the census, register and account tables'
# names for a person, an ID, a birth date, a home or an address).
PERSONAL_COLUMNS = {
    "first_name",
    "last_name",
    "title",
    "national_id",
    "national_id_hash",
    "national_id_encrypted",
    "g_code",
    "person_key",
    "birth_date",
    "location",
    "geom",
    "house_number",
    "guardian_name",
    "phone",
    "email",
    "username",
    "child_id",
    "household_id",
    "civil_record_id",
    "school_record_ids",
}


@pytest.fixture(scope="module")
def clusters(database_url: str) -> Iterator[dict[str, Settings]]:
    """Three office clusters (copies of the test server, wal_level logical) and a national
    one (migrated, with the provinces for its map); the national one under "national"."""
    roots: list[Path] = []
    made: dict[str, Settings] = {}
    database = make_url(database_url).database or ""
    try:
        for office in OFFICES:
            roots.append(Path(tempfile.mkdtemp(prefix=f"edumap-office-{office}-")))
            made[office] = scratch_settings(
                roots[-1], pg_database=database, pg_server_settings={"wal_level": "logical"}
            )
            make_standby(made[office], database_url, follow=False)
        roots.append(Path(tempfile.mkdtemp(prefix="edumap-national-")))
        national = made["national"] = scratch_settings(roots[-1], pg_database="national")
        localdb.start(national)
        provinces = boundary_steps(BundledData(get_settings().data_dir), "55")[:1]
        migrate_and_load(national, provinces)
        for office in OFFICES:
            published = edumap_on(made[office], "federation", "publish", "--office", office)
            assert published.returncode == 0, published.stderr
            assert "wal_level" not in published.stdout  # logical: nothing to warn about
            subscribed = edumap_on(
                national,
                "federation",
                "subscribe",
                "--office",
                office,
                "--conninfo",
                conninfo(made[office]),
            )
            assert subscribed.returncode == 0, subscribed.stderr
        yield made
    finally:
        for settings in made.values():
            try:
                localdb.stop(settings)
            except localdb.LocalClusterError:
                pass
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)


def conninfo(office: Settings) -> str:
    password = office.pg_password_file.read_text().strip()
    return (
        f"host=127.0.0.1 port={office.pg_port} dbname={office.pg_database} "
        f"user={office.pg_user} password={password}"
    )


def query(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(settings), autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def rows_of(settings: Settings, office: str) -> dict[str, list[tuple[Any, ...]]]:
    """An office's rows of every aggregate table."""
    return {
        table: query(
            settings, f"SELECT * FROM {table} WHERE office_code = %s ORDER BY 2, 3", (office,)
        )
        for table in AGGREGATE_TABLES
    }


def eventually(check: Callable[[], bool], what: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s:.0f} s: {what}"
        time.sleep(0.3)


def in_step(clusters: dict[str, Settings], *offices: str) -> None:
    """Wait until the national instance holds exactly what each office holds."""
    national = clusters["national"]
    for office in offices:
        eventually(
            lambda office=office: rows_of(national, office) == rows_of(clusters[office], office),
            f"the national instance has {office}'s rows",
        )


def test_national_totals_are_the_sum_of_the_offices(
    clusters: dict[str, Settings], database_url: str
) -> None:
    in_step(clusters, *OFFICES)
    national = clusters["national"]
    engine = create_engine(national.local_database_url())
    with Session(engine) as session:
        exact = national_coverage(session, ROUND, "office", suppress=False)
    engine.dispose()
    assert exact["offices"] == 3
    # Tambons come from the primary offices (the secondary one covers the same districts).
    assert [row["office"] for row in exact["areas"]] == ["P5501", "P5502"]
    for name in COVERAGE_COUNTS:
        per_office = {
            office: query(
                clusters[office],
                f"SELECT coalesce(sum({name}), 0) FROM fed_coverage_tambon "
                "WHERE office_code = %s AND round_year = %s",
                (office, ROUND),
            )[0][0]
            for office in OFFICES
        }
        assert exact["total"][name] == sum(per_office.values()), name
        assert {r["office"]: r[name] for r in exact["areas"]} == {
            o: n for o, n in per_office.items() if o != "S5500"
        }
    # ...and equal the province's own stored coverage, counted at the source.
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        children = conn.execute(
            "SELECT count(*) FILTER (WHERE compulsory_age), count(*) FILTER (WHERE out_of_school)"
            " FROM child_coverage WHERE round_year = %s AND subdistrict_code LIKE '55%%'",
            (ROUND,),
        ).fetchone()
    assert (exact["total"]["compulsory_age"], exact["total"]["out_of_school"]) == children
    schools = query(national, "SELECT office_code, count(*) FROM fed_coverage_school GROUP BY 1")
    assert {office for office, n in schools if n > 0} == set(OFFICES)


def test_the_national_figures_map_and_report_are_served(clusters: dict[str, Settings]) -> None:
    national = clusters["national"]
    in_step(clusters, *OFFICES)
    with TestClient(create_app(national.local_database_url())) as client:
        offices = client.get("/api/v1/national/offices").json()
        assert [o["office_code"] for o in offices] == list(OFFICES)
        by_province = client.get(
            "/api/v1/national/coverage", params={"round": ROUND, "by": "province"}
        ).json()
        assert [row["province"] for row in by_province["areas"]] == ["55"]
        tambons = client.get(
            "/api/v1/national/coverage", params={"round": ROUND, "by": "subdistrict_code"}
        ).json()["areas"]
        assert len(tambons) == 99
        # Small counts are suppressed as an office's public figures are.
        assert any(row["out_of_school"] in ("<5", "x") for row in tambons)
        report = client.get("/api/v1/national/coverage", params={"round": ROUND, "format": "csv"})
        assert report.status_code == 200
        lines = report.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("office,compulsory_age") and lines[-1].startswith("รวม,")
        shown = client.get("/api/v1/national/map", params={"round": ROUND}).json()
        [province] = shown["features"]
        assert province["properties"]["code"] == "55"
        assert province["properties"]["compulsory_age"] == by_province["total"]["compulsory_age"]


def test_an_office_reload_changes_only_its_own_rows(clusters: dict[str, Settings]) -> None:
    national = clusters["national"]
    in_step(clusters, *OFFICES)
    others = {office: rows_of(national, office) for office in ("P5502", "S5500")}
    p5501 = clusters["P5501"]
    # The office reloads its census: fewer children in one district, then publishes again.
    query(p5501, "DELETE FROM child_coverage WHERE subdistrict_code LIKE '550101%%'")
    published = edumap_on(p5501, "federation", "publish", "--office", "P5501")
    assert published.returncode == 0, published.stderr
    in_step(clusters, "P5501")
    assert not query(
        national, "SELECT 1 FROM fed_coverage_tambon WHERE subdistrict_code = '550101'"
    )
    assert {office: rows_of(national, office) for office in others} == others

    # A row the office writes under another office's code is never sent (the row filter)...
    query(
        p5501,
        "INSERT INTO fed_coverage_tambon SELECT 'P5502', round_year, subdistrict_code, "
        + ", ".join("999" for _ in COVERAGE_COUNTS)
        + " FROM fed_coverage_tambon WHERE office_code = 'P5501' LIMIT 1 ON CONFLICT DO NOTHING",
    )
    # ...and emptying a published table is refused (TRUNCATE is not replicated).
    with pytest.raises(psycopg.errors.RaiseException, match="TRUNCATE of fed_coverage_tambon"):
        query(p5501, "TRUNCATE fed_coverage_tambon")
    published = edumap_on(p5501, "federation", "publish", "--office", "P5501")
    assert published.returncode == 0, published.stderr
    in_step(clusters, "P5501")
    assert {office: rows_of(national, office) for office in others} == others
    assert not query(national, "SELECT 1 FROM fed_coverage_tambon WHERE compulsory_age = 999")


def test_an_office_catches_up_after_the_link_was_down(clusters: dict[str, Settings]) -> None:
    national = clusters["national"]
    p5502 = clusters["P5502"]
    localdb.stop(national)  # the national instance unreachable: the office works on
    try:
        query(p5502, "DELETE FROM child_coverage WHERE subdistrict_code LIKE '550201%%'")
        published = edumap_on(p5502, "federation", "publish", "--office", "P5502")
        assert published.returncode == 0, published.stderr
        [(wal_status,)] = query(
            p5502,
            "SELECT wal_status FROM pg_replication_slots WHERE slot_name = %s",
            (subscription_name("P5502"),),
        )
        assert wal_status in ("reserved", "extended")  # the office keeps what the link missed
    finally:
        localdb.start(national)
    in_step(clusters, "P5502")
    assert not query(
        national, "SELECT 1 FROM fed_coverage_tambon WHERE subdistrict_code LIKE '550201%%'"
    )


def test_a_lost_slot_is_resynced_from_a_fresh_copy(clusters: dict[str, Settings]) -> None:
    national, s5500 = clusters["national"], clusters["S5500"]
    slot = subscription_name("S5500")
    query(national, f"ALTER SUBSCRIPTION {slot} DISABLE")  # the link down for long
    query(s5500, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
    query(s5500, "SELECT pg_reload_conf()")
    try:
        query(s5500, "UPDATE school SET name_th = name_th || ' (ใหม่)' WHERE office_code = 'S5500'")
        for _ in range(3):  # more WAL than the slot may keep
            assert edumap_on(s5500, "federation", "publish", "--office", "S5500").returncode == 0
            query(s5500, "SELECT pg_switch_wal()")
        query(s5500, "CHECKPOINT")
        eventually(
            lambda: (
                query(
                    s5500,
                    "SELECT wal_status FROM pg_replication_slots WHERE slot_name = %s",
                    (slot,),
                )
                == [("lost",)]
            ),
            "the slot is lost",
        )
    finally:
        query(s5500, "ALTER SYSTEM RESET max_slot_wal_keep_size")
        query(s5500, "SELECT pg_reload_conf()")
    resynced = edumap_on(
        national, "federation", "resync", "--office", "S5500", "--conninfo", conninfo(s5500)
    )
    assert resynced.returncode == 0, resynced.stderr
    in_step(clusters, "S5500")
    renamed = query(
        national, "SELECT count(*) FROM fed_coverage_school WHERE name_th LIKE '%%(ใหม่)'"
    )
    assert renamed[0][0] > 0
    status = edumap_on(national, "federation", "status")
    assert f"subscription {slot}: streaming" in status.stdout


def test_no_table_with_a_personal_field_is_published(clusters: dict[str, Settings]) -> None:
    for office in OFFICES:
        published = query(
            clusters[office],
            "SELECT tablename, attnames, rowfilter FROM pg_publication_tables ORDER BY 1",
        )
        assert sorted(t for t, _, _ in published) == sorted(AGGREGATE_TABLES)
        for table, columns, row_filter in published:
            assert not set(columns) & PERSONAL_COLUMNS, (office, table)
            assert f"'{office}'" in row_filter  # only the office's own rows
        [(operations,)] = query(
            clusters[office],
            "SELECT ARRAY[pubinsert, pubupdate, pubdelete, pubtruncate] FROM pg_publication",
        )
        assert operations == [True, True, True, False]
