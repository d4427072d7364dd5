"""The layers OGC API - Features serves (issue 18, part): each a feature collection with its
geometry, id and properties as SQL, read in PostGIS and assembled there as GeoJSON, paged in a
stable order with an exact ``numberMatched``, filtered by bbox and CQL2 (its properties are the
queryables), served in CRS84, EPSG:4326 or the UTM zones 47N/48N. Public layers only so far:
what anyone may see on the public API (no personal field; no counts of children)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.coverage import (
    COVERAGE_COUNTS,
    COVERAGE_COUNTS_SQL,
    LINKED_COUNTS,
    area_complements,
    area_coverage,
    coverage_params,
    coverage_version,
    linked_small_sql,
    stored_coverage_sql,
    subdistrict_coverage,
    unserved_condition,
)
from gis.ict.links import CONNECTIVITY_SQL, connectivity_params
from gis.schools.norms import OVER_CAPACITY_SQL, norm_params, seats_sql
from kernel.areas import area_filter
from kernel.cql import filter_sql
from kernel.errors import InvalidInputError, NotFoundError
from kernel.extent import BBox, bbox_condition
from kernel.vocabulary import LEVEL_LABELS_TH, LEVELS

COORDINATE_DECIMALS = 6  # about 0.1 m


@dataclass(frozen=True)
class Crs:
    """A coordinate reference system the layers are served in (Part 2): CRS84 (lon/lat, the
    default), EPSG:4326 (lat/lon, as EPSG orders it), and the UTM zones Thai offices use."""

    uri: str
    srid: int
    lat_first: bool
    decimals: int

    def output_sql(self, geometry: str) -> str:
        moved = geometry if self.srid == 4326 else f"ST_Transform({geometry}, {self.srid})"
        return f"ST_FlipCoordinates({moved})" if self.lat_first else moved

    def envelope_sql(self, names: tuple[str, str, str, str]) -> str:
        """A bbox given in this CRS (its axis order), as a WGS84 polygon."""
        x0, y0, x1, y1 = (f":{n}" for n in names)
        if self.lat_first:
            x0, y0, x1, y1 = y0, x0, y1, x1
        box = f"ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, {self.srid})"
        return box if self.srid == 4326 else f"ST_Transform({box}, 4326)"


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, False, COORDINATE_DECIMALS)
CRSES: dict[str, Crs] = {
    crs.uri: crs
    for crs in (
        CRS84,
        Crs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, True, COORDINATE_DECIMALS),
        Crs("http://www.opengis.net/def/crs/EPSG/0/32647", 32647, False, 2),
        Crs("http://www.opengis.net/def/crs/EPSG/0/32648", 32648, False, 2),
    )
}


@dataclass(frozen=True)
class Property:
    name: str
    sql: str
    json_type: str  # "string", "integer", "number"
    title_th: str
    # A count of children shown as null when 1-4 to those who do not see exact counts: a
    # filter naming it is refused for them (it would tell the hidden cells apart).
    hidden_when_small: bool = False
    # The kernel.vocabulary labels (LABELS_TH key) a person reads its values by (a comma
    # list of them, for grades and levels).
    vocabulary: str | None = None


@dataclass(frozen=True)
class Layer:
    id: str
    title_th: str
    description: str
    from_sql: str  # FROM ... (the layer's row alias is ``f``)
    key_sql: str
    geometry_sql: str
    properties: tuple[Property, ...]
    version_sql: str  # a value that changes whenever the layer's data does (tile ETags)
    # Bound parameters the layer's SQL needs (a named layer's round and area).
    params: Mapping[str, Any] = field(default_factory=dict)
    personal: bool = False  # names children: read by those the access policy allows, audited
    exact_counts: bool = False  # every count of 1-4 children shown as it is (else some null)
    varies_by_reader: bool = False  # some counts exact for this reader: never a shared cache
    # The features' time as SQL (first and last date), where a layer has one (``datetime``).
    time_sql: tuple[str, str] | None = None
    geometry_type: str = "polygons"  # or "points" (tilesets say which)

    def feature_sql(self, crs: Crs) -> str:
        pairs = ", ".join(f"'{p.name}', {p.sql}" for p in self.properties)
        return (
            "json_build_object('type', 'Feature', 'id', "
            f"{self.key_sql}, 'geometry', "
            f"ST_AsGeoJSON({crs.output_sql(self.geometry_sql)}, {crs.decimals})::json, "
            f"'properties', json_build_object({pairs}))"
        )

    def queryables(self) -> dict[str, tuple[str, str]]:
        """Name -> (SQL expression, JSON type) of what a filter may name."""
        return {p.name: (p.sql, p.json_type) for p in self.properties}


# --- who sees exact small counts --------------------------------------------------------------


@dataclass(frozen=True)
class CountScope:
    """Where a reader sees counts of 1-4 children as they are: everywhere (admins), in their
    office's districts (planners), nowhere (everyone else, who see null)."""

    districts: frozenset[str] | None  # None: everywhere

    @property
    def everywhere(self) -> bool:
        return self.districts is None

    @property
    def nowhere(self) -> bool:
        return self.districts == frozenset()

    def condition(self, district_sql: str, *, array: bool = False) -> str:
        """SQL true where counts are exact; ``district_sql`` is the row's district code (or,
        with ``array``, the array of an office's districts, exact when all are in scope)."""
        if self.everywhere:
            return "true"
        if self.nowhere:
            return "false"
        if array:
            return f"({district_sql} <@ CAST(:exact_districts AS text[]))"
        return f"({district_sql} = ANY(:exact_districts))"

    def params(self) -> dict[str, Any]:
        return {} if self.districts is None else {"exact_districts": sorted(self.districts)}


