"""Retention (PDPA): a set time after a round closes, its register records go and its matching
results are anonymised; the counts the public and the reports read stay exactly as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.matching import match_round, matched_children, matching_by_tambon
from census.registers import Extract, import_register_file
from census.retention import apply_retention
from census.service import set_round_state
from kernel.config import get_settings
from kernel.errors import ConflictError
from tests.helpers.run_cli import edumap

ROUND = 2569
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _registers_matched(session: Session) -> dict[str, int]:
    settings = get_settings()
    for name, extract in (
        ("civil_register_sample.csv", Extract(ROUND, "civil", "dopa", dt.date(2026, 6, 1))),
        ("school_records_sample.csv", Extract(ROUND, "school", "obec", dt.date(2026, 6, 10))),
    ):
        assert import_register_file(session, settings, SAMPLES / name, extract).stored
    return match_round(session, ROUND)


def _records_of_round(session: Session) -> int:
    return session.execute(
        text(
            "SELECT count(*) FROM register_record r JOIN register_extract e "
            "ON e.id = r.extract_id WHERE e.round_year = :y"
        ),
        {"y": ROUND},
    ).scalar_one()


def test_records_go_and_results_are_anonymised_after_the_period_counts_stay(
    db_session: Session,
) -> None:
    counts = _registers_matched(db_session)
    assert _records_of_round(db_session) == 5
    # A visit found one child out of school; the office noted a referral too.
    for kind, finding in (("visit", "out_of_school"), ("referral", None)):
        db_session.execute(
            text(
                "INSERT INTO register_follow_up (round_year, person_key, kind, finding, reason, "
                "note, acted_on, status_seen) SELECT :y, person_key, :kind, :finding, "
                "'ช่วยงานบ้าน', 'พบแม่ นางสมศรี', '2026-11-20', status FROM register_match "
                "WHERE round_year = :y AND status = 'no_record' ORDER BY person_key LIMIT 1"
            ),
            {"y": ROUND, "kind": kind, "finding": finding},
        )
    by_tambon = matching_by_tambon(db_session, ROUND)
    assert sum(t["known"]["out_of_school_verified"] == "<5" for t in by_tambon) == 1

    # An open round is never touched, however old.
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=4000)
    assert apply_retention(db_session, retention_days=365, now=far) == []
    closed = set_round_state(db_session, ROUND, "closed").closed_at
    assert closed is not None
    # Inside the period: nothing.
    assert (
        apply_retention(db_session, retention_days=365, now=closed + dt.timedelta(days=364)) == []
    )
    # A dry run counts and changes nothing.
    later = closed + dt.timedelta(days=366)
    [planned] = apply_retention(db_session, retention_days=365, now=later, dry_run=True)
    assert (planned.records_deleted, planned.matches_anonymised) == (5, sum(counts.values()))
    assert _records_of_round(db_session) == 5

    [done] = apply_retention(db_session, retention_days=365, now=later)
    assert done == planned
    assert _records_of_round(db_session) == 0
    assert matching_by_tambon(db_session, ROUND) == by_tambon  # the aggregates stay
    # Of the follow-ups, the finding alone stays, bare (no reason, note or who), under the new key.
    kept = db_session.execute(
        text(
            "SELECT person_key, kind, finding, reason, note, recorded_by "
            "FROM register_follow_up WHERE round_year = :y"
        ),
        {"y": ROUND},
    ).all()
    assert [tuple(row)[1:] for row in kept] == [("visit", "out_of_school", None, None, None)]
    assert kept[0].person_key.startswith("anon:")
    left = db_session.execute(
        text(
            "SELECT person_key, civil_record_id, school_record_ids, explanation "
            "FROM register_match WHERE round_year = :y"
        ),
        {"y": ROUND},
    ).all()
    assert len(left) == sum(counts.values())
    assert all(
        key.startswith("anon:") and civil is None and school is None and "civil" not in explained
        for key, civil, school, explained in left
    )
    assert matched_children(db_session, ROUND, status="no_record", districts=None) == []
    audit = db_session.execute(
        text("SELECT username, record_count, detail FROM audit_log WHERE action = 'retention'")
    ).one()
    assert audit.username == "edumap retention" and audit.record_count == 5 + len(left)
    assert audit.detail["records_deleted"] == 5 and audit.detail["follow_ups_deleted"] == 2
    # Matching again would lose the kept counts: refused, saying why.
    with pytest.raises(ConflictError, match="removed by retention"):
        match_round(db_session, ROUND)
    # A second run finds nothing more to remove.
    [again] = apply_retention(db_session, retention_days=365, now=later)
    assert (again.records_deleted, again.matches_anonymised, again.extracts) == (0, 0, 0)


def test_the_command_says_what_it_would_remove(database_url: str) -> None:
    result = edumap(database_url, "retention", "apply", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "no closed round is past its 365 days: nothing would remove" in result.stdout
