"""Fixtures on a real PostGIS: a test database migrated once and loaded with the bundled data.

The test database is ``<configured name>_test`` on the configured server (the project-local
cluster unless EDUMAP_DATABASE_URL is set), or EDUMAP_TEST_DATABASE_URL. Tests that change data
use ``db_session``, whose work is rolled back at the end.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from app.api.deps import get_db
from app.demo_data import demo_steps
from app.main import create_app
from app.manual import build_manual
from gis.datasets import BundledData, run_steps
from kernel import localdb, migrate
from kernel.config import get_settings
from tests.helpers.world import Account, forget_repairs, make_accounts, remove_committed_since

FIXTURES = Path(__file__).parent / "fixtures"
# Reports rendered by one test run are never served to another (nor to the dev server).
os.environ.setdefault("EDUMAP_REPORT_CACHE_DIR", tempfile.mkdtemp(prefix="edumap-reports-"))
# The office key of encrypted forms: the tests' own, never the server's var/keys.
os.environ.setdefault(
    "EDUMAP_FORM_KEY_FILE",
    str(Path(tempfile.mkdtemp(prefix="edumap-form-key-")) / "form-key.pem"),
)
# The manual /manual serves: built once for the run (tests/app/test_manual.py), never var's.
os.environ.setdefault(
    "EDUMAP_MANUAL_DIR", str(Path(tempfile.mkdtemp(prefix="edumap-manual-")) / "site")
)
get_settings.cache_clear()  # importing app.main read the settings before the line above


def _test_database_url() -> str:
    explicit = os.environ.get("EDUMAP_TEST_DATABASE_URL")
    if explicit:
        return explicit.replace("postgresql://", "postgresql+psycopg://", 1)
    url = make_url(get_settings().effective_database_url)
    return url.set(database=f"{url.database}_test").render_as_string(hide_password=False)


FUZZ_MODULE = "tests/app/test_schemathesis.py"


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> str:
    """URL of the migrated test database, with the bundled reference data loaded (and, when
    the Schemathesis run is among the tests, copied to its scratch database)."""
    url = _test_database_url()
    parsed = make_url(url)
    maintenance = parsed.set(database="postgres").render_as_string(hide_password=False)
    localdb.ensure_database(get_settings(), parsed.database or "", server_url=maintenance)
    migrate.upgrade(url)
    engine = create_engine(url)

    @contextmanager
    def scope() -> Iterator[Session]:
        with Session(engine) as session, session.begin():
            yield session

    with engine.begin() as conn:  # what tests add starts empty in every run
        # Households submitted by test accounts go; the synthetic census (no surveyor) stays.
        conn.execute(text("DELETE FROM household WHERE surveyor_id IS NOT NULL"))
        conn.execute(text("DELETE FROM import_job"))
        conn.execute(text("TRUNCATE login_attempt, audit_log, api_key, user_area"))
        conn.execute(text("DELETE FROM user_account"))
        forget_repairs(conn, "", {})
        conn.execute(
            text("TRUNCATE link_status_report, ict_price_list, page_usage, feedback CASCADE")
        )
        conn.execute(text("DELETE FROM school WHERE NOT code_synthetic"))
        for table in ("ict_device", "building", "school_grade_year"):
            conn.execute(text(f"DELETE FROM {table} WHERE NOT synthetic"))
    settings = get_settings()
    steps = demo_steps(settings, BundledData(settings.data_dir))
    for _ in run_steps(steps, scope):
        pass
    with engine.begin() as conn:  # the demo's register extracts are loaded (and checked), but
        # register tests start from empty register tables and import their own
        conn.execute(text("DELETE FROM register_match"))
        conn.execute(text("DELETE FROM register_extract"))  # and their records
    engine.dispose()
    if any(item.nodeid.startswith(FUZZ_MODULE) for item in request.session.items):
        # Before anything else connects: a template copy needs the source to itself.
        localdb.copy_database(maintenance, parsed.database or "", fuzz_database_name(url))
    return url


def fuzz_database_name(url: str) -> str:
    return f"{make_url(url).database}_fuzz"


@pytest.fixture(scope="session")
def fuzz_database_url(database_url: str) -> str:
    """A scratch copy of the seeded test database for the fuzzer to write into freely."""
    return (
        make_url(database_url)
        .set(database=fuzz_database_name(database_url))
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test: whatever the test
    writes, directly or over HTTP through ``client``, is gone after it."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def _session_on(connection: Connection) -> Session:
    # A commit inside becomes a savepoint's release; the outer transaction stays the test's.
    return Session(bind=connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    """A session whose every change, committed or not, is rolled back after the test (it
    sees what the test's ``client`` requests wrote, and they see what it wrote)."""
    session = _session_on(connection)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def manual_site() -> Path:
    """The manual the app serves at /manual in the tests (EDUMAP_MANUAL_DIR), built once with
    the tracked screenshots."""
    site = Path(os.environ["EDUMAP_MANUAL_DIR"])
    if not (site / "index.html").exists():
        build_manual(site)
    return site


@pytest.fixture(scope="session")
def web_app(database_url: str, manual_site: Path) -> FastAPI:
    del manual_site  # built before the app serves it
    return create_app(database_url)


@pytest.fixture(scope="session")
def app_client(web_app: FastAPI) -> Iterator[TestClient]:
    """The one TestClient over the app (its lifespan runs once: engine, refresher)."""
    with TestClient(web_app) as test_client:
        yield test_client


@pytest.fixture
def committing_client(app_client: TestClient, engine: Engine) -> Iterator[TestClient]:
    """HTTP to the app whose requests commit, for what runs outside a request and so must see
    committed rows: import jobs, the coverage refresher. What it leaves (households surveyed by
    accounts, import jobs, audit rows and login attempts since the test began) is removed after
    the test."""
    with engine.connect() as conn:
        began = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    yield app_client
    remove_committed_since(engine, began)


@pytest.fixture
def client(
    web_app: FastAPI, app_client: TestClient, connection: Connection
) -> Iterator[TestClient]:
    """HTTP to the app with every request's session on the test's connection, so all the
    requests write is rolled back after the test like ``db_session``."""

    def rolled_back_session() -> Iterator[Session]:
        session = _session_on(connection)
        try:
            yield session
        finally:
            session.close()

    web_app.dependency_overrides[get_db] = rolled_back_session
    try:
        yield app_client
    finally:
        web_app.dependency_overrides.pop(get_db, None)


@pytest.fixture(scope="session")
def data() -> BundledData:
    return BundledData(get_settings().data_dir)


@pytest.fixture(scope="session")
def accounts(engine: Engine) -> dict[str, Account]:
    """One committed account per role, with an access token each (tests.helpers.world)."""
    return make_accounts(engine)


@pytest.fixture(scope="session")
def live_server(database_url: str, manual_site: Path) -> Iterator[str]:
    """The app under a real uvicorn on a free loopback port (see ``live_url``)."""
    del manual_site  # built before the app serves it
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # As `edumap serve`: X-Forwarded-For is edumap's to judge (EDUMAP_TRUSTED_PROXIES).
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(database_url),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            proxy_headers=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_url(live_server: str, engine: Engine) -> Iterator[str]:
    """The live server's URL for one test; what the test commits through it is removed
    afterwards, as for ``committing_client``, so no later test meets it."""
    with engine.connect() as conn:
        began = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    yield live_server
    remove_committed_since(engine, began)