PUBLIC_COUNTS = CountScope(frozenset())
EXACT_COUNTS = CountScope(None)


def _small_hidden(count_sql: str, exact_sql: str) -> str:
    """A count of children, null when 1-4 unless the reader sees it exact."""
    if exact_sql == "true":
        return count_sql
    return (
        f"CASE WHEN {count_sql} BETWEEN 1 AND 4 AND NOT {exact_sql} THEN NULL ELSE {count_sql} END"
    )


def _academic_year_sql(year_sql: str, last_year_sql: str | None = None) -> tuple[str, str]:
    """An academic year (B.E.) as dates: 16 May of its first calendar year to 15 May of the
    next (the census's cut-off date), through ``last_year_sql`` when it spans several."""
    last = last_year_sql or year_sql
    return (f"make_date({year_sql} - 543, 5, 16)", f"make_date({last} - 542, 5, 15)")


# --- areas: tambons, districts, offices; with a census round's coverage figures ------------------

LATEST_POPULATION_SQL = """
    SELECT total, households, reference_date FROM population p
    WHERE p.subdistrict_code = {code} ORDER BY p.reference_date DESC LIMIT 1
"""


@dataclass(frozen=True)
class AreaKind:
    """One kind of area the layers show: its rows ``f`` (code, geom, province_code), what each
    shows, how the stored children group into it, and its district(s) for exact counts."""

    id: str
    title_th: str
    description: str
    from_sql: str
    properties: tuple[Property, ...]
    children_key_sql: str  # the area's code of a stored child ``c``
    children_join_sql: str
    district_sql: str
    district_is_array: bool = False


POPULATION_PROPERTIES = (
    Property("population_total", "pop.total", "integer", "ประชากร"),
    Property("households", "pop.households", "integer", "ครัวเรือน"),
)
_SUMMED_POPULATION = """
    LEFT JOIN LATERAL (
        SELECT sum(tp.total)::int AS total, sum(tp.households)::int AS households
        FROM subdistrict t CROSS JOIN LATERAL ({latest}) tp
        WHERE {where}
    ) pop ON true
"""

AREA_KINDS: dict[str, AreaKind] = {
    kind.id: kind
    for kind in (
        AreaKind(
            id="tambons",
            title_th="ตำบล",
            description="Tambons (subdistricts) with their district, province and latest DOPA "
            "population",
            from_sql=f"""
                FROM subdistrict f
                JOIN district d ON d.code = f.district_code
                JOIN province p ON p.code = f.province_code
                LEFT JOIN LATERAL ({LATEST_POPULATION_SQL.format(code="f.code")}) pop ON true
            """,
            properties=(
                Property("code", "f.code", "string", "รหัสตำบล"),
                Property("name_th", "f.name_th", "string", "ชื่อตำบล"),
                Property("name_en", "f.name_en", "string", "ชื่อตำบล (อังกฤษ)"),
                Property("district_code", "d.code", "string", "รหัสอำเภอ"),
                Property("district_name_th", "d.name_th", "string", "อำเภอ"),
                Property("province_code", "p.code", "string", "รหัสจังหวัด"),
                Property("province_name_th", "p.name_th", "string", "จังหวัด"),
                *POPULATION_PROPERTIES,
            ),
            children_key_sql="c.subdistrict_code",
            children_join_sql="",
            district_sql="f.district_code",
        ),
        AreaKind(
            id="districts",
            title_th="อำเภอ",
            description="Districts (amphoe) with their province and latest DOPA population",
            from_sql=f"""
                FROM district f
                JOIN province p ON p.code = f.province_code
                {
                _SUMMED_POPULATION.format(
                    latest=LATEST_POPULATION_SQL.format(code="t.code"),
                    where="t.district_code = f.code",
                )
            }
            """,
            properties=(
                Property("code", "f.code", "string", "รหัสอำเภอ"),
                Property("name_th", "f.name_th", "string", "ชื่ออำเภอ"),
                Property("name_en", "f.name_en", "string", "ชื่ออำเภอ (อังกฤษ)"),
                Property("province_code", "p.code", "string", "รหัสจังหวัด"),
                Property("province_name_th", "p.name_th", "string", "จังหวัด"),
                *POPULATION_PROPERTIES,
            ),
            children_key_sql="left(c.subdistrict_code, 4)",
            children_join_sql="",
            district_sql="f.code",
        ),
        AreaKind(
            id="offices",
            title_th="สำนักงานเขตพื้นที่การศึกษา",
            description="Educational Service Area Offices: the districts each serves, as one "
            "area, with their latest DOPA population",
            from_sql=f"""
                FROM (
                    SELECT o.code, o.name_th, o.kind::text AS kind, o.province_code,
                        array_agg(od.district_code::text ORDER BY od.district_code)
                            AS district_codes,
                        ST_Multi(ST_Union(d.geom)) AS geom
                    FROM service_area_office o
                    JOIN service_area_office_district od ON od.office_code = o.code
                    JOIN district d ON d.code = od.district_code
                    GROUP BY o.code
                ) f
                {
                _SUMMED_POPULATION.format(
                    latest=LATEST_POPULATION_SQL.format(code="t.code"),
                    where="t.district_code = ANY(f.district_codes)",
                )
            }
            """,
            properties=(
                Property("code", "f.code", "string", "รหัสสำนักงาน"),
                Property("name_th", "f.name_th", "string", "ชื่อสำนักงาน"),
                Property("kind", "f.kind", "string", "ประเภท", vocabulary="office_kind"),
                Property("province_code", "f.province_code", "string", "รหัสจังหวัด"),
                Property(
                    "district_codes",
                    "array_to_string(f.district_codes, ',')",
                    "string",
                    "อำเภอที่รับผิดชอบ",
                ),
                *POPULATION_PROPERTIES,
            ),
            children_key_sql="od.office_code",
            children_join_sql="JOIN service_area_office_district od "
            "ON od.district_code = left(c.subdistrict_code, 4)",
            district_sql="f.district_codes",
            district_is_array=True,
        ),
    )
}

