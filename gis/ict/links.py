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
from gis.ict.norms import ict_norms
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


# Per school: its fastest link (the contracted speed), pupils of its latest count, the speed
# the norm asks, working learning devices, what schools and checks reported over the last 30
# days, and its state: ``no_link``, ``slow`` (the median speed measured while up, or the
# contract where nothing was measured, below the norm) or ``healthy``. Bind
# ``connectivity_params``; a subquery (alias it) over every school.
CONNECTIVITY_SQL = f"""
    SELECT s.id AS school_id, s.code, s.name_th, s.office_code, s.subdistrict_code,
        left(s.subdistrict_code, 4) AS district_code, s.location,
        l.mbps AS contracted_mbps, l.link_types, coalesce(p.pupils, 0) AS pupils,
        greatest(:minimum_mbps, coalesce(p.pupils, 0) * :mbps_per_pupil) AS required_mbps,
        coalesce(dv.learning, 0) AS learning_devices,
        rc.median_mbps, coalesce(rc.days_reported, 0) AS days_reported,
        coalesce(rc.days_down, 0) AS days_down,
        CASE WHEN l.mbps IS NULL THEN 'no_link'
             WHEN coalesce(rc.median_mbps, l.mbps)
                  < greatest(:minimum_mbps, coalesce(p.pupils, 0) * :mbps_per_pupil) THEN 'slow'
             ELSE 'healthy' END AS status
    FROM school s
    LEFT JOIN LATERAL (
        SELECT max(i.mbps) AS mbps, string_agg(DISTINCT i.link_type, ',') AS link_types
        FROM internet_link i WHERE i.school_id = s.id
    ) l ON true
    LEFT JOIN LATERAL (
        SELECT sum(gy.enrolled_male + gy.enrolled_female)::int AS pupils
        FROM school_grade_year gy
        WHERE gy.school_id = s.id AND gy.academic_year =
            (SELECT max(academic_year) FROM school_grade_year WHERE school_id = s.id)
    ) p ON true
    LEFT JOIN LATERAL (
        SELECT sum(d.working)::int AS learning FROM ict_device d
        WHERE d.school_id = s.id AND d.purpose = 'learning'
          AND d.kind IN ('computer', 'notebook', 'tablet')
    ) dv ON true
    LEFT JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.measured_mbps)
                FILTER (WHERE r.up AND r.measured_mbps IS NOT NULL) AS median_mbps,
            count(DISTINCT (r.measured_at AT TIME ZONE '{THAI_TIME}')::date)::int
                AS days_reported,
            count(DISTINCT (r.measured_at AT TIME ZONE '{THAI_TIME}')::date)
                FILTER (WHERE NOT r.up)::int AS days_down
        FROM link_status_report r
        WHERE r.school_id = s.id AND r.measured_at >= now() - interval '{DEFAULT_DAYS} days'
    ) rc ON true
"""


def connectivity_params() -> dict[str, float]:
    norms = ict_norms()
    return {"minimum_mbps": norms.minimum_mbps, "mbps_per_pupil": norms.mbps_per_pupil}


def connectivity(
    session: Session, districts: list[str] | None = None, office_code: str | None = None
) -> list[dict[str, Any]]:
    """Each school's link state (CONNECTIVITY_SQL) in scope, by code."""
    rows = session.execute(
        text(
            f"""
            SELECT c.code, c.name_th, c.district_code, c.office_code, c.status,
                c.contracted_mbps, c.required_mbps, c.median_mbps, c.days_reported,
                c.days_down, c.pupils, c.learning_devices
            FROM ({CONNECTIVITY_SQL}) c
            WHERE (CAST(:districts AS text[]) IS NULL OR c.district_code = ANY(:districts))
              AND (CAST(:office_code AS text) IS NULL OR c.office_code = :office_code)
            ORDER BY c.code
            """
        ),
        connectivity_params() | {"districts": districts, "office_code": office_code},
    ).mappings()
    found = []
    for row in rows:
        up_days = row["days_reported"] - row["days_down"]
        found.append(
            dict(row)
            | {
                "median_mbps": float(row["median_mbps"]) if row["median_mbps"] else None,
                "uptime_share": ratio(up_days, row["days_reported"], 4),
            }
        )
    return found
