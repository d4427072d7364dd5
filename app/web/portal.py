"""The public portal (issue 21): anonymous, Thai first (``?lang=en`` for English labels), one
page per office, district, tambon and school, readable without JavaScript. The figures come
from app.report.portal; the offline copy (app/publish.py) renders the same templates."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.api.access import PUBLIC, AccessRule
from app.api.deps import SessionDep
from app.auth.deps import PrincipalDep
from app.report import portal
from app.web.templating import page
from kernel.errors import NotFoundError

router = APIRouter(include_in_schema=False)

Lang = Annotated[str, Query(pattern=r"^(th|en)$")]
CODE_PATTERNS = {
    "offices": r"^[A-Z0-9]{2,16}$",
    "districts": r"^\d{4}$",
    "tambons": r"^\d{6}$",
    "schools": r"^\d{10}$",
}

# The portal's words: Thai first, English for those who ask (``?lang=en``).
LABELS: dict[str, tuple[str, str]] = {
    "portal": ("ข้อมูลสาธารณะด้านการศึกษา", "Public education data"),
    "offices": ("สำนักงานเขตพื้นที่การศึกษา", "Educational service area office"),
    "districts": ("อำเภอ", "District"),
    "tambons": ("ตำบล", "Tambon"),
    "schools": ("โรงเรียน", "School"),
    "search": ("ค้นหา", "Search"),
    "search_hint": ("ชื่อโรงเรียน ตำบล อำเภอ หรือสำนักงาน", "School, tambon, district or office"),
    "no_results": ("ไม่พบ", "Nothing found"),
    "round": ("ปีการศึกษาของสำมะโน", "Census round (B.E.)"),
    "no_round": ("ยังไม่มีข้อมูลสำมะโน", "No census round yet"),
    "population": ("ประชากร (ทะเบียนราษฎร)", "Population (DOPA register)"),
    "households": ("ครัวเรือน", "Households"),
    "compulsory_age": ("เด็กวัยการศึกษาภาคบังคับ", "Children of compulsory age"),
    "compulsory_enrolled": ("กำลังเรียน", "Enrolled"),
    "coverage_rate": ("อัตราการเข้าเรียน", "Coverage rate"),
    "out_of_school": ("เด็กนอกระบบการศึกษา", "Out of school"),
    "beyond_distance": ("บ้านไกลโรงเรียนเกินเกณฑ์", "Beyond the distance norm"),
    "pre_primary_age": ("เด็กวัยอนุบาล", "Pre-primary age"),
    "pre_primary_rate": ("อัตราการเข้าเรียนอนุบาล", "Pre-primary rate"),
    "enrolled": ("นักเรียน", "Pupils"),
    "capacity": ("ที่นั่งตามเกณฑ์", "Seats (norm)"),
    "learning_devices": ("อุปกรณ์เพื่อการเรียน (ใช้งานได้)", "Learning devices (working)"),
    "pupils_per_device": ("นักเรียนต่ออุปกรณ์", "Pupils per device"),
    "with_internet": ("โรงเรียนที่มีอินเทอร์เน็ต", "Schools with internet"),
    "without_internet": ("โรงเรียนที่ไม่มีอินเทอร์เน็ต", "Schools without internet"),
    "median_mbps": ("ความเร็วกลาง (Mbps)", "Median speed (Mbps)"),
    "mbps": ("อินเทอร์เน็ต (Mbps)", "Internet (Mbps)"),
    "trend": ("แนวโน้มตามรอบสำมะโน", "Trend over the census rounds"),
    "map": ("แผนที่", "Map"),
    "legend_hidden": ("ไม่แสดงหรือไม่มีข้อมูล", "Withheld or no data"),
    "downloads": ("ดาวน์โหลด", "Downloads"),
    "report": ("รายงานการเข้าเรียนภาคบังคับ", "Compulsory education report"),
    "geojson": ("ข้อมูลตำบล (GeoJSON)", "Tambons (GeoJSON)"),
    "ogc": ("ชั้นข้อมูลสำหรับ QGIS (OGC API)", "Layers for QGIS (OGC API)"),
    "interactive_map": ("แผนที่โต้ตอบ", "Interactive map"),
    "privacy": ("ข้อมูลที่เผยแพร่และไม่เผยแพร่", "What is published and what is not"),
    "suppression_note": (
        "จำนวน 1-4 คนแสดงเป็น <5 และจำนวนที่อาจใช้คำนวณย้อนหาจำนวนน้อยแสดงเป็น x",
        "Counts of 1-4 show as <5; counts that would give one back show as x",
    ),
    "grade": ("ชั้น", "Grade"),
    "founded_year": ("ปีที่ก่อตั้ง (พ.ศ.)", "Founded (B.E.)"),
    "phone": ("โทรศัพท์", "Phone"),
    "email": ("อีเมล", "E-mail"),
    "personnel": ("บุคลากร", "Personnel"),
    "buildings": ("อาคาร", "Buildings"),
    "devices": ("อุปกรณ์ไอซีที", "ICT devices"),
    "broken": ("ชำรุด", "Broken"),
    "school_record": ("ทะเบียนโรงเรียนฉบับเต็ม", "The school's full record"),
    "english": ("English", "ภาษาไทย"),
    "help": ("คู่มือ", "Manual"),
}


def words(lang: str) -> dict[str, str]:
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in LABELS.items()}


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


def context(figures: dict[str, Any], lang: str, link: portal.Link) -> dict[str, Any]:
    """What the portal's templates need besides the figures, live or offline."""
    return {
        "p": figures,
        "w": words(lang),
        "lang": lang,
        "link": link,
        "rate_classes": portal.RATE_CLASSES,
        "no_rate_fill": portal.NO_RATE_FILL,
    }


