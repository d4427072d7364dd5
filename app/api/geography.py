"""Provinces and subdistricts (tambons) with their population, as JSON and GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from app.api.access import PUBLIC, AccessRule
from app.api.caching import NOT_MODIFIED, conditional
from app.api.deps import (
    BBoxDep,
    DistrictCode,
    Offset,
    ProvinceCode,
    ReadSessionDep,
    SimplifyDep,
)
from gis import geography
from kernel.config import get_settings

router = APIRouter(prefix="/api/v1", tags=["geography"])

GEOJSON = "application/geo+json"


class ProvinceRead(BaseModel):
    code: str
    name_th: str
    name_en: str
    districts: int
    subdistricts: int
    population_total: int | None
    bbox: list[float]


@router.get("/provinces", response_model=list[ProvinceRead], summary="Provinces (จังหวัด)")
def list_provinces(session: ReadSessionDep) -> list[dict[str, object]]:
    return geography.list_provinces(session)


@router.get(
    "/subdistricts",
    summary="Subdistricts (ตำบล/แขวง) as GeoJSON, with DOPA population",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, **NOT_MODIFIED},
)
def list_subdistricts(
    request: Request,
    session: ReadSessionDep,
    bbox: BBoxDep,
    province: ProvinceCode = None,
    district: DistrictCode = None,
    simplify_m: SimplifyDep = None,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    offset: Offset = 0,
) -> Response:
    max_features = get_settings().api_max_features

    def build() -> Response:
        body = geography.subdistricts_geojson(
            session,
            province=province,
            district=district,
            bbox=bbox,
            simplify_m=simplify_m,
            limit=min(limit or max_features, max_features),
            offset=offset,
        )
        return Response(body, media_type=GEOJSON)

    return conditional(request, geography.geography_version(session), build, max_age_s=3600)


@router.get(
    "/subdistricts/{code}",
    summary="One subdistrict as a GeoJSON Feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 404: {"description": "Not loaded"}, **NOT_MODIFIED},
)
def get_subdistrict(
    request: Request,
    session: ReadSessionDep,
    code: Annotated[str, Path(pattern=r"^\d{6}$", description="6-digit DOPA code")],
    simplify_m: SimplifyDep = None,
) -> Response:
    return conditional(
        request,
        geography.geography_version(session),
        lambda: Response(
            geography.subdistrict_geojson(session, code, simplify_m), media_type=GEOJSON
        ),
        max_age_s=3600,
    )


ACCESS_RULES = [
    AccessRule("GET", "/api/v1/provinces", PUBLIC),
    AccessRule("GET", "/api/v1/subdistricts", PUBLIC),
    AccessRule("GET", "/api/v1/subdistricts/{code}", PUBLIC),
]
