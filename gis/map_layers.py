"""The coverage map's layers as data: GeoJSON the map page fetches, so the page stays small
whatever the area's size, and every filter (province, district, office, level) applies to every
layer alike.

Public layers (tambons come from the coverage API) are schools with their capacity, ICT and
buildings, district borders, and unserved children counted per village (1-4 shown as "<5");
the named layer (children by name) is for the roles the access policy allows, in the area it
allows, and the router audits each read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.follow_up import LATEST_FINDING_SQL
from gis import coverage
from gis.schools.norms import OVER_CAPACITY_SQL, norm_params, seats_sql
from gis.schools.resources import RESOURCES_SQL
from gis.villages import VILLAGE_OF_MOO_SQL
from kernel.areas import area_filter, district_filter
from kernel.disclosure import suppress_small_count
from kernel.errors import InvalidInputError
from kernel.extent import BBox, bbox_condition
from kernel.names import normalise_thai_name
from kernel.vocabulary import GRADE_LABELS_TH, LEVELS, utm_srid_sql

# How many named children one request may draw; an office's flagged children fit easily.
NAMED_LIMIT = 20_000


@dataclass(frozen=True)
class Area:
    """Where a map looks: any of province, district and office (all given apply), and a level
    narrowing schools, service areas and children."""

    province: str | None = None
    district: str | None = None
    esao: str | None = None
    level: str | None = None

    def where(self, alias: str) -> tuple[str, dict[str, Any]]:
        """SQL on ``alias.subdistrict_code`` and its parameters."""
        return area_filter(alias, self.province, self.district, self.esao)


def _feature_collection(features: list[dict[str, Any]], **members: Any) -> str:
    return json.dumps({"type": "FeatureCollection", **members, "features": features})


def area_bounds(session: Session, area: Area) -> list[list[float]]:
    """[[south, west], [north, east]] of the area's tambons."""
    where, params = area.where("s")
    box = session.execute(
        text(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM ("
            "SELECT ST_Extent(s.geom) AS e FROM (SELECT t.*, t.code AS subdistrict_code "
            f"FROM subdistrict t) s WHERE {where}) x"
        ),
        params,
    ).one()
    if box[0] is None:
        raise InvalidInputError("query", "no tambon in the area asked for")
    return [[box[0], box[1]], [box[2], box[3]]]


def _utilisation_class(enrolled: int, capacity: int) -> str:
    if not capacity:
        return "unknown"
    share = enrolled / capacity
    return "over" if share > 1 else "near" if share > 0.8 else "room"


def school_rows(session: Session, round_year: int, area: Area) -> list[dict[str, Any]]:
    """Schools of the area (teaching the level, if one is given) with enrolment, capacity,
    Prathom 1 seats and next year's demand from their service areas, ICT and buildings."""
    where, params = area.where("s")
    if area.level:
        where += " AND s.grades && CAST(:level_grades AS varchar[])"
        params["level_grades"] = list(LEVELS[area.level])
    rows = session.execute(
        text(
            f"""
        WITH latest AS (
            SELECT DISTINCT ON (school_id) school_id, academic_year FROM school_grade_year
            WHERE academic_year <= :round_year
              AND school_id IN (SELECT s.id FROM school s WHERE {where})
            ORDER BY school_id, academic_year DESC
        ), years AS (
            SELECT gy.school_id,
                   sum(gy.enrolled_male + gy.enrolled_female) AS enrolled,
                   sum({seats_sql("gy.grade", "gy.classrooms")}) AS capacity,
                   sum(gy.classrooms) FILTER (WHERE gy.grade = 'P1') * :norm_primary
                       AS p1_capacity
            FROM school_grade_year gy JOIN latest l ON l.school_id = gy.school_id
                 AND l.academic_year = gy.academic_year
            GROUP BY 1
        ), p1_demand AS (
            SELECT school_id, count(*) AS children
            FROM ({coverage.area_children_sql(where, "sa.level = 'primary'")}) c,
                 unnest(c.primary_area_school_ids) AS school_id
            WHERE c.due_prathom1_next_year
            GROUP BY 1
        )
        SELECT s.id, s.code, s.code_synthetic, s.name_th, s.grades,
               left(s.subdistrict_code, 4) AS district_code,
               ST_X(s.location) AS lon, ST_Y(s.location) AS lat,
               coalesce(y.enrolled, 0)::int AS enrolled,
               coalesce(y.capacity, 0)::int AS capacity,
               coalesce(y.p1_capacity, 0)::int AS p1_capacity,
               coalesce(pd.children, 0)::int AS p1_demand,
               {RESOURCES_SQL}
        FROM school s LEFT JOIN years y ON y.school_id = s.id
        LEFT JOIN p1_demand pd ON pd.school_id = s.id
        WHERE {where}
        ORDER BY s.code
        """
        ),
        params | {"round_year": round_year} | norm_params(),
    )
    return [dict(r) for r in rows.mappings()]


def schools_geojson(
    session: Session,
    round_year: int,
    area: Area,
    *,
    exact_counts: Callable[[str, str], bool],
) -> str:
    """Schools as points with what a planner weighs: seats used, Prathom 1 next year, ICT and
    buildings. ``exact_counts(code, district)`` says whose small demand counts are shown exactly
    (the school's editors: the caller may then also open its call list)."""
    features = []
    for s in school_rows(session, round_year, area):
        exact = exact_counts(s["code"], s["district_code"])
        enrolled = s["enrolled"]
        features.append(
            {
                "type": "Feature",
                "id": s["code"],
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {
                    "code": s["code"],
                    "name_th": s["name_th"],
                    "code_synthetic": s["code_synthetic"],
                    "grades_th": _grade_span_th(s["grades"]),
                    "enrolled": enrolled,
                    "capacity": s["capacity"],
                    "seats_free": s["capacity"] - enrolled,
                    "utilisation": _utilisation_class(enrolled, s["capacity"]),
                    "p1_capacity": s["p1_capacity"],
                    "p1_demand": s["p1_demand"] if exact else suppress_small_count(s["p1_demand"]),
                    "learning_devices_per_pupil": (
                        round(s["learning_devices"] / enrolled, 2) if enrolled else None
                    ),
                    "internet_mbps": _number(s["mbps"]),
                    "broken_devices": s["broken_devices"],
                    "buildings": s["buildings"],
                    "building_condition": _number(s["building_condition"]),
                    "call_list": exact,
                },
            }
        )
    return _feature_collection(features, round=round_year)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _grade_span_th(grades: list[str] | None) -> str:
    """อ.1-ป.6 for a school teaching K1 to P6: the first and last grade in Thai."""
    if not grades:
        return "-"
    order = list(GRADE_LABELS_TH)
    taught = sorted(grades, key=lambda g: order.index(g) if g in order else len(order))
    first, last = GRADE_LABELS_TH.get(taught[0], taught[0]), GRADE_LABELS_TH.get(taught[-1], "")
    return first if first == last else f"{first}-{last}"


def districts_geojson(session: Session, area: Area, simplify_m: float = 100.0) -> str:
    """District borders of the area, simplified in their UTM zone, with a label point each."""
    where, params = district_filter("d", area.province, area.district, area.esao)
    return str(
        session.execute(
            text(
                f"""
        SELECT jsonb_build_object('type', 'FeatureCollection', 'features',
            coalesce(jsonb_agg(jsonb_build_object(
                'type', 'Feature', 'id', d.code,
                'geometry', ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(
                    ST_Transform(d.geom, {utm_srid_sql("d.geom")}), :tolerance), 4326), 5)::jsonb,
                'properties', jsonb_build_object(
                    'code', d.code, 'name_th', d.name_th,
                    'label', ST_AsGeoJSON(ST_PointOnSurface(d.geom), 5)::jsonb -> 'coordinates'))
            ORDER BY d.code), '[]'::jsonb))::text
        FROM district d
        WHERE {where}
        """
            ),
            params | {"tolerance": simplify_m},
        ).scalar_one()
    )


def service_areas_geojson(session: Session, round_year: int, area: Area) -> str:
    """The current service areas of the area's schools for the round, of the level asked
    (primary by default), simplified for drawing (about 30 m)."""
    where, params = area.where("s")
    level = area.level or "primary"
    return str(
        session.execute(
            text(
                f"""
        SELECT jsonb_build_object('type', 'FeatureCollection', 'level', CAST(:level AS text),
            'features',
            coalesce(jsonb_agg(jsonb_build_object(
                'type', 'Feature', 'id', sa.id,
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(sa.geom, 0.0003), 5)::jsonb,
                'properties', jsonb_build_object(
                    'school_code', s.code, 'school_name_th', s.name_th, 'method', sa.method,
                    'version', sa.version))
            ORDER BY s.code), '[]'::jsonb))::text
        FROM service_area sa JOIN school s ON s.id = sa.school_id
        WHERE sa.academic_year = :round_year AND sa.is_current AND sa.level = :level
          AND {where}
        """
            ),
            params | {"round_year": round_year, "level": level},
        ).scalar_one()
    )


def _unserved_where(area: Area, flag: str) -> tuple[str, dict[str, Any]]:
    where, params = area.where("c")
    if area.level:
        where += " AND c.stage = :level"
        params["level"] = area.level
    return f"{where} AND {coverage.unserved_condition(flag)}", params


def villages_geojson(session: Session, round_year: int, area: Area, flag: str) -> str:
    """Children not served in one way (``flag``), counted per village at the village's point:
    counts of 1-4 as "<5", and a drawing size that says no more than that."""
    where, params = _unserved_where(area, flag)
    rows = session.execute(
        text(
            f"""
        WITH over_capacity AS ({OVER_CAPACITY_SQL})
        SELECT v.id, v.code, v.name_th, v.moo, t.name_th AS subdistrict_name_th,
               ST_X(v.geom) AS lon, ST_Y(v.geom) AS lat, count(*)::int AS children
        FROM ({coverage.stored_coverage_sql(where)}) c
        JOIN village v ON v.id = c.village_id
        JOIN subdistrict t ON t.code = v.subdistrict_code
        GROUP BY v.id, t.name_th
        ORDER BY v.subdistrict_code, v.moo, v.id
        """
        ),
        coverage.coverage_params(round_year) | params,
    ).mappings()
    features = [_village_count_feature(r) for r in rows]
    return _feature_collection(features, round=round_year, flag=flag)


def _village_count_feature(r: Any, **more: Any) -> dict[str, Any]:
    """A village's point with a count of children (``r["children"]``), 1-4 shown as "<5"."""
    shown = suppress_small_count(r["children"])
    return {
        "type": "Feature",
        "id": r["id"],
        "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
        "properties": {
            "village_code": r["code"],
            "name_th": r["name_th"],
            "moo": r["moo"],
            "subdistrict_name_th": r["subdistrict_name_th"],
            "children": shown,
            # what the marker's size may tell: nothing below the threshold
            "size": shown if isinstance(shown, int) else 0,
            **more,
        },
    }


def register_villages_geojson(session: Session, round_year: int, area: Area) -> str:
    """Registered children out of school by what the office knows (a visit found them so, or
    the registers found no school record and nobody has visited yet), counted per village of
    their registered address (tambon and moo), the verified ones apart: counts of 1-4 as
    "<5"."""
    where, params = area.where("c")
    rows = session.execute(
        text(
            f"""
        WITH villages AS ({VILLAGE_OF_MOO_SQL})
        -- a moo with no village point (a town's communities have none) is drawn at its tambon
        SELECT vl.id, vl.code, coalesce(vl.name_th, 'ต.' || t.name_th) AS name_th, c.moo,
               t.name_th AS subdistrict_name_th,
               ST_X(coalesce(vl.geom, ST_PointOnSurface(t.geom))) AS lon,
               ST_Y(coalesce(vl.geom, ST_PointOnSurface(t.geom))) AS lat,
               count(*)::int AS children,
               (count(*) FILTER (WHERE v.finding = 'out_of_school'))::int AS verified
        FROM register_match m
        JOIN register_record c ON c.id = m.civil_record_id
        {LATEST_FINDING_SQL}
        JOIN subdistrict t ON t.code = c.subdistrict_code
        LEFT JOIN villages vl ON vl.subdistrict_code = c.subdistrict_code AND vl.moo = c.moo
        WHERE m.round_year = :round_year AND {where}
          AND (v.finding = 'out_of_school' OR (v.finding IS NULL AND m.status = 'no_record'))
        GROUP BY c.subdistrict_code, c.moo, vl.id, vl.code, vl.name_th, vl.geom, t.name_th,
                 t.geom
        ORDER BY c.subdistrict_code, c.moo
        """
        ),
        params | {"round_year": round_year},
    ).mappings()
    features = [
        _village_count_feature(
            r,
            placed_at="village" if r["id"] is not None else "tambon",
            verified=suppress_small_count(r["verified"]),
        )
        for r in rows
    ]
    return _feature_collection(features, round=round_year, source="registers")


def named_children_geojson(
    session: Session, round_year: int, area: Area, flag: str, bbox: BBox | None = None
) -> tuple[str, int]:
    """Children not served in one way, by name, at their homes, in the map's view (``bbox``)
    if one is given (for the roles and the area the access policy allows; the caller audits
    the read). Returns the GeoJSON and the number of children in it."""
    where, params = _unserved_where(area, flag)
    if bbox is not None:
        box_sql, box_params = bbox_condition("h.location", bbox)  # the home, in STORED_SQL
        where += f" AND {box_sql}"
        params |= box_params
    rows = session.execute(
        text(
            f"""
        WITH over_capacity AS ({OVER_CAPACITY_SQL})
        SELECT c.id, c.title, c.first_name, c.last_name, c.sex, c.expected_grade,
               c.enrolment_status, c.not_enrolled_reason, c.house_number, c.moo,
               v.name_th AS village_name_th, t.name_th AS subdistrict_name_th,
               ST_X(c.location) AS lon, ST_Y(c.location) AS lat
        FROM ({coverage.stored_coverage_sql(where)}) c
        JOIN subdistrict t ON t.code = c.subdistrict_code
        LEFT JOIN village v ON v.id = c.village_id
        ORDER BY c.subdistrict_code, c.moo NULLS LAST, c.last_name, c.first_name
        LIMIT :limit
        """
        ),
        coverage.coverage_params(round_year) | params | {"limit": NAMED_LIMIT + 1},
    ).mappings()
    features = [
        {
            "type": "Feature",
            "id": r["id"],
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "name": " ".join(p for p in (r["title"], r["first_name"], r["last_name"]) if p),
                "sex": r["sex"],
                "grade_th": GRADE_LABELS_TH.get(r["expected_grade"] or "", "-"),
                "enrolment_status": r["enrolment_status"],
                "reason": r["not_enrolled_reason"],
                "house_number": r["house_number"],
                "moo": r["moo"],
                "village_name_th": r["village_name_th"],
                "subdistrict_name_th": r["subdistrict_name_th"],
            },
        }
        for r in rows
    ]
    truncated = len(features) > NAMED_LIMIT
    features = features[:NAMED_LIMIT]
    body = _feature_collection(features, round=round_year, flag=flag, truncated=truncated)
    return body, len(features)


