"""Read queries on the administrative geography; GeoJSON is built by PostGIS."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from kernel.errors import InvalidInputError, NotFoundError
from kernel.extent import BBox, bbox_condition
from kernel.vocabulary import utm_srid_sql

# Simplification happens in the UTM zone of each feature (47N west of 102°E, 48N east of it),
# so the tolerance is in metres everywhere in Thailand.
_UTM_SRID = utm_srid_sql("s.geom")
_COORDINATE_DECIMALS = 6  # about 0.1 m


# Tolerances kept simplified by a trigger (migration 0009); others are simplified on request.
STORED_TOLERANCES_M = (10, 50, 100, 500)


def geometry_sql(simplify_m: float | None) -> str:
    if not simplify_m:
        return "s.geom"
    if simplify_m in STORED_TOLERANCES_M:
        return (
            "(SELECT g.geom FROM subdistrict_generalised g WHERE g.code = s.code "
            f"AND g.tolerance_m = {int(simplify_m)})"
        )
    return (
        f"ST_Transform(ST_SimplifyPreserveTopology(ST_Transform(s.geom, {_UTM_SRID}), "
        ":simplify_m), 4326)"
    )


def _feature_sql(simplify_m: float | None) -> str:
    return f"""
        json_build_object(
            'type', 'Feature',
            'id', s.code,
            'geometry', ST_AsGeoJSON({geometry_sql(simplify_m)}, {_COORDINATE_DECIMALS})::json,
            'properties', json_build_object(
                'code', s.code,
                'name_th', s.name_th,
                'name_en', s.name_en,
                'district_code', d.code,
                'district_name_th', d.name_th,
                'district_name_en', d.name_en,
                'province_code', p.code,
                'province_name_th', p.name_th,
                'province_name_en', p.name_en,
                'geometry_source', s.geom_source,
                'population_total', pop.total,
                'population_male', pop.male,
                'population_female', pop.female,
                'households', pop.households,
                'population_reference_date', pop.reference_date
            )
        )
    """


_FROM_SQL = """
    FROM subdistrict s
    JOIN district d ON d.code = s.district_code
    JOIN province p ON p.code = s.province_code
    LEFT JOIN LATERAL (
        SELECT total, male, female, households, reference_date FROM population
        WHERE subdistrict_code = s.code ORDER BY reference_date DESC LIMIT 1
    ) pop ON true
"""


def list_provinces(session: Session) -> list[dict[str, Any]]:
    """Every loaded province with its counts, population and bounding box."""
    rows = session.execute(
        text(
            """
        SELECT p.code, p.name_th, p.name_en,
               (SELECT count(*) FROM district d WHERE d.province_code = p.code) AS districts,
               (SELECT count(*) FROM subdistrict s WHERE s.province_code = p.code)
                   AS subdistricts,
               (SELECT sum(pop.total) FROM population pop
                JOIN subdistrict s ON s.code = pop.subdistrict_code
                WHERE s.province_code = p.code) AS population_total,
               ST_XMin(p.geom) AS min_lon, ST_YMin(p.geom) AS min_lat,
               ST_XMax(p.geom) AS max_lon, ST_YMax(p.geom) AS max_lat
        FROM province p ORDER BY p.code
        """
        )
    ).mappings()
    return [
        {
            "code": r["code"],
            "name_th": r["name_th"],
            "name_en": r["name_en"],
            "districts": r["districts"],
            "subdistricts": r["subdistricts"],
            "population_total": int(r["population_total"]) if r["population_total"] else None,
            "bbox": [round(r[k], 6) for k in ("min_lon", "min_lat", "max_lon", "max_lat")],
        }
        for r in rows
    ]


def name_th(session: Session, table: str, code: str, label: str) -> str:
    """The Thai name of a province, district, tambon or office by code; 404 if not loaded."""
    name = session.execute(
        text(f"SELECT name_th FROM {table} WHERE code = :code"), {"code": code}
    ).scalar()
    if name is None:
        raise NotFoundError(f"{label} {code} is not loaded")
    return str(name)


def geography_version(session: Session) -> str:
    """Changes with every load of boundaries, villages, population or offices."""
    return str(session.execute(text("SELECT coalesce(max(id), 0) FROM load_log")).scalar_one())


def area_name_th(
    session: Session, *, province: str | None, district: str | None, esao: str | None
) -> str:
    """An area (office, district or province) as a Thai heading says it; an unknown code is a
    404, not an empty page that looks like full coverage of nobody."""
    if esao:
        return name_th(session, "service_area_office", esao, "service area office")
    if district:
        amphoe = name_th(session, "district", district, "district")
        return f"อำเภอ{amphoe} จังหวัด{name_th(session, 'province', district[:2], 'province')}"
    if province:
        return f"จังหวัด{name_th(session, 'province', province, 'province')}"
    raise InvalidInputError("query", "give province=, district= or esao=")


def _require(session: Session, table: str, code: str, label: str) -> None:
    name_th(session, table, code, label)


def subdistricts_geojson(
    session: Session,
    *,
    province: str | None = None,
    district: str | None = None,
    bbox: BBox | None = None,
    simplify_m: float | None = None,
    limit: int = 20_000,
    offset: int = 0,
) -> str:
    """Tambons as a GeoJSON FeatureCollection string (WGS84), filtered and optionally simplified.

    ``simplify_m`` is a Douglas-Peucker tolerance in metres, applied in the feature's UTM zone.
    """
    if province:
        _require(session, "province", province, "province")
    if district:
        _require(session, "district", district, "district")
    where = ["true"]
    params: dict[str, Any] = {"limit": limit, "offset": offset, "simplify_m": simplify_m}
    if province:
        where.append("s.province_code = :province")
        params["province"] = province
    if district:
        where.append("s.district_code = :district")
        params["district"] = district
    if bbox:
        condition, values = bbox_condition("s.geom", bbox)
        where.append(condition)
        params |= values
    where_sql = " AND ".join(where)
    sql = f"""
        WITH matched AS (
            SELECT s.code FROM subdistrict s WHERE {where_sql}
        ), page AS (
            SELECT {_feature_sql(simplify_m)} AS feature, s.code
            {_FROM_SQL}
            WHERE {where_sql}
            ORDER BY s.code LIMIT :limit OFFSET :offset
        )
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'numberMatched', (SELECT count(*) FROM matched),
            'numberReturned', (SELECT count(*) FROM page),
            'features', COALESCE((SELECT json_agg(feature ORDER BY code) FROM page), '[]'::json)
        )::text
    """
    return session.execute(text(sql), params).scalar_one()


def subdistrict_geojson(session: Session, code: str, simplify_m: float | None = None) -> str:
    """One tambon as a GeoJSON Feature string; NotFoundError if it is not loaded."""
    feature = session.execute(
        text(f"SELECT {_feature_sql(simplify_m)}::text {_FROM_SQL} WHERE s.code = :code"),
        {"code": code, "simplify_m": simplify_m},
    ).scalar()
    if feature is None:
        raise NotFoundError(f"subdistrict {code} is not loaded")
    return feature
