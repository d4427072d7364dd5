"""EDUMAP_READ_DATABASE_URL: read-only work on a hot standby of the test database's server
(streaming replication, from Debian's PostgreSQL), writes and what must read its own writes
on the primary. Replay is paused on the standby to make the lag as long as a test needs."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text

from app.main import create_app
from kernel import localdb
from kernel.backup import make_standby
from tests.helpers.clusters import scratch_settings
from tests.helpers.payloads import ROUND, household
from tests.helpers.world import MATRIX_SCHOOL, Account, remove_committed_since

# Read paths (maps, reports, public API, OGC, tiles, portal, geography), each with what the
# standby's copy of the test database must answer.
READ_PATHS = [
    f"/api/v1/coverage/areas?round={ROUND}",
    f"/api/v1/coverage/subdistricts?round={ROUND}&district=5501",
    f"/api/v1/coverage/schools?round={ROUND}&district=5501",
    f"/api/v1/map-layers/schools?round={ROUND}&district=5501",
    f"/api/v1/map-layers/villages?round={ROUND}&district=5501&flag=out_of_school",
    "/api/v1/map-layers/districts?province=55",
    f"/api/v1/reports/coverage?round={ROUND}&esao=P5501",
    "/api/v1/provinces",
    "/ogc/collections",
    "/ogc/collections/schools/items?limit=5",
    "/ogc/collections/schools/tiles/WebMercatorQuad/8/114/199",
    f"/maps/coverage?round={ROUND}&district=5501",
    "/portal/offices/P5501",
    f"/portal/schools/{MATRIX_SCHOOL}",
]


def _lsn_caught_up(primary: str, standby: str, timeout_s: float = 60) -> None:
    with psycopg.connect(primary) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(standby, autocommit=True) as conn:
        while not conn.execute(
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
        ).fetchone()[0]:  # type: ignore[index]
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def standby(database_url: str) -> Iterator[str]:
    """A hot standby of the test database's server; the test database's URL on it."""
    root = Path(tempfile.mkdtemp(prefix="edumap-standby-"))
    settings = scratch_settings(root)
    try:
        make_standby(settings, database_url)
        url = (
            make_url(database_url).set(port=settings.pg_port).render_as_string(hide_password=False)
        )
        yield url
    finally:
        try:
            localdb.stop(settings)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def replicated(database_url: str, standby: str, engine: Engine) -> Iterator[TestClient]:
    """The app with its reads on the standby; what the test commits is removed afterwards."""
    with engine.connect() as conn:
        began = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    try:
        with TestClient(create_app(database_url, read_database_url=standby)) as client:
            yield client
    finally:
        with psycopg.connect(plain(standby), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        remove_committed_since(engine, began)


def test_the_standby_is_a_hot_standby_of_the_test_database(database_url: str, standby: str) -> None:
    with psycopg.connect(plain(standby)) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE written_on_a_standby (x int)")
    _lsn_caught_up(plain(database_url), plain(standby))


def test_read_paths_are_served_from_the_standby(replicated: TestClient, standby: str) -> None:
    reads_before = _reads(standby)
    for path in READ_PATHS:
        response = replicated.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    # The standby counted them (its statistics are its own, not the primary's).
    assert _reads(standby) > reads_before


def _reads(standby: str) -> int:
    database = make_url(standby).database
    with psycopg.connect(plain(standby)) as conn:
        row = conn.execute(
            "SELECT pg_stat_get_db_xact_commit(oid) + pg_stat_get_db_xact_rollback(oid) "
            "FROM pg_database WHERE datname = %s",
            (database,),
        ).fetchone()
        conn.execute("SELECT pg_stat_clear_snapshot()")
    assert row is not None
    return int(row[0])


def test_under_replication_lag_writers_read_their_writes_and_public_reads_stay_consistent(
    replicated: TestClient,
    database_url: str,
    standby: str,
    accounts: dict[str, Account],
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        began = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        name_before = conn.execute(
            text("SELECT name_th FROM school WHERE code = :c"), {"c": MATRIX_SCHOOL}
        ).scalar_one()
    renamed = "โรงเรียนเปลี่ยนชื่อระหว่างหน่วง"
    admin = accounts["admin"].headers
    with psycopg.connect(plain(standby), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        changed = replicated.patch(
            f"/api/v1/schools/{MATRIX_SCHOOL}", headers=admin, json={"name_th": renamed}
        )
        assert changed.status_code == 200, changed.text
        # The writer reads the school back at once (the primary)...
        assert replicated.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()["name_th"] == renamed
        # ...while the public portal, on the paused standby, still shows the name it had.
        page = replicated.get(f"/portal/schools/{MATRIX_SCHOOL}").text
        assert name_before in page and renamed not in page

        # A surveyor's fresh submission is in their own (named, audited) list at once.
        body = household()
        sent = replicated.post(
            "/api/v1/census/households", headers=accounts["surveyor"].headers, json=body
        )
        assert sent.status_code == 201, sent.text
        mine = replicated.get(
            "/api/v1/census/households",
            headers=accounts["surveyor"].headers,
            params={"round": ROUND, "subdistrict": "550101", "limit": 1000},
        )
        assert mine.status_code == 200, mine.text
        assert body["uuid"] in {h["uuid"] for h in mine.json()["households"]}
        # Named reads stay on the primary: their audit row is written in the read's
        # transaction (a standby would refuse it).
        named = replicated.get(
            "/api/v1/coverage/children",
            headers=accounts["planner"].headers,
            params={"round": ROUND, "flag": "out_of_school", "limit": 5},
        )
        assert named.status_code == 200, named.text
        named_layer = replicated.get(
            "/ogc/collections/children_out_of_school/items?limit=5", headers=admin
        )
        assert named_layer.status_code == 200, named_layer.text
        with engine.connect() as conn:
            audited = conn.execute(
                text("SELECT resource FROM audit_log WHERE at >= :t ORDER BY at"),
                {"t": began},
            ).scalars()
            assert list(audited) == [
                f"census {ROUND} households",
                f"coverage {ROUND} out_of_school",
                "ogc children_out_of_school",
            ]

        with psycopg.connect(plain(standby), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        _lsn_caught_up(plain(database_url), plain(standby))
        assert renamed in replicated.get(f"/portal/schools/{MATRIX_SCHOOL}").text
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE school SET name_th = :n WHERE code = :c"),
                {"n": name_before, "c": MATRIX_SCHOOL},
            )
