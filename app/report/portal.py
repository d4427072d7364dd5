"""The public portal's figures (issue 21): a page per office, district, tambon and school, each
with the public figures of its area, the areas or schools under it, the trend over the census
rounds loaded and a small map drawn by PostGIS as SVG (no script, a few kilobytes).

Everything here is public under the Official Information Act: counts of children come through
``gis.coverage`` with its small-count and secondary suppression; no name, ID, birth date or home
of a child is read. The live portal (app/web/portal.py) and the offline copy (app/publish.py)
render the same figures with the same templates.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import coverage
from gis.map_layers import Area as MapArea
from gis.map_layers import search_places
from gis.schools.norms import norm_params, seats_sql
from gis.schools.resources import school_resources
from gis.schools.service import school_detail
from kernel.areas import area_filter
from kernel.errors import NotFoundError
from kernel.names import normalise_thai_name

# The kinds of page, as their paths name them, each with the kind of the areas listed under it.
KINDS = ("offices", "districts", "tambons", "schools")

# Coverage rate classes of the maps: (lowest rate of the class, fill, Thai and English legend).
RATE_CLASSES = (
    (0.97, "#1a9850", "ร้อยละ 97 ขึ้นไป", "97% or more"),
    (0.90, "#fdae61", "ร้อยละ 90 ถึง 97", "90% to 97%"),
    (0.0, "#d73027", "ต่ำกว่าร้อยละ 90", "under 90%"),
)
NO_RATE_FILL = "#d9d9d9"  # no children, or the rate withheld (a small count beside it)
MAP_WIDTH_UNITS = 300  # the SVG is simplified to about this many steps across


def rate_fill(rate: float | None) -> str:
    if rate is None:
        return NO_RATE_FILL
    return next(fill for floor, fill, _, _ in RATE_CLASSES if rate >= floor)


@dataclass(frozen=True)
class Crumb:
    kind: str
    code: str
    name_th: str


def round_for(session: Session, province_code: str) -> int | None:
    """The latest census round of the province with stored coverage (None: no round yet)."""
    found = session.execute(
        text(
            "SELECT max(r.academic_year) FROM census_round r "
            "JOIN coverage_state s ON s.round_year = r.academic_year "
            "WHERE r.province_code = :p"
        ),
        {"p": province_code},
    ).scalar()
    return int(found) if found is not None else None


def round_for_office(session: Session, esao: str) -> int | None:
    """``round_for`` the office's province (None: no such office, or no round yet)."""
    province = session.execute(
        text("SELECT province_code FROM service_area_office WHERE code = :c"), {"c": esao}
    ).scalar()
    return round_for(session, province) if province else None


def rounds_of(session: Session, province_code: str) -> list[int]:
    return list(
        session.scalars(
            text(
                "SELECT r.academic_year FROM census_round r "
                "JOIN coverage_state s ON s.round_year = r.academic_year "
                "WHERE r.province_code = :p ORDER BY 1"
            ),
            {"p": province_code},
        )
    )


def _one(session: Session, sql: str, code: str, what: str) -> dict[str, Any]:
    row = session.execute(text(sql), {"code": code}).mappings().first()
    if row is None:
        raise NotFoundError(f"no {what} {code}")
    return dict(row)


def _population(session: Session, where: str, code: str) -> dict[str, Any]:
    """The latest DOPA population of the tambons ``where`` names (``t`` is a subdistrict)."""
    row = session.execute(
        text(
            f"""
            SELECT sum(p.total)::int AS total, sum(p.households)::int AS households,
                   max(p.reference_date) AS reference_date
            FROM subdistrict t CROSS JOIN LATERAL (
                SELECT total, households, reference_date FROM population
                WHERE subdistrict_code = t.code ORDER BY reference_date DESC LIMIT 1
            ) p WHERE {where}
            """
        ),
        {"code": code},
    ).mappings()
    return dict(next(iter(row)))


