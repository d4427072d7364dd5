"""ICT resources (issue 20): needs against the norms per school, district and office; the
procurement plan within a budget (JSON, XLSX, PDF); the price-and-specification lists. The
logic is in ``gis.ict``; whose schools a caller sees is ``kernel.policy.ict_school_scope``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Response, UploadFile, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from app.api.access import PUBLIC, AccessRule, expect
from app.api.deps import DistrictCode, SessionDep
from app.api.uploads import saved_upload
from app.auth.deps import PrincipalDep, require_roles
from app.report import ict as ict_files
from gis.ict import links, needs, plan, prices, repairs
from gis.ict.norms import ict_norms
from gis.loading import LoadError
from kernel.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from kernel.policy import (
    ict_school_scope,
    may_edit_school,
    school_district,
    school_ict_district,
)
from kernel.principal import Principal, Role

router = APIRouter(prefix="/api/v1/ict", tags=["ICT resources"])

Office = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner))]
OfficeReader = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner, Role.viewer))]
OfficeCode = Annotated[str | None, Query(max_length=16, description="Service area office code")]
SchoolCode = Annotated[str | None, Query(pattern=r"^\d{10}$", description="10-digit school code")]
BeYear = Annotated[int | None, Query(ge=2500, le=2700, description="B.E.")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, XLSX: {}, "application/pdf": {}}}
}


def _scope(
    session: SessionDep, principal: Principal, district: str | None, school: str | None
) -> tuple[list[str] | None, str | None]:
    """The districts and school a per-school request may cover: the caller's scope narrowed
    by what they asked for."""
    if principal.is_anonymous:
        raise AuthenticationError("sign in to see figures school by school")
    districts, own_school = ict_school_scope(session, principal)
    if own_school is not None:
        if school not in (None, own_school):
            raise PermissionDeniedError(f"a school account sees only school {own_school}")
        return ([district] if district else None), own_school
    if district:
        if districts is not None and district not in districts:
            raise PermissionDeniedError(f"district {district} is not your office's")
        districts = [district]
    return districts, school


@router.get(
    "/needs",
    summary="ICT devices and internet against the norms: per school, district or office",
    responses=FILE_RESPONSES
    | {
        401: {"description": "Per school, anonymous"},
        403: {"description": "Per school: not your school or office"},
    },
)
def get_needs(
    session: SessionDep,
    principal: PrincipalDep,
    by: Annotated[Literal["school", "district", "esao"], Query()] = "district",
    district: DistrictCode = None,
    esao: OfficeCode = None,
    school: SchoolCode = None,
    as_of_year: BeYear = None,
    output_format: Annotated[Literal["json", "xlsx"], Query(alias="format")] = "json",
) -> Any:
    """Per school (signed in: the school itself, its office's planners and viewers, admins),
    or summed per district or office (public). Each need (devices for learning, for
    administration, printers) gives what the norm asks, what works, what is broken, what is
    past its replacement age, what counts, and the shortfall; the internet link its speed
    against the norm. The most short first. ``format=xlsx`` gives both tables."""
    if by == "school" or school:
        districts, school = _scope(session, principal, district, school)
    else:
        districts = [district] if district else None
    found = needs.school_needs(
        session, districts=districts, office_code=esao, school_code=school, as_of_year=as_of_year
    )
    areas = needs.area_needs(found, "esao" if by == "esao" else "district")
    norms = ict_norms()
    if output_format == "xlsx":
        if by != "school":
            found = []
        return Response(
            ict_files.needs_xlsx(found, areas),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="ict_needs.xlsx"'},
        )
    return {
        "as_of_year": as_of_year or needs.current_year_be(),
        "by": by,
        "norm_sources_th": norms.sources_th,
        "rows": found if by == "school" else areas,
    }


@router.get(
    "/plan",
    summary="The procurement plan: what to buy for which school within a budget",
    responses=FILE_RESPONSES,
)
def get_plan(
    session: SessionDep,
    principal: OfficeReader,
    fiscal_year: BeYear = None,
    budget_baht: Annotated[Decimal | None, Query(ge=0, le=10**12)] = None,
    district: DistrictCode = None,
    esao: OfficeCode = None,
    output_format: Annotated[Literal["json", "xlsx", "pdf"], Query(alias="format")] = "json",
) -> Any:
    """The shortfalls of the schools in scope (a planner's: their office's) ranked by the
    rule in the norms file (each line says which rule ranked it), priced from the fiscal
    year's price list (the shipped example until one is loaded), and the budget spent down
    the ranking: the line it runs out on is bought in part, nothing below it."""
    districts, _ = _scope(session, principal, district, None)
    year = fiscal_year or plan.fiscal_year_of(dt.date.today())
    found = plan.procurement_plan(
        session, fiscal_year=year, budget_baht=budget_baht, districts=districts, office_code=esao
    )
    name = f"ict_plan_{year}.{output_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if output_format == "xlsx":
        return Response(ict_files.plan_xlsx(found), media_type=XLSX, headers=headers)
    if output_format == "pdf":
        area = " ".join(
            part
            for part in (
                f"สำนักงาน {esao}" if esao else "",
                f"อำเภอรหัส {district}" if district else "",
            )
            if part
        ) or (f"สำนักงาน {principal.office_code}" if principal.office_code else "ทุกโรงเรียน")
        return Response(
            ict_files.plan_pdf(found, area), media_type="application/pdf", headers=headers
        )
    return found


@router.get("/prices", summary="The price-and-specification list a fiscal year's plan uses")
def get_prices(session: SessionDep, fiscal_year: BeYear = None) -> dict[str, Any]:
    year = fiscal_year or plan.fiscal_year_of(dt.date.today())
    return prices.price_list_for(session, year)


@router.post(
    "/prices",
    status_code=status.HTTP_201_CREATED,
    summary="Load the year's price-and-specification list from a CSV or XLSX file",
    responses={422: {"description": "A bad row, named by row and field; nothing stored"}},
)
def post_prices(
    session: SessionDep,
    principal: Office,
    file: UploadFile,
    fiscal_year: Annotated[int, Form(ge=2500, le=2700)],
    name_th: Annotated[str, Form(min_length=1, max_length=300)],
) -> dict[str, Any]:
    """Columns: ใช้สำหรับ (learning, administration, printer), รหัส, รายการ, หน่วย,
    ราคาต่อหน่วย (บาท), คุณลักษณะพื้นฐาน (or need, code, name_th, unit_th, unit_price_baht,
    spec_th). The first item of each need, in the file's order, is what the plan buys."""
    with saved_upload(file, (".csv", ".xlsx")) as path:
        try:
            loaded = prices.load_price_list(
                session, path, name_th=name_th, fiscal_year=fiscal_year, actor=principal.username
            )
        except LoadError as exc:
            raise InvalidInputError("file", str(exc)) from exc
    session.commit()
    return prices.price_list_for(session, loaded.fiscal_year) | {"id": loaded.id}


OFFICE_READERS = expect(403, anonymous=401, admin=200, planner=200, viewer=200)
ACCESS_RULES = [
    AccessRule("GET", "/api/v1/ict/needs", PUBLIC),
    AccessRule("GET", "/api/v1/ict/plan", OFFICE_READERS),
    AccessRule("GET", "/api/v1/ict/prices", PUBLIC),
    AccessRule("POST", "/api/v1/ict/prices", expect(403, anonymous=401, admin=201, planner=201)),
]


# --- repairs -------------------------------------------------------------------------------


class ProblemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_code: str = Field(pattern=r"^\d{10}$")
    subject: Literal["device", "link"]
    device_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    link_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    problem: str = Field(min_length=1, max_length=2000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assigned_to: str = Field(min_length=1, max_length=100, description="The technician's username")


class RepairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(min_length=1, max_length=2000)
    cost_baht: Decimal = Field(ge=0, le=10_000_000)
    units_fixed: int = Field(default=1, ge=0, le=10_000)
    repaired_on: dt.date | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


TicketId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="The ticket's id")]
Reporter = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner, Role.school))]
TicketReader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.planner, Role.school, Role.viewer))
]


