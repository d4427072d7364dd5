"""The national instance's figures: the offices' published aggregates (gis.federation), summed
by office, province or tambon, as JSON, CSV and a GeoJSON map of provinces. Public: counts go
through the same small-count suppression as an office's."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.api.access import PUBLIC, AccessRule
from app.api.deps import ReadSessionDep
from gis import federation
from gis.coverage import COVERAGE_COUNTS
from kernel.cells import csv_row

router = APIRouter(prefix="/api/v1/national", tags=["national"])

Round = Annotated[int, Query(alias="round", ge=2500, le=2700, description="Census round (B.E.)")]
GEOJSON = "application/geo+json"


@router.get("/offices", summary="The offices whose aggregates this instance receives")
def offices(session: ReadSessionDep) -> Any:
    return jsonable_encoder(federation.national_offices(session))


@router.get(
    "/coverage",
    summary="Coverage summed over the offices, by office, province or tambon (JSON or CSV)",
    response_class=JSONResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def coverage(
    session: ReadSessionDep,
    round_year: Round,
    by: Annotated[str, Query(pattern=r"^(office|province|subdistrict_code)$")] = "office",
    output_format: Annotated[str, Query(alias="format", pattern=r"^(json|csv)$")] = "json",
) -> Response:
    figures = federation.national_coverage(session, round_year, by)
    if output_format == "json":
        return JSONResponse(jsonable_encoder(figures))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = [by, *COVERAGE_COUNTS, "coverage_rate"]
    writer.writerow(columns)
    for row in [*figures["areas"], {by: "รวม", **figures["total"]}]:
        writer.writerow(csv_row(row.get(column) for column in columns))
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="national_coverage_{by}_{round_year}.csv"'
        },
    )


@router.get(
    "/map",
    summary="Provinces with the offices' summed coverage (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def national_map(session: ReadSessionDep, round_year: Round) -> Response:
    return Response(federation.national_geojson(session, round_year), media_type=GEOJSON)


ACCESS_RULES = [
    AccessRule("GET", "/api/v1/national/offices", PUBLIC),
    AccessRule("GET", "/api/v1/national/coverage", PUBLIC),
    AccessRule("GET", "/api/v1/national/map", PUBLIC),
]
