"""The layers OGC API - Features serves (issue 18, part): each a feature collection with its
geometry, id and properties as SQL, read in PostGIS and assembled there as GeoJSON, paged in a
stable order with an exact ``numberMatched``, filtered by bbox and CQL2 (its properties are the
queryables), served in CRS84, EPSG:4326 or the UTM zones 47N/48N. Public layers only so far:
what anyone may see on the public API (no personal field; no counts of children)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.coverage import (
    area_filter,
    coverage_params,
    stored_coverage_sql,
    unserved_condition,
)
from gis.schools.norms import OVER_CAPACITY_SQL
from kernel.cql import filter_sql
from kernel.errors import InvalidInputError, NotFoundError
from kernel.extent import BBox, bbox_condition

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
    exact_counts: bool = False  # counts of 1-4 children shown as they are (else null)

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
            version_sql="SELECT 'g' || coalesce(max(id), 0) FROM load_log",
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
            version_sql="SELECT count(*) || '-' || coalesce(max(updated_at)::text, '') FROM school",
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
) -> Page:
    """A page of features in the layer's order, and how many match in all: inside ``bbox``
    (given in ``bbox_crs``), matching the CQL2 filter, with geometries in ``crs``."""
    conditions = []
    params: dict[str, Any] = {**item.params, "limit": limit, "offset": offset}
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
                SELECT ST_AsMVTGeom(ST_Transform({item.geometry_sql}, 3857), bounds.box,
                                    {TILE_EXTENT}, {TILE_BUFFER}, true) AS geom,
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
        properties=(
            Property("title", "f.title", "string", "คำนำหน้า"),
            Property("first_name", "f.first_name", "string", "ชื่อ"),
            Property("last_name", "f.last_name", "string", "นามสกุล"),
            Property("sex", "f.sex", "string", "เพศ"),
            Property("expected_grade", "f.expected_grade", "string", "ชั้นที่ควรเรียน"),
            Property("enrolment_status", "f.enrolment_status", "string", "การเรียน"),
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


def _small_hidden(count_sql: str, exact: bool) -> str:
    return (
        count_sql
        if exact
        else f"CASE WHEN {count_sql} BETWEEN 1 AND 4 THEN NULL ELSE {count_sql} END"
    )


def villages_layer(session: Session, exact: bool) -> Layer:
    """Villages with their out-of-school children counted (the latest census round): exact for
    admins, counts of 1-4 as null (``out_of_school_hidden`` true) for everyone else."""
    round_year = latest_round(session)
    count = "coalesce(k.children, 0)"
    return Layer(
        id="villages",
        title_th="หมู่บ้าน",
        description="Villages with the number of out-of-school children of the latest census "
        "round (counts of 1-4 hidden from the public)",
        from_sql="""
            FROM village f
            JOIN subdistrict t ON t.code = f.subdistrict_code
            LEFT JOIN (
                SELECT h.village_id, count(*)::int AS children FROM child_coverage c
                JOIN household h ON h.id = c.household_id
                WHERE c.round_year = :round_year AND c.out_of_school GROUP BY h.village_id
            ) k ON k.village_id = f.id
        """,
        key_sql="f.id::text",
        geometry_sql="f.geom",
        properties=(
            Property("code", "f.code", "string", "รหัสหมู่บ้าน"),
            Property("name_th", "f.name_th", "string", "ชื่อหมู่บ้าน"),
            Property("moo", "f.moo", "integer", "หมู่ที่"),
            Property("subdistrict_code", "f.subdistrict_code", "string", "รหัสตำบล"),
            Property("subdistrict_name_th", "t.name_th", "string", "ตำบล"),
            Property(
                "out_of_school",
                _small_hidden(count, exact),
                "integer",
                "เด็กนอกระบบ",
                hidden_when_small=True,
            ),
            Property(
                "out_of_school_hidden",
                "false" if exact else f"({count} BETWEEN 1 AND 4)",
                "boolean",
                "จำนวนน้อยกว่า 5 (ไม่แสดง)",
            ),
        ),
        version_sql="SELECT coalesce(max(refreshed_at)::text, '') FROM coverage_state "
        "WHERE round_year = :round_year",
        params={"round_year": round_year},
        exact_counts=exact,
    )
