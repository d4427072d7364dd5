"""The offline copy of an office's public portal (issue 21): the same pages, the map with its
data, the reports and the data files, written to a folder that opens from a USB stick or a CD
with no server and no network (``file://``).

Browsers refuse ``fetch`` from ``file://``, so the map's data ships twice: as GeoJSON files to
download and as script files that set ``window.EDUMAP_DATA`` (a ``<script src>`` is allowed
from disk). Every link is relative, so the folder can be copied anywhere, a path with Thai
characters included. Nothing personal is read: the figures are the portal's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.manual import build_manual
from app.report import portal
from app.report.render import coverage_report_files
from app.web.templating import TEMPLATES_DIR, templates
from census.dates import format_thai_date
from gis import coverage
from kernel.errors import InvalidInputError, NotFoundError

STATIC_DIR = TEMPLATES_DIR.parent / "static"
# What the copy's pages, map and HTML report need from app/static.
STATIC_FILES = (
    "css/edumap.css",
    "css/map.css",
    "js/offline-map.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/LICENSE",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "vendor/sarabun/Sarabun-Regular.ttf",
    "vendor/sarabun/Sarabun-Bold.ttf",
    "vendor/sarabun/OFL.txt",
)
REPORT_FORMATS = ("pdf", "xlsx", "csv", "html")
README_TH = """สำเนาออฟไลน์ของข้อมูลสาธารณะด้านการศึกษา (edumap)
=====================================================

เปิดไฟล์ index.html ด้วยเว็บเบราว์เซอร์ (ดับเบิลคลิก) ไม่ต้องต่ออินเทอร์เน็ต
ใช้ได้จากแฟลชไดรฟ์หรือแผ่นซีดี คัดลอกทั้งโฟลเดอร์ไปที่ใดก็ได้

- index.html       หน้าแรก: สำนักงาน อำเภอ ตำบล และโรงเรียน
- map.html         แผนที่การเข้าเรียนรายตำบลและโรงเรียน
- reports/         รายงาน (PDF, Excel, CSV, HTML)
- data/            ข้อมูล GeoJSON สำหรับโปรแกรม GIS (เช่น QGIS)
- manual/          คู่มือการใช้งานระบบ (ถ้ามี)

