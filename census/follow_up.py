"""What the office does for the children matching leaves unplaced: the field visit and what it
found, the notice to the guardian under the Compulsory Education Act B.E. 2545, the referral.

A matched child is named in the API by an opaque reference (``ref``, from the keyed ID hash,
stable across matching runs, meaningless outside edumap). Follow-ups are history: each is a new
row, never changed. The latest visit's finding is the child's **verified** status; every list
says whether a child's status comes from the field or from the registers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.register_models import FINDINGS, FOLLOW_UP_KINDS
from kernel.errors import ConflictError, InvalidInputError, NotFoundError

# The reference a matched child (``m``, a register_match row) is known by outside the database.
CHILD_REF_SQL = "left(md5(m.person_key), 20)"

# The latest finding of a visit to the child ``m``, as columns v.finding, v.acted_on,
# v.school_code, v.reason, v.moved_to_subdistrict (all NULL when nobody has visited), from
# either way a surveyor records one:
# - a follow-up (``register_follow_up``), only if made while the child's matching status was
#   what it is now (a newer extract that changes the child's records, matched again, makes the
#   field's findings lapse);
# - the household form or submission API: a child a surveyor submitted in the round with the
#   same ID (enrolled at a school, or not enrolled with a reason); the synthetic census, which
#   no surveyor submitted, is not a finding.
LATEST_FINDING_SQL = """
LEFT JOIN LATERAL (
    SELECT found.* FROM (
        SELECT f.finding, f.acted_on, f.school_code, f.reason, f.moved_to_subdistrict,
               f.recorded_at
        FROM register_follow_up f
        WHERE f.round_year = m.round_year AND f.person_key = m.person_key
          AND f.finding IS NOT NULL AND f.status_seen = m.status
        UNION ALL
        SELECT CASE WHEN ch.enrolment_status = 'not_enrolled' THEN 'out_of_school'
                    WHEN ch.enrolment_status IN ('enrolled', 'enrolled_outside_area')
                    THEN 'enrolled' END,
               CAST(h.created_at AS date), ch.school_code, ch.not_enrolled_reason, NULL,
               h.created_at
        FROM child ch JOIN household h ON h.id = ch.household_id
        WHERE ch.round_year = m.round_year AND ch.national_id_hash = m.person_key
          AND h.surveyor_id IS NOT NULL
    ) found
    WHERE found.finding IS NOT NULL
    ORDER BY found.acted_on DESC, found.recorded_at DESC LIMIT 1
) v ON true
"""

# The matched child ``m`` with where it lives for the access policy: ``c`` has the registered
# tambon and moo (a pupil no register knows: the tambon of the school).
_CHILD_FROM = """
FROM register_match m
LEFT JOIN register_record r ON r.id = m.civil_record_id
CROSS JOIN LATERAL (
    SELECT coalesce(r.subdistrict_code, m.subdistrict_code) AS subdistrict_code, r.moo
) c
"""


def verified(row: dict[str, Any]) -> dict[str, Any] | None:
    """The verified status of a row read with ``LATEST_FINDING_SQL`` (None: not visited)."""
    if row.get("finding") is None:
        return None
    return {
        "finding": row["finding"],
        "acted_on": row["acted_on"],
        "school_code": row["school_code"],
        "reason": row["reason"],
        "moved_to_subdistrict": row["moved_to_subdistrict"],
    }


# The longest free text a follow-up keeps, in characters (the API and the page alike).
LONGEST_TEXT = {"reason": 500, "note": 2000}


@dataclass(frozen=True)
class FollowUp:
    """One thing done for a child; ``finding`` (and what it needs) only for a visit."""

    kind: str
    acted_on: dt.date
    finding: str | None = None
    school_code: str | None = None
    reason: str | None = None
    moved_to_subdistrict: str | None = None
    note: str | None = None


def find_child(
    session: Session, round_year: int, ref: str, area_sql: str, params: dict[str, Any]
) -> dict[str, Any]:
    """The matched child of ``ref`` where ``area_sql`` (on ``c``) allows, with its registered
    name and address: else NotFoundError (a child outside the area is not told apart from no
    child)."""
    row = (
        session.execute(
            text(
                f"""
            SELECT m.person_key, m.status, m.expected_grade, m.school_code,
                   coalesce(r.title, p.title) AS title,
                   coalesce(r.first_name, p.first_name) AS first_name,
                   coalesce(r.last_name, p.last_name) AS last_name,
                   coalesce(r.birth_date, p.birth_date) AS birth_date, r.sex,
                   r.house_number, r.moo, c.subdistrict_code, t.name_th AS subdistrict_name_th,
                   d.name_th AS district_name_th, pr.name_th AS province_name_th,
                   v.finding, v.acted_on, v.school_code AS found_school, v.reason,
                   v.moved_to_subdistrict,
                   (SELECT e.source_name FROM register_extract e WHERE e.id = r.extract_id)
                       AS civil_source
            {_CHILD_FROM}
            LEFT JOIN register_record p ON p.id = (m.school_record_ids ->> 0)::bigint
            LEFT JOIN subdistrict t ON t.code = c.subdistrict_code
            LEFT JOIN district d ON d.code = t.district_code
            LEFT JOIN province pr ON pr.code = d.province_code
            {LATEST_FINDING_SQL}
            WHERE m.round_year = :y AND {CHILD_REF_SQL} = :ref AND ({area_sql})
            """
            ),
            params | {"y": round_year, "ref": ref},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"no child {ref} in the matching of round {round_year} in your area")
    return dict(row)


def check_follow_up(session: Session, follow_up: FollowUp) -> None:
    """A follow-up as the office's rules need it, each fault naming its field."""
    if follow_up.kind not in FOLLOW_UP_KINDS:
        raise InvalidInputError("kind", f"one of {', '.join(FOLLOW_UP_KINDS)}")
    for name, longest in LONGEST_TEXT.items():
        if len(getattr(follow_up, name) or "") > longest:
            raise InvalidInputError(name, f"at most {longest} characters")
    if follow_up.acted_on > dt.date.today():
        raise InvalidInputError("acted_on", "a day that has come (not in the future)")
    if follow_up.finding is None:
        if follow_up.kind == "visit":
            raise InvalidInputError("finding", f"a visit says what it found: {', '.join(FINDINGS)}")
        return
    if follow_up.kind != "visit":
        raise InvalidInputError("finding", "only a visit has a finding")
    if follow_up.finding not in FINDINGS:
        raise InvalidInputError("finding", f"one of {', '.join(FINDINGS)}")
    if follow_up.finding == "enrolled":
        if not follow_up.school_code:
            raise InvalidInputError("school_code", "the school the child is enrolled at")
        known = session.execute(
            text("SELECT 1 FROM school WHERE code = :c"), {"c": follow_up.school_code}
        ).first()
        if known is None:
            raise InvalidInputError("school_code", "a school of the registry (10-digit code)")
    if follow_up.finding == "out_of_school" and not follow_up.reason:
        raise InvalidInputError("reason", "why the child is out of school")
    if follow_up.finding == "moved_away":
        if not follow_up.moved_to_subdistrict:
            raise InvalidInputError("moved_to_subdistrict", "the tambon the child moved to")
        known = session.execute(
            text("SELECT 1 FROM subdistrict WHERE code = :c"),
            {"c": follow_up.moved_to_subdistrict},
        ).first()
        if known is None:
            raise InvalidInputError("moved_to_subdistrict", "a tambon code (6 digits)")