def _may_edit(session: SessionDep, principal: Principal, school_code: str) -> None:
    district = school_district(session, school_code)
    if district is None:
        raise NotFoundError(f"no school {school_code}")
    if not may_edit_school(session, principal, school_code, district):
        raise PermissionDeniedError(f"you may not act for school {school_code}")


def _ticket_in_scope(session: SessionDep, principal: Principal, ticket_id: int) -> dict[str, Any]:
    districts, school = ict_school_scope(session, principal)
    found = repairs.tickets(session, districts=districts, school_code=school, ticket_id=ticket_id)
    if not found:
        repairs.get_ticket(session, ticket_id)  # 404 when there is none at all
        raise PermissionDeniedError(f"ticket {ticket_id} is not your school's or office's")
    return found[0]


@router.post(
    "/repairs",
    status_code=status.HTTP_201_CREATED,
    summary="Report a broken device or a dead link",
    responses={403: {"description": "Not your school"}, 404: {"description": "No such school"}},
)
def post_repair(body: ProblemIn, session: SessionDep, principal: Reporter) -> dict[str, Any]:
    _may_edit(session, principal, body.school_code)
    ticket = repairs.report_problem(
        session,
        school_code=body.school_code,
        subject=body.subject,
        problem=body.problem,
        device_id=body.device_id,
        link_id=body.link_id,
        actor=principal.username,
    )
    session.commit()
    return _ticket_in_scope(session, principal, ticket.id)


