"""The coverage report for an office, province or district (aggregate, so public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.access import PUBLIC, AccessRule
from app.api.deps import DistrictCode, ProvinceCode, ReadSessionDep
from app.report import ict as ict_files
from app.report import render as reports
from app.report.cache import cached_report
from census.service import get_round
from gis.geography import area_name_th
from kernel.config import get_settings

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/coverage", summary="Compulsory-education coverage report (HTML, PDF, XLSX or CSV)")
def coverage(
    request: Request,
    session: ReadSessionDep,
    round_year: Annotated[int, Query(alias="round", ge=2500, le=2700)],
    output_format: Annotated[str, Query(alias="format", pattern=r"^(html|pdf|xlsx|csv)$")] = "html",
    province: ProvinceCode = None,
    district: DistrictCode = None,
    esao: Annotated[str | None, Query(max_length=16)] = None,
    thai_digits: Annotated[
        bool, Query(description="Print numbers in Thai digits (HTML and PDF)")
    ] = False,
) -> Response:
    get_round(session, round_year)
    downloads = {
        label: str(request.url.include_query_params(format=kind))
        for kind, label in (("pdf", "PDF"), ("xlsx", "Excel"), ("csv", "CSV"))
    }
    body = cached_report(
        get_settings(),
        session,
        round_year,
        {
            "round": round_year,
            "format": output_format,
            "province": province,
            "district": district,
            "esao": esao,
            "thai_digits": thai_digits,
            "downloads": downloads,
        },
        lambda: reports.coverage_report_file(
            session,
            round_year,
            output_format,
            province=province,
            district=district,
            esao=esao,
            thai_digits=thai_digits,
            downloads=downloads,
        ),
    )
    area = esao or district or province or "all"
    headers = (
        {}
        if output_format == "html"
        else {
            "Content-Disposition": (
                f'attachment; filename="coverage_{area}_{round_year}.{output_format}"'
            )
        }
    )
    return Response(body, media_type=reports.MEDIA_TYPES[output_format], headers=headers)


@router.get(
    "/ict",
    summary="The ICT report: sufficiency, value, connectivity per district (PDF or XLSX)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, ict_files.XLSX: {}}}},
)
def ict_report(
    session: ReadSessionDep,
    output_format: Annotated[str, Query(alias="format", pattern=r"^(pdf|xlsx)$")] = "pdf",
    district: DistrictCode = None,
    esao: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Per district of an office (or one district): learning devices against the norm and
    what is short, broken and past its life, repairs and their cost in the fiscal year, and
    the schools' links (no link, slow, healthy), with a map of each district's schools."""
    report = ict_files.ict_report(session, esao=esao, district=district)
    area = esao or district or "all"
    name = f"ict_{area}_{report['fiscal_year']}.{output_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if output_format == "xlsx":
        return Response(
            ict_files.ict_report_xlsx(report), media_type=ict_files.XLSX, headers=headers
        )
    area_th = (
        area_name_th(session, province=None, district=district, esao=esao)
        if district or esao
        else "ทุกสำนักงานเขตพื้นที่"
    )
    return Response(
        ict_files.ict_report_pdf(session, report, area_th),
        media_type="application/pdf",
        headers=headers,
    )


ACCESS_RULES = [
    AccessRule("GET", "/api/v1/reports/coverage", PUBLIC),
    AccessRule("GET", "/api/v1/reports/ict", PUBLIC),
]