COVERAGE_TITLES_TH = {
    "compulsory_age": "เด็กวัยการศึกษาภาคบังคับ",
    "compulsory_enrolled": "วัยภาคบังคับที่เรียนอยู่",
    "out_of_school": "เด็กนอกระบบ",
    "beyond_distance": "วัยภาคบังคับ บ้านไกลโรงเรียนเกินเกณฑ์",
    "pre_primary_age": "เด็กวัยก่อนประถมศึกษา",
    "pre_primary_enrolled": "วัยก่อนประถมที่เรียนอยู่",
    "pre_primary_beyond_distance": "วัยก่อนประถม บ้านไกลโรงเรียนเกินเกณฑ์",
    "due_prathom1_next_year": "ต้องเข้า ป.1 ปีการศึกษาหน้า",
}
RATES = {
    "coverage_rate": ("compulsory_enrolled", "compulsory_age", "อัตราการเข้าเรียน (ภาคบังคับ)"),
    "pre_primary_rate": ("pre_primary_enrolled", "pre_primary_age", "อัตราการเข้าเรียน (ก่อนประถม)"),
}


def _area_layer(kind: AreaKind) -> Layer:
    return Layer(
        id=kind.id,
        title_th=kind.title_th,
        description=kind.description,
        from_sql=kind.from_sql,
        key_sql="f.code",
        geometry_sql="f.geom",
        properties=kind.properties,
        version_sql="SELECT 'g' || coalesce(max(id), 0) FROM load_log",
    )


def round_layer_id(kind: str, round_year: int) -> str:
    return f"{kind}_{round_year}"


def coverage_layer(
    kind: AreaKind,
    round_year: int,
    scope: CountScope,
    complements: Mapping[str, set[str]] | None = None,
) -> Layer:
    """The areas of a census round's province with the round's coverage figures: counts of
    1-4 children null (and rates of fewer than 5 children null) outside the reader's scope,
    and the ``complements`` (area code -> figures withheld beside a hidden one in its column,
    ``gis.coverage.area_complements``) null too."""
    exact = scope.condition(kind.district_sql, array=kind.district_is_array)
    # A linked count (gis.coverage.LINKED_COUNTS) beside a small one is withheld, and its rate.
    withheld: dict[str, str] = {}
    for part, whole, difference, rate_name in LINKED_COUNTS:
        small = linked_small_sql(f"coalesce(k.{part}, 0)", f"coalesce(k.{whole}, 0)")
        for name in (part, difference, rate_name):
            if name is not None:
                withheld[name] = small
    complement_params: dict[str, list[str]] = {}
    for code, names in (complements or {}).items():
        for name in names:
            complement_params.setdefault(f"complement_{name}", []).append(code)
    for param in complement_params:
        name = param.removeprefix("complement_")
        condition = f"f.code = ANY(:{param})"
        withheld[name] = f"({withheld[name]} OR {condition})" if name in withheld else condition

    def shown(name: str, sql: str) -> str:
        if name not in withheld or exact == "true":
            return sql
        return f"CASE WHEN {withheld[name]} AND NOT {exact} THEN NULL ELSE {sql} END"

    counts = tuple(
        Property(
            name,
            shown(name, _small_hidden(f"coalesce(k.{name}, 0)", exact)),
            "integer",
            COVERAGE_TITLES_TH[name],
            hidden_when_small=True,
        )
        for name in COVERAGE_COUNTS
    )
    rates = tuple(
        Property(
            name,
            shown(
                name,
                f"CASE WHEN coalesce(k.{whole}, 0) >= 5 OR {exact} "
                f"THEN round(k.{part}::numeric / nullif(k.{whole}, 0), 4) END",
            ),
            "number",
            title,
            hidden_when_small=True,
        )
        for name, (part, whole, title) in RATES.items()
    )
    start, end = _academic_year_sql(":round_year")
    return Layer(
        id=round_layer_id(kind.id, round_year),
        title_th=f"{kind.title_th}: การเข้าเรียน ปีการศึกษา {round_year}",
        description=f"{kind.description}; the coverage figures of census round {round_year} "
        "(counts of 1-4 children null for the public)",
        from_sql=f"""
            {kind.from_sql}
            JOIN census_round r ON r.academic_year = :round_year
                AND r.province_code = f.province_code
            LEFT JOIN (
                SELECT {kind.children_key_sql} AS key, {COVERAGE_COUNTS_SQL}
                FROM child_coverage c {kind.children_join_sql}
                WHERE c.round_year = :round_year GROUP BY 1
            ) k ON k.key = f.code
        """,
        key_sql="f.code",
        geometry_sql="f.geom",
        properties=(
            *kind.properties,
            Property("round_year", "r.academic_year::int", "integer", "ปีการศึกษา (พ.ศ.)"),
            *counts,
            *rates,
        ),
        version_sql="SELECT coalesce(max(refreshed_at)::text, '') FROM coverage_state "
        "WHERE round_year = :round_year",
        params={"round_year": round_year, **scope.params(), **complement_params},
        exact_counts=scope.everywhere,
        varies_by_reader=not scope.nowhere,
        time_sql=(start, end),
    )


