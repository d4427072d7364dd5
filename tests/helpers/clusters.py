"""Scratch PostgreSQL clusters from Debian's packages, each in a temporary folder on a free
port, run exactly as `edumap db start` runs the office's own (kernel.localdb)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from gis.datasets import LoadStep, run_steps
from kernel import localdb, migrate
from kernel.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def scratch_settings(root: Path, **overrides: Any) -> Settings:
    """Settings of a cluster under ``root`` (never the configured database)."""
    return Settings(var_dir=root / "var", pg_port=free_port(), database_url=None, **overrides)


def cli_environment(settings: Settings) -> dict[str, str]:
    """The environment that points an `edumap` command at ``settings``' cluster."""
    env = {k: v for k, v in os.environ.items() if k != "EDUMAP_DATABASE_URL"}
    env |= {
        "EDUMAP_VAR_DIR": str(settings.var_dir),
        "EDUMAP_PG_PORT": str(settings.pg_port),
        "EDUMAP_PG_DATABASE": settings.pg_database,
    }
    if settings.wal_archive_dir is not None:
        env["EDUMAP_WAL_ARCHIVE_DIR"] = str(settings.wal_archive_dir)
    return env


@contextmanager
def scratch_cluster(**overrides: Any) -> Iterator[Settings]:
    """A started cluster with its database created; stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="edumap-cluster-"))
    settings = scratch_settings(root, **overrides)
    try:
        localdb.start(settings)
        yield settings
    finally:
        try:
            localdb.stop(settings)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def libpq_url(settings: Settings, database: str | None = None) -> str:
    return settings.local_database_url(database).replace("postgresql+psycopg://", "postgresql://")


def edumap_on(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The `edumap` command as an office runs it, on ``settings``' cluster."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=cli_environment(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def migrate_and_load(settings: Settings, steps: list[LoadStep]) -> None:
    """Migrate the cluster's database and run ``steps`` into it, each in its own transaction,
    as `edumap demo` runs them."""
    url = settings.local_database_url()
    migrate.upgrade(url)
    engine = create_engine(url)

    @contextmanager
    def scope() -> Iterator[Session]:
        with Session(engine) as session, session.begin():
            yield session

    try:
        for _ in run_steps(steps, scope):
            pass
    finally:
        engine.dispose()
