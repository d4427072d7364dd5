"""The coverage report for an office, province or district (aggregate, so public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app import reports
from app.api.access import PUBLIC, AccessRule
from app.api.deps import DistrictCode, ProvinceCode, SessionDep
from app.core.errors import InvalidInputError
from census.service import get_round
from gis.report import coverage_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
MEDIA = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/coverage", summary="Compulsory-education coverage report (HTML, XLSX or CSV)")
def coverage(
    session: SessionDep,
    round: Annotated[int, Query(ge=2500, le=2700)],
    format: Annotated[str, Query(pattern=r"^(html|xlsx|csv|pdf)$")] = "html",
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    if format == "pdf":
        raise InvalidInputError("format", "PDF is not available yet; use html, xlsx or csv")
    get_round(session, round)
    report = coverage_report(session, round, province=province, district=district, esao=esao)
    session.commit()  # keeps a refreshed stored coverage
    body: str | bytes
    if format == "xlsx":
        body = reports.to_xlsx(report)
    elif format == "csv":
        body = reports.to_csv(report)
    else:
        body = reports.to_html(report)
    area = esao or district or province or "all"
    headers = (
        {}
        if format == "html"
        else {"Content-Disposition": f'attachment; filename="coverage_{area}_{round}.{format}"'}
    )
    return Response(body, media_type=MEDIA[format], headers=headers)


ACCESS_RULES = [
    AccessRule("GET", "/api/v1/reports/coverage", PUBLIC,
               params={"round": "2569", "district": "5514", "format": "csv"}),
]  # fmt: skip
