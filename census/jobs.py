"""Census imports started over HTTP run as jobs: progress and the report are polled."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from pathlib import Path

from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session

from census.importer import import_census_file, write_rejects
from census.models import ImportJob
from kernel.config import Settings
from kernel.policy import write_scope
from kernel.principal import Principal

log = logging.getLogger("edumap.census")


def job_dir(settings: Settings, job_id: uuid.UUID) -> Path:
    return settings.var_dir / "imports" / str(job_id)


def _set(engine: Engine, job_id: uuid.UUID, **values: object) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


# A queued job whose worker has not started it after this long was lost with its process.
QUEUED_GRACE = dt.timedelta(minutes=10)
INTERRUPTED = (
    "การนำเข้าหยุดกลางคันเพราะเซิร์ฟเวอร์เริ่มทำงานใหม่ ไม่มีข้อมูลใดถูกบันทึก กรุณาส่งไฟล์อีกครั้ง "
    "(the server restarted during the import; nothing was stored; upload the file again)"
)
# The job's advisory lock: held by the process running it, for as long as it runs.
JOB_LOCK_SQL = "hashtextextended(CAST(:job_id AS text), 0)"


# Internals stay in the server's log; the surveyor reads what to do.
UNEXPECTED = (
    "การนำเข้าหยุดเพราะข้อผิดพลาดของระบบ ไม่มีข้อมูลใดถูกบันทึก กรุณาแจ้งผู้ดูแลระบบ "
    "(the import stopped on an unexpected error and stored nothing; it has been logged for "
    "the administrator)"
)


def run_import_job(
    engine: Engine, settings: Settings, job_id: uuid.UUID, path: Path, principal: Principal
) -> None:
    """Run one queued job to the end; the import itself is one transaction. The job's advisory
    lock, held on a connection of its own, tells a sweeper that the job is alive."""
    with engine.connect() as lock:
        lock.execute(text(f"SELECT pg_advisory_lock({JOB_LOCK_SQL})"), {"job_id": str(job_id)})
        try:
            _run(engine, settings, job_id, path, principal)
        finally:
            lock.execute(
                text(f"SELECT pg_advisory_unlock({JOB_LOCK_SQL})"), {"job_id": str(job_id)}
            )


def sweep_interrupted_jobs(engine: Engine) -> int:
    """Mark failed the jobs that no process runs any more (a restart mid-import rolled their
    transaction back): running ones nobody holds the lock of, queued ones past the grace."""
    swept = 0
    with engine.connect() as connection:
        candidates = connection.execute(
            text(
                "SELECT id, state, created_at < now() - CAST(:grace AS interval) AS old "
                "FROM import_job WHERE state IN ('queued', 'running')"
            ),
            {"grace": f"{int(QUEUED_GRACE.total_seconds())} seconds"},
        ).all()
        for job_id, state, old in candidates:
            if state == "queued" and not old:
                continue
            params = {"job_id": str(job_id)}
            if not connection.execute(
                text(f"SELECT pg_try_advisory_lock({JOB_LOCK_SQL})"), params
            ).scalar():
                continue  # alive in another worker
            try:
                with Session(engine) as session, session.begin():
                    swept += len(
                        session.execute(
                            update(ImportJob)
                            .where(
                                ImportJob.id == job_id, ImportJob.state.in_(("queued", "running"))
                            )
                            .values(
                                state="failed",
                                finished_at=dt.datetime.now(dt.UTC),
                                report={"error": INTERRUPTED},
                            )
                            .returning(ImportJob.id)
                        ).all()
                    )
            finally:
                connection.execute(text(f"SELECT pg_advisory_unlock({JOB_LOCK_SQL})"), params)
        connection.commit()
    if swept:
        log.warning("marked %d interrupted census import job(s) failed", swept)
    return swept


def _run(
    engine: Engine, settings: Settings, job_id: uuid.UUID, path: Path, principal: Principal
) -> None:
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        round_year, accept_valid = job.round_year, job.accept_valid
    _set(engine, job_id, state="running")
    try:
        with Session(engine) as session, session.begin():
            may_write = write_scope(session, principal)
            report = import_census_file(
                session,
                settings,
                path,
                round_year,
                source=path.suffix.lstrip(".").lower(),
                accept_valid=accept_valid,
                progress=lambda rows: _set(engine, job_id, rows_read=rows),
                may_write=None if principal.role == "admin" else may_write,
                surveyor_id=principal.user_id,
            )
            if not report.stored:
                session.rollback()
        folder = job_dir(settings, job_id)
        if report.errors:
            report.write_errors_csv(folder / "report.csv")
        if report.stored and report.rejected_rows:
            write_rejects(path, report.rejected_rows, folder / "rejects.csv")
        _set(
            engine,
            job_id,
            state="done" if report.stored else "rejected",
            rows_read=report.rows_read,
            report=report.as_dict(),
            finished_at=dt.datetime.now(dt.UTC),
        )
    except Exception:
        log.exception("census import job %s failed", job_id)
        _set(
            engine,
            job_id,
            state="failed",
            finished_at=dt.datetime.now(dt.UTC),
            report={"error": UNEXPECTED},
        )
    finally:
        path.unlink(missing_ok=True)


def remove_job_files(settings: Settings, job_id: uuid.UUID) -> None:
    shutil.rmtree(job_dir(settings, job_id), ignore_errors=True)