def _schools(
    session: Session, round_year: int | None, area: dict[str, str | None], tambon: str | None
) -> list[dict[str, Any]]:
    """The area's schools with their enrolment and seats (their latest year up to the round,
    the grades they teach, as the report counts them) and ICT: public figures."""
    where, params = area_filter("s", area["province"], area["district"], area["esao"])
    if tambon:
        where, params = "s.subdistrict_code = :tambon", {"tambon": tambon}
    rows = session.execute(
        text(
            f"""
            WITH schools AS (
                SELECT s.* FROM school s WHERE {where}
            ), latest AS (
                SELECT DISTINCT ON (gy.school_id) gy.school_id, gy.academic_year
                FROM school_grade_year gy JOIN schools s ON s.id = gy.school_id
                WHERE gy.academic_year <= :up_to ORDER BY gy.school_id, gy.academic_year DESC
            )
            SELECT s.code, s.name_th, s.subdistrict_code, t.name_th AS tambon_name_th,
                   (SELECT sum(gy.enrolled_male + gy.enrolled_female)::int
                    FROM school_grade_year gy
                    WHERE gy.school_id = l.school_id AND gy.academic_year = l.academic_year
                      AND gy.grade = ANY(s.grades)) AS enrolled,
                   (SELECT sum({seats_sql("gy.grade", "gy.classrooms")})::int
                    FROM school_grade_year gy
                    WHERE gy.school_id = l.school_id AND gy.academic_year = l.academic_year
                      AND gy.grade = ANY(s.grades)) AS capacity
            FROM schools s JOIN subdistrict t ON t.code = s.subdistrict_code
            LEFT JOIN latest l ON l.school_id = s.id
            ORDER BY s.name_th, s.code
            """
        ),
        params | norm_params() | {"up_to": round_year or 9999},
    ).mappings()
    schools = {row["code"]: dict(row) for row in rows}
    resources = school_resources(session, list(schools))
    for code, school in schools.items():
        school["learning_devices"] = resources[code]["learning_devices"]
        school["mbps"] = resources[code]["mbps"]
    return list(schools.values())


def schools_summary(schools: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over an area's schools: enrolment, seats, devices, internet."""
    enrolled = sum(s["enrolled"] or 0 for s in schools)
    devices = sum(s["learning_devices"] or 0 for s in schools)
    speeds = [s["mbps"] for s in schools if s["mbps"]]
    return {
        "schools": len(schools),
        "enrolled": enrolled,
        "capacity": sum(s["capacity"] or 0 for s in schools),
        "learning_devices": devices,
        "pupils_per_device": round(enrolled / devices, 1) if devices else None,
        "with_internet": len(speeds),
        "without_internet": len(schools) - len(speeds),
        "median_mbps": statistics.median(speeds) if speeds else None,
    }


def _area_coverage(
    session: Session, round_year: int, kind: str, code: str
) -> dict[str, Any] | None:
    """The public coverage figures of one area for a round (None: no children counted)."""
    if kind == "offices":
        rows = coverage.area_coverage(session, round_year, by="esao", esao=code)
        key = "esao"
    elif kind == "districts":
        rows = coverage.area_coverage(session, round_year, by="district", district=code)
        key = "district"
    else:  # a tambon: its district's tambons, so the district's complements apply
        rows = coverage.subdistrict_coverage(session, round_year, district=code[:4])
        key = "subdistrict_code"
    return next((row for row in rows if row[key] == code), None)


def _trend(session: Session, kind: str, code: str, province: str) -> list[dict[str, Any]]:
    return [
        {"round": year, **(_area_coverage(session, year, kind, code) or {})}
        for year in rounds_of(session, province)
    ]


def area_svg(
    session: Session,
    parts_sql: str,
    code: str,
    *,
    fills: dict[str, str] | None = None,
    hrefs: dict[str, str | None] | None = None,
    points_sql: str | None = None,
) -> str:
    """An SVG map of polygons (``parts_sql`` selects code, name_th, geom; filled and linked by
    code) and points (``points_sql``: code, name_th, geom), simplified to the drawing's size,
    in UTM 47N metres: a few kilobytes that need no script and no tiles."""
    rows = [
        dict(row)
        for row in session.execute(
            text(
                f"""
            WITH parts AS ({parts_sql}),
            box AS (SELECT ST_Extent(ST_Transform(geom, 32647)) AS e FROM parts),
            size AS (SELECT greatest(ST_XMax(e) - ST_XMin(e), ST_YMax(e) - ST_YMin(e)) AS m,
                            e FROM box)
            SELECT p.code, p.name_th,
                   ST_AsSVG(ST_SimplifyPreserveTopology(ST_Transform(p.geom, 32647),
                                                        size.m / {MAP_WIDTH_UNITS}), 1, 0)
                       AS path,
                   ST_XMin(size.e) AS x, ST_YMax(size.e) AS y,
                   ST_XMax(size.e) - ST_XMin(size.e) AS w, ST_YMax(size.e) - ST_YMin(size.e) AS h
            FROM parts p, size ORDER BY p.code
            """
            ),
            {"code": code},
        ).mappings()
    ]
    if not rows:
        return ""
    points = []
    if points_sql:
        points = [
            dict(row)
            for row in session.execute(
                text(
                    "SELECT code, name_th, ST_AsSVG(ST_Transform(geom, 32647), 0, 0) AS at "
                    f"FROM ({points_sql}) pts ORDER BY code"
                ),
                {"code": code},
            ).mappings()
        ]
    box = rows[0]
    size_m = max(box["w"], box["h"], 1.0)
    margin = size_m * 0.03
    stroke = size_m / 500
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="area-map" role="img" '
        f'viewBox="{box["x"] - margin:.0f} {-box["y"] - margin:.0f} '
        f'{box["w"] + 2 * margin:.0f} {box["h"] + 2 * margin:.0f}">'
    ]
    for shape in rows:
        fill = (fills or {}).get(shape["code"], "#f0f0f0")
        path = (
            f'<path d="{escape(shape["path"])}" fill="{escape(fill)}" stroke="#444" '
            f'stroke-width="{stroke:.0f}"><title>{escape(shape["name_th"])}</title></path>'
        )
        href = (hrefs or {}).get(shape["code"])
        out.append(f'<a href="{escape(href)}">{path}</a>' if href else path)
    for point in points:
        out.append(
            f'<circle {point["at"]} r="{stroke * 5:.0f}" fill="#08519c" stroke="#fff" '
            f'stroke-width="{stroke:.0f}"><title>{escape(point["name_th"])}</title></circle>'
        )
    out.append("</svg>")
    return "".join(out)


