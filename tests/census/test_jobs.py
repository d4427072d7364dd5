"""Import jobs a restart interrupted are marked failed at start-up; live ones are left alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from census.jobs import INTERRUPTED, JOB_LOCK_SQL, sweep_interrupted_jobs


@pytest.fixture
def jobs(engine: Engine) -> Iterator[dict[str, uuid.UUID]]:
    made = {name: uuid.uuid4() for name in ("dead", "alive", "new", "stale", "done")}
    rows = {
        "dead": ("running", "0 minutes"),
        "alive": ("running", "0 minutes"),
        "new": ("queued", "1 minute"),
        "stale": ("queued", "20 minutes"),
        "done": ("done", "30 minutes"),
    }
    with engine.begin() as connection:
        for name, (state, age) in rows.items():
            connection.execute(
                text(
                    "INSERT INTO import_job (id, round_year, filename, accept_valid, state, "
                    "rows_read, created_at, report) VALUES (:id, 2569, 'f.csv', false, :state, "
                    "0, now() - CAST(:age AS interval), '{}')"
                ),
                {"id": made[name], "state": state, "age": age},
            )
    yield made
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM import_job WHERE id = ANY(:ids)"), {"ids": list(made.values())}
        )


def _states(engine: Engine, jobs: dict[str, uuid.UUID]) -> dict[str, tuple[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, state, report FROM import_job WHERE id = ANY(:ids)"),
            {"ids": list(jobs.values())},
        ).all()
    by_id = {row.id: (row.state, row.report.get("error")) for row in rows}
    return {name: by_id[job_id] for name, job_id in jobs.items()}


def test_sweep_fails_only_jobs_no_process_runs(engine: Engine, jobs: dict[str, uuid.UUID]) -> None:
    with engine.connect() as worker:  # another worker, still importing "alive"
        worker.execute(
            text(f"SELECT pg_advisory_lock({JOB_LOCK_SQL})"), {"job_id": str(jobs["alive"])}
        )
        assert sweep_interrupted_jobs(engine) == 2
        states = _states(engine, jobs)
        worker.execute(text("SELECT pg_advisory_unlock_all()"))
    assert states["dead"] == ("failed", INTERRUPTED)
    assert states["stale"] == ("failed", INTERRUPTED)
    assert states["alive"] == ("running", None)
    assert states["new"] == ("queued", None)
    assert states["done"] == ("done", None)
    assert sweep_interrupted_jobs(engine) == 1  # once "alive" is no longer held, it too
