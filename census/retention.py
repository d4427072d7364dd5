"""Retention (PDPA): a set time after a census round closes, the register extracts' records
(names, IDs, birth dates, addresses) and the office's follow-ups of each child (notes, reasons,
who recorded them) are deleted and the round's matching results anonymised, each child keeping
only its latest finding, bare, for the counts;
what the public and the reports count stays (each child's status, tambon, school and grades).

Run by ``edumap retention apply``; each round it touches is logged in the audit log (who:
``edumap retention``), with the numbers removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.follow_up import LATEST_FINDING_SQL
from kernel.accounts import AuditLog

# The key an anonymised matching result takes (the ID hash it had is personal data).
ANONYMISED_PREFIX = "anon:"


@dataclass(frozen=True)
class RoundRetention:
    """What retention did (or, on a dry run, would do) to one round."""

    round_year: int
    closed_at: dt.datetime
    extracts: int
    records_deleted: int
    matches_anonymised: int


def rounds_due(
    session: Session, retention_days: int, now: dt.datetime
) -> list[tuple[int, dt.datetime]]:
    """Closed rounds whose retention period has passed, with when they closed."""
    rows = session.execute(
        text(
            "SELECT academic_year, closed_at FROM census_round WHERE state = 'closed' "
            "AND closed_at <= :cutoff ORDER BY academic_year"
        ),
        {"cutoff": now - dt.timedelta(days=retention_days)},
    ).all()
    return [(int(year), closed) for year, closed in rows]


def apply_retention(
    session: Session, *, retention_days: int, now: dt.datetime | None = None, dry_run: bool = False
) -> list[RoundRetention]:
    """Remove what the retention period allows no longer, for every round due; with
    ``dry_run`` count only. The caller commits."""
    now = now or dt.datetime.now(dt.UTC)
    done = []
    for year, closed_at in rounds_due(session, retention_days, now):
        params = {"y": year}
        extracts = session.execute(
            text(
                "SELECT count(*) FROM register_extract WHERE round_year = :y AND purged_at IS NULL"
            ),
            params,
        ).scalar_one()
        records = session.execute(
            text(
                "SELECT count(*) FROM register_record r JOIN register_extract e "
                "ON e.id = r.extract_id WHERE e.round_year = :y"
            ),
            params,
        ).scalar_one()
        named = session.execute(
            text(
                "SELECT count(*) FROM register_match WHERE round_year = :y "
                "AND person_key NOT LIKE :anon"
            ),
            params | {"anon": ANONYMISED_PREFIX + "%"},
        ).scalar_one()
        result = RoundRetention(year, closed_at, extracts, records, named)
        done.append(result)
        if dry_run or not (extracts or records or named):
            continue
        # Each child's new key, with the one finding the aggregates count (the latest, read
        # before the follow-ups and the ID hash that links census children go).
        session.execute(text("DROP TABLE IF EXISTS retention_keys"))
        session.execute(
            text(
                f"""
            CREATE TEMP TABLE retention_keys ON COMMIT DROP AS
            SELECT m.person_key AS old_key, :anon || gen_random_uuid() AS new_key, m.status,
                   v.finding, v.acted_on, v.school_code, v.moved_to_subdistrict
            FROM register_match m
            {LATEST_FINDING_SQL}
            WHERE m.round_year = :y AND m.person_key NOT LIKE :anon || '%'
            """
            ),
            params | {"anon": ANONYMISED_PREFIX},
        )
        session.execute(
            text(
                "DELETE FROM register_record r USING register_extract e "
                "WHERE e.id = r.extract_id AND e.round_year = :y"
            ),
            params,
        )
        # What the office did for each child (notes, reasons, who) is named too: it goes, but
        # for each child's latest finding, kept bare under the new key for the counts.
        follow_ups = len(
            session.execute(
                text("DELETE FROM register_follow_up WHERE round_year = :y RETURNING id"), params
            ).all()
        )
        session.execute(
            text(
                "UPDATE register_extract SET purged_at = :now "
                "WHERE round_year = :y AND purged_at IS NULL"
            ),
            params | {"now": now},
        )
        # Status, tambon, school and grades stay for the aggregates; the keyed ID hash, the
        # links to the (deleted) records and the explanation's file rows go.
        session.execute(
            text(
                """
            UPDATE register_match m
            SET person_key = k.new_key, civil_record_id = NULL, school_record_ids = NULL,
                explanation = jsonb_build_object('reason', explanation -> 'reason',
                                                 'matched_by', explanation -> 'matched_by',
                                                 'anonymised_at', CAST(:now AS text))
            FROM retention_keys k
            WHERE m.round_year = :y AND m.person_key = k.old_key
            """
            ),
            params | {"now": now.isoformat()},
        )
        session.execute(
            text(
                """
            INSERT INTO register_follow_up (round_year, person_key, kind, finding, school_code,
                                            moved_to_subdistrict, acted_on, status_seen)
            SELECT :y, new_key, 'visit', finding, school_code, moved_to_subdistrict, acted_on,
                   status
            FROM retention_keys WHERE finding IS NOT NULL
            """
            ),
            params,
        )
        session.add(
            AuditLog(
                user_id=None,
                username="edumap retention",
                role="system",
                action="retention",
                resource=f"registers {year}",
                record_count=records + named,
                detail={
                    "closed_at": closed_at.isoformat(),
                    "retention_days": retention_days,
                    "extracts": extracts,
                    "records_deleted": records,
                    "matches_anonymised": named,
                    "follow_ups_deleted": follow_ups,
                },
            )
        )
    session.flush()
    return done
