"""The public portal (issue 21): anonymous, Thai first (``?lang=en`` for English labels), one
page per office, district, tambon and school, readable without JavaScript. The figures come
from app.report.portal; the offline copy (app/publish.py) renders the same templates."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.api.access import PUBLIC, AccessRule
from app.api.deps import ReadSessionDep
from app.auth.deps import PrincipalDep
from app.publish import publish, zipped
from app.report import portal
from app.report.cache import cached_report
from app.web.templating import page
from kernel.config import get_settings
from kernel.errors import NotFoundError
from kernel.principal import Principal

router = APIRouter(include_in_schema=False)

Lang = Annotated[str, Query(pattern=r"^(th|en)$")]
CODE_PATTERNS = {
    "offices": r"^[A-Z0-9]{2,16}$",
    "districts": r"^\d{4}$",
    "tambons": r"^\d{6}$",
    "schools": r"^\d{10}$",
}


def live_link(lang: str) -> portal.Link:
    """A portal page's address on this server, in the language being read."""
    suffix = "?lang=en" if lang == "en" else ""

    def link(kind: str, code: str) -> str:
        path = {"home": "/portal", "privacy": "/portal/privacy"}.get(kind, f"/portal/{kind}/{code}")
        return path + suffix

    return link


def live_downloads(figures: dict[str, Any]) -> dict[str, str]:
    """The area's files on this server: its report (or its district's), data and layers."""
    area = figures.get("area") or {}
    key = "esao" if area.get("esao") else "district"
    code = area.get(key)
    round_year = figures.get("round")
    if not code or round_year is None:
        return {}
    query = {key: code, "round": round_year}
    report = f"/api/v1/reports/coverage?{urlencode(query)}"
    return {
        "report_pdf": f"{report}&format=pdf",
        "report_xlsx": f"{report}&format=xlsx",
        "report_csv": f"{report}&format=csv",
        "geojson": f"/api/v1/coverage/subdistricts?{urlencode(query)}",
        "ogc": f"/ogc/collections/tambons_{round_year}",
        "interactive_map": f"/maps/coverage?{urlencode(query)}",
    }


def _portal_page(
    request: Request,
    principal: Principal,
    template: str,
    lang: str,
    figures: dict[str, Any],
    **extra: Any,
) -> Response:
    """A portal page on this server: its figures, words and links in the language read."""
    return page(
        request,
        principal,
        template,
        **portal.context(figures, lang, live_link(lang)),
        live=True,
        **extra,
    )


@router.get("/portal", response_class=HTMLResponse)
def portal_home(
    request: Request, session: ReadSessionDep, principal: PrincipalDep, lang: Lang = "th"
) -> Response:
    """Every office, and a search box."""
    return _portal_page(
        request, principal, "portal_home.html", lang, {"offices": portal.offices(session)}
    )


@router.get("/portal/search", response_class=HTMLResponse)
def portal_search(
    request: Request,
    session: ReadSessionDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=100)] = "",
    lang: Lang = "th",
) -> Response:
    """Schools, tambons, districts and offices by name (Thai or English) or code."""
    found = portal.search(session, q)
    return _portal_page(
        request, principal, "portal_search.html", lang, {"query": q, "found": found}
    )


@router.get("/portal/privacy", response_class=HTMLResponse)
def portal_privacy(request: Request, principal: PrincipalDep, lang: Lang = "th") -> Response:
    """What the portal publishes, what it never does, and why (PDPA, Official Information Act)."""
    return _portal_page(request, principal, "portal_privacy.html", lang, {})


@router.get("/portal/{kind}/{code}", response_class=HTMLResponse)
def portal_area(
    kind: Annotated[str, Path(pattern=r"^(offices|districts|tambons|schools)$")],
    code: Annotated[str, Path(pattern=r"^[A-Z0-9]{2,16}$")],
    request: Request,
    session: ReadSessionDep,
    principal: PrincipalDep,
    lang: Lang = "th",
) -> Response:
    """The public page of an office, district, tambon or school."""
    if not re.fullmatch(CODE_PATTERNS[kind], code):
        raise NotFoundError(f"no {kind} {code}")
    figures = portal.PAGES[kind](session, code, live_link(lang))
    return _portal_page(
        request, principal, "portal_area.html", lang, figures, downloads=live_downloads(figures)
    )


@router.get("/portal/offices/{code}/offline.zip")
def portal_offline_copy(
    code: Annotated[str, Path(pattern=r"^[A-Z0-9]{2,16}$")], session: ReadSessionDep
) -> Response:
    """The office's offline copy (``edumap publish``) as a zip, made once per day and data."""
    settings = get_settings()
    office_round = portal.round_for_office(session, code)

    def render() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            copy = FilePath(folder) / "edumap"
            publish(session, copy, esao=code)
            return zipped(copy)

    body = cached_report(settings, session, office_round or 0, {"offline_copy": code}, render)
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="edumap-{code}-offline.zip"'},
    )


ACCESS_RULES = [
    AccessRule("GET", "/portal", PUBLIC),
    AccessRule("GET", "/portal/search", PUBLIC),
    AccessRule("GET", "/portal/privacy", PUBLIC),
    AccessRule("GET", "/portal/{kind}/{code}", PUBLIC),
    AccessRule("GET", "/portal/offices/{code}/offline.zip", PUBLIC),
]