@router.get("/repairs", summary="The repair queue: open tickets oldest first, then the rest")
def list_repairs(
    session: SessionDep,
    principal: TicketReader,
    state: Annotated[Literal["open", "assigned", "repaired", "closed"] | None, Query()] = None,
    district: DistrictCode = None,
) -> list[dict[str, Any]]:
    districts, school = _scope(session, principal, district, None)
    return repairs.tickets(session, districts=districts, school_code=school, state=state)


@router.get(
    "/repairs/times",
    summary="Time to repair per district: tickets, still open, median and mean hours, cost",
)
def repair_times(session: SessionDep, district: DistrictCode = None) -> list[dict[str, Any]]:
    return repairs.repair_times(session, [district] if district else None)


@router.get("/repairs/{ticket_id}", summary="A ticket with every step (who, when)")
def get_repair(ticket_id: TicketId, session: SessionDep, principal: TicketReader) -> Any:
    return _ticket_in_scope(session, principal, ticket_id)


def _office_step(session: SessionDep, principal: Principal, ticket_id: int) -> None:
    ticket = _ticket_in_scope(session, principal, ticket_id)
    if principal.role not in (Role.admin, Role.planner):
        raise PermissionDeniedError("the office's technician does this")
    _may_edit(session, principal, ticket["school_code"])


@router.post(
    "/repairs/{ticket_id}/assign",
    summary="Hand the ticket to a technician (an admin or planner account)",
    responses={409: {"description": "The ticket is already repaired or closed"}},
)
def assign_repair(
    ticket_id: TicketId, body: AssignIn, session: SessionDep, principal: Office
) -> Any:
    _office_step(session, principal, ticket_id)
    repairs.assign(session, ticket_id, technician=body.assigned_to, actor=principal.username)
    session.commit()
    return _ticket_in_scope(session, principal, ticket_id)


@router.post(
    "/repairs/{ticket_id}/repaired",
    summary="Record the repair (a device's is also its maintenance record)",
    responses={409: {"description": "The ticket is already repaired or closed"}},
)
def record_repair(
    ticket_id: TicketId, body: RepairIn, session: SessionDep, principal: Office
) -> Any:
    _office_step(session, principal, ticket_id)
    repairs.record_repair(
        session,
        ticket_id,
        action=body.action,
        cost_baht=body.cost_baht,
        units_fixed=body.units_fixed,
        repaired_on=body.repaired_on,
        actor=principal.username,
    )
    session.commit()
    return _ticket_in_scope(session, principal, ticket_id)