# --- the pages -----------------------------------------------------------------------------

# (kind, code) -> the page's address, live or in an offline copy (None: not in the copy).
Link = Callable[[str, str], str | None]

OFFICE_SQL = """
    SELECT o.code, o.name_th, o.name_en, o.province_code, p.name_th AS province_name_th
    FROM service_area_office o JOIN province p ON p.code = o.province_code
    WHERE o.code = :code
"""
DISTRICT_SQL = """
    SELECT d.code, d.name_th, d.name_en, d.province_code, p.name_th AS province_name_th
    FROM district d JOIN province p ON p.code = d.province_code WHERE d.code = :code
"""
TAMBON_SQL = """
    SELECT t.code, t.name_th, t.name_en, t.province_code, t.district_code,
           d.name_th AS district_name_th, p.name_th AS province_name_th
    FROM subdistrict t JOIN district d ON d.code = t.district_code
    JOIN province p ON p.code = t.province_code WHERE t.code = :code
"""


def _crumbs(session: Session, district: str, district_name_th: str | None = None) -> list[Crumb]:
    """The offices serving a district (primary and secondary), then the district itself when
    its name is given: the way up from a page."""
    offices = session.execute(
        text(
            "SELECT o.code, o.name_th FROM service_area_office o JOIN "
            "service_area_office_district od ON od.office_code = o.code "
            "WHERE od.district_code = :d ORDER BY o.kind, o.code"
        ),
        {"d": district},
    ).all()
    crumbs = [Crumb("offices", code, name) for code, name in offices]
    if district_name_th is not None:
        crumbs.append(Crumb("districts", district, district_name_th))
    return crumbs


def _parts(
    session: Session,
    names_sql: str,
    code: str,
    key: str,
    public_rows: Callable[[], list[dict[str, Any]]],
    round_year: int | None,
) -> list[dict[str, Any]]:
    """The areas under a page's (``names_sql``: code, name_th), each with its public coverage
    figures of the round (none where no child was counted, or before any round)."""
    names = session.execute(text(names_sql), {"code": code}).all()
    parts = [{key: part, "name_th": name} for part, name in sorted(names)]
    if round_year is None:
        return parts
    shown = {row[key]: row for row in public_rows()}
    return [row | shown.get(row[key], {}) for row in parts]


def _rated(
    rows: list[dict[str, Any]], key: str, link: Link, kind: str
) -> tuple[dict[str, str], dict[str, str | None]]:
    fills = {row[key]: rate_fill(row.get("coverage_rate")) for row in rows}
    return fills, {row[key]: link(kind, row[key]) for row in rows}