# --- schools and their service areas ---------------------------------------------------------

LEVELS_OF_SCHOOL_SQL = "concat_ws(',', {})".format(
    ", ".join(
        f"CASE WHEN f.grades && ARRAY[{', '.join(repr(g) for g in grades)}]::varchar[] "
        f"THEN '{level}' END"
        for level, grades in LEVELS.items()
    )
)


# Changes with any school, enrolment, device or link (the tiles' ETag).
SCHOOLS_VERSION_SQL = """
    SELECT concat_ws('-',
        (SELECT count(*) || '.' || max(updated_at) FROM school),
        (SELECT count(*) || '.' || sum(enrolled_male + enrolled_female + classrooms)
         FROM school_grade_year),
        (SELECT count(*) || '.' || sum(working) FROM ict_device),
        (SELECT count(*) || '.' || sum(mbps) FROM internet_link))
"""


def schools_layer() -> Layer:
    return Layer(
        id="schools",
        title_th="โรงเรียน",
        description="Schools with their grades, levels, office, enrolment and capacity of their "
        "latest academic year, ICT devices and internet link",
        from_sql=f"""
        FROM school f
        LEFT JOIN LATERAL (
            SELECT gy.academic_year, sum(gy.enrolled_male + gy.enrolled_female)::int AS enrolled,
                sum({seats_sql("gy.grade", "gy.classrooms")})::int AS capacity,
                sum(gy.classrooms)::int AS classrooms
            FROM school_grade_year gy
            WHERE gy.school_id = f.id AND gy.academic_year = (
                SELECT max(academic_year) FROM school_grade_year WHERE school_id = f.id)
            GROUP BY gy.academic_year
        ) e ON true
        LEFT JOIN LATERAL (
            SELECT sum(d.count)::int AS devices, sum(d.working)::int AS working,
                sum(d.working) FILTER (WHERE d.purpose = 'learning')::int AS learning
            FROM ict_device d WHERE d.school_id = f.id
        ) ict ON true
        LEFT JOIN LATERAL (
            SELECT i.link_type, i.mbps FROM internet_link i WHERE i.school_id = f.id
            ORDER BY i.mbps DESC LIMIT 1
        ) net ON true
    """,
        key_sql="f.code",
        geometry_sql="f.location",
        geometry_type="points",
        version_sql=SCHOOLS_VERSION_SQL,
        params=norm_params(),
        properties=(
            Property("code", "f.code", "string", "รหัสโรงเรียน"),
            Property("name_th", "f.name_th", "string", "ชื่อโรงเรียน"),
            Property(
                "grades",
                "array_to_string(f.grades, ',')",
                "string",
                "ชั้นที่เปิดสอน",
                vocabulary="grade",
            ),
            Property("levels", LEVELS_OF_SCHOOL_SQL, "string", "ระดับที่เปิดสอน", vocabulary="level"),
            Property("affiliation", "f.affiliation", "string", "สังกัด", vocabulary="affiliation"),
            Property("office_code", "f.office_code", "string", "สำนักงานเขตพื้นที่"),
            Property("subdistrict_code", "f.subdistrict_code", "string", "รหัสตำบล"),
            Property(
                "location_source",
                "f.location_source",
                "string",
                "ที่มาของพิกัด",
                vocabulary="school_location",
            ),
            Property(
                "location_accuracy_m", "f.location_accuracy_m", "number", "ความคลาดเคลื่อน (ม.)"
            ),
            Property("academic_year", "e.academic_year::int", "integer", "ปีการศึกษาของข้อมูลนักเรียน"),
            Property("students", "e.enrolled", "integer", "นักเรียน"),
            Property("capacity", "e.capacity", "integer", "ความจุ (ที่นั่งตามเกณฑ์)"),
            Property("classrooms", "e.classrooms", "integer", "ห้องเรียน"),
            Property(
                "utilisation",
                "round(e.enrolled::numeric / nullif(e.capacity, 0), 3)",
                "number",
                "อัตราการใช้ความจุ",
            ),
            Property("devices", "coalesce(ict.devices, 0)", "integer", "อุปกรณ์ ICT"),
            Property("devices_working", "coalesce(ict.working, 0)", "integer", "ใช้งานได้"),
            Property("learning_devices", "coalesce(ict.learning, 0)", "integer", "อุปกรณ์เพื่อการเรียน"),
            Property(
                "internet_link", "net.link_type", "string", "อินเทอร์เน็ต", vocabulary="internet_link"
            ),
            Property("internet_mbps", "net.mbps", "number", "ความเร็วอินเทอร์เน็ต (Mbps)"),
        ),
    )


def service_area_layer_id(level: str) -> str:
    return f"service_areas_{level}"


