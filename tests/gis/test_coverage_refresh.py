"""Reads never write and never wait: the stored coverage is refreshed off the request path
(a background refresher per server process), serialised only against other refreshes; every
coverage response says as of when and whether changes are pending."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis import coverage, maps
from gis.service_areas.quality import quality_report
from kernel.principal import ANONYMOUS
from tests.helpers.payloads import household
from tests.helpers.world import MATRIX_SCHOOL, Account

ROUND = 2569
REFRESH_LOCK = "SELECT pg_advisory_xact_lock(hashtext('edumap-coverage'), 2569)"


def _read_everything(session: Session) -> None:
    coverage.subdistrict_coverage(session, ROUND, district="5501")
    coverage.area_coverage(session, ROUND, by="district", province="55")
    coverage.school_coverage(session, ROUND, district="5501")
    coverage.children_coverage(session, ROUND, flag="out_of_school", district="5501", limit=5)
    coverage.call_list(session, MATRIX_SCHOOL, ROUND)
    coverage.coverage_status(session, ROUND)
    maps.coverage_map(session, round_year=ROUND, principal=ANONYMOUS, district="5514")
    quality_report(session, province_code="55", academic_year=ROUND)


def test_readers_run_in_a_read_only_transaction(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SET TRANSACTION READ ONLY"))
        # A changed household is pending: a reader that refreshed would write here and fail.
        connection.execute(text("SET LOCAL lock_timeout = '2s'"))
        _read_everything(Session(bind=connection))
        connection.rollback()


def test_readers_do_not_wait_for_a_running_refresh(
    engine: Engine, committing_client: TestClient
) -> None:
    client = committing_client  # two requests at once: each on its own connection
    with engine.connect() as refresher:
        refresher.execute(text(REFRESH_LOCK))  # a refresh in progress holds this lock
        with engine.connect() as reader:
            reader.execute(text("SET lock_timeout = '2s'"))  # a waiting reader fails
            _read_everything(Session(bind=reader))
            reader.rollback()
        answered: list[int] = []

        def read() -> None:
            params = {"round": ROUND, "district": "5501"}
            answered.append(client.get("/api/v1/coverage/subdistricts", params=params).status_code)

        readers = [threading.Thread(target=read) for _ in range(2)]
        for thread in readers:
            thread.start()
        for thread in readers:
            thread.join(timeout=120)
        assert answered == [200, 200]  # both answered while the refresh still held its lock
        refresher.rollback()


def test_a_refresh_waits_only_for_another_refresh(engine: Engine) -> None:
    with engine.connect() as first, engine.connect() as second:
        first.execute(text(REFRESH_LOCK))
        with Session(bind=second) as session:
            # The background refresher's way: skip this turn when another one runs.
            assert coverage.refresh_coverage(session, ROUND, wait=False) is False
        second.rollback()
        first.rollback()


def _out_of_school(client: TestClient) -> dict[str, Any]:
    params = {"round": ROUND, "by": "district", "province": "55"}
    body: dict[str, Any] = client.get("/api/v1/coverage/areas", params=params).json()
    return body


def _settled(client: TestClient, after: str | None) -> dict[str, Any]:
    """The figures once nothing waits for the refresher (and, with ``after``, once it has
    refreshed since then)."""
    deadline = time.monotonic() + 120  # a bound against hanging, not a timing claim
    while True:
        body = _out_of_school(client)
        if not body["pending_changes"] and body["refreshed_at"] != after:
            return body
        assert time.monotonic() < deadline, "the refresher never caught up"
        time.sleep(0.2)


def test_a_submission_reaches_the_coverage_without_a_reader_refreshing_it(
    committing_client: TestClient, accounts: dict[str, Account]
) -> None:
    client = committing_client  # the refresher sees committed households only
    # The figure to add one to is a settled one: an earlier test's commits (a revert, a
    # removed household) may still wait for the refresher.
    before = _settled(client, after=None)
    assert {"refreshed_at", "pending_changes"} <= set(before)
    body = household()
    body["children"] = body["children"][:1]  # one compulsory-age child, not enrolled
    body["uuid"] = str(uuid.uuid4())
    response = client.post(
        "/api/v1/census/households", json=body, headers=accounts["surveyor"].headers
    )
    assert response.status_code == 201, response.text
    after = _settled(client, after=before["refreshed_at"])
    [old] = [a for a in before["areas"] if a["district"] == "5501"]
    [new] = [a for a in after["areas"] if a["district"] == "5501"]
    # Mueang Nan has far more than the small-count threshold out of school: exact for anyone.
    assert isinstance(old["out_of_school"], int)
    assert new["out_of_school"] == old["out_of_school"] + 1


def test_a_school_change_during_a_refresh_waits_for_the_next_one(engine: Engine) -> None:
    """A school's change committed while a whole-round refresh runs (after it took in the
    changes before it) is still pending when that refresh ends, and its writer never waits
    for the refresh (migration 0033: a mark per change, not a flag the refresh clears)."""
    with engine.connect() as refresher:
        session = Session(bind=refresher)
        # The lock first, as the refresh takes it: the server's refresher must not be midway
        # (waiting for this row) when this one waits for its lock.
        session.execute(text(REFRESH_LOCK))
        session.execute(
            text("UPDATE coverage_state SET stale = true WHERE round_year = :y"), {"y": ROUND}
        )
        assert coverage.refresh_coverage(session, ROUND) is True  # not committed yet
        with engine.connect() as writer:
            writer.execute(text("SET lock_timeout = '2s'"))  # a writer that waited fails
            writer.execute(
                text("UPDATE school SET name_th = name_th WHERE code = :c"), {"c": MATRIX_SCHOOL}
            )
            writer.commit()
        assert coverage.coverage_status(session, ROUND)["pending_changes"] is True
        refresher.rollback()  # the server's refresher takes the change in