_NAME_PREFIXES = ("โรงเรียน", "ร.ร.", "รร.", "หมู่บ้าน", "บ้าน", "ตำบล", "ต.", "อำเภอ", "อ.")


def _search_keys(query: str) -> tuple[str, str]:
    """What a person typed as the names are compared (brackets and spaces do not count), and
    the same without a leading โรงเรียน, บ้าน, ตำบล, ต. ... (names are often typed without)."""
    typed = normalise_thai_name(query).replace(" ", "")
    bare = typed
    for prefix in _NAME_PREFIXES:
        if bare.startswith(prefix) and len(bare) > len(prefix):
            bare = bare[len(prefix) :]
            break
    return typed, bare


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_places(
    session: Session, query: str, area: Area, limit: int = 20
) -> list[dict[str, Any]]:
    """Schools, tambons and villages of the area whose Thai name (or code) holds what was
    typed, best first: the name as typed at its start, then anywhere, then the name without
    its prefix (บ้าน, โรงเรียน...); shorter names first within each."""
    typed, bare = _search_keys(query)
    if not typed:
        return []
    where_s, params = area.where("x")
    name = "replace(name_th, ' ', '')"
    sql = f"""
        WITH found AS (
            SELECT 'school' AS kind, x.code, x.name_th, 'ต.' || t.name_th AS context_th,
                   ST_X(x.location) AS lon, ST_Y(x.location) AS lat, NULL::float[] AS bbox
            FROM school x JOIN subdistrict t ON t.code = x.subdistrict_code
            WHERE {where_s}
            UNION ALL
            SELECT 'subdistrict', x.code, x.name_th, 'อ.' || d.name_th,
                   ST_X(ST_PointOnSurface(x.geom)), ST_Y(ST_PointOnSurface(x.geom)),
                   ARRAY[ST_XMin(x.geom), ST_YMin(x.geom), ST_XMax(x.geom), ST_YMax(x.geom)]
            FROM (SELECT s.*, s.code AS subdistrict_code FROM subdistrict s) x
            JOIN district d ON d.code = x.district_code
            WHERE {where_s}
            UNION ALL
            SELECT 'village', coalesce(x.code, x.id::text), x.name_th,
                   concat_ws(' ', 'หมู่ ' || x.moo, 'ต.' || t.name_th),
                   ST_X(x.geom), ST_Y(x.geom), NULL
            FROM village x JOIN subdistrict t ON t.code = x.subdistrict_code
            WHERE {where_s}
        ), ranked AS (
            SELECT *, CASE WHEN {name} LIKE :typed || '%' ESCAPE '\\' THEN 0
                           WHEN {name} LIKE '%' || :typed || '%' ESCAPE '\\' THEN 1
                           WHEN {name} LIKE :bare || '%' ESCAPE '\\' THEN 2
                           WHEN {name} LIKE '%' || :bare || '%' ESCAPE '\\' THEN 3
                           WHEN code = :raw THEN 0 END AS rank
            FROM found
        )
        SELECT kind, code, name_th, context_th, lon, lat, bbox FROM ranked
        WHERE rank IS NOT NULL
        ORDER BY rank, length(name_th), kind, code
        LIMIT :limit
    """
    rows = session.execute(
        text(sql),
        params
        | {
            "typed": _like_escaped(typed),
            "bare": _like_escaped(bare),
            "raw": query.strip(),
            "limit": limit,
        },
    ).mappings()
    return [dict(r) for r in rows]
