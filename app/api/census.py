"""School-age census: rounds, household submissions, named lists (restricted), imports,
summaries (public, aggregated) and conflicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Path, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from app.api.access import PUBLIC, AccessRule, expect
from app.api.deps import BBoxDep, DistrictCode, Offset, ProvinceCode, RowId, SessionDep
from app.auth import service as accounts
from app.auth.deps import client_ip, require_roles
from census import entry, jobs, matching
from census import service as census
from census.models import ImportJob
from census.register_models import MATCH_STATUSES
from kernel.config import get_settings
from kernel.disclosure import SMALL_COUNT_THRESHOLD
from kernel.errors import InvalidInputError, NotFoundError
from kernel.policy import (
    NAMED_READER_ROLES,
    may_read_import_job,
    named_register_districts,
    register_area_sql,
)
from kernel.principal import Principal, Role

router = APIRouter(prefix="/api/v1/census", tags=["census"])
Year = Annotated[int, Path(ge=2500, le=2700, description="Academic year, Buddhist Era")]
NamedReaderDep = Annotated[Principal, Depends(require_roles(*NAMED_READER_ROLES))]
PlannerDep = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]


class RoundCreate(BaseModel):
    academic_year: int = Field(ge=2500, le=2700)
    province_code: str = Field(pattern=r"^\d{2}$")
    office_code: str | None = None


class RoundUpdate(BaseModel):
    state: str = Field(pattern=r"^(open|closed)$")


class RoundRead(BaseModel):
    academic_year: int
    province_code: str
    office_code: str | None
    state: str


class Location(BaseModel):
    lon: float = Field(ge=97, le=106)
    lat: float = Field(ge=5, le=21)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    confirmed: bool = Field(
        default=False,
        description="The surveyor checked a point far outside the tambon: store it, flagged",
    )


class ChildSubmit(BaseModel):
    national_id: str | None = Field(default=None, max_length=20)
    g_code: str | None = Field(default=None, max_length=16)
    no_id_reason: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=32)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    sex: str = Field(max_length=10, description="ชาย/หญิง, ช/ญ, M/F or 1/2")
    birth_date: str = Field(max_length=30, description="15/03/2562, 2562-03-15, 2019-03-15...")
    nationality: str | None = Field(default=None, max_length=40)
    guardian_name: str | None = Field(default=None, max_length=200)
    guardian_relationship: str | None = Field(default=None, max_length=40)
    disability: bool = False
    move_in_date: str | None = Field(default=None, max_length=30)
    enrolment_status: str | None = Field(default=None, max_length=30)
    school_code: str | None = Field(default=None, pattern=r"^\d{10}$")
    grade: str | None = Field(default=None, max_length=20)
    not_enrolled_reason: str | None = Field(default=None, max_length=300)


class HouseholdSubmit(BaseModel):
    uuid: UUID = Field(description="The client's id for this form: resending is safe")
    round: int = Field(ge=2500, le=2700)
    house_number: str | None = Field(default=None, max_length=32)
    moo: int | None = Field(default=None, ge=1, le=99)
    village_code: str | None = Field(default=None, pattern=r"^\d{8}$")
    subdistrict_code: str = Field(pattern=r"^\d{6}$")
    house_code: str | None = Field(default=None, pattern=r"^\d{11}$")
    location: Location | None = None
    surveyed_at: dt.datetime | None = None
    children: list[ChildSubmit] = Field(min_length=1, max_length=30)


class ChildDraft(ChildSubmit):
    """A child as it is being typed: nothing is required yet."""

    first_name: str | None = Field(default=None, max_length=100)  # type: ignore[assignment]
    last_name: str | None = Field(default=None, max_length=100)  # type: ignore[assignment]
    sex: str | None = Field(default=None, max_length=10)  # type: ignore[assignment]
    birth_date: str | None = Field(default=None, max_length=30)  # type: ignore[assignment]
    school_code: str | None = Field(default=None, max_length=10)


class ChildCheck(BaseModel):
    round: int = Field(ge=2500, le=2700)
    child: ChildDraft


class ChildCheckResult(BaseModel):
    problems: list[dict[str, str | None]]
    assessment: dict[str, Any] | None


class ChildUpdate(BaseModel):
    enrolment_status: str | None = None
    school_code: str | None = Field(default=None, pattern=r"^\d{10}$")
    grade: str | None = Field(default=None, pattern=r"^(K[1-3]|P[1-6]|M[1-6])$")
    not_enrolled_reason: str | None = Field(default=None, max_length=300)


@router.post("/rounds", response_model=RoundRead, status_code=201, summary="Open a round")
def create_round(body: RoundCreate, _: AdminDep, session: SessionDep) -> Any:
    created = census.create_round(session, **body.model_dump())
    session.commit()
    return created


@router.patch("/rounds/{year}", response_model=RoundRead, summary="Open or close a round")
def update_round(year: Year, body: RoundUpdate, _: AdminDep, session: SessionDep) -> Any:
    changed = census.set_round_state(session, year, body.state)
    session.commit()
    return changed


@router.get("/rounds/{year}/summary", summary="Children per tambon by stage and flag (public)")
def round_summary(
    year: Year, session: SessionDep, province: ProvinceCode = None, district: DistrictCode = None
) -> dict[str, Any]:
    rows = census.round_summary(session, year, province=province, district=district)
    return {"round": year, "suppressed_below": SMALL_COUNT_THRESHOLD, "subdistricts": rows}


@router.get(
    "/rounds/{year}/matching",
    summary="Civil registration against school records: children per status per tambon (public)",
)
def round_matching(
    year: Year, session: SessionDep, district: DistrictCode = None
) -> dict[str, Any]:
    census.get_round(session, year)
    return {
        "round": year,
        "suppressed_below": SMALL_COUNT_THRESHOLD,
        "statuses": list(MATCH_STATUSES),
        "subdistricts": matching.matching_by_tambon(session, year, district=district),
    }


@router.get(
    "/rounds/{year}/matching/children",
    summary="The children of one matching status, by name (restricted, audited)",
)
def round_matching_children(
    year: Year,
    request: Request,
    principal: PlannerDep,
    session: SessionDep,
    status: Annotated[str, Query(pattern="^(" + "|".join(MATCH_STATUSES) + ")$")],
    subdistrict: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    census.get_round(session, year)
    rows = matching.matched_children(
        session,
        year,
        status=status,
        districts=named_register_districts(session, principal),
        subdistrict=subdistrict,
        limit=limit,
        offset=offset,
    )
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"matching {year} {status}",
        record_count=len(rows),
        ip=client_ip(request),
        detail={"subdistrict": subdistrict},
    )
    session.commit()
    return {"round": year, "status": status, "children": rows}


@router.get(
    "/rounds/{year}/verification",
    summary="Households to visit: children the registers leave unplaced (restricted, audited)",
)
def round_verification(
    year: Year, request: Request, principal: NamedReaderDep, session: SessionDep
) -> dict[str, Any]:
    census.get_round(session, year)
    area_sql, params = register_area_sql(session, principal)
    houses = matching.verification_list(session, year, area_sql, params)
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"verification {year}",
        record_count=sum(len(h["children"]) for h in houses),
        ip=client_ip(request),
    )
    session.commit()
    return {"round": year, "statuses": list(matching.TO_VERIFY), "households": houses}


@router.get("/rounds/{year}/conflicts", summary="Duplicate children to review (restricted)")
def round_conflicts(
    year: Year, request: Request, principal: PlannerDep, session: SessionDep
) -> dict[str, Any]:
    census.get_round(session, year)
    found = census.conflicts(session, principal, year)
    count = sum(len(c["child_ids"]) for group in found.values() for c in group)
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"census {year} conflicts",
        record_count=count,
        ip=client_ip(request),
    )
    session.commit()
    return found


@router.post("/households", status_code=201, summary="Submit a household and its children")
def submit_household(
    body: HouseholdSubmit, principal: NamedReaderDep, session: SessionDep
) -> JSONResponse:
    household, created = census.submit_household(
        session, get_settings(), principal, body.model_dump(mode="json")
    )
    view = census.household_view(session, household)  # before the commit expires it
    session.commit()
    return JSONResponse(
        jsonable_encoder(view),
        status_code=201 if created else 200,
        headers={
            "Location": f"/api/v1/census/households/{view['uuid']}",
            "X-Edumap-Already-Stored": "false" if created else "true",
        },
    )


@router.get(
    "/households/{household_uuid}/attachments/{name}",
    summary="A file sent with a household's form, e.g. a photo (restricted, audited)",
    response_class=Response,
)
def household_attachment(
    household_uuid: UUID,
    name: Annotated[str, Path(max_length=200)],
    request: Request,
    principal: NamedReaderDep,
    session: SessionDep,
) -> Response:
    content_type, content = census.attachment(session, principal, str(household_uuid), name)
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"household {household_uuid} file {name}",
        record_count=1,
        ip=client_ip(request),
    )
    session.commit()
    return Response(
        content,
        media_type=content_type or "application/octet-stream",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/households", summary="Households with named children (restricted, audited)")
def list_households(
    request: Request,
    principal: NamedReaderDep,
    session: SessionDep,
    bbox: BBoxDep,
    round_year: Annotated[int, Query(alias="round", ge=2500, le=2700)],
    subdistrict: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    village: Annotated[str | None, Query(pattern=r"^\d{8}$")] = None,
    flag: Annotated[
        str | None, Query(pattern=r"^(compulsory_age|out_of_school|due_prathom1_next_year)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows = census.list_households(
        session,
        principal,
        round_year=round_year,
        subdistrict=subdistrict,
        village_code=village,
        bbox=bbox,
        flag=flag,
        limit=limit,
        offset=offset,
    )
    children = sum(len(h["children"]) for h in rows)
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"census {round_year} households",
        record_count=children,
        ip=client_ip(request),
        detail={"subdistrict": subdistrict, "village": village, "flag": flag},
    )
    session.commit()
    return {"round": round_year, "households": rows}


@router.post(
    "/children/check",
    response_model=ChildCheckResult,
    summary="Check a child as it is typed: problems by field, and the grade the rules expect",
)
def check_child(body: ChildCheck, _: NamedReaderDep, session: SessionDep) -> dict[str, Any]:
    census.get_round(session, body.round)
    return entry.check_child(
        session, get_settings(), body.round, body.child.model_dump(exclude_none=True)
    )


@router.patch("/children/{child_id}", summary="Change a child's enrolment (kept in history)")
def update_child(
    child_id: RowId, body: ChildUpdate, principal: NamedReaderDep, session: SessionDep
) -> dict[str, Any]:
    child = census.update_child(session, principal, child_id, body.model_dump(exclude_unset=True))
    session.commit()
    history = [
        {
            "field": c.field,
            "old": c.old_value,
            "new": c.new_value,
            "by": c.changed_by,
            "at": c.changed_at,
        }
        for c in census.child_history(session, child.id)
    ]
    return census.child_view(child, child.round_year) | {"history": history}


@router.post("/imports", status_code=202, summary="Upload a census file: returns a job to poll")
def start_import(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile,
    principal: NamedReaderDep,
    session: SessionDep,
    round_year: Annotated[int, Form(alias="round", ge=2500, le=2700)],
    accept_valid: Annotated[bool, Form()] = False,
) -> JSONResponse:
    settings = get_settings()
    census.get_round(session, round_year)
    suffix = FilePath(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInputError("file", "upload a .csv or .xlsx file")
    job = ImportJob(
        round_year=round_year,
        filename=file.filename or "upload" + suffix,
        accept_valid=accept_valid,
        created_by=principal.user_id,
    )
    session.add(job)
    session.commit()
    folder = jobs.job_dir(settings, job.id)
    folder.mkdir(parents=True, exist_ok=True)
    upload = folder / f"upload{suffix}"
    with upload.open("wb") as handle:
        while chunk := file.file.read(1 << 20):
            handle.write(chunk)
    background.add_task(
        jobs.run_import_job, request.app.state.engine, settings, job.id, upload, principal
    )
    return JSONResponse(
        {"job": str(job.id), "state": "queued", "poll": f"/api/v1/census/imports/{job.id}"},
        status_code=202,
        headers={"Location": f"/api/v1/census/imports/{job.id}"},
    )


def _job_for(
    session: SessionDep, principal: Principal, job_id: UUID, request: Request, what: str
) -> ImportJob:
    """A job the caller may read (else 404, not to confirm it exists); the read is audited,
    since its report and rejected rows name children."""
    job = session.get(ImportJob, job_id)
    if job is None or not may_read_import_job(session, principal, job.created_by):
        raise NotFoundError(f"no import job {job_id}")
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"census import {job_id} {what}",
        record_count=job.rows_read or 0,
        ip=client_ip(request),
    )
    session.commit()
    return job


@router.get("/imports/{job_id}", summary="An import job's progress and per-row report")
def get_import(
    job_id: UUID, request: Request, principal: NamedReaderDep, session: SessionDep
) -> dict[str, Any]:
    job = _job_for(session, principal, job_id, request, "report")
    return {
        "job": str(job.id),
        "state": job.state,
        "round": job.round_year,
        "filename": job.filename,
        "accept_valid": job.accept_valid,
        "rows_read": job.rows_read,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "report": job.report,
        "report_csv": f"/api/v1/census/imports/{job.id}/report.csv",
        "rejects_csv": f"/api/v1/census/imports/{job.id}/rejects.csv",
    }


@router.get("/imports/{job_id}/{name}", summary="The job's report or rejected rows as CSV")
def get_import_file(
    job_id: UUID,
    request: Request,
    name: Annotated[str, Path(pattern=r"^(report|rejects)\.csv$")],
    principal: NamedReaderDep,
    session: SessionDep,
) -> FileResponse:
    _job_for(session, principal, job_id, request, name)
    path = jobs.job_dir(get_settings(), job_id) / name
    if not path.exists():
        raise NotFoundError(f"job {job_id} has no {name}")
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=name,
        headers={"Cache-Control": "no-store"},
    )


NAMED = expect(403, anonymous=401, admin=200, planner=200, surveyor=200)
ACCESS_RULES = [
    AccessRule("POST", "/api/v1/census/rounds", expect(403, anonymous=401, admin=201)),
    AccessRule("PATCH", "/api/v1/census/rounds/{year}", expect(403, anonymous=401, admin=200)),
    AccessRule("GET", "/api/v1/census/rounds/{year}/summary", PUBLIC),
    AccessRule("GET", "/api/v1/census/rounds/{year}/matching", PUBLIC),
    AccessRule("GET", "/api/v1/census/rounds/{year}/verification", NAMED),
    AccessRule(
        "GET",
        "/api/v1/census/rounds/{year}/matching/children",
        expect(403, anonymous=401, admin=200, planner=200),
    ),
    AccessRule(
        "GET",
        "/api/v1/census/rounds/{year}/conflicts",
        expect(403, anonymous=401, admin=200, planner=200),
    ),
    AccessRule(
        "POST",
        "/api/v1/census/households",
        expect(403, anonymous=401, admin=201, planner=201, surveyor=201),
    ),
    AccessRule("GET", "/api/v1/census/households", NAMED),
    AccessRule(
        "GET",
        "/api/v1/census/households/{household_uuid}/attachments/{name}",
        expect(403, anonymous=401, admin=404, planner=404, surveyor=404),
    ),
    AccessRule("POST", "/api/v1/census/children/check", NAMED),
    AccessRule("PATCH", "/api/v1/census/children/{child_id}", NAMED),
    AccessRule(
        "POST",
        "/api/v1/census/imports",
        expect(403, anonymous=401, admin=202, planner=202, surveyor=202),
    ),
    AccessRule("GET", "/api/v1/census/imports/{job_id}", NAMED),
    AccessRule(
        "GET",
        "/api/v1/census/imports/{job_id}/{name}",
        expect(403, anonymous=401, admin=404, planner=404, surveyor=404),
    ),
]
