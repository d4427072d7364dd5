"""The layers OGC API - Features serves (issue 18, part): each a feature collection with its
geometry, id and properties as SQL, read in PostGIS and assembled there as GeoJSON, paged in a
stable order with an exact ``numberMatched``. Public layers only so far: what anyone may see on
the public API (no personal field; counts of children are not among these properties)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from kernel.errors import NotFoundError
from kernel.extent import BBox, bbox_condition

COORDINATE_DECIMALS = 6  # about 0.1 m


@dataclass(frozen=True)
class Property:
    name: str
    sql: str
    json_type: str  # "string", "integer", "number"
    title_th: str


@dataclass(frozen=True)
class Layer:
    id: str
    title_th: str
    description: str
    from_sql: str  # FROM ... (the layer's row alias is ``f``)
    key_sql: str
    geometry_sql: str
    properties: tuple[Property, ...]

    def feature_sql(self) -> str:
        pairs = ", ".join(f"'{p.name}', {p.sql}" for p in self.properties)
        return (
            "json_build_object('type', 'Feature', 'id', "
            f"{self.key_sql}, 'geometry', "
            f"ST_AsGeoJSON({self.geometry_sql}, {COORDINATE_DECIMALS})::json, "
            f"'properties', json_build_object({pairs}))"
        )


LAYERS: dict[str, Layer] = {
    layer.id: layer
    for layer in (
        Layer(
            id="tambons",
            title_th="ตำบล",
            description="Tambons (subdistricts) with their district, province and latest "
            "DOPA population",
            from_sql="""
                FROM subdistrict f
                JOIN district d ON d.code = f.district_code
                JOIN province p ON p.code = f.province_code
                LEFT JOIN LATERAL (
                    SELECT total, households, reference_date FROM population
                    WHERE subdistrict_code = f.code ORDER BY reference_date DESC LIMIT 1
                ) pop ON true
            """,
            key_sql="f.code",
            geometry_sql="f.geom",
            properties=(
                Property("code", "f.code", "string", "รหัสตำบล"),
                Property("name_th", "f.name_th", "string", "ชื่อตำบล"),
                Property("name_en", "f.name_en", "string", "ชื่อตำบล (อังกฤษ)"),
                Property("district_code", "d.code", "string", "รหัสอำเภอ"),
                Property("district_name_th", "d.name_th", "string", "อำเภอ"),
                Property("province_code", "p.code", "string", "รหัสจังหวัด"),
                Property("province_name_th", "p.name_th", "string", "จังหวัด"),
                Property("population_total", "pop.total", "integer", "ประชากร"),
                Property("households", "pop.households", "integer", "ครัวเรือน"),
            ),
        ),
        Layer(
            id="schools",
            title_th="โรงเรียน",
            description="Schools with their grades, affiliation, office and located point",
            from_sql="FROM school f",
            key_sql="f.code",
            geometry_sql="f.location",
            properties=(
                Property("code", "f.code", "string", "รหัสโรงเรียน"),
                Property("name_th", "f.name_th", "string", "ชื่อโรงเรียน"),
                Property("grades", "array_to_string(f.grades, ',')", "string", "ชั้นที่เปิดสอน"),
                Property("affiliation", "f.affiliation", "string", "สังกัด"),
                Property("office_code", "f.office_code", "string", "สำนักงานเขตพื้นที่"),
                Property("subdistrict_code", "f.subdistrict_code", "string", "รหัสตำบล"),
                Property("location_source", "f.location_source", "string", "ที่มาของพิกัด"),
                Property(
                    "location_accuracy_m", "f.location_accuracy_m", "number", "ความคลาดเคลื่อน (ม.)"
                ),
            ),
        ),
    )
}


def layer(layer_id: str) -> Layer:
    found = LAYERS.get(layer_id)
    if found is None:
        raise NotFoundError(f"no collection {layer_id}")
    return found


def extent(session: Session, item: Layer) -> list[float] | None:
    """The layer's bounding box in CRS84 (lon/lat)."""
    box = session.execute(
        text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            f"(SELECT ST_Extent({item.geometry_sql}) AS e {item.from_sql}) x"
        )
    ).one()
    return None if box[0] is None else [round(float(v), 6) for v in box]


def items(
    session: Session, item: Layer, *, bbox: BBox | None, limit: int, offset: int
) -> tuple[list[Any], int]:
    """A page of features in the layer's order, and how many match in all."""
    where = "true"
    params: dict[str, float] = {"limit": limit, "offset": offset}
    if bbox is not None:
        where, values = bbox_condition(item.geometry_sql, bbox)
        params |= values
    matched = session.execute(
        text(f"SELECT count(*) {item.from_sql} WHERE {where}"), params
    ).scalar_one()
    features = session.execute(
        text(
            f"SELECT {item.feature_sql()} {item.from_sql} WHERE {where} "
            f"ORDER BY {item.key_sql} LIMIT :limit OFFSET :offset"
        ),
        params,
    ).scalars()
    return list(features), int(matched)


def feature(session: Session, item: Layer, feature_id: str) -> Any:
    found = session.execute(
        text(f"SELECT {item.feature_sql()} {item.from_sql} WHERE {item.key_sql} = :id"),
        {"id": feature_id},
    ).scalar()
    if found is None:
        raise NotFoundError(f"no feature {feature_id} in {item.id}")
    return found