@router.post(
    "/repairs/{ticket_id}/close",
    summary="Close a repaired ticket (the school confirms, or the office)",
    responses={409: {"description": "The ticket is not repaired yet, or already closed"}},
)
def close_repair(
    ticket_id: TicketId, body: CloseIn, session: SessionDep, principal: Reporter
) -> Any:
    ticket = _ticket_in_scope(session, principal, ticket_id)
    _may_edit(session, principal, ticket["school_code"])
    repairs.close(session, ticket_id, actor=principal.username, note=body.note)
    session.commit()
    return _ticket_in_scope(session, principal, ticket_id)


# --- link status -------------------------------------------------------------------------


class LinkStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_code: str = Field(pattern=r"^\d{10}$")
    measured_at: dt.datetime = Field(description="When, with its time zone")
    up: bool
    measured_mbps: float | None = Field(default=None, ge=0, le=100_000)
    source: Literal["school", "scheduled_check"] = "school"
    link_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


@router.post(
    "/link-status",
    summary="Report a school's link: up or down, and the speed measured",
    responses={
        200: {"description": "The same report was already stored (a retry)"},
        201: {"description": "Stored"},
        403: {"description": "Not your school"},
        404: {"description": "No such school"},
    },
    status_code=status.HTTP_201_CREATED,
)
def post_link_status(
    body: LinkStatusIn, response: Response, session: SessionDep, principal: Reporter
) -> dict[str, Any]:
    """Idempotent: the same school, source and moment again is the report already stored
    (200), so a phone or a scheduled check may retry freely."""
    _may_edit(session, principal, body.school_code)
    stored, new = links.report_status(
        session,
        school_code=body.school_code,
        measured_at=body.measured_at,
        up=body.up,
        measured_mbps=body.measured_mbps,
        source=body.source,
        link_id=body.link_id,
        actor=principal.username,
    )
    session.commit()
    if not new:
        response.status_code = status.HTTP_200_OK
    return stored


@router.get(
    "/link-status/{school_code}",
    summary="A school's link over a period: days up, down, unknown; median speed vs contract",
)
def get_link_status(
    school_code: Annotated[str, PathParam(pattern=r"^\d{10}$")],
    session: SessionDep,
    principal: TicketReader,
    first: Annotated[dt.date | None, Query(alias="from")] = None,
    last: Annotated[dt.date | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    school_ict_district(session, principal, school_code)
    return links.link_history(session, school_code, first, last)


TICKET_READERS = expect(403, anonymous=401, admin=200, planner=200, school=200, viewer=200)
SCHOOL_OR_OFFICE_ADDS = expect(403, anonymous=401, admin=201, planner=201, school=201)
SCHOOL_OR_OFFICE = expect(403, anonymous=401, admin=200, planner=200, school=200)
OFFICE_ONLY = expect(403, anonymous=401, admin=200, planner=200)
TICKET = "/api/v1/ict/repairs/{ticket_id}"
ACCESS_RULES += [
    AccessRule("POST", "/api/v1/ict/repairs", SCHOOL_OR_OFFICE_ADDS),
    AccessRule("GET", "/api/v1/ict/repairs", TICKET_READERS),
    AccessRule("GET", "/api/v1/ict/repairs/times", PUBLIC),
    AccessRule("GET", TICKET, TICKET_READERS),
    AccessRule("POST", f"{TICKET}/assign", OFFICE_ONLY),
    AccessRule("POST", f"{TICKET}/repaired", OFFICE_ONLY),
    AccessRule("POST", f"{TICKET}/close", SCHOOL_OR_OFFICE),
    AccessRule("POST", "/api/v1/ict/link-status", SCHOOL_OR_OFFICE_ADDS),
    AccessRule("GET", "/api/v1/ict/link-status/{school_code}", TICKET_READERS),
]
