"""Coverage and service areas: who each school serves, who is left out, the call list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.api.access import PUBLIC, AccessRule, expect
from app.api.caching import NOT_MODIFIED, conditional
from app.api.deps import DistrictCode, Offset, ProvinceCode, ReadSessionDep, SessionDep, SimplifyDep
from app.api.schools import EditorDep, SchoolCode
from app.api.uploads import saved_upload
from app.auth import service as accounts
from app.auth.deps import PrincipalDep, client_ip, require_roles
from app.report import render as reports
from census.service import get_round
from gis import coverage
from gis.loading import LoadError
from gis.schools import service as schools
from gis.service_areas import service as areas
from gis.service_areas.quality import quality_report
from kernel.disclosure import SMALL_COUNT_THRESHOLD, suppress_small_count
from kernel.errors import InvalidInputError
from kernel.policy import NAMED_COVERAGE_ROLES, exact_school_counts, named_coverage_area
from kernel.principal import Principal

router = APIRouter(tags=["coverage"])
GEOJSON = "application/geo+json"
Round = Annotated[int, Query(alias="round", ge=2500, le=2700, description="Census round (B.E.)")]
Esao = Annotated[str | None, Query(max_length=16, description="Service area office code")]
Level = Annotated[str, Query(pattern=r"^(pre_primary|primary|lower_secondary|upper_secondary)$")]
PlannerDep = Annotated[Principal, Depends(require_roles(*NAMED_COVERAGE_ROLES))]


@router.get(
    "/api/v1/coverage/subdistricts",
    summary="Coverage per tambon as GeoJSON (public)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, **NOT_MODIFIED},
)
def coverage_subdistricts(
    request: Request,
    session: ReadSessionDep,
    round_year: Round,
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Esao = None,
    simplify_m: SimplifyDep = 50.0,
) -> Response:
    get_round(session, round_year)

    def build() -> Response:
        body = coverage.subdistrict_coverage_geojson(
            session,
            round_year,
            province=province,
            district=district,
            esao=esao,
            simplify_m=simplify_m,
        )
        return Response(body, media_type=GEOJSON)

    return conditional(request, coverage.coverage_version(session, round_year), build)


@router.get(
    "/api/v1/coverage/areas",
    summary="Coverage per district or office (public)",
    response_class=JSONResponse,
    responses=NOT_MODIFIED,
)
def coverage_areas(
    request: Request,
    session: ReadSessionDep,
    round_year: Round,
    by: Annotated[str, Query(pattern=r"^(district|esao)$")] = "district",
    province: ProvinceCode = None,
    esao: Esao = None,
) -> Response:
    get_round(session, round_year)

    def build() -> Response:
        rows = coverage.area_coverage(session, round_year, by=by, province=province, esao=esao)
        return JSONResponse(
            jsonable_encoder(
                {
                    "round": round_year,
                    "by": by,
                    **coverage.coverage_status(session, round_year),
                    "suppressed_below": SMALL_COUNT_THRESHOLD,
                    "areas": rows,
                }
            )
        )

    return conditional(request, coverage.coverage_version(session, round_year), build)


@router.get(
    "/api/v1/coverage/schools",
    summary="Demand, enrolment, capacity per school and grade",
    response_class=JSONResponse,
    responses=NOT_MODIFIED,
)
def coverage_schools(
    request: Request,
    session: ReadSessionDep,
    principal: PrincipalDep,
    round_year: Round,
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Esao = None,
) -> Response:
    get_round(session, round_year)
    # Small counts differ by who asks: the caller's role and scope are part of the ETag.
    caller = f"{principal.role}|{principal.office_code}|{principal.school_code}"
    return conditional(
        request,
        coverage.coverage_version(session, round_year),
        lambda: JSONResponse(
            jsonable_encoder(
                _school_rows(
                    session, principal, round_year, province=province, district=district, esao=esao
                )
            )
        ),
        caller=caller,
    )


def _school_rows(
    session: ReadSessionDep,
    principal: Principal,
    round_year: int,
    *,
    province: str | None,
    district: str | None,
    esao: str | None,
) -> dict[str, Any]:
    rows = coverage.school_coverage(
        session, round_year, province=province, district=district, esao=esao
    )
    exact = exact_school_counts(session, principal)
    for school in rows:
        if exact(school["code"], school["district_code"]):
            continue
        for grade in school["grades"]:
            grade["demand"] = suppress_small_count(grade["demand"])
        if "prathom1_next_year" in school:
            p1 = school["prathom1_next_year"]
            if isinstance(suppress_small_count(p1["children"]), str):
                # children less capacity would give the hidden count back
                p1["short_of_seats"] = suppress_small_count(p1["short_of_seats"])
            p1["children"] = suppress_small_count(p1["children"])
    return {"round": round_year, **coverage.coverage_status(session, round_year), "schools": rows}


@router.get("/api/v1/coverage/children", summary="Named children left out (restricted, audited)")
def coverage_children(
    request: Request,
    session: SessionDep,
    principal: PlannerDep,
    round_year: Round,
    flag: Annotated[str, Query(pattern=r"^(out_of_school|beyond_distance|over_capacity_area)$")],
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Esao = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    get_round(session, round_year)
    area = named_coverage_area(principal, province, district, esao)
    assert area is not None  # PlannerDep admits only roles that see named children
    province, district, esao = area
    rows = coverage.children_coverage(
        session,
        round_year,
        flag=flag,
        province=province,
        district=district,
        esao=esao,
        limit=limit,
        offset=offset,
    )
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"coverage {round_year} {flag}",
        record_count=len(rows),
        ip=client_ip(request),
        detail={"esao": esao, "province": province, "district": district},
    )
    session.commit()
    return {
        "round": round_year,
        "flag": flag,
        **coverage.coverage_status(session, round_year),
        "children": rows,
    }


def _call_list(
    session: SessionDep,
    principal: Principal,
    request: Request,
    code: str,
    round_year: int,
    export: str,
) -> dict[str, Any]:
    """The call list of a school the principal may edit, its export written to the audit log
    (in the same transaction, so no list leaves without its entry)."""
    school = schools.get_school(session, code)
    schools.require_edit(session, principal, school)
    get_round(session, round_year)
    result = coverage.call_list(session, code, round_year) | coverage.coverage_status(
        session, round_year
    )
    accounts.record_access(
        session,
        principal,
        action="export",
        resource=f"{export} {code}",
        record_count=result["children"],
        ip=client_ip(request),
        detail={"round": round_year},
    )
    session.commit()
    return result


@router.get("/api/v1/schools/{code}/call-list", summary="Form พฐ.03: due for Prathom 1 next year")
def school_call_list(
    code: SchoolCode, request: Request, session: SessionDep, principal: EditorDep, round_year: Round
) -> dict[str, Any]:
    return _call_list(session, principal, request, code, round_year, "call-list")


@router.get(
    "/api/v1/schools/{code}/call-list.pdf",
    summary="Form พฐ.03 as PDF, by village, for printing",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def school_call_list_pdf(
    code: SchoolCode,
    request: Request,
    session: SessionDep,
    principal: EditorDep,
    round_year: Round,
    thai_digits: bool = False,
) -> Response:
    listed = _call_list(session, principal, request, code, round_year, "call-list.pdf")
    return Response(
        reports.call_list_pdf(listed, thai_digits=thai_digits),
        media_type=reports.MEDIA_TYPES["pdf"],
        headers=_attachment(f"call_list_{code}_{round_year + 1}.pdf"),
    )


@router.get(
    "/api/v1/schools/{code}/call-list.xlsx",
    summary="Form พฐ.03 as an Excel workbook",
    response_class=Response,
    responses={200: {"content": {reports.MEDIA_TYPES["xlsx"]: {}}}},
)
def school_call_list_xlsx(
    code: SchoolCode, request: Request, session: SessionDep, principal: EditorDep, round_year: Round
) -> Response:
    listed = _call_list(session, principal, request, code, round_year, "call-list.xlsx")
    return Response(
        reports.call_list_xlsx(listed),
        media_type=reports.MEDIA_TYPES["xlsx"],
        headers=_attachment(f"call_list_{code}_{round_year + 1}.xlsx"),
    )


def _attachment(filename: str) -> dict[str, str]:
    # Personal data: a download, never kept by a shared cache.
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


@router.get("/api/v1/service-areas/quality", summary="Gaps, overlaps and border crossings")
def service_area_quality(
    session: SessionDep,
    round_year: Round,
    province: Annotated[str, Query(pattern=r"^\d{2}$")],
    level: Level = "primary",
) -> dict[str, Any]:
    return quality_report(session, province_code=province, academic_year=round_year, level=level)


@router.get(
    "/api/v1/schools/{code}/service-areas",
    summary="A school's current service areas",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def school_service_areas(
    code: SchoolCode,
    session: SessionDep,
    round_year: Annotated[int | None, Query(alias="round", ge=2500, le=2700)] = None,
) -> Response:
    school = schools.get_school(session, code)
    return Response(areas.service_areas_geojson(session, school, round_year), media_type=GEOJSON)


@router.post(
    "/api/v1/schools/{code}/service-areas",
    status_code=201,
    summary="Upload a service area (GeoJSON, KML or zipped shapefile)",
)
def upload_service_area(
    code: SchoolCode,
    file: UploadFile,
    session: SessionDep,
    principal: EditorDep,
    round_year: Annotated[int, Form(alias="round", ge=2500, le=2700)],
    level: Annotated[str, Form()] = "primary",
) -> dict[str, Any]:
    school = schools.get_school(session, code)
    schools.require_edit(session, principal, school)
    polygons = (".geojson", ".json", ".kml", ".zip", ".gpkg")
    with saved_upload(file, polygons, stem="service_area") as path:
        try:
            report = areas.import_service_areas(
                session,
                path,
                academic_year=round_year,
                level=level,
                school=school,
                changed_by=principal.username,
            )
        except LoadError as exc:
            raise InvalidInputError("file", str(exc)) from exc
    session.commit()
    return report.as_dict() | {"source": file.filename}


class VillageChoice(BaseModel):
    round: int = Field(ge=2500, le=2700)
    level: str = Field(
        default="primary", pattern=r"^(pre_primary|primary|lower_secondary|upper_secondary)$"
    )
    village_ids: list[int] = Field(min_length=1, max_length=500)


@router.post(
    "/api/v1/schools/{code}/service-areas/villages",
    status_code=201,
    summary="Make a service area from the villages (moo) a school serves",
)
def service_area_from_villages(
    code: SchoolCode, body: VillageChoice, session: SessionDep, principal: EditorDep
) -> Response:
    school = schools.get_school(session, code)
    schools.require_edit(session, principal, school)
    areas.from_villages(
        session,
        school,
        village_ids=body.village_ids,
        academic_year=body.round,
        level=body.level,
        changed_by=principal.username,
    )
    session.commit()
    return Response(
        areas.service_areas_geojson(session, school, body.round),
        status_code=201,
        media_type=GEOJSON,
    )


EDITORS = expect(403, anonymous=401, admin=201, planner=201, school=201)
ACCESS_RULES = [
    AccessRule("GET", "/api/v1/coverage/areas", PUBLIC),
    AccessRule("GET", "/api/v1/coverage/subdistricts", PUBLIC),
    AccessRule("GET", "/api/v1/coverage/schools", PUBLIC),
    AccessRule(
        "GET", "/api/v1/coverage/children", expect(403, anonymous=401, admin=200, planner=200)
    ),
    *(
        AccessRule(
            "GET",
            f"/api/v1/schools/{{code}}/call-list{suffix}",
            expect(403, anonymous=401, admin=200, planner=200, school=200),
        )
        for suffix in ("", ".pdf", ".xlsx")
    ),
    AccessRule("GET", "/api/v1/service-areas/quality", PUBLIC),
    AccessRule("GET", "/api/v1/schools/{code}/service-areas", PUBLIC),
    AccessRule("POST", "/api/v1/schools/{code}/service-areas", EDITORS),
    AccessRule("POST", "/api/v1/schools/{code}/service-areas/villages", EDITORS),
]