@router.get("/portal", response_class=HTMLResponse)
def portal_home(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: Lang = "th"
) -> Response:
    """Every office, and a search box."""
    return page(
        request,
        principal,
        "portal_home.html",
        **context({"offices": portal.offices(session)}, lang, live_link(lang)),
        live=True,
    )


@router.get("/portal/search", response_class=HTMLResponse)
def portal_search(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=100)] = "",
    lang: Lang = "th",
) -> Response:
    """Schools, tambons, districts and offices by name (Thai or English) or code."""
    found = portal.search(session, q)
    return page(
        request,
        principal,
        "portal_search.html",
        **context({"query": q, "found": found}, lang, live_link(lang)),
        live=True,
    )


@router.get("/portal/privacy", response_class=HTMLResponse)
def portal_privacy(request: Request, principal: PrincipalDep, lang: Lang = "th") -> Response:
    """What the portal publishes, what it never does, and why (PDPA, Official Information Act)."""
    return page(
        request, principal, "portal_privacy.html", **context({}, lang, live_link(lang)), live=True
    )


@router.get("/portal/{kind}/{code}", response_class=HTMLResponse)
def portal_area(
    kind: Annotated[str, Path(pattern=r"^(offices|districts|tambons|schools)$")],
    code: Annotated[str, Path(pattern=r"^[A-Z0-9]{2,16}$")],
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lang: Lang = "th",
) -> Response:
    """The public page of an office, district, tambon or school."""
    if not re.fullmatch(CODE_PATTERNS[kind], code):
        raise NotFoundError(f"no {kind} {code}")
    figures = portal.PAGES[kind](session, code, live_link(lang))
    return page(
        request,
        principal,
        "portal_area.html",
        **context(figures, lang, live_link(lang)),
        downloads=live_downloads(figures),
        live=True,
    )


ACCESS_RULES = [
    AccessRule("GET", "/portal", PUBLIC),
    AccessRule("GET", "/portal/search", PUBLIC),
    AccessRule("GET", "/portal/privacy", PUBLIC),
    AccessRule("GET", "/portal/{kind}/{code}", PUBLIC),
]
