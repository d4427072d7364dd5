"""Data rounds (issue 19): the office asks its schools for their records by a deadline; a
school fills and submits its own; the office returns or accepts; completeness per district
and office, and the schools still missing as CSV or XLSX. The logic is in
``gis.schools.rounds``; who may act is ``kernel.policy``'s."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from app.api.access import AccessRule, expect
from app.api.deps import SessionDep
from app.api.uploads import saved_upload
from app.auth.deps import require_roles
from app.report import render
from gis.loading import LoadError
from gis.schools import rounds
from gis.schools.round_rules import violations
from kernel.cells import rows_csv, rows_xlsx
from kernel.errors import InvalidInputError, PermissionDeniedError
from kernel.policy import (
    data_round_districts,
    may_fill_round,
    may_read_round,
    may_review_round,
)
from kernel.principal import Principal, Role

router = APIRouter(prefix="/api/v1/data-rounds", tags=["data rounds"])

RoundId = Annotated[int, Path(ge=1, le=2_000_000_000, description="The data round's id")]
SchoolCode = Annotated[str, Path(pattern=r"^\d{10}$", description="10-digit school code")]
TakingPart = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner, Role.school))]
Reader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.planner, Role.school, Role.viewer))
]
Office = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner))]
OfficeReader = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner, Role.viewer))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Figures = dict[
    Annotated[str, Field(max_length=32)], dict[Annotated[str, Field(max_length=16)], int]
]


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal[
        "enrolment", "personnel", "ict_devices", "internet_links", "durable_goods", "buildings"
    ]
    title_th: str = Field(min_length=1, max_length=200)
    academic_year: int = Field(ge=2500, le=2700)
    counting_day: dt.date
    opens_on: dt.date
    deadline: dt.date
    office_code: str | None = Field(default=None, max_length=16)


class SaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="The version the figures were read at")
    values: Figures = Field(
        description="Per item (a grade, 'total', a position, a device kind-purpose such as "
        "computer-learning, a link type) its fields (male, female, classrooms; pupils; "
        "count; count, working; mbps)",
        max_length=40,
    )


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0)
    explanations: dict[Annotated[str, Field(max_length=40)], str] = Field(
        default_factory=dict, description="Per warning rule broken, the school's explanation"
    )


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comments: dict[Annotated[str, Field(max_length=60)], str] = Field(
        default_factory=dict, description="Per field (e.g. P1.male) what to correct"
    )
    note: str = Field(default="", max_length=2000)


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


def _fill_check(session: SessionDep, principal: Principal, round_id: int, code: str) -> None:
    rounds.get_round(session, round_id)
    if not may_fill_round(session, principal, code):
        raise PermissionDeniedError(f"you may not fill school {code}'s figures")


def _review_check(session: SessionDep, principal: Principal, round_id: int, code: str) -> None:
    rounds.get_round(session, round_id)
    if not may_review_round(session, principal, code):
        raise PermissionDeniedError(f"you may not review school {code}'s figures")


@router.post("", status_code=status.HTTP_201_CREATED, summary="Open a data round")
def create_round(body: RoundIn, session: SessionDep, principal: Office) -> dict[str, Any]:
    office = body.office_code
    if principal.role == Role.planner:
        if office not in (None, principal.office_code):
            raise PermissionDeniedError("planners open rounds for their own office")
        office = principal.office_code
    found = rounds.create_round(
        session,
        kind=body.kind,
        title_th=body.title_th,
        academic_year=body.academic_year,
        counting_day=body.counting_day,
        opens_on=body.opens_on,
        deadline=body.deadline,
        office_code=office,
        actor=principal.username,
    )
    session.commit()
    return rounds.round_json(found)


@router.get("", summary="The data rounds (an office's, or the school's)")
def list_rounds(session: SessionDep, principal: Reader) -> list[dict[str, Any]]:
    office = None if principal.role == Role.admin else principal.office_code
    if principal.role == Role.school:
        return rounds.rounds_of_school(session, principal.school_code or "")
    return rounds.list_rounds(session, office)


@router.get("/{round_id}", summary="A round with its schools' states")
def get_round(round_id: RoundId, session: SessionDep, principal: Reader) -> dict[str, Any]:
    found = rounds.get_round(session, round_id)
    if principal.role == Role.school:
        schools = [
            row
            for row in rounds.round_schools(session, round_id, None)
            if row["code"] == principal.school_code
        ]
    else:
        schools = rounds.round_schools(session, round_id, data_round_districts(session, principal))
    return rounds.round_json(found) | {"schools": schools}


@router.get("/{round_id}/schools/{code}", summary="A school's figures, rules and history")
def get_school_part(
    round_id: RoundId, code: SchoolCode, session: SessionDep, principal: Reader
) -> dict[str, Any]:
    rounds.get_round(session, round_id)
    if not may_read_round(session, principal, code):
        raise PermissionDeniedError(f"you may not read school {code}'s figures")
    return rounds.school_part(session, round_id, code)


@router.put(
    "/{round_id}/schools/{code}",
    summary="Save a school's figures as a draft",
    responses={409: {"description": "Saved by someone else since this version was read"}},
)
def save_school_part(
    round_id: RoundId,
    code: SchoolCode,
    body: SaveIn,
    session: SessionDep,
    principal: TakingPart,
) -> dict[str, Any]:
    _fill_check(session, principal, round_id, code)
    version = rounds.save(
        session,
        round_id,
        code,
        body.values,
        version=body.version,
        actor=principal.username,
        source="page" if principal.role == Role.school else "office_extract",
    )
    session.commit()
    return {"version": version, "state": "draft"}


@router.post(
    "/{round_id}/schools/{code}/submit",
    summary="Submit a school's saved figures (the rules run)",
    responses={409: {"description": "Saved since, or nothing to submit"}},
)
def submit_school_part(
    round_id: RoundId,
    code: SchoolCode,
    body: SubmitIn,
    session: SessionDep,
    principal: TakingPart,
) -> dict[str, Any]:
    _fill_check(session, principal, round_id, code)
    found = rounds.submit(
        session,
        round_id,
        code,
        version=body.version,
        explanations=body.explanations,
        actor=principal.username,
    )
    session.commit()
    return found


@router.post(
    "/{round_id}/imports",
    summary="Fill an enrolment round from a school records file (the office's import layout)",
)
def import_round_file(
    round_id: RoundId, file: UploadFile, session: SessionDep, principal: TakingPart
) -> dict[str, Any]:
    with saved_upload(file, (".csv", ".xlsx")) as path:
        try:
            found = rounds.import_file(
                session,
                round_id,
                path,
                may_fill=lambda code: may_fill_round(session, principal, code),
                actor=principal.username,
                source="file" if principal.role == Role.school else "office_extract",
            )
        except LoadError as exc:
            session.rollback()
            raise InvalidInputError("file", str(exc)) from exc
    session.commit()
    return found | {"source": file.filename}


@router.post(
    "/{round_id}/schools/{code}/return",
    summary="Return submitted figures with comments",
    responses={409: {"description": "Not submitted"}},
)
def return_school_part(
    round_id: RoundId, code: SchoolCode, body: ReturnIn, session: SessionDep, principal: Office
) -> dict[str, str]:
    _review_check(session, principal, round_id, code)
    rounds.return_to_school(
        session, round_id, code, comments=body.comments, note=body.note, actor=principal.username
    )
    session.commit()
    return {"state": "returned"}


@router.post(
    "/{round_id}/schools/{code}/accept",
    summary="Accept submitted figures: they become the school's records",
    responses={409: {"description": "Not submitted"}},
)
def accept_school_part(
    round_id: RoundId, code: SchoolCode, session: SessionDep, principal: Office
) -> dict[str, str]:
    _review_check(session, principal, round_id, code)
    rounds.accept(session, round_id, code, actor=principal.username)
    session.commit()
    return {"state": "accepted"}


@router.post(
    "/{round_id}/schools/{code}/reopen",
    summary="Open accepted figures again, with the reason",
    responses={409: {"description": "Not accepted"}},
)
def reopen_school_part(
    round_id: RoundId, code: SchoolCode, body: ReopenIn, session: SessionDep, principal: Office
) -> dict[str, str]:
    _review_check(session, principal, round_id, code)
    rounds.reopen(session, round_id, code, reason=body.reason, actor=principal.username)
    session.commit()
    return {"state": "returned"}


@router.get("/{round_id}/completeness", summary="Submitted, on time, accepted per area")
def completeness(
    round_id: RoundId,
    session: SessionDep,
    principal: OfficeReader,
    by: Annotated[Literal["district", "esao"], Query()] = "district",
) -> dict[str, Any]:
    areas = rounds.completeness(session, round_id, by, data_round_districts(session, principal))
    return {"round_id": round_id, "by": by, "areas": areas}


@router.get("/{round_id}/violations", summary="Every rule broken in the round, per school")
def round_violations(
    round_id: RoundId, session: SessionDep, principal: OfficeReader
) -> dict[str, Any]:
    found = rounds.get_round(session, round_id)
    districts = data_round_districts(session, principal)
    shown = {row["code"] for row in rounds.round_schools(session, round_id, districts)}
    broken = [v for v in violations(session, round_id, found.kind) if v["school_code"] in shown]
    return {"round_id": round_id, "violations": broken}


MISSING_COLUMNS = [
    "code",
    "name_th",
    "district_code",
    "district_name_th",
    "office_code",
    "state",
    "phone",
    "email",
]


@router.get(
    "/{round_id}/missing",
    summary="The schools that have not submitted (CSV, XLSX or a PDF to send)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}, "application/pdf": {}}}},
)
def missing_schools(
    round_id: RoundId,
    session: SessionDep,
    principal: OfficeReader,
    output_format: Annotated[Literal["csv", "xlsx", "pdf"], Query(alias="format")] = "csv",
) -> Response:
    districts = data_round_districts(session, principal)
    schools = rounds.round_schools(session, round_id, districts)
    missing = [row for row in schools if row["state"] not in ("submitted", "accepted")]
    name = f"data_round_{round_id}_missing.{output_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if output_format == "pdf":
        found = rounds.round_json(rounds.get_round(session, round_id))
        areas = rounds.completeness(session, round_id, "district", districts)
        content = render.data_round_missing_pdf(found, missing, areas)
        return Response(content, media_type="application/pdf", headers=headers)
    if output_format == "xlsx":
        content = rows_xlsx({"missing": (MISSING_COLUMNS, missing)})
        return Response(content, media_type=XLSX, headers=headers)
    return Response(rows_csv(MISSING_COLUMNS, missing), media_type="text/csv", headers=headers)


TAKING_PART = expect(403, anonymous=401, admin=200, planner=200, school=200)
READERS = expect(403, anonymous=401, admin=200, planner=200, school=200, viewer=200)
OFFICE = expect(403, anonymous=401, admin=200, planner=200)
OFFICE_READERS = expect(403, anonymous=401, admin=200, planner=200, viewer=200)
SCHOOL_PART = "/api/v1/data-rounds/{round_id}/schools/{code}"
ACCESS_RULES = [
    AccessRule("POST", "/api/v1/data-rounds", expect(403, anonymous=401, admin=201, planner=201)),
    AccessRule("GET", "/api/v1/data-rounds", READERS),
    AccessRule("GET", "/api/v1/data-rounds/{round_id}", READERS),
    AccessRule("POST", "/api/v1/data-rounds/{round_id}/imports", TAKING_PART),
    AccessRule("GET", SCHOOL_PART, READERS),
    AccessRule("PUT", SCHOOL_PART, TAKING_PART),
    AccessRule("POST", f"{SCHOOL_PART}/submit", TAKING_PART),
    AccessRule("POST", f"{SCHOOL_PART}/return", OFFICE),
    AccessRule("POST", f"{SCHOOL_PART}/accept", OFFICE),
    AccessRule("POST", f"{SCHOOL_PART}/reopen", OFFICE),
    AccessRule("GET", "/api/v1/data-rounds/{round_id}/completeness", OFFICE_READERS),
    AccessRule("GET", "/api/v1/data-rounds/{round_id}/violations", OFFICE_READERS),
    AccessRule("GET", "/api/v1/data-rounds/{round_id}/missing", OFFICE_READERS),
]
