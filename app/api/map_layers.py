"""The coverage map's layers as GeoJSON, and a place search: what the map page fetches.

Every layer takes the same area (province, district, office) and level; the named children's
layer is restricted to the roles and the area the access policy allows and each read of it is
audited in the read's transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.access import PUBLIC, AccessRule, expect
from app.api.caching import NOT_MODIFIED, conditional
from app.api.deps import BBoxDep, DistrictCode, ProvinceCode, ReadSessionDep, SessionDep
from app.auth import service as accounts
from app.auth.deps import PrincipalDep, client_ip, require_roles
from census.matching import registers_version
from census.service import get_round
from gis import coverage, map_layers
from gis.geography import area_name_th, geography_version
from gis.map_layers import Area
from kernel.policy import NAMED_COVERAGE_ROLES, exact_school_counts, named_coverage_area
from kernel.principal import Principal

router = APIRouter(tags=["maps"])
GEOJSON = "application/geo+json"
GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {GEOJSON: {}}}}
Round = Annotated[int, Query(alias="round", ge=2500, le=2700, description="Census round (B.E.)")]
Flag = Annotated[
    str,
    Query(
        pattern=r"^(out_of_school|beyond_distance|over_capacity_area)$",
        description="Which children: out of school, beyond the distance norm, or in a full "
        "service area",
    ),
]
PlannerDep = Annotated[Principal, Depends(require_roles(*NAMED_COVERAGE_ROLES))]


def area_query(
    session: ReadSessionDep,
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Annotated[str | None, Query(max_length=16, description="Office code")] = None,
    level: Annotated[
        str | None,
        Query(
            pattern=r"^(pre_primary|primary|lower_secondary|upper_secondary)$",
            description="Only schools teaching, and children of, this level",
        ),
    ] = None,
) -> Area:
    """The area asked for (one of province, district, office at least; each must exist)."""
    area_name_th(session, province=province, district=district, esao=esao)
    return Area(province=province, district=district, esao=esao, level=level)


AreaDep = Annotated[Area, Depends(area_query)]


@router.get(
    "/api/v1/map-layers/schools",
    summary="Schools with seats, Prathom 1 next year, ICT and buildings (GeoJSON)",
    response_class=Response,
    responses=GEOJSON_RESPONSE,
)
def school_layer(
    session: ReadSessionDep, principal: PrincipalDep, area: AreaDep, round_year: Round
) -> Response:
    get_round(session, round_year)
    body = map_layers.schools_geojson(
        session, round_year, area, exact_counts=exact_school_counts(session, principal)
    )
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": "private, no-cache"})


@router.get(
    "/api/v1/map-layers/districts",
    summary="District borders and names (GeoJSON)",
    response_class=Response,
    responses={**GEOJSON_RESPONSE, **NOT_MODIFIED},
)
def district_layer(request: Request, session: ReadSessionDep, area: AreaDep) -> Response:
    return conditional(
        request,
        geography_version(session),
        lambda: Response(map_layers.districts_geojson(session, area), media_type=GEOJSON),
        max_age_s=3600,
    )


@router.get(
    "/api/v1/map-layers/service-areas",
    summary="Schools' current service areas of one level (GeoJSON)",
    response_class=Response,
    responses={**GEOJSON_RESPONSE, **NOT_MODIFIED},
)
def service_area_layer(
    request: Request, session: ReadSessionDep, area: AreaDep, round_year: Round
) -> Response:
    get_round(session, round_year)
    return conditional(
        request,
        coverage.coverage_version(session, round_year),
        lambda: Response(
            map_layers.service_areas_geojson(session, round_year, area), media_type=GEOJSON
        ),
    )


@router.get(
    "/api/v1/map-layers/register-villages",
    summary="Registered children out of school (visited, or with no school record), counted "
    "per village of their registered address (GeoJSON; counts under 5 hidden)",
    response_class=Response,
    responses={**GEOJSON_RESPONSE, **NOT_MODIFIED},
)
def register_village_layer(
    request: Request, session: ReadSessionDep, area: AreaDep, round_year: Round
) -> Response:
    get_round(session, round_year)
    return conditional(
        request,
        registers_version(session, round_year) + geography_version(session),
        lambda: Response(
            map_layers.register_villages_geojson(session, round_year, area), media_type=GEOJSON
        ),
    )


@router.get(
    "/api/v1/map-layers/villages",
    summary="Children not served, counted per village (GeoJSON; counts under 5 hidden)",
    response_class=Response,
    responses={**GEOJSON_RESPONSE, **NOT_MODIFIED},
)
def village_layer(
    request: Request, session: ReadSessionDep, area: AreaDep, round_year: Round, flag: Flag
) -> Response:
    get_round(session, round_year)
    return conditional(
        request,
        coverage.coverage_version(session, round_year),
        lambda: Response(
            map_layers.villages_geojson(session, round_year, area, flag), media_type=GEOJSON
        ),
    )


@router.get(
    "/api/v1/map-layers/children",
    summary="Children not served, by name, at home (restricted, audited; GeoJSON)",
    response_class=Response,
    responses=GEOJSON_RESPONSE,
)
def named_child_layer(
    request: Request,
    session: SessionDep,
    principal: PlannerDep,
    area: AreaDep,
    round_year: Round,
    flag: Flag,
    bbox: BBoxDep,
) -> Response:
    get_round(session, round_year)
    allowed = named_coverage_area(principal, area.province, area.district, area.esao)
    assert allowed is not None  # PlannerDep admits only roles that see named children
    province, district, esao = allowed
    scoped = Area(province=province, district=district, esao=esao, level=area.level)
    body, children = map_layers.named_children_geojson(session, round_year, scoped, flag, bbox)
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"map {round_year} {flag}",
        record_count=children,
        ip=client_ip(request),
        detail={
            "esao": esao,
            "province": province,
            "district": district,
            "level": area.level,
            "bbox": None
            if bbox is None
            else [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat],
        },
    )
    session.commit()
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": "private, no-store"})


@router.get("/api/v1/search", summary="Find schools, tambons and villages by Thai name or code")
def search(
    session: ReadSessionDep,
    area: AreaDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name or code")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    return {"query": q, "results": map_layers.search_places(session, q, area, limit)}


NAMED = expect(403, anonymous=401, admin=200, planner=200)
ACCESS_RULES = [
    AccessRule("GET", "/api/v1/map-layers/schools", PUBLIC),
    AccessRule("GET", "/api/v1/map-layers/districts", PUBLIC),
    AccessRule("GET", "/api/v1/map-layers/service-areas", PUBLIC),
    AccessRule("GET", "/api/v1/map-layers/villages", PUBLIC),
    AccessRule("GET", "/api/v1/map-layers/register-villages", PUBLIC),
    AccessRule("GET", "/api/v1/map-layers/children", NAMED),
    AccessRule("GET", "/api/v1/search", PUBLIC),
]