def service_area_layer(level: str) -> Layer:
    """The current service area of each school teaching ``level``, of every academic year
    (``datetime`` picks a year: each area's time is its academic years)."""
    time_sql = _academic_year_sql("f.academic_year", "coalesce(f.valid_to_year, f.academic_year)")
    return Layer(
        id=service_area_layer_id(level),
        title_th=f"เขตบริการ {LEVEL_LABELS_TH[level]}",
        description=f"Schools' current service areas for {level.replace('_', ' ')}, by "
        "academic year",
        from_sql="""
            FROM service_area f JOIN school s ON s.id = f.school_id
                AND f.is_current AND f.level = :level
        """,
        key_sql="f.id::text",
        geometry_sql="f.geom",
        properties=(
            Property("school_code", "s.code", "string", "รหัสโรงเรียน"),
            Property("school_name_th", "s.name_th", "string", "โรงเรียน"),
            Property("level", "f.level", "string", "ระดับ", vocabulary="level"),
            Property("academic_year", "f.academic_year::int", "integer", "ปีการศึกษา (พ.ศ.)"),
            Property("valid_to_year", "f.valid_to_year::int", "integer", "ใช้ถึงปีการศึกษา"),
            Property("method", "f.method", "string", "วิธีกำหนด", vocabulary="service_area_method"),
            Property("version", "f.version", "integer", "ฉบับที่"),
            Property("changed_at", "f.changed_at", "string", "แก้ไขเมื่อ"),
        ),
        version_sql="SELECT count(*) || '-' || coalesce(max(changed_at)::text, '') "
        "FROM service_area WHERE level = :level",
        params={"level": level},
        time_sql=time_sql,
    )


# --- data rounds: who has sent what ---------------------------------------------------------------


def data_round_layer_id(round_id: int) -> str:
    return f"data_round_{round_id}"


def data_round_layer(round_id: int) -> Layer:
    """The schools a data round asks, at their points, with their state: everyone sees who
    has sent and who has not (no figure of a school's is here, only its state and dates)."""
    return Layer(
        id=data_round_layer_id(round_id),
        title_th=f"การส่งข้อมูลของโรงเรียน รอบที่ {round_id}",
        description=f"The schools data round {round_id} asks, with their state "
        "(not_started, draft, submitted, returned, accepted) and when they first submitted",
        from_sql="""
            FROM data_round_school f JOIN school s ON s.id = f.school_id
            JOIN data_round r ON r.id = f.round_id AND f.round_id = :round_id
        """,
        key_sql="s.code",
        geometry_sql="s.location",
        geometry_type="points",
        properties=(
            Property("school_code", "s.code", "string", "รหัสโรงเรียน"),
            Property("school_name_th", "s.name_th", "string", "โรงเรียน"),
            Property("office_code", "s.office_code", "string", "สำนักงานเขตพื้นที่"),
            Property("round_title_th", "r.title_th", "string", "รอบ"),
            Property("state", "f.state", "string", "สถานะ", vocabulary="data_round_state"),
            Property("first_submitted_at", "f.first_submitted_at", "string", "ส่งครั้งแรกเมื่อ"),
            Property(
                "on_time",
                "f.first_submitted_at < (r.deadline + 1) AT TIME ZONE 'Asia/Bangkok'",
                "boolean",
                "ส่งทันกำหนด",
            ),
        ),
        version_sql="SELECT coalesce(max(updated_at)::text, '') || count(*) "
        "FROM data_round_school WHERE round_id = :round_id",
        params={"round_id": round_id},
    )


CONNECTIVITY_LAYER = "connectivity"


def connectivity_layer() -> Layer:
    """Every school's internet link against the norm (no link, slow, healthy), beside its
    working learning devices per pupil: public, as the schools layer is."""
    return Layer(
        id=CONNECTIVITY_LAYER,
        title_th="อินเทอร์เน็ตของโรงเรียน เทียบเกณฑ์",
        description="Each school's fastest link (contracted Mbps), the median speed measured "
        "while up over the last 30 days, the speed the ICT norms ask for its pupils, the share "
        "of reported days the link was up, and its state: no_link, slow or healthy",
        from_sql=f"FROM ({CONNECTIVITY_SQL}) f",
        key_sql="f.code",
        geometry_sql="f.location",
        geometry_type="points",
        properties=(
            Property("school_code", "f.code", "string", "รหัสโรงเรียน"),
            Property("school_name_th", "f.name_th", "string", "โรงเรียน"),
            Property("office_code", "f.office_code", "string", "สำนักงานเขตพื้นที่"),
            Property("district_code", "f.district_code", "string", "รหัสอำเภอ"),
            Property("status", "f.status", "string", "สถานะ", vocabulary="connectivity"),
            Property("contracted_mbps", "f.contracted_mbps", "number", "ความเร็วตามสัญญา (Mbps)"),
            Property("median_mbps", "f.median_mbps", "number", "ความเร็ววัดได้ (มัธยฐาน, Mbps)"),
            Property("required_mbps", "f.required_mbps", "number", "ความเร็วตามเกณฑ์ (Mbps)"),
            Property(
                "uptime_share",
                "round((f.days_reported - f.days_down)::numeric / nullif(f.days_reported, 0), 4)",
                "number",
                "สัดส่วนวันที่ใช้งานได้ (จากวันที่มีรายงาน)",
            ),
            Property("pupils", "f.pupils", "integer", "นักเรียน"),
            Property("learning_devices", "f.learning_devices", "integer", "อุปกรณ์เพื่อการเรียน"),
            Property(
                "pupils_per_learning_device",
                "round(f.pupils::numeric / nullif(f.learning_devices, 0), 1)",
                "number",
                "นักเรียนต่ออุปกรณ์เพื่อการเรียน 1 เครื่อง",
            ),
        ),
        version_sql="SELECT concat((SELECT max(id) FROM link_status_report), '/', "
        "(SELECT count(*) FROM internet_link), '/', (SELECT max(updated_at) FROM school), '/', "
        "(SELECT sum(working) FROM ict_device), '/', current_date)",
        params=connectivity_params(),
    )