def record_follow_up(
    session: Session,
    round_year: int,
    ref: str,
    follow_up: FollowUp,
    *,
    recorded_by: int | None,
    area_sql: str,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """Add a follow-up to the child's history; returns the history. The caller commits."""
    child = find_child(session, round_year, ref, area_sql, params)
    check_follow_up(session, follow_up)
    if follow_up.kind == "notice":
        notice_office(session, child)  # refuses a child who is not out of school
    session.execute(
        text(
            """
        INSERT INTO register_follow_up (round_year, person_key, kind, finding, school_code,
                                        reason, moved_to_subdistrict, note, acted_on,
                                        recorded_by, status_seen)
        VALUES (:y, :key, :kind, :finding, :school, :reason, :moved_to, :note, :on, :by,
                :status)
        """
        ),
        {
            "y": round_year,
            "key": child["person_key"],
            "kind": follow_up.kind,
            "finding": follow_up.finding,
            "school": follow_up.school_code,
            "reason": follow_up.reason,
            "moved_to": follow_up.moved_to_subdistrict,
            "note": follow_up.note,
            "on": follow_up.acted_on,
            "by": recorded_by,
            "status": child["status"],
        },
    )
    return history(session, round_year, child["person_key"])


def history(session: Session, round_year: int, person_key: str) -> list[dict[str, Any]]:
    """Every follow-up of a child, oldest first, with who recorded it."""
    rows = session.execute(
        text(
            """
        SELECT f.kind, f.finding, f.school_code, f.reason, f.moved_to_subdistrict, f.note,
               f.acted_on, f.recorded_at, u.username AS recorded_by,
               f.status_seen AS matching_status_then
        FROM register_follow_up f LEFT JOIN user_account u ON u.id = f.recorded_by
        WHERE f.round_year = :y AND f.person_key = :key ORDER BY f.acted_on, f.id
        """
        ),
        {"y": round_year, "key": person_key},
    ).mappings()
    return [dict(row) for row in rows]


def _out_of_school(child: dict[str, Any]) -> bool:
    """Out of school by the field's finding when visited, else by the registers (no record)."""
    if child["finding"] is not None:
        return bool(child["finding"] == "out_of_school")
    return bool(child["status"] == "no_record")


def notice_office(session: Session, child: dict[str, Any]) -> dict[str, Any]:
    """The office a notice comes from: the one serving the child's tambon for its stage (the
    secondary office for Mathayom 4-6, else the primary office)."""
    if not _out_of_school(child):
        raise ConflictError(
            "a notice to the guardian is for a child out of school: this child "
            + ("was found " + child["finding"] if child["finding"] else "has a school record")
        )
    kind = "secondary" if (child.get("expected_grade") or "") in ("M4", "M5", "M6") else "primary"
    row = (
        session.execute(
            text(
                """
            SELECT o.code, o.name_th FROM service_area_office o
            JOIN service_area_office_district d ON d.office_code = o.code
            WHERE d.district_code = left(:tambon, 4)
            ORDER BY (o.kind::text = :kind) DESC, o.code LIMIT 1
            """
            ),
            {"tambon": child["subdistrict_code"] or "", "kind": kind},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else {"code": None, "name_th": "สำนักงานเขตพื้นที่การศึกษา"}
