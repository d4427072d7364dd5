"""School registry: list and map schools, their records, ICT and assets; edits by role."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.access import PUBLIC, AccessRule, expect
from app.api.deps import BBoxDep, DistrictCode, Offset, ProvinceCode, RowId, SessionDep
from app.api.uploads import saved_upload
from app.auth.deps import require_roles
from gis.loading import LoadError
from gis.schools import service
from gis.schools.importer import import_school_records
from gis.schools.models import School
from kernel.errors import InvalidInputError
from kernel.principal import Principal, Role

router = APIRouter(prefix="/api/v1/schools", tags=["schools"])
GEOJSON = "application/geo+json"
SchoolCode = Annotated[str, Path(pattern=r"^\d{10}$", description="10-digit school code")]
Year = Annotated[int, Path(ge=2500, le=2700, description="Academic year, Buddhist Era")]
Grade = Literal[
    "K1", "K2", "K3", "P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "M4", "M5", "M6"
]
Level = Literal["pre_primary", "primary", "lower_secondary", "upper_secondary"]
EditorDep = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner, Role.school))]
ManagerDep = Annotated[Principal, Depends(require_roles(Role.admin, Role.planner))]


class SchoolCreate(BaseModel):
    code: str = Field(pattern=r"^\d{10}$")
    name_th: str = Field(min_length=2, max_length=200)
    grades: list[Grade] = Field(min_length=1)
    affiliation: str = "obec_primary"
    subdistrict_code: str = Field(pattern=r"^\d{6}$")
    office_code: str | None = None
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    location_accuracy_m: float | None = Field(default=None, ge=0, le=50_000)


class SchoolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_th: str | None = Field(default=None, min_length=2, max_length=200)
    grades: list[Grade] | None = Field(default=None, min_length=1)
    affiliation: str | None = None
    subdistrict_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    location_accuracy_m: float | None = Field(default=None, ge=0, le=50_000)
    founded_year: int | None = Field(default=None, ge=2400, le=2700, description="B.E.")
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=120)

    @model_validator(mode="after")
    def _no_nulls_for_required(self) -> SchoolUpdate:
        # Leaving a field out keeps it; sending null would erase a value every school has.
        nullable = {"location_accuracy_m", "founded_year"}
        nulls = sorted(f for f in self.model_fields_set - nullable if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} may not be null: leave a field out to keep it")
        return self


class GradeYearRow(BaseModel):
    grade: Grade
    enrolled_male: int = Field(ge=0, le=5000)
    enrolled_female: int = Field(ge=0, le=5000)
    classrooms: int = Field(ge=0, le=200)


class GradeYearPut(BaseModel):
    grades: list[GradeYearRow]


class DeviceCreate(BaseModel):
    kind: Literal[
        "computer",
        "notebook",
        "tablet",
        "printer",
        "scanner",
        "projector",
        "server",
        "network",
        "other",
    ]
    purpose: Literal["learning", "administration"] | None = None
    count: int = Field(ge=1, le=10_000)
    working: int = Field(ge=0, le=10_000)
    year_acquired: int | None = Field(default=None, ge=2500, le=2700)
    note: str = Field(default="", max_length=500)


class DeviceRead(DeviceCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    synthetic: bool


class MaintenanceCreate(BaseModel):
    date: dt.date
    problem: str = Field(min_length=1, max_length=500)
    action: str = Field(default="", max_length=500)
    cost_baht: float = Field(default=0, ge=0, le=10_000_000)


class MaintenanceRead(MaintenanceCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: int


class BuildingCreate(BaseModel):
    kind: str = Field(min_length=1, max_length=40)
    design_name: str = Field(default="", max_length=200)
    year_built: int | None = Field(default=None, ge=2500, le=2700)
    floors: int = Field(default=1, ge=1, le=20)
    rooms: int = Field(default=0, ge=0, le=500)
    condition: int = Field(ge=1, le=5, description="1 poor - 5 good")


class BuildingRead(BuildingCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    synthetic: bool


def _editable(session: SessionDep, principal: Principal, code: str) -> School:
    school = service.get_school(session, code)
    service.require_edit(session, principal, school)
    return school


@router.get(
    "",
    summary="Schools as GeoJSON",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def list_schools(
    session: SessionDep,
    bbox: BBoxDep,
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Annotated[str | None, Query(max_length=16)] = None,
    subdistrict: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    level: Level | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Offset = 0,
) -> Response:
    body = service.schools_geojson(
        session,
        province=province,
        esao=esao,
        district=district,
        subdistrict=subdistrict,
        level=level,
        bbox=bbox,
        limit=limit,
        offset=offset,
    )
    return Response(body, media_type=GEOJSON)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a school (surveyed location)")
def create_school(
    body: SchoolCreate,
    session: SessionDep,
    principal: ManagerDep,
) -> dict[str, Any]:
    school = service.create_school(session, body.model_dump())
    service.require_edit(session, principal, school)
    session.commit()
    return service.school_detail(session, school.code)


@router.get("/{code}", summary="A school with capacity, enrolment, ICT and assets")
def get_school(code: SchoolCode, session: SessionDep) -> dict[str, Any]:
    return service.school_detail(session, code)


@router.patch("/{code}", summary="Change a school's record")
def update_school(
    code: SchoolCode, body: SchoolUpdate, session: SessionDep, principal: EditorDep
) -> dict[str, Any]:
    _editable(session, principal, code)
    service.update_school(session, code, body.model_dump(exclude_unset=True))
    session.commit()
    return service.school_detail(session, code)


@router.get("/{code}/years/{year}", summary="Enrolment and classrooms by grade in a year")
def get_year(code: SchoolCode, year: Year, session: SessionDep) -> dict[str, Any]:
    return {
        "code": code,
        "academic_year": year,
        "grades": service.grade_year_rows(session, code, year),
    }


@router.put("/{code}/years/{year}", summary="Replace a year's enrolment and classrooms")
def put_year(
    code: SchoolCode, year: Year, body: GradeYearPut, session: SessionDep, principal: EditorDep
) -> dict[str, Any]:
    _editable(session, principal, code)
    service.put_grade_year(session, code, year, [r.model_dump() for r in body.grades])
    session.commit()
    return {
        "code": code,
        "academic_year": year,
        "grades": service.grade_year_rows(session, code, year),
    }


@router.get("/{code}/devices", response_model=list[DeviceRead], summary="ICT devices")
def list_devices(code: SchoolCode, session: SessionDep) -> Any:
    return service.list_devices(session, code)


@router.post(
    "/{code}/devices",
    response_model=DeviceRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add ICT devices",
)
def add_device(
    code: SchoolCode, body: DeviceCreate, session: SessionDep, principal: EditorDep
) -> Any:
    _editable(session, principal, code)
    device = service.add_device(session, code, body.model_dump())
    session.commit()
    return device


@router.post(
    "/{code}/devices/{device_id}/maintenance",
    response_model=MaintenanceRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a repair or service",
)
def add_maintenance(
    code: SchoolCode,
    device_id: RowId,
    body: MaintenanceCreate,
    session: SessionDep,
    principal: EditorDep,
) -> Any:
    _editable(session, principal, code)
    record = service.add_maintenance(session, code, device_id, body.model_dump())
    session.commit()
    return record


@router.get("/{code}/buildings", response_model=list[BuildingRead], summary="Buildings")
def list_buildings(code: SchoolCode, session: SessionDep) -> Any:
    return service.list_buildings(session, code)


@router.post(
    "/{code}/buildings",
    response_model=BuildingRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a building",
)
def add_building(
    code: SchoolCode, body: BuildingCreate, session: SessionDep, principal: EditorDep
) -> Any:
    _editable(session, principal, code)
    building = service.add_building(session, code, body.model_dump())
    session.commit()
    return building


@router.post("/imports", summary="Import enrolment and classrooms from CSV or XLSX")
def import_records(
    file: UploadFile,
    session: SessionDep,
    principal: ManagerDep,
) -> dict[str, Any]:
    del principal
    with saved_upload(file, (".csv", ".xlsx")) as target:
        try:
            report = import_school_records(session, target)
        except LoadError as exc:
            session.rollback()
            raise InvalidInputError("file", str(exc)) from exc
    session.commit()
    return report.as_dict() | {"source": file.filename}


EDITORS = expect(403, anonymous=401, admin=200, planner=200, school=200)
ACCESS_RULES = [
    AccessRule("GET", "/api/v1/schools", PUBLIC),
    AccessRule("POST", "/api/v1/schools", expect(403, anonymous=401, admin=201, planner=201)),
    AccessRule("GET", "/api/v1/schools/{code}", PUBLIC),
    AccessRule("PATCH", "/api/v1/schools/{code}", EDITORS),
    AccessRule("GET", "/api/v1/schools/{code}/years/{year}", PUBLIC),
    AccessRule("PUT", "/api/v1/schools/{code}/years/{year}", EDITORS),
    AccessRule("GET", "/api/v1/schools/{code}/devices", PUBLIC),
    AccessRule(
        "POST",
        "/api/v1/schools/{code}/devices",
        expect(403, anonymous=401, admin=201, planner=201, school=201),
    ),
    AccessRule(
        "POST",
        "/api/v1/schools/{code}/devices/{device_id}/maintenance",
        expect(403, anonymous=401, admin=201, planner=201, school=201),
    ),
    AccessRule("GET", "/api/v1/schools/{code}/buildings", PUBLIC),
    AccessRule(
        "POST",
        "/api/v1/schools/{code}/buildings",
        expect(403, anonymous=401, admin=201, planner=201, school=201),
    ),
    # An empty upload is refused by the file check once the role is let in.
    AccessRule(
        "POST", "/api/v1/schools/imports", expect(403, anonymous=401, admin=422, planner=422)
    ),
]