def data_round_ids(session: Session) -> list[int]:
    return list(session.scalars(text("SELECT id FROM data_round ORDER BY id")))


# --- the catalogue ------------------------------------------------------------------------------


def round_years(session: Session) -> list[int]:
    return list(
        session.scalars(text("SELECT academic_year FROM census_round ORDER BY academic_year"))
    )


def public_layer_ids(session: Session) -> list[str]:
    """Every collection anyone may open, in the order the collections list shows them."""
    return [
        *AREA_KINDS,
        *(round_layer_id(kind, year) for year in round_years(session) for kind in AREA_KINDS),
        "schools",
        *(service_area_layer_id(level) for level in LEVELS),
        "villages",
        CONNECTIVITY_LAYER,
        *(data_round_layer_id(round_id) for round_id in data_round_ids(session)),
    ]


# A round's complements per kind of area, with the stored coverage's version they were worked
# out from: every page and tile of the layer needs them, and for the country they cost seconds
# (a group-by over every child), so they are worked out once per refresh, not per request.
_COMPLEMENTS: dict[tuple[str, str, int], tuple[str, dict[str, set[str]]]] = {}
_COMPLEMENTS_LOCK = threading.Lock()


def _round_complements(session: Session, kind: str, round_year: int) -> dict[str, set[str]]:
    """``area_complements`` of every tambon or district of the round (the choice depends only
    on each parent's own areas, so the whole round's agrees with any filter's)."""
    key = (session.get_bind().engine.url.render_as_string(), kind, round_year)
    version = coverage_version(session, round_year)
    with _COMPLEMENTS_LOCK:
        found = _COMPLEMENTS.get(key)
    if found is not None and found[0] == version:
        return found[1]
    exact = (
        subdistrict_coverage(session, round_year, suppress=False)
        if kind == "tambons"
        else area_coverage(session, round_year, by="district", suppress=False)
    )
    complements = area_complements(exact, "subdistrict_code" if kind == "tambons" else "district")
    with _COMPLEMENTS_LOCK:
        _COMPLEMENTS[key] = (version, complements)
    return complements


def public_layer(session: Session, layer_id: str, scope: CountScope) -> Layer:
    """A layer anyone may open, its counts of children exact within ``scope``."""
    if layer_id in AREA_KINDS:
        return _area_layer(AREA_KINDS[layer_id])
    if layer_id == "schools":
        return schools_layer()
    if layer_id == "villages":
        return villages_layer(session, scope)
    if layer_id == CONNECTIVITY_LAYER:
        return connectivity_layer()
    for level in LEVELS:
        if layer_id == service_area_layer_id(level):
            return service_area_layer(level)
    if layer_id.startswith("data_round_") and layer_id.removeprefix("data_round_").isdigit():
        round_id = int(layer_id.removeprefix("data_round_"))
        if round_id in data_round_ids(session):
            return data_round_layer(round_id)
    kind, _, year = layer_id.rpartition("_")
    if kind in AREA_KINDS and year.isdigit() and int(year) in round_years(session):
        complements = None
        if kind in ("tambons", "districts") and not scope.everywhere:
            complements = _round_complements(session, kind, int(year))
        return coverage_layer(AREA_KINDS[kind], int(year), scope, complements)
    raise NotFoundError(f"no collection {layer_id}")


def _named(node: Any) -> list[str]:
    """The properties a CQL2 JSON expression names."""
    if isinstance(node, dict):
        if "property" in node:
            return [str(node["property"])]
        return [name for value in node.values() for name in _named(value)]
    if isinstance(node, list):
        return [name for value in node for name in _named(value)]
    return []


def data_version(session: Session, item: Layer) -> str:
    return str(session.execute(text(item.version_sql), dict(item.params)).scalar_one())


def extent(session: Session, item: Layer) -> list[float] | None:
    """The layer's bounding box in CRS84 (lon/lat)."""
    box = session.execute(
        text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            f"(SELECT ST_Extent({item.geometry_sql}) AS e {item.from_sql}) x"
        ),
        dict(item.params),
    ).one()
    return None if box[0] is None else [round(float(v), 6) for v in box]


@dataclass(frozen=True)
class Period:
    """An instant or interval of ``datetime`` (either end open)."""

    start: dt.datetime | None
    end: dt.datetime | None


def temporal_extent(session: Session, item: Layer) -> list[str | None] | None:
    """The first and last dates of the layer's features, or None if it has no time."""
    if item.time_sql is None:
        return None
    first, last = item.time_sql
    found = session.execute(
        text(f"SELECT min({first}), max({last}) {item.from_sql}"), dict(item.params)
    ).one()
    if found[0] is None:
        return [None, None]
    return [f"{found[0].isoformat()}T00:00:00Z", f"{found[1].isoformat()}T23:59:59Z"]


@dataclass(frozen=True)
class Page:
    features_json: str  # a JSON array of GeoJSON features, as PostGIS wrote it
    returned: int
    matched: int


