"""The ICT pages (issue 20): the office's (needs per district, the procurement plan to
download, the repair queue to assign, repair and close, the ICT report) and a school's (its
needs, its link over 30 days, its tickets, and forms to report a problem or the link's state,
on a phone). The pages call ``/api/v1/ict`` with the session's CSRF token; what they show
comes from ``gis.ict``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import text

from app.api.access import AccessRule, expect
from app.api.deps import SessionDep
from app.auth.deps import PrincipalDep
from app.web.templating import page, sign_in_first
from gis.ict import links, needs, plan, repairs
from gis.ict.norms import ict_norms
from kernel.errors import PermissionDeniedError
from kernel.policy import ict_school_scope, may_edit_school, school_ict_district
from kernel.principal import Principal, Role
from kernel.vocabulary import (
    CONNECTIVITY_LABELS_TH,
    DEVICE_KIND_LABELS_TH,
    ICT_NEED_LABELS_TH,
    INTERNET_LINK_LABELS_TH,
)

router = APIRouter(include_in_schema=False)
REPAIR_STATE_LABELS_TH = {
    "open": "แจ้งแล้ว รอมอบหมาย",
    "assigned": "มอบหมายช่างแล้ว",
    "repaired": "ซ่อมแล้ว รอโรงเรียนยืนยัน",
    "closed": "ปิดงานแล้ว",
}


def _page(request: Request, principal: Principal, name: str, **context: Any) -> Response:
    return page(
        request,
        principal,
        name,
        needs_th=ICT_NEED_LABELS_TH,
        repair_states_th=REPAIR_STATE_LABELS_TH,
        connectivity_th=CONNECTIVITY_LABELS_TH,
        device_kinds_th=DEVICE_KIND_LABELS_TH,
        link_types_th=INTERNET_LINK_LABELS_TH,
        **context,
    )


@router.get("/ict", response_class=HTMLResponse)
def office_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """The office's ICT: needs per district, the plan, the repair queue, the report."""
    if principal.is_anonymous:
        return RedirectResponse("/login?next=/ict", status_code=303)
    if principal.role == Role.school:
        return RedirectResponse(f"/ict/schools/{principal.school_code}", status_code=303)
    if principal.role not in (Role.admin, Role.planner, Role.viewer):
        raise PermissionDeniedError("the ICT pages are for schools and the office")
    districts, _ = ict_school_scope(session, principal)
    schools = needs.school_needs(session, districts=districts)
    return _page(
        request,
        principal,
        "ict.html",
        areas=needs.area_needs(schools, "district"),
        tickets=repairs.tickets(session, districts=districts, school_code=None),
        fiscal_year=plan.fiscal_year_of(dt.date.today()),
        office_code=principal.office_code,
        norm_sources=ict_norms().sources_th,
        may_act=principal.role in (Role.admin, Role.planner),
    )


SchoolCode = Annotated[str, Path(pattern=r"^\d{10}$")]


@router.get("/ict/schools/{code}", response_class=HTMLResponse)
def school_page(
    code: SchoolCode, request: Request, principal: PrincipalDep, session: SessionDep
) -> Response:
    """One school's ICT: its needs, link history, tickets; forms to report for it."""
    refused = sign_in_first(
        principal,
        f"/ict/schools/{code}",
        (Role.admin, Role.planner, Role.viewer, Role.school),
        "the ICT pages are for schools and the office",
    )
    if refused is not None:
        return refused
    district = school_ict_district(session, principal, code)
    (school,) = needs.school_needs(session, school_code=code)
    devices = session.execute(
        text(
            "SELECT d.id, d.kind, d.purpose, d.count, d.working, d.year_acquired "
            "FROM ict_device d JOIN school s ON s.id = d.school_id WHERE s.code = :c ORDER BY d.id"
        ),
        {"c": code},
    ).mappings()
    school_links = session.execute(
        text(
            "SELECT i.id, i.link_type, i.mbps, i.provider FROM internet_link i "
            "JOIN school s ON s.id = i.school_id WHERE s.code = :c ORDER BY i.id"
        ),
        {"c": code},
    ).mappings()
    return _page(
        request,
        principal,
        "ict_school.html",
        school=school,
        devices=list(devices),
        links=list(school_links),
        history=links.link_history(session, code),
        tickets=repairs.tickets(session, districts=None, school_code=code),
        may_report=may_edit_school(session, principal, code, district),
        may_act=principal.role in (Role.admin, Role.planner),
    )


SIGNED_IN_PAGE = expect(200, anonymous=303, surveyor=403)
ACCESS_RULES = [
    AccessRule("GET", "/ict", expect(200, anonymous=303, surveyor=403, school=303)),
    AccessRule("GET", "/ict/schools/{code}", SIGNED_IN_PAGE),
]
