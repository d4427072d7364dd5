"""Field verification (the manual's work item "verify in the field"): the households the
registers leave unplaced in the signed-in person's area, one tambon at a time, from the civil
registration, each child with a plain form for what the visit found. The form posts to this
page, so it works without JavaScript on a phone; the finding becomes the child's verified
status (``census.follow_up``), as the API's follow-ups do. Names are read under the register
policy (``kernel.policy.register_area_sql``) and every read is audited."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.api.access import AccessRule, expect
from app.api.deps import SessionDep
from app.auth import service as accounts
from app.auth.deps import PrincipalDep, client_ip
from app.web.templating import page, sign_in_first
from census import follow_up, matching
from census import service as census
from kernel.config import get_settings
from kernel.errors import InvalidInputError
from kernel.policy import register_area_sql
from kernel.principal import Principal, Role
from kernel.vocabulary import FINDING_LABELS_TH

router = APIRouter(include_in_schema=False)
PATH = "/census/verification"
VERIFIERS = (Role.admin, Role.planner, Role.surveyor)
VERIFIERS_ONLY = "your role does not verify children in the field"
# The form's fields as the page names them, for its error messages.
FIELD_LABELS_TH = {
    "finding": "ผลการตรวจ",
    "acted_on": "วันที่ไปตรวจ",
    "school_code": "รหัสโรงเรียนที่เรียนอยู่",
    "reason": "สาเหตุที่ไม่ได้เรียน",
    "moved_to_subdistrict": "รหัสตำบลที่ย้ายไป",
    "note": "หมายเหตุ",
}
Round = Annotated[int | None, Query(alias="round", ge=2500, le=2700)]
Tambon = Annotated[str | None, Query(alias="subdistrict", pattern=r"^\d{6}$")]
Ref = Annotated[str, Path(pattern=r"^[0-9a-f]{20}$")]


def _page(
    request: Request,
    principal: Principal,
    session: Session,
    round_year: int,
    subdistrict: str | None,
    *,
    error: dict[str, Any] | None = None,
    saved: str | None = None,
) -> Response:
    census.get_round(session, round_year)
    area_sql, params = register_area_sql(session, principal)
    tambons = matching.verification_tambons(session, round_year, area_sql, params)
    codes = [t["subdistrict_code"] for t in tambons]
    chosen = subdistrict if subdistrict in codes else (codes[0] if codes else None)
    houses = (
        matching.verification_list(
            session,
            round_year,
            f"({area_sql}) AND c.subdistrict_code = :tambon",
            params | {"tambon": chosen},
        )
        if chosen
        else []
    )
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"verification {round_year}",
        record_count=sum(len(house["children"]) for house in houses),
        ip=client_ip(request),
        detail={"subdistrict": chosen},
    )
    session.commit()
    response = page(
        request,
        principal,
        "verification.html",
        round=round_year,
        tambons=tambons,
        chosen=chosen,
        houses=houses,
        findings_th=FINDING_LABELS_TH,
        fields_th=FIELD_LABELS_TH,
        error=error,
        saved=saved,
        today=dt.date.today().isoformat(),
    )
    response.headers["Cache-Control"] = "no-store"
    if error:
        response.status_code = 422
    return response


@router.get(PATH, response_class=HTMLResponse)
def verification_page(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    round_year: Round = None,
    subdistrict: Tambon = None,
    saved: Annotated[str | None, Query(pattern=r"^[0-9a-f]{20}$")] = None,
) -> Response:
    """The households to visit in one of the person's tambons, a form per child."""
    if (refused := sign_in_first(principal, PATH, VERIFIERS, VERIFIERS_ONLY)) is not None:
        return refused
    year = round_year or get_settings().demo_academic_year
    return _page(request, principal, session, year, subdistrict, saved=saved)


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


@router.post(PATH + "/{year}/{ref}", response_class=HTMLResponse)
def record_visit(
    year: Annotated[int, Path(ge=2500, le=2700)],
    ref: Ref,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    finding: Annotated[str, Form()] = "",
    acted_on: Annotated[str, Form()] = "",
    school_code: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    moved_to_subdistrict: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    subdistrict: Annotated[str, Form()] = "",
) -> Response:
    """What a visit found, from the page's form: stored as a follow-up of kind 'visit', then
    back to the tambon's list; a fault shows on the page beside the child, naming the field."""
    if (refused := sign_in_first(principal, PATH, VERIFIERS, VERIFIERS_ONLY)) is not None:
        return refused
    tambon = subdistrict if subdistrict.isdigit() and len(subdistrict) == 6 else None
    census.get_round(session, year)
    area_sql, params = register_area_sql(session, principal)
    try:
        follow_up.record_follow_up(
            session,
            year,
            ref,
            follow_up.FollowUp(
                kind="visit",
                acted_on=_visit_day(acted_on),
                finding=_optional(finding),
                school_code=_optional(school_code),
                reason=_optional(reason),
                moved_to_subdistrict=_optional(moved_to_subdistrict),
                note=_optional(note),
            ),
            recorded_by=principal.user_id,
            area_sql=area_sql,
            params=params,
        )
    except InvalidInputError as fault:
        session.rollback()
        error = {"ref": ref, "field": fault.field, "message": fault.message}
        return _page(request, principal, session, year, tambon, error=error)
    session.commit()
    query = urlencode({"round": year, "subdistrict": tambon or "", "saved": ref})
    return RedirectResponse(f"{PATH}?{query}#child-{ref}", status_code=303)


def _visit_day(acted_on: str) -> dt.date:
    try:
        return dt.date.fromisoformat(acted_on.strip())
    except ValueError:
        raise InvalidInputError("acted_on", "the day of the visit (YYYY-MM-DD)") from None


VERIFIER_PAGE = expect(403, anonymous=303, admin=200, planner=200, surveyor=200)
ACCESS_RULES = [
    AccessRule("GET", PATH, VERIFIER_PAGE),
    # Recorded, then back to the list (a cookie session must also send its CSRF token).
    AccessRule(
        "POST",
        PATH + "/{year}/{ref}",
        expect(403, anonymous=303, admin=303, planner=303, surveyor=303),
    ),
]