ข้อมูล ณ {published_on} ปีการศึกษาของสำมะโน {round}
จำนวนเด็ก 1-4 คนแสดงเป็น <5 และจำนวนที่อาจใช้คำนวณย้อนได้แสดงเป็น x
ไม่มีชื่อ เลขประจำตัวประชาชน วันเกิด หรือที่ตั้งบ้านของบุคคลใดในสำเนานี้
"""


@dataclass
class PublishReport:
    """What a copy holds: its pages, files and bytes, and how long it took."""

    directory: Path
    offices: list[str]
    pages: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


class _Copy:
    """One offline copy being written: which pages it holds, and links between them."""

    def __init__(self, out: Path, offices: list[str], pages: dict[str, set[str]]) -> None:
        self.out = out
        self.offices = offices
        self.pages = pages  # kind -> codes written

    def link_from(self, depth: int) -> portal.Link:
        up = "../" * depth

        def link(kind: str, code: str) -> str | None:
            if kind == "home":
                return f"{up}index.html"
            if kind == "privacy":
                return f"{up}privacy.html"
            if code in self.pages.get(kind, set()):
                return f"{up}{kind}/{code}.html"
            return None

        return link


def _office_codes(session: Session, esao: str | None, province: str | None) -> list[str]:
    if esao:
        found = session.execute(
            text("SELECT code FROM service_area_office WHERE code = :c"), {"c": esao}
        ).scalar()
        if found is None:
            raise NotFoundError(f"no service area office {esao}")
        return [esao]
    if province:
        codes = list(
            session.scalars(
                text(
                    "SELECT code FROM service_area_office WHERE province_code = :p "
                    "ORDER BY kind, code"
                ),
                {"p": province},
            )
        )
        if not codes:
            raise NotFoundError(f"no service area office in province {province}")
        return codes
    raise InvalidInputError("esao", "give an office (--esao) or a province (--province)")


def _codes(session: Session, sql: str, offices: list[str]) -> set[str]:
    return set(session.scalars(text(sql), {"offices": offices}))


def publish(
    session: Session,
    out: Path,
    *,
    esao: str | None = None,
    province: str | None = None,
    manual: bool = True,
    screenshots: Path | None = None,
) -> PublishReport:
    """Write the offline copy of an office's (or a province's offices') public portal to
    ``out`` (emptied first when it is an earlier copy), with the manual (built for disk, with
    the ``screenshots`` of the browser tests where given)."""
    started = time.perf_counter()
    offices = _office_codes(session, esao, province)
    districts_sql = (
        "SELECT district_code FROM service_area_office_district WHERE office_code = ANY(:offices)"
    )
    pages = {
        "offices": set(offices),
        "districts": _codes(session, districts_sql, offices),
        "tambons": _codes(
            session,
            f"SELECT code FROM subdistrict WHERE district_code IN ({districts_sql})",
            offices,
        ),
        "schools": _codes(
            session,
            f"SELECT code FROM school WHERE left(subdistrict_code, 4) IN ({districts_sql})",
            offices,
        ),
    }
    _prepare(out)
    copy = _Copy(out, offices, pages)
    report = PublishReport(directory=out, offices=offices)
    published_on = format_thai_date(dt.date.today(), short=False)
    round_year = portal.round_for_office(session, offices[0])
    common = {"offline": True, "published_on": published_on}

    def write_page(path: str, template: str, page_context: dict[str, Any]) -> None:
        depth = path.count("/")
        up = "../" * depth
        html = templates.env.get_template(template).render(
            **page_context,
            **common,
            static_root=f"{up}static",
            home_href=f"{up}index.html",
            manual_href=f"{up}manual/index.html" if manual else None,
        )
        _write(out / path, html.encode("utf-8"))
        report.pages += 1

    # The front page: the offices of the copy (one office: its own page is the front page).
    for kind in portal.KINDS:
        for code in sorted(pages[kind]):
            depth = 1
            figures = portal.PAGES[kind](session, code, copy.link_from(depth))
            write_page(
                f"{kind}/{code}.html",
                "portal_area.html",
                portal.context(figures, "th", copy.link_from(depth))
                | {"downloads": _downloads(depth, round_year), "live": False},
            )
            report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
    home_offices = [o for o in portal.offices(session) if o["code"] in pages["offices"]]
    write_page(
        "index.html",
        "portal_home.html",
        portal.context({"offices": home_offices}, "th", copy.link_from(0))
        | {"live": False, "downloads": _downloads(0, round_year)},
    )
    write_page(
        "privacy.html",
        "portal_privacy.html",
        portal.context({}, "th", copy.link_from(0)) | {"live": False},
    )
    _write_data(session, out, offices, round_year)
    if round_year is not None:
        _write_reports(session, out, offices if esao else None, province, round_year)
    write_page(
        "map.html",
        "offline_map.html",
        portal.context({"round": round_year}, "th", copy.link_from(0)) | {"live": False},
    )
    for name in STATIC_FILES:
        target = out / "static" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STATIC_DIR / name, target)
    if manual:
        build_manual(out / "manual", screenshots, offline=True)
    _write(
        out / "README.txt",
        README_TH.format(published_on=published_on, round=round_year or "-").encode("utf-8"),
    )
    files = [path for path in out.rglob("*") if path.is_file()]
    report.files = len(files)
    report.bytes = sum(path.stat().st_size for path in files)
    report.seconds = time.perf_counter() - started
    return report


def _prepare(out: Path) -> None:
    """An empty folder, or an earlier copy (its README.txt says so), emptied: never someone's
    other files."""
    if out.exists() and any(out.iterdir()):
        if not (out / "README.txt").exists() or not (out / "index.html").exists():
            raise InvalidInputError("output", f"{out} is not empty and not an edumap copy")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _downloads(depth: int, round_year: int | None) -> dict[str, str]:
    if round_year is None:
        return {}
    up = "../" * depth
    return {
        **{f"report_{fmt}": f"{up}reports/report.{fmt}" for fmt in REPORT_FORMATS},
        "geojson": f"{up}data/tambons.geojson",
        "interactive_map": f"{up}map.html",
    }


def _script(name: str, data: Any) -> bytes:
    """Data as a script a page can load from disk (``fetch`` from file:// is refused)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return (
        f"window.EDUMAP_DATA = window.EDUMAP_DATA || {{}};\nwindow.EDUMAP_DATA.{name} = {body};\n"
    ).encode()


def _write_data(session: Session, out: Path, offices: list[str], round_year: int | None) -> None:
    tambons: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    schools: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    seen: set[str] = set()
    for office in offices:
        if round_year is not None:
            layer = json.loads(
                coverage.subdistrict_coverage_geojson(
                    session, round_year, esao=office, simplify_m=50.0
                )
            )
            tambons["features"] += [f for f in layer["features"] if f["id"] not in seen]
            seen |= {f["id"] for f in layer["features"]}
            tambons["round"] = round_year
        found = portal.schools_geojson(session, office)["features"]
        known = {f["id"] for f in schools["features"]}
        schools["features"] += [f for f in found if f["id"] not in known]
    for name, data in (("tambons", tambons), ("schools", schools)):
        _write(
            out / "data" / f"{name}.geojson",
            json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"),
        )
        _write(out / "data" / f"{name}.js", _script(name, data))


def _write_reports(
    session: Session, out: Path, offices: list[str] | None, province: str | None, round_year: int
) -> None:
    """The coverage report of the office (or of the province) in every format."""
    area = {"esao": offices[0]} if offices else {"province": province}
    files = coverage_report_files(
        session,
        round_year,
        REPORT_FORMATS,
        downloads={f: f"report.{f}" for f in REPORT_FORMATS if f != "html"},
        html_links={"font_url": "../static/vendor/sarabun", "home_url": "../index.html"},
        **area,
    )
    for fmt, body in files.items():
        _write(out / "reports" / f"report.{fmt}", body)


def zipped(directory: Path) -> bytes:
    """The copy as one zip, its paths relative to the copy's folder (UTF-8 names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(_files(directory)):
            archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def _files(directory: Path) -> Iterable[Path]:
    return (path for path in directory.rglob("*") if path.is_file())
