"""Repair tickets (issue 20, part 3): a school reports a broken device or a dead link; the
office's technician is assigned it, records the repair (for a device, also one of the
device's maintenance records, and the units fixed work again) and closes it. Every step is a
``repair_event`` (who, when, note). Time to repair is reported per district."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.ict.models import RepairEvent, RepairTicket
from gis.schools.models import DeviceMaintenance, IctDevice, InternetLink, School
from kernel.errors import ConflictError, InvalidInputError, NotFoundError

# Which step may follow which.
NEXT_STATES = {
    "assigned": ("open", "assigned"),  # assigning again hands it to someone else
    "repaired": ("open", "assigned"),
    "closed": ("repaired",),
}


def _school(session: Session, code: str) -> School:
    found = session.scalar(select(School).where(School.code == code))
    if found is None:
        raise NotFoundError(f"no school {code}")
    return found


def report_problem(
    session: Session,
    *,
    school_code: str,
    subject: str,
    problem: str,
    actor: str,
    device_id: int | None = None,
    link_id: int | None = None,
) -> RepairTicket:
    """A new open ticket for one of the school's devices or links."""
    school = _school(session, school_code)
    if subject == "device":
        device = session.get(IctDevice, device_id) if device_id else None
        if device is None or device.school_id != school.id:
            raise InvalidInputError("device_id", f"not a device of school {school_code}")
        link_id = None
    elif subject == "link":
        if link_id is not None:
            link = session.get(InternetLink, link_id)
            if link is None or link.school_id != school.id:
                raise InvalidInputError("link_id", f"not a link of school {school_code}")
        device_id = None
    else:
        raise InvalidInputError("subject", "device or link")
    if not problem.strip():
        raise InvalidInputError("problem", "say what is wrong")
    ticket = RepairTicket(
        school_id=school.id,
        subject=subject,
        device_id=device_id,
        link_id=link_id,
        problem=problem.strip(),
        state="open",
        reported_by=actor,
    )
    session.add(ticket)
    session.flush()
    session.add(RepairEvent(ticket_id=ticket.id, from_state=None, to_state="open", actor=actor))
    session.flush()
    return ticket


def get_ticket(session: Session, ticket_id: int) -> RepairTicket:
    found = session.get(RepairTicket, ticket_id)
    if found is None:
        raise NotFoundError(f"no repair ticket {ticket_id}")
    return found


def _move(session: Session, ticket: RepairTicket, to_state: str, actor: str, note: str) -> None:
    if ticket.state not in NEXT_STATES[to_state]:
        raise ConflictError(f"ticket {ticket.id} is {ticket.state}: it cannot be {to_state}")
    session.add(
        RepairEvent(
            ticket_id=ticket.id, from_state=ticket.state, to_state=to_state, actor=actor, note=note
        )
    )
    ticket.state = to_state


def assign(session: Session, ticket_id: int, *, technician: str, actor: str) -> RepairTicket:
    """Hand the ticket to a technician: an active admin or planner account (the office's)."""
    ticket = get_ticket(session, ticket_id)
    known = session.execute(
        text(
            "SELECT 1 FROM user_account WHERE username = :u AND is_active "
            "AND role IN ('admin', 'planner')"
        ),
        {"u": technician},
    ).first()
    if known is None:
        raise InvalidInputError("assigned_to", f"{technician!r} is not an office account")
    _move(session, ticket, "assigned", actor, f"มอบหมายให้ {technician}")
    ticket.assigned_to = technician
    ticket.assigned_at = dt.datetime.now(dt.UTC)
    session.flush()
    return ticket


def record_repair(
    session: Session,
    ticket_id: int,
    *,
    action: str,
    cost_baht: Decimal,
    actor: str,
    units_fixed: int = 1,
    repaired_on: dt.date | None = None,
) -> RepairTicket:
    """What was done and what it cost. A device's repair is also the device's maintenance
    record, and the units fixed count as working again (never more than there are)."""
    ticket = get_ticket(session, ticket_id)
    if not action.strip():
        raise InvalidInputError("action", "say what was done")
    if cost_baht < 0:
        raise InvalidInputError("cost_baht", "0 or more")
    _move(session, ticket, "repaired", actor, action.strip())
    now = dt.datetime.now(dt.UTC)
    ticket.repaired_at = now
    ticket.action = action.strip()
    ticket.cost_baht = cost_baht
    if ticket.subject == "device" and ticket.device_id is not None:
        device = session.get(IctDevice, ticket.device_id)
        assert device is not None
        record = DeviceMaintenance(
            device_id=device.id,
            date=repaired_on or now.date(),
            problem=ticket.problem,
            action=ticket.action,
            cost_baht=cost_baht,
        )
        session.add(record)
        session.flush()
        ticket.maintenance_id = record.id
        device.working = min(device.count, device.working + max(units_fixed, 0))
    session.flush()
    return ticket