def office_page(session: Session, code: str, link: Link) -> dict[str, Any]:
    office = _one(session, OFFICE_SQL, code, "office")
    round_year = round_for(session, office["province_code"])
    area = {"province": None, "district": None, "esao": code}
    districts = _parts(
        session,
        "SELECT d.code, d.name_th FROM district d JOIN service_area_office_district od "
        "ON od.district_code = d.code WHERE od.office_code = :code",
        code,
        "district",
        lambda: coverage.area_coverage(session, round_year or 0, by="district", esao=code),
        round_year,
    )
    fills, hrefs = _rated(districts, "district", link, "districts")
    schools = _schools(session, round_year, area, None)
    return {
        "kind": "offices",
        **office,
        "crumbs": [],
        "round": round_year,
        "area": area,
        "population": _population(
            session,
            "t.district_code IN (SELECT district_code FROM service_area_office_district "
            "WHERE office_code = :code)",
            code,
        ),
        "coverage": _area_coverage(session, round_year, "offices", code) if round_year else None,
        "parts_kind": "districts",
        "parts": districts,
        "schools": [],  # an office's schools are listed on its districts' pages
        "summary": schools_summary(schools),
        "trend": _trend(session, "offices", code, office["province_code"]),
        "svg": area_svg(
            session,
            "SELECT d.code, d.name_th, d.geom FROM district d JOIN service_area_office_district "
            "od ON od.district_code = d.code WHERE od.office_code = :code",
            code,
            fills=fills,
            hrefs=hrefs,
        ),
    }


def district_page(session: Session, code: str, link: Link) -> dict[str, Any]:
    district = _one(session, DISTRICT_SQL, code, "district")
    round_year = round_for(session, district["province_code"])
    area = {"province": None, "district": code, "esao": None}
    tambons = _parts(
        session,
        "SELECT code, name_th FROM subdistrict WHERE district_code = :code",
        code,
        "subdistrict_code",
        lambda: coverage.subdistrict_coverage(session, round_year or 0, district=code),
        round_year,
    )
    fills, hrefs = _rated(tambons, "subdistrict_code", link, "tambons")
    schools = _schools(session, round_year, area, None)
    return {
        "kind": "districts",
        **district,
        "crumbs": _crumbs(session, code),
        "round": round_year,
        "area": area,
        "population": _population(session, "t.district_code = :code", code),
        "coverage": _area_coverage(session, round_year, "districts", code) if round_year else None,
        "parts_kind": "tambons",
        "parts": tambons,
        "schools": schools,
        "summary": schools_summary(schools),
        "trend": _trend(session, "districts", code, district["province_code"]),
        "svg": area_svg(
            session,
            "SELECT code, name_th, geom FROM subdistrict WHERE district_code = :code",
            code,
            fills=fills,
            hrefs=hrefs,
            points_sql="SELECT s.code, s.name_th, s.location AS geom FROM school s "
            "WHERE left(s.subdistrict_code, 4) = :code",
        ),
    }


def tambon_page(session: Session, code: str, link: Link) -> dict[str, Any]:
    del link  # a tambon's schools are listed beside its map, not linked from it
    tambon = _one(session, TAMBON_SQL, code, "tambon")
    round_year = round_for(session, tambon["province_code"])
    area = {"province": None, "district": tambon["district_code"], "esao": None}
    shown = _area_coverage(session, round_year, "tambons", code) if round_year else None
    schools = _schools(session, round_year, area, code)
    district_code = tambon["district_code"]
    return {
        "kind": "tambons",
        **tambon,
        "crumbs": _crumbs(session, district_code, tambon["district_name_th"]),
        "round": round_year,
        "area": area,
        "population": _population(session, "t.code = :code", code),
        "coverage": shown,
        "parts_kind": None,
        "parts": [],
        "schools": schools,
        "summary": schools_summary(schools),
        "trend": _trend(session, "tambons", code, tambon["province_code"]),
        "svg": area_svg(
            session,
            "SELECT code, name_th, geom FROM subdistrict WHERE code = :code",
            code,
            fills={code: rate_fill(shown.get("coverage_rate") if shown else None)},
            points_sql="SELECT s.code, s.name_th, s.location AS geom FROM school s "
            "WHERE s.subdistrict_code = :code",
        ),
    }


# What a school's portal page shows of its record (all of it public on its registry page too).
SCHOOL_FIGURES = ("grades", "academic_year", "enrolment", "ict", "founded_year", "phone", "email")


