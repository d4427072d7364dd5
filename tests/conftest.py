"""Fixtures on a real PostGIS: a test database migrated once and loaded with the bundled data.

The test database is ``<configured name>_test`` on the configured server (the project-local
cluster unless EDUMAP_DATABASE_URL is set), or EDUMAP_TEST_DATABASE_URL. Tests that change data
use ``db_session``, whose work is rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from app.auth import security, service
from app.demo_data import demo_steps
from app.main import create_app
from gis.datasets import BundledData, run_steps
from kernel import localdb, migrate
from kernel.config import get_settings
from kernel.principal import Role

FIXTURES = Path(__file__).parent / "fixtures"
# Reports rendered by one test run are never served to another (nor to the dev server).
os.environ.setdefault("EDUMAP_REPORT_CACHE_DIR", tempfile.mkdtemp(prefix="edumap-reports-"))
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
        conn.execute(text("DELETE FROM school WHERE NOT code_synthetic"))
        for table in ("ict_device", "building", "school_grade_year"):
            conn.execute(text(f"DELETE FROM {table} WHERE NOT synthetic"))
    settings = get_settings()
    steps = demo_steps(settings, BundledData(settings.data_dir))
    for _ in run_steps(steps, scope):
        pass
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
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose every change, committed or not, is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture(scope="session")
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def data() -> BundledData:
    return BundledData(get_settings().data_dir)


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


ROLE_NAMES = ("anonymous", "admin", "planner", "surveyor", "school")
# The demo's first school in Mueang Nan (office P5501); the school account's own school.
MATRIX_SCHOOL = "9955010001"
PASSWORD = "a-long-test-password"


@pytest.fixture(scope="session")
def accounts(engine: Engine) -> dict[str, Account]:
    """One account per role, with an access token each (surveyor assigned tambon 550101)."""
    specs = {
        "admin": {"role": Role.admin},
        "planner": {"role": Role.planner, "office_code": "P5501"},
        "surveyor": {"role": Role.surveyor},
        "school": {"role": Role.school, "school_code": MATRIX_SCHOOL},
    }
    made: dict[str, Account] = {}
    with Session(engine) as session, session.begin():
        for name, spec in specs.items():
            user = service.create_user(
                session, username=f"matrix-{name}", password=PASSWORD, **spec
            )
            if name == "surveyor":
                service.assign_area(session, user.username, "550101")
            token, _ = security.issue_token(
                get_settings(),
                user_id=user.id,
                kind="access",
                version=user.token_version,
                lifetime=dt.timedelta(hours=2),
            )
            made[name] = Account(user.username, PASSWORD, user.role, token)
    return made


@pytest.fixture(scope="session")
def live_url(database_url: str) -> Iterator[str]:
    """The app under a real uvicorn on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # As `edumap serve`: X-Forwarded-For is edumap's to judge (EDUMAP_TRUSTED_PROXIES).
    server = uvicorn.Server(uvicorn.Config(create_app(database_url), host="127.0.0.1", port=port,
                                           log_level="warning", proxy_headers=False))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
