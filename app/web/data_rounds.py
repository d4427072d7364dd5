"""The data rounds' pages (issue 19): the rounds a person takes part in, a round's schools by
state with completeness per district (the office), and one school's figures to fill, submit,
return or accept, on a phone too. The pages call the REST API (``/api/v1/data-rounds``) with
the session's CSRF token; what they show comes from ``gis.schools.rounds``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.access import AccessRule, expect
from app.api.deps import SessionDep
from app.auth.deps import PrincipalDep
from app.web.templating import page, sign_in_first
from gis.schools import rounds
from kernel.errors import PermissionDeniedError
from kernel.policy import (
    data_round_districts,
    may_fill_round,
    may_read_round,
    may_review_round,
)
from kernel.principal import Principal, Role
from kernel.vocabulary import (
    DATA_ROUND_KIND_LABELS_TH,
    DATA_ROUND_STATE_LABELS_TH,
)

router = APIRouter(include_in_schema=False)
READERS = (Role.admin, Role.planner, Role.school, Role.viewer)
ROUNDS_REFUSAL = "data rounds are for schools and the office"


def _page(request: Request, principal: Principal, name: str, **context: Any) -> Response:
    return page(
        request,
        principal,
        name,
        states_th=DATA_ROUND_STATE_LABELS_TH,
        kinds_th=DATA_ROUND_KIND_LABELS_TH,
        **context,
    )


@router.get("/data-rounds", response_class=HTMLResponse)
def rounds_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """The rounds: a school's with its state in each; the office's with counts by state and
    a form to open one."""
    redirect = sign_in_first(principal, "/data-rounds", READERS, ROUNDS_REFUSAL)
    if redirect:
        return redirect
    if principal.role == Role.school:
        listed = rounds.rounds_of_school(session, principal.school_code or "")
    else:
        office = None if principal.role == Role.admin else principal.office_code
        listed = rounds.list_rounds(session, office)
    return _page(request, principal, "data_rounds.html", rounds=listed)


RoundId = Annotated[int, Path(ge=1, le=2_000_000_000)]
SchoolCode = Annotated[str, Path(pattern=r"^\d{10}$")]


@router.get("/data-rounds/{round_id}", response_class=HTMLResponse)
def round_page(
    round_id: RoundId, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """A round as the office follows it: completeness per district, the schools by state."""
    redirect = sign_in_first(principal, f"/data-rounds/{round_id}", READERS, ROUNDS_REFUSAL)
    if redirect:
        return redirect
    if principal.role == Role.school:  # a school's round is its own figures
        return RedirectResponse(
            f"/data-rounds/{round_id}/schools/{principal.school_code}", status_code=303
        )
    found = rounds.get_round(session, round_id)
    districts = data_round_districts(session, principal)
    return _page(
        request,
        principal,
        "data_round.html",
        round=rounds.round_json(found),
        schools=rounds.round_schools(session, round_id, districts),
        areas=rounds.completeness(session, round_id, "district", districts),
    )


@router.get("/data-rounds/{round_id}/schools/{code}", response_class=HTMLResponse)
def school_part_page(
    round_id: RoundId,
    code: SchoolCode,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    """One school's figures: the school (or the office for it) fills and submits them; the
    office returns them with comments or accepts them."""
    redirect = sign_in_first(
        principal, f"/data-rounds/{round_id}/schools/{code}", READERS, ROUNDS_REFUSAL
    )
    if redirect:
        return redirect
    rounds.get_round(session, round_id)
    if not may_read_round(session, principal, code):
        raise PermissionDeniedError(f"you may not see school {code}'s figures")
    part = rounds.school_part(session, round_id, code)
    kind = part["round"]["kind"]
    rows = part["items"]
    return _page(
        request,
        principal,
        "data_round_school.html",
        part=part,
        rows=rows,
        fields=(rounds.BUILDING_FIELDS if kind == "buildings" else rounds.ITEMS[kind][rows[0][0]])
        if rows
        else (),
        field_labels_th={
            "male": "ชาย",
            "female": "หญิง",
            "classrooms": "ห้องเรียน",
            "count": "จำนวน",
            "working": "ใช้งานได้",
            "mbps": "ความเร็ว (Mbps)",
            "condition": "สภาพ (1-5)",
            "rooms": "ห้อง",
            "year_built": "ปีที่สร้าง (พ.ศ.)",
            "floors": "ชั้น",
            "hours_per_week": "ชั่วโมงใช้งาน/สัปดาห์",
        },
        editable=part["state"] in rounds.EDITABLE and may_fill_round(session, principal, code),
        may_review=may_review_round(session, principal, code),
    )


SIGNED_IN_PAGE = expect(200, anonymous=303, surveyor=403)  # viewers read them
ACCESS_RULES = [
    AccessRule("GET", "/data-rounds", SIGNED_IN_PAGE),
    AccessRule(
        "GET", "/data-rounds/{round_id}", expect(200, anonymous=303, surveyor=403, school=303)
    ),
    AccessRule("GET", "/data-rounds/{round_id}/schools/{code}", SIGNED_IN_PAGE),
]
