"""The office's follow-up of a matched child: visits and what they found, notices to the
guardian, referrals (history), the notice letter as a PDF; and the hand-over list of the
children found moved into another office's area. Children are named by the opaque ``ref`` the
matching lists and the verification list give."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.api.access import AccessRule, expect
from app.api.census import NamedReaderDep, PlannerDep, Year
from app.api.deps import SessionDep
from app.auth import service as accounts
from app.auth.deps import client_ip
from app.report.notice import notice_pdf
from census import follow_up, handover
from census import service as census
from census.follow_up import LONGEST_TEXT
from census.register_models import FINDINGS, FOLLOW_UP_KINDS
from kernel.config import get_settings
from kernel.errors import PermissionDeniedError
from kernel.policy import named_register_districts, register_area_sql
from kernel.principal import Role

router = APIRouter(prefix="/api/v1/census/rounds/{year}", tags=["census"])
Ref = Annotated[str, Path(pattern=r"^[0-9a-f]{20}$", description="The child's reference")]


class FollowUpCreate(BaseModel):
    kind: str = Field(pattern="^(" + "|".join(FOLLOW_UP_KINDS) + ")$")
    acted_on: dt.date
    finding: str | None = Field(default=None, pattern="^(" + "|".join(FINDINGS) + ")$")
    school_code: str | None = Field(default=None, pattern=r"^\d{10}$")
    reason: str | None = Field(default=None, max_length=LONGEST_TEXT["reason"])
    moved_to_subdistrict: str | None = Field(default=None, pattern=r"^\d{6}$")
    note: str | None = Field(default=None, max_length=LONGEST_TEXT["note"])


@router.get(
    "/children/{ref}/follow-ups", summary="What was done for a child, oldest first (restricted)"
)
def child_follow_ups(
    year: Year, ref: Ref, request: Request, principal: NamedReaderDep, session: SessionDep
) -> dict[str, Any]:
    census.get_round(session, year)
    area_sql, params = register_area_sql(session, principal)
    child = follow_up.find_child(session, year, ref, area_sql, params)
    rows = follow_up.history(session, year, child["person_key"])
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"follow-ups {year} {ref}",
        record_count=1,
        ip=client_ip(request),
    )
    session.commit()
    return {"round": year, "ref": ref, "status": child["status"], "follow_ups": rows}


@router.post(
    "/children/{ref}/follow-ups",
    status_code=201,
    summary="Record a visit and what it found, a notice or a referral (restricted)",
)
def add_child_follow_up(
    year: Year,
    ref: Ref,
    body: FollowUpCreate,
    principal: NamedReaderDep,
    session: SessionDep,
) -> dict[str, Any]:
    census.get_round(session, year)
    if principal.role == Role.surveyor and body.kind != "visit":
        raise PermissionDeniedError(
            "a surveyor records visits; notices and referrals are the office's"
        )
    area_sql, params = register_area_sql(session, principal)
    rows = follow_up.record_follow_up(
        session,
        year,
        ref,
        follow_up.FollowUp(**body.model_dump()),
        recorded_by=principal.user_id,
        area_sql=area_sql,
        params=params,
    )
    session.commit()
    return {"round": year, "ref": ref, "follow_ups": rows}


@router.get(
    "/children/{ref}/notice",
    summary="The notice to the guardian of a child out of school, Thai PDF (restricted, audited)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def child_notice(
    year: Year, ref: Ref, request: Request, principal: PlannerDep, session: SessionDep
) -> Response:
    census.get_round(session, year)
    area_sql, params = register_area_sql(session, principal)
    child = follow_up.find_child(session, year, ref, area_sql, params)
    office = follow_up.notice_office(session, child)
    body = notice_pdf(
        child,
        office,
        ref=ref,
        round_year=year,
        today=dt.date.today(),
        synthetic="synthetic" in (child["civil_source"] or "")
        or "sample" in (child["civil_source"] or ""),
    )
    accounts.record_access(
        session,
        principal,
        action="export",
        resource=f"notice {year} {ref}",
        record_count=1,
        ip=client_ip(request),
    )
    session.commit()
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="notice-{year}-{ref}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/handover",
    summary="Children found moved into another office's area: the file for that office "
    "(restricted, audited)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def handover_list(
    year: Year,
    request: Request,
    principal: PlannerDep,
    session: SessionDep,
    to_office: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{2,16}$")] = None,
) -> Response:
    census.get_round(session, year)
    rows = handover.handover_rows(
        session,
        get_settings(),
        year,
        districts=named_register_districts(session, principal),
        from_office=principal.office_code,
        to_office=to_office,
    )
    accounts.record_access(
        session,
        principal,
        action="export",
        resource=f"handover {year} {to_office or 'all'}",
        record_count=len(rows),
        ip=client_ip(request),
    )
    session.commit()
    name = f"handover-{year}-{principal.office_code or 'all'}-to-{to_office or 'all'}.csv"
    return Response(
        handover.handover_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


CHILD = "/api/v1/census/rounds/{year}/children/{ref}"
ACCESS_RULES = [
    AccessRule(
        "GET",
        f"{CHILD}/follow-ups",
        expect(403, anonymous=401, admin=200, planner=200, surveyor=200),
    ),
    AccessRule(
        "POST",
        f"{CHILD}/follow-ups",
        expect(403, anonymous=401, admin=201, planner=201, surveyor=201),
    ),
    AccessRule("GET", f"{CHILD}/notice", expect(403, anonymous=401, admin=200, planner=200)),
    AccessRule(
        "GET",
        "/api/v1/census/rounds/{year}/handover",
        expect(403, anonymous=401, admin=200, planner=200),
    ),
]