def close(session: Session, ticket_id: int, *, actor: str, note: str = "") -> RepairTicket:
    ticket = get_ticket(session, ticket_id)
    _move(session, ticket, "closed", actor, note)
    ticket.closed_at = dt.datetime.now(dt.UTC)
    session.flush()
    return ticket


TICKET_SQL = """
    SELECT r.id, s.code AS school_code, s.name_th AS school_name_th, t.district_code,
        r.subject, r.device_id, d.kind AS device_kind, r.link_id, l.link_type, r.problem,
        r.state, r.reported_by, r.reported_at, r.assigned_to, r.assigned_at, r.repaired_at,
        r.action, r.cost_baht::float AS cost_baht, r.maintenance_id, r.closed_at,
        round(extract(epoch FROM coalesce(r.repaired_at, now()) - r.reported_at) / 3600.0, 1)
            ::float AS hours_open
    FROM repair_ticket r JOIN school s ON s.id = r.school_id
    JOIN subdistrict t ON t.code = s.subdistrict_code
    LEFT JOIN ict_device d ON d.id = r.device_id
    LEFT JOIN internet_link l ON l.id = r.link_id
"""


def tickets(
    session: Session,
    *,
    districts: list[str] | None,
    school_code: str | None,
    state: str | None = None,
    ticket_id: int | None = None,
) -> list[dict[str, Any]]:
    """The queue: tickets in scope, oldest open first, then the rest newest first."""
    rows = session.execute(
        text(
            f"""{TICKET_SQL}
            WHERE (CAST(:districts AS text[]) IS NULL OR t.district_code = ANY(:districts))
              AND (CAST(:school AS text) IS NULL OR s.code = :school)
              AND (CAST(:state AS text) IS NULL OR r.state = :state)
              AND (CAST(:id AS int) IS NULL OR r.id = :id)
            ORDER BY r.state IN ('repaired', 'closed'), r.reported_at, r.id
            """
        ),
        {"districts": districts, "school": school_code, "state": state, "id": ticket_id},
    ).mappings()
    found = [dict(row) | {"events": []} for row in rows]
    by_id = {row["id"]: row for row in found}
    for event in session.scalars(  # every ticket's steps in one query
        select(RepairEvent).where(RepairEvent.ticket_id.in_(by_id)).order_by(RepairEvent.id)
    ):
        by_id[event.ticket_id]["events"].append(
            {
                "from_state": event.from_state,
                "to_state": event.to_state,
                "actor": event.actor,
                "at": event.at,
                "note": event.note,
            }
        )
    return found


def repair_times(session: Session, districts: list[str] | None = None) -> list[dict[str, Any]]:
    """Per district: tickets reported, still open, repaired; hours from report to repair
    (median and mean) and the repairs' cost."""
    rows = session.execute(
        text(
            """
            SELECT t.district_code AS code, min(d.name_th) AS name_th,
                count(*)::int AS reported,
                count(*) FILTER (WHERE r.repaired_at IS NULL)::int AS open,
                count(r.repaired_at)::int AS repaired,
                round((percentile_cont(0.5) WITHIN GROUP (ORDER BY
                    extract(epoch FROM r.repaired_at - r.reported_at) / 3600.0))::numeric, 1)
                    ::float AS median_hours_to_repair,
                round(avg(extract(epoch FROM r.repaired_at - r.reported_at) / 3600.0)::numeric, 1)
                    ::float AS mean_hours_to_repair,
                coalesce(sum(r.cost_baht), 0)::float AS cost_baht
            FROM repair_ticket r JOIN school s ON s.id = r.school_id
            JOIN subdistrict t ON t.code = s.subdistrict_code
            JOIN district d ON d.code = t.district_code
            WHERE CAST(:districts AS text[]) IS NULL OR t.district_code = ANY(:districts)
            GROUP BY t.district_code ORDER BY t.district_code
            """
        ),
        {"districts": districts},
    ).mappings()
    return [dict(row) for row in rows]