def items(
    session: Session,
    item: Layer,
    *,
    bbox: BBox | None,
    limit: int,
    offset: int,
    crs: Crs = CRS84,
    bbox_crs: Crs = CRS84,
    cql: dict[str, Any] | None = None,
    during: Period | None = None,
) -> Page:
    """A page of features in the layer's order, and how many match in all: inside ``bbox``
    (given in ``bbox_crs``), matching the CQL2 filter, at a time in ``during``, with
    geometries in ``crs``."""
    conditions = []
    params: dict[str, Any] = {**item.params, "limit": limit, "offset": offset}
    if during is not None:
        if item.time_sql is None:
            raise InvalidInputError("datetime", f"{item.id} has no time to select by")
        first, last = item.time_sql
        # A feature's last date counts whole: it ends as the next day begins.
        if during.end is not None:
            conditions.append(f"{first} <= CAST(:during_end AS timestamptz)")
            params["during_end"] = during.end
        if during.start is not None:
            conditions.append(f"({last} + 1) > CAST(:during_start AS timestamptz)")
            params["during_start"] = during.start
    if bbox is not None:
        condition, values = bbox_condition(item.geometry_sql, bbox)
        if bbox_crs != CRS84:
            envelope = bbox_crs.envelope_sql(("bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1"))
            condition = f"ST_Intersects({item.geometry_sql}, {envelope})"
        conditions.append(condition)
        params |= values
    if cql is not None:
        hidden = {p.name for p in item.properties if p.hidden_when_small} & set(_named(cql))
        if hidden and not item.exact_counts:
            raise InvalidInputError(
                "filter", f"{', '.join(sorted(hidden))} hides counts under 5: not a filter"
            )
        condition, values = filter_sql(cql, item.queryables(), item.geometry_sql)
        conditions.append(condition)
        params |= values
    where = " AND ".join(conditions) or "true"
    matched = session.execute(
        text(f"SELECT count(*) {item.from_sql} WHERE {where}"), params
    ).scalar_one()
    # The page as one JSON text from PostGIS: parsing megabytes of polygons into Python objects
    # only to write them out again cost 1.5 s for Nan's tambons.
    returned, features = session.execute(
        text(
            f"SELECT count(*), coalesce(json_agg(page.feature ORDER BY page.key), '[]')::text "
            f"FROM (SELECT {item.feature_sql(crs)} AS feature, {item.key_sql} AS key "
            f"{item.from_sql} WHERE {where} "
            f"ORDER BY {item.key_sql} LIMIT :limit OFFSET :offset) page"
        ),
        params,
    ).one()
    return Page(features_json=str(features), returned=int(returned), matched=int(matched))


def feature(session: Session, item: Layer, feature_id: str, crs: Crs = CRS84) -> Any:
    found = session.execute(
        text(f"SELECT {item.feature_sql(crs)} {item.from_sql} WHERE {item.key_sql} = :id"),
        {**item.params, "id": feature_id},
    ).scalar()
    if found is None:
        raise NotFoundError(f"no feature {feature_id} in {item.id}")
    return found


# --- vector tiles (OGC API - Tiles, WebMercatorQuad) -------------------------------------------

TILE_EXTENT = 4096  # MVT's own grid per tile
TILE_BUFFER = 64


def tile(session: Session, item: Layer, z: int, x: int, y: int) -> bytes:
    """One Mapbox Vector Tile of the layer (layer name = the collection's id), cut and encoded
    by PostGIS; an empty tile is zero bytes."""
    columns = ", ".join(f'{p.sql} AS "{p.name}"' for p in item.properties)
    found = session.execute(
        text(
            f"""
            WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS box),
            features AS (
                -- Simplified to one tile unit first: finer detail cannot be drawn, and
                -- full-resolution tambons made a z9 tile of Nan 4x heavier.
                SELECT ST_AsMVTGeom(
                    ST_Simplify(ST_Transform({item.geometry_sql}, 3857),
                                (ST_XMax(bounds.box) - ST_XMin(bounds.box)) / {TILE_EXTENT},
                                true),
                    bounds.box, {TILE_EXTENT}, {TILE_BUFFER}, true) AS geom,
                       {item.key_sql} AS "id", {columns}
                {item.from_sql}, bounds
                WHERE ST_Intersects({item.geometry_sql}, ST_Transform(bounds.box, 4326))
            )
            SELECT ST_AsMVT(features, :name, {TILE_EXTENT}, 'geom') FROM features
            WHERE geom IS NOT NULL
            """
        ),
        {**item.params, "z": z, "x": x, "y": y, "name": item.id},
    ).scalar()
    return bytes(found or b"")


# --- named children (for the roles and area the access policy allows) -------------------------


def latest_round(session: Session) -> int:
    """The census round the layers of children show: the latest."""
    found = session.execute(text("SELECT max(academic_year) FROM census_round")).scalar()
    if found is None:
        raise NotFoundError("no census round yet")
    return int(found)


NAMED_LAYERS = {
    "children_out_of_school": ("out_of_school", "เด็กนอกระบบ (รายชื่อ)"),
    "children_beyond_distance": ("beyond_distance", "เด็กที่บ้านไกลโรงเรียนเกินเกณฑ์ (รายชื่อ)"),
}


