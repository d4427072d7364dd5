"""The schools' internet links over time (issue 20, part 4): schools or a scheduled check
report whether the link was up and the speed measured; per school, the share of reported days
it was up (a day with no report is unknown, neither up nor down; a day with any report of the
link down is a day down) and the median measured speed against the contracted speed. Days
are Thai days (Asia/Bangkok)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from gis.ict.models import LINK_REPORT_SOURCES, LinkStatusReport
from gis.schools.models import InternetLink, School
from kernel.errors import InvalidInputError, NotFoundError
from kernel.ratios import ratio

THAI_TIME = "Asia/Bangkok"
DEFAULT_DAYS = 30
MAX_MBPS = 100_000.0


def report_status(
    session: Session,
    *,
    school_code: str,
    measured_at: dt.datetime,
    up: bool,
    measured_mbps: float | None,
    source: str,
    actor: str,
    link_id: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store one report; the same report again (school, source, moment) is the one stored.
    Returns the report and whether it is new."""
    school = session.scalar(select(School).where(School.code == school_code))
    if school is None:
        raise NotFoundError(f"no school {school_code}")
    if source not in LINK_REPORT_SOURCES:
        raise InvalidInputError("source", f"one of {', '.join(LINK_REPORT_SOURCES)}")
    if measured_at.tzinfo is None:
        raise InvalidInputError("measured_at", "give the time zone, e.g. +07:00")
    if measured_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10):
        raise InvalidInputError("measured_at", "in the future")
    if measured_mbps is not None and not 0 <= measured_mbps <= MAX_MBPS:
        raise InvalidInputError("measured_mbps", f"between 0 and {MAX_MBPS:,.0f}")
    if link_id is not None:
        link = session.get(InternetLink, link_id)
        if link is None or link.school_id != school.id:
            raise InvalidInputError("link_id", f"not a link of school {school_code}")
    values = {
        "school_id": school.id,
        "link_id": link_id,
        "measured_at": measured_at,
        "up": up,
        "measured_mbps": measured_mbps,
        "source": source,
        "reported_by": actor,
    }
    new_id = session.scalar(
        insert(LinkStatusReport)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_link_status_report_once")
        .returning(LinkStatusReport.id)
    )
    stored = session.scalar(
        select(LinkStatusReport).where(
            LinkStatusReport.school_id == school.id,
            LinkStatusReport.source == source,
            LinkStatusReport.measured_at == measured_at,
        )
    )
    assert stored is not None
    return {
        "id": stored.id,
        "school_code": school_code,
        "measured_at": stored.measured_at,
        "up": stored.up,
        "measured_mbps": stored.measured_mbps,
        "source": stored.source,
    }, new_id is not None


# Per school and Thai day of the period: up, down (any report down) or unknown; the day's
# reports and median speed. Bind :school_id, :first, :last.
_DAYS_SQL = f"""
    WITH days AS (SELECT generate_series(CAST(:first AS date), CAST(:last AS date),
                                         interval '1 day')::date AS day),
    reports AS (
        SELECT (measured_at AT TIME ZONE '{THAI_TIME}')::date AS day, up, measured_mbps
        FROM link_status_report
        WHERE school_id = :school_id
          AND measured_at >= CAST(:first AS date)::timestamp AT TIME ZONE '{THAI_TIME}'
          AND measured_at < (CAST(:last AS date) + 1)::timestamp AT TIME ZONE '{THAI_TIME}'
    )
    SELECT d.day, count(r.day)::int AS reports,
        CASE WHEN count(r.day) = 0 THEN 'unknown'
             WHEN bool_and(r.up) THEN 'up' ELSE 'down' END AS status,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY r.measured_mbps)
            FILTER (WHERE r.up AND r.measured_mbps IS NOT NULL) AS median_mbps
    FROM days d LEFT JOIN reports r ON r.day = d.day
    GROUP BY d.day ORDER BY d.day
"""
_MEDIAN_SQL = f"""
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY measured_mbps)
    FROM link_status_report
    WHERE school_id = :school_id AND up AND measured_mbps IS NOT NULL
      AND measured_at >= CAST(:first AS date)::timestamp AT TIME ZONE '{THAI_TIME}'
      AND measured_at < (CAST(:last AS date) + 1)::timestamp AT TIME ZONE '{THAI_TIME}'
"""


def link_history(
    session: Session, school_code: str, first: dt.date | None = None, last: dt.date | None = None
) -> dict[str, Any]:
    """A school's link over a period (default: the last 30 Thai days): each day up, down or
    unknown; the share of reported days up; the median speed measured while up against the
    contracted speed (the fastest link on record)."""
    school = session.scalar(select(School).where(School.code == school_code))
    if school is None:
        raise NotFoundError(f"no school {school_code}")
    last = last or dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInputError("from", "the period starts after it ends")
    if (last - first).days > 366 * 5:
        raise InvalidInputError("from", "at most five years at a time")
    params = {"school_id": school.id, "first": first, "last": last}
    days = [dict(row) for row in session.execute(text(_DAYS_SQL), params).mappings()]
    median = session.execute(text(_MEDIAN_SQL), params).scalar()
    contracted = session.execute(
        text("SELECT max(mbps) FROM internet_link WHERE school_id = :s"), {"s": school.id}
    ).scalar()
    up = sum(1 for d in days if d["status"] == "up")
    down = sum(1 for d in days if d["status"] == "down")
    return {
        "school_code": school_code,
        "from": first,
        "to": last,
        "days": len(days),
        "days_up": up,
        "days_down": down,
        "days_unknown": len(days) - up - down,
        "uptime_share": ratio(up, up + down, 4),
        "median_mbps": float(median) if median is not None else None,
        "contracted_mbps": float(contracted) if contracted is not None else None,
        "median_to_contract": (
            round(float(median) / float(contracted), 4)
            if median is not None and contracted
            else None
        ),
        "by_day": [
            d | {"median_mbps": float(d["median_mbps"]) if d["median_mbps"] is not None else None}
            for d in days
        ],
    }
