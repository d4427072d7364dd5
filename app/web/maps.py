"""Map pages: coverage of an area, and one school with its service areas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from app.api.access import PUBLIC, AccessRule
from app.api.deps import DistrictCode, ProvinceCode, ReadSessionDep
from app.auth.deps import PrincipalDep
from app.web.csp import html_with_inline_scripts
from census.service import get_round
from gis import maps
from gis.geography import area_name_th
from gis.schools import service as schools
from kernel.config import get_settings

router = APIRouter(include_in_schema=False)


@router.get("/maps/coverage", response_class=HTMLResponse)
def coverage_map(
    session: ReadSessionDep,
    principal: PrincipalDep,
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Annotated[str | None, Query(max_length=16)] = None,
    round_year: Annotated[int | None, Query(alias="round", ge=2500, le=2700)] = None,
    level: Annotated[
        str | None, Query(pattern=r"^(pre_primary|primary|lower_secondary|upper_secondary)$")
    ] = None,
) -> HTMLResponse:
    settings = get_settings()
    area_name_th(session, province=province, district=district, esao=esao)
    year = round_year or settings.demo_academic_year
    get_round(session, year)
    page = maps.coverage_map(
        session,
        round_year=year,
        principal=principal,
        province=province,
        district=district,
        esao=esao,
        tiles=settings.map_tiles,
        attribution=settings.map_attribution,
        level=level,
    )
    return html_with_inline_scripts(page, tiles=settings.map_tiles)


@router.get("/maps/schools/{code}", response_class=HTMLResponse)
def school_map(
    code: Annotated[str, Path(pattern=r"^\d{10}$")],
    session: ReadSessionDep,
    round_year: Annotated[int | None, Query(alias="round", ge=2500, le=2700)] = None,
) -> HTMLResponse:
    settings = get_settings()
    schools.get_school(session, code)
    page = maps.school_map(
        session,
        code,
        round_year=round_year,
        tiles=settings.map_tiles,
        attribution=settings.map_attribution,
    )
    # The school page shows this map in a frame: the app's own pages may embed it.
    return html_with_inline_scripts(page, tiles=settings.map_tiles, same_origin_frames=True)


ACCESS_RULES = [
    AccessRule("GET", "/maps/schools/{code}", PUBLIC),
    AccessRule("GET", "/maps/coverage", PUBLIC),
]