def named_layer(
    session: Session, layer_id: str, area: tuple[str | None, str | None, str | None]
) -> Layer:
    """A layer of children not served in one way, by name, at their homes, of the latest
    census round, within ``area`` (province, district, office: what the access policy gives
    the reader). The caller checks the reader may see it and audits each read."""
    flag, title_th = NAMED_LAYERS[layer_id]
    round_year = latest_round(session)
    # An admin's area is the whole country; anyone else's names a province, district or office.
    where, params = area_filter("c", *area) if any(area) else ("true", {})
    where = f"{where} AND {unserved_condition(flag)}"
    return Layer(
        id=layer_id,
        title_th=title_th,
        description=f"Children {flag.replace('_', ' ')} by name at their homes, round "
        f"{round_year} (personal data: the reader's office only, each read audited)",
        from_sql=f"""
            FROM (
                WITH over_capacity AS ({OVER_CAPACITY_SQL})
                SELECT c.*, t.name_th AS subdistrict_name_th, v.name_th AS village_name_th
                FROM ({stored_coverage_sql(where)}) c
                JOIN subdistrict t ON t.code = c.subdistrict_code
                LEFT JOIN village v ON v.id = c.village_id
            ) f
        """,
        key_sql="f.id::text",
        geometry_sql="f.location",
        geometry_type="points",
        properties=(
            Property("title", "f.title", "string", "คำนำหน้า"),
            Property("first_name", "f.first_name", "string", "ชื่อ"),
            Property("last_name", "f.last_name", "string", "นามสกุล"),
            Property("sex", "f.sex", "string", "เพศ", vocabulary="sex"),
            Property(
                "expected_grade",
                "f.expected_grade",
                "string",
                "ชั้นที่ควรเรียน",
                vocabulary="grade",
            ),
            Property(
                "enrolment_status",
                "f.enrolment_status",
                "string",
                "การเรียน",
                vocabulary="enrolment_status",
            ),
            Property("not_enrolled_reason", "f.not_enrolled_reason", "string", "สาเหตุ"),
            Property("house_number", "f.house_number", "string", "บ้านเลขที่"),
            Property("moo", "f.moo", "integer", "หมู่ที่"),
            Property("village_name_th", "f.village_name_th", "string", "หมู่บ้าน"),
            Property("subdistrict_code", "f.subdistrict_code", "string", "รหัสตำบล"),
            Property("subdistrict_name_th", "f.subdistrict_name_th", "string", "ตำบล"),
        ),
        version_sql="SELECT coalesce(max(refreshed_at)::text, '') FROM coverage_state "
        "WHERE round_year = :round_year",
        params=coverage_params(round_year) | params | {"round_year": round_year},
        personal=True,
    )


# --- villages with counts of children (small counts hidden from the public) ----------------------


def villages_layer(session: Session, scope: CountScope) -> Layer:
    """Villages with their out-of-school children counted (the latest census round): exact
    within the reader's scope, counts of 1-4 as null (``out_of_school_hidden`` true) elsewhere."""
    round_year = latest_round(session)
    count = "coalesce(k.children, 0)"
    exact = scope.condition("t.district_code")
    return Layer(
        id="villages",
        title_th="หมู่บ้าน",
        description="Villages with the number of out-of-school children of the latest census "
        "round (counts of 1-4 hidden from the public)",
        from_sql="""
            FROM village f
            JOIN subdistrict t ON t.code = f.subdistrict_code
            LEFT JOIN (
                -- Secondary suppression down the tambon's column (its count is public): where
                -- one village of a tambon is 1-4, its smallest other non-zero village is
                -- withheld too (kernel.disclosure.complement), or the tambon less the shown
                -- villages would give the hidden one back.
                SELECT v.id AS village_id, n.children,
                    count(*) FILTER (WHERE n.children BETWEEN 1 AND 4)
                        OVER (PARTITION BY v.subdistrict_code) = 1
                    AND coalesce(n.children, 0) >= 5
                    AND row_number() OVER (
                        PARTITION BY v.subdistrict_code
                        ORDER BY coalesce(n.children, 0) < 5, n.children, v.id
                    ) = 1 AS complement
                FROM village v JOIN (
                    SELECT h.village_id, count(*)::int AS children FROM child_coverage c
                    JOIN household h ON h.id = c.household_id
                    WHERE c.round_year = :round_year AND c.out_of_school GROUP BY h.village_id
                ) n ON n.village_id = v.id
            ) k ON k.village_id = f.id
        """,
        key_sql="f.id::text",
        geometry_sql="f.geom",
        geometry_type="points",
        properties=(
            Property("code", "f.code", "string", "รหัสหมู่บ้าน"),
            Property("name_th", "f.name_th", "string", "ชื่อหมู่บ้าน"),
            Property("moo", "f.moo", "integer", "หมู่ที่"),
            Property("subdistrict_code", "f.subdistrict_code", "string", "รหัสตำบล"),
            Property("subdistrict_name_th", "t.name_th", "string", "ตำบล"),
            Property(
                "out_of_school",
                f"CASE WHEN k.complement AND NOT {exact} THEN NULL "
                f"ELSE {_small_hidden(count, exact)} END",
                "integer",
                "เด็กนอกระบบ",
                hidden_when_small=True,
            ),
            Property(
                "out_of_school_hidden",
                f"(({count} BETWEEN 1 AND 4 OR coalesce(k.complement, false)) AND NOT {exact})",
                "boolean",
                "ไม่แสดงจำนวน (น้อยกว่า 5 หรือเพื่อไม่ให้คำนวณย้อนได้)",
            ),
        ),
        version_sql="SELECT coalesce(max(refreshed_at)::text, '') FROM coverage_state "
        "WHERE round_year = :round_year",
        params={"round_year": round_year, **scope.params()},
        exact_counts=scope.everywhere,
        varies_by_reader=not scope.nowhere,
    )