def school_page(session: Session, code: str, link: Link) -> dict[str, Any]:
    del link  # a school's page links no area under it
    detail = school_detail(session, code)
    tambon = _one(session, TAMBON_SQL, detail["subdistrict_code"], "tambon")
    district_code = tambon["district_code"]
    return {
        "kind": "schools",
        "code": code,
        "name_th": detail["name_th"],
        "name_en": None,
        "province_code": tambon["province_code"],
        "province_name_th": tambon["province_name_th"],
        "crumbs": [
            *_crumbs(session, district_code, tambon["district_name_th"]),
            Crumb("tambons", tambon["code"], tambon["name_th"]),
        ],
        "round": None,
        "school": {key: detail[key] for key in SCHOOL_FIGURES}
        | {
            "buildings": len(detail["assets"]["buildings"]),
            "personnel": sum(detail["personnel"].values()),
        },
        "svg": area_svg(
            session,
            "SELECT t.code, t.name_th, t.geom FROM subdistrict t JOIN school s "
            "ON s.subdistrict_code = t.code WHERE s.code = :code",
            code,
            points_sql="SELECT code, name_th, location AS geom FROM school WHERE code = :code",
        ),
    }


PAGES = {
    "offices": office_page,
    "districts": district_page,
    "tambons": tambon_page,
    "schools": school_page,
}


def offices(session: Session) -> list[dict[str, Any]]:
    """Every office, by province, for the portal's front page."""
    return [
        dict(row)
        for row in session.execute(
            text(
                "SELECT o.code, o.name_th, o.kind::text AS kind, p.name_th AS province_name_th "
                "FROM service_area_office o JOIN province p ON p.code = o.province_code "
                "ORDER BY p.name_th, o.kind, o.code"
            )
        ).mappings()
    ]


class _Everywhere(MapArea):
    """The whole country: the portal's search looks in every office's area."""

    def where(self, alias: str) -> tuple[str, dict[str, Any]]:
        del alias
        return "true", {}


# Offices and districts by name (search_places finds schools, tambons and villages).
NAMED_AREAS_SQL = """
    SELECT 'offices' AS kind, x.code, x.name_th, '' AS context_th, x.name_en
    FROM service_area_office x
    UNION ALL
    SELECT 'districts', x.code, x.name_th, 'จ.' || p.name_th, x.name_en
    FROM district x JOIN province p ON p.code = x.province_code
"""


def search(session: Session, query: str, limit: int = 30) -> list[dict[str, Any]]:
    """Offices, districts, tambons and schools by Thai (or English) name or code; a village
    found leads to its tambon's page (villages have no page of their own)."""
    typed = query.strip()
    if not typed:
        return []
    found = [
        dict(row)
        for row in session.execute(
            text(
                f"SELECT kind, code, name_th, context_th FROM ({NAMED_AREAS_SQL}) x "
                "WHERE strpos(replace(x.name_th, ' ', ''), :q) > 0 "
                "OR strpos(lower(replace(coalesce(x.name_en, ''), ' ', '')), lower(:q)) > 0 "
                "OR x.code = :raw "
                "ORDER BY length(x.name_th), x.code LIMIT :limit"
            ),
            {"q": normalise_thai_name(typed).replace(" ", ""), "raw": typed, "limit": limit},
        ).mappings()
    ]
    kinds = {"school": "schools", "subdistrict": "tambons"}
    for place in search_places(session, typed, _Everywhere(), limit):
        kind, code = kinds.get(place["kind"]), place["code"]
        if kind is None:  # a village: its tambon
            kind, code = "tambons", _village_tambon(session, code)
        if code is not None:
            found.append(
                {"kind": kind, "code": code}
                | {key: place[key] for key in ("name_th", "context_th")}
            )
    return found[:limit]


def _village_tambon(session: Session, code: str) -> str | None:
    return session.execute(
        text("SELECT subdistrict_code FROM village WHERE code = :c OR id::text = :c LIMIT 1"),
        {"c": code},
    ).scalar()


def schools_geojson(session: Session, esao: str) -> dict[str, Any]:
    """The office's schools as GeoJSON points with their public figures (the offline map's
    school layer)."""
    office = _one(session, OFFICE_SQL, esao, "office")
    round_year = round_for(session, office["province_code"])
    schools = _schools(
        session, round_year, {"province": None, "district": None, "esao": esao}, None
    )
    places: dict[str, Any] = dict(
        session.execute(
            text("SELECT code, ST_AsGeoJSON(location, 5)::json FROM school WHERE code = ANY(:c)"),
            {"c": [s["code"] for s in schools]},
        ).all()
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": s["code"], "geometry": places[s["code"]], "properties": s}
            for s in schools
        ],
    }


# --- the words and context of the portal's templates, live and offline ---------------------

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


def context(figures: dict[str, Any], lang: str, link: Link) -> dict[str, Any]:
    """What the portal's templates need besides the figures, live or offline."""
    return {
        "p": figures,
        "w": words(lang),
        "lang": lang,
        "link": link,
        "rate_classes": RATE_CLASSES,
        "no_rate_fill": NO_RATE_FILL,
    }
