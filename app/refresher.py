"""The stored coverage is brought up to date here, off the request path.

Reads never write: every coverage reader reads the last committed ``child_coverage`` and says
as of when (``refreshed_at``) and whether changes are pending. Writers (submissions, imports,
school records, service areas) only mark what changed (the triggers of migrations 0006-0007).
This thread, one per server process, looks every ``EDUMAP_COVERAGE_REFRESH_SECONDS`` for
rounds with pending changes and refreshes each in a transaction of its own; refreshes are
serialised against each other by an advisory lock (a process that finds one running skips
its turn), never against readers, who keep reading the previous snapshot meanwhile.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gis.coverage import refresh_coverage, rounds_pending
from kernel.config import get_settings

log = logging.getLogger("edumap.refresher")


def refresh_pending(engine: Engine, *, wait: bool = False) -> list[int]:
    """Refresh every round with pending changes, each in its own transaction; the rounds
    refreshed."""
    with Session(engine) as session:
        rounds = rounds_pending(session)
    done = []
    workers = get_settings().coverage_workers
    for round_year in rounds:
        with Session(engine) as session, session.begin():
            if refresh_coverage(session, round_year, wait=wait, workers=workers):
                done.append(round_year)
    return done


class CoverageRefresher:
    """A daemon thread that refreshes pending coverage every ``interval_s`` seconds."""

    def __init__(self, engine: Engine, interval_s: float) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coverage-refresher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Look now rather than at the next tick (after a write this process committed)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                refreshed = refresh_pending(self.engine)
                if refreshed:
                    log.info("coverage refreshed for round(s) %s", refreshed)
            except Exception:  # a failed refresh is retried at the next tick
                log.exception("coverage refresh failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
