"""Making service areas: upload (GeoJSON, KML, zipped shapefile), from a list of villages,
and reading them back. Every change is a new version; the old one is kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

import shapely
from shapely.geometry.base import BaseGeometry

from gis.boundaries import _polygonal
from gis.loading import LoadError, LoadReport, sha256_of
from gis.schools.models import School
from gis.vector_io import read_vector
from kernel.config import get_settings
from kernel.errors import InvalidInputError
from kernel.extent import coordinate_problem
from kernel.vocabulary import LEVELS

CODE_COLUMNS = ("school_code", "code", "รหัสโรงเรียน", "SCHOOL_COD", "SCH_CODE")


def save_service_area(
    session: Session,
    school: School,
    *,
    level: str,
    academic_year: int,
    geometry: BaseGeometry,
    method: str,
    note: str = "",
    changed_by: str = "system",
) -> int:
    """Store a new current version of a school's service area; returns its id."""
    if level not in LEVELS:
        raise InvalidInputError("level", f"one of {', '.join(LEVELS)}")
    if level not in _levels_taught(school):
        raise InvalidInputError("level", f"school {school.code} does not teach {level}")
    if geometry.is_empty:
        raise InvalidInputError("geometry", "the service area is empty")
    check_extent(session, school, geometry)
    multi = shapely.MultiPolygon([geometry]) if geometry.geom_type == "Polygon" else geometry
    session.execute(
        text(
            "UPDATE service_area SET is_current = false WHERE school_id = :s AND level = :l "
            "AND academic_year = :y AND is_current"
        ),
        {"s": school.id, "l": level, "y": academic_year},
    )
    return session.execute(
        text(
            """
        INSERT INTO service_area (school_id, level, academic_year, geom, method, note, version,
                                  is_current, changed_by)
        SELECT :s, CAST(:l AS varchar), :y, ST_Multi(ST_GeomFromWKB(:wkb, 4326)), :method,
               :note, 1 + coalesce(max(version), 0), true, :by
        FROM service_area WHERE school_id = :s AND level = CAST(:l AS varchar)
          AND academic_year = :y
        RETURNING id
        """
        ),
        {
            "s": school.id,
            "l": level,
            "y": academic_year,
            "wkb": shapely.to_wkb(multi),
            "method": method,
            "note": note,
            "by": changed_by,
        },
    ).scalar_one()


def share_outside_territory(session: Session, school: School, geometry: BaseGeometry) -> float:
    """The share (0-1) of a polygon's area outside the school's office's districts (its
    province's, for a school no office claims), on the spheroid."""
    return float(
        session.execute(
            text(
                """
        WITH territory AS (
            SELECT ST_Union(d.geom) AS geom FROM district d
            WHERE CASE WHEN CAST(:office AS text) IS NULL
                       THEN d.code LIKE :province || '%'
                       ELSE d.code IN (SELECT district_code FROM service_area_office_district
                                       WHERE office_code = :office) END
        ), area AS (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom)
        SELECT coalesce(ST_Area(ST_Difference(a.geom, t.geom)::geography)
                        / nullif(ST_Area(a.geom::geography), 0), 1.0)
        FROM area a, territory t
        """
            ),
            {
                "office": school.office_code,
                "province": school.subdistrict_code[:2],
                "wkb": shapely.to_wkb(geometry),
            },
        ).scalar_one()
    )


def check_extent(session: Session, school: School, geometry: BaseGeometry) -> None:
    """Refuse a service area with an invalid coordinate, one outside Thailand, or more than the
    set share (``EDUMAP_SERVICE_AREA_MAX_OUTSIDE_SHARE``) outside its office's districts; a
    smaller crossing stays the quality report's warning."""
    problem = coordinate_problem(geometry)
    if problem:
        raise InvalidInputError("geometry", problem)
    limit = get_settings().service_area_max_outside_share
    share = share_outside_territory(session, school, geometry)
    if share > limit:
        where_th, where_en = (
            (f"เขตพื้นที่ {school.office_code}", f"the districts of office {school.office_code}")
            if school.office_code
            else (f"จังหวัด {school.subdistrict_code[:2]}", f"province {school.subdistrict_code[:2]}")
        )
        raise InvalidInputError(
            "geometry",
            f"เขตบริการอยู่นอก{where_th} {share:.1%} เกินเกณฑ์ {limit:.0%} "
            f"({share:.1%} of the service area lies outside {where_en}, more than {limit:.0%})",
        )


def _levels_taught(school: School) -> set[str]:
    return {level for level, grades in LEVELS.items() if set(grades) & set(school.grades)}


def _repaired(geometry: BaseGeometry | None, where: str, report: LoadReport) -> BaseGeometry:
    if geometry is None or geometry.is_empty:
        raise InvalidInputError("geometry", f"{where}: no geometry")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInputError(
            "geometry", f"{where}: expected a polygon, got {geometry.geom_type}"
        )
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        geometry = _polygonal(shapely.make_valid(geometry))
        if geometry.is_empty or not geometry.is_valid:
            raise InvalidInputError(
                "geometry", f"{where}: invalid and cannot be repaired ({reason})"
            )
        report.repaired.append(f"{where}: {reason}")
    return geometry


def import_service_areas(
    session: Session,
    path: Path,
    *,
    academic_year: int,
    level: str | None = None,
    school: School | None = None,
    changed_by: str = "system",
) -> LoadReport:
    """Service areas from a GeoJSON, KML, GeoPackage or zipped shapefile.

    With ``school`` every feature belongs to it; otherwise each feature names its school in a
    ``school_code`` column. A ``level`` column (or the argument) says the level; default
    primary. Invalid polygons are repaired and reported; anything else wrong rejects the file.
    """
    report = LoadReport(kind="service_areas", source=str(path), sha256=sha256_of(path))
    frame = read_vector(path)
    code_column = next((c for c in CODE_COLUMNS if c in frame.columns), None)
    if school is None and code_column is None:
        raise LoadError(path, f"no school code column (one of {', '.join(CODE_COLUMNS)})")
    groups: dict[tuple[str, str], list[BaseGeometry]] = {}
    for position, row in enumerate(frame.itertuples(index=False), start=1):
        values = row._asdict()
        code = school.code if school else str(values[code_column]).strip()
        row_level = level or str(values.get("level") or "primary").strip()
        where = f"feature {position} ({code})"
        groups.setdefault((code, row_level), []).append(
            _repaired(values["geometry"], where, report)
        )
    stored = 0
    for (code, row_level), parts in groups.items():
        target = school or session.query(School).filter_by(code=code).one_or_none()
        if target is None:
            raise InvalidInputError("school_code", f"no school {code} in the registry")
        save_service_area(
            session,
            target,
            level=row_level,
            academic_year=academic_year,
            geometry=shapely.union_all(parts),
            method="uploaded",
            note=Path(path).name,
            changed_by=changed_by,
        )
        stored += 1
    report.counts = {"features": len(frame), "service_areas": stored}
    return report


def from_villages(
    session: Session,
    school: School,
    *,
    village_ids: list[int],
    academic_year: int,
    level: str = "primary",
    changed_by: str = "system",
) -> int:
    """A service area made of the villages a school serves: each village's share of its
    tambon (the Voronoi cell of its point among the tambon's village points, clipped to the
    tambon), joined. Returns the new version's id."""
    if not village_ids:
        raise InvalidInputError("village_ids", "name at least one village")
    found = (
        session.execute(text("SELECT id FROM village WHERE id = ANY(:ids)"), {"ids": village_ids})
        .scalars()
        .all()
    )
    unknown = sorted(set(village_ids) - set(found))
    if unknown:
        raise InvalidInputError("village_ids", f"unknown village ids {unknown}")
    wkb = session.execute(
        text(
            """
        WITH chosen AS (SELECT id, subdistrict_code FROM village WHERE id = ANY(:ids)),
        tambons AS (
            SELECT t.code, t.geom FROM subdistrict t
            WHERE t.code IN (SELECT subdistrict_code FROM chosen)
        ), cells AS (
            SELECT t.code, (ST_Dump(ST_VoronoiPolygons(ST_Collect(v.geom), 0,
                   ST_Expand(t.geom, 0.05)))).geom AS cell, t.geom AS tambon
            FROM tambons t JOIN village v ON v.subdistrict_code = t.code
            GROUP BY t.code, t.geom
        )
        SELECT ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_Union(
                   ST_Intersection(c.cell, c.tambon)), 3)))
        FROM cells c JOIN village v ON v.subdistrict_code = c.code AND ST_Intersects(c.cell, v.geom)
        WHERE v.id = ANY(:ids)
        """
        ),
        {"ids": village_ids},
    ).scalar_one()
    geometry = shapely.from_wkb(bytes(wkb))
    note = f"{len(village_ids)} villages"
    return save_service_area(
        session,
        school,
        level=level,
        academic_year=academic_year,
        geometry=geometry,
        method="villages",
        note=note,
        changed_by=changed_by,
    )


def service_areas_geojson(session: Session, school: School, academic_year: int | None) -> str:
    """The school's current service areas (all levels) as a GeoJSON FeatureCollection."""
    return session.execute(
        text(
            """
        SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
            json_build_object('type', 'Feature', 'id', sa.id,
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(sa.geom, 0.0001), 6)::json,
                'properties', json_build_object('school_code', CAST(:code AS text),
                    'level', sa.level,
                    'academic_year', sa.academic_year, 'method', sa.method, 'note', sa.note,
                    'version', sa.version, 'changed_by', sa.changed_by,
                    'changed_at', sa.changed_at,
                    'area_km2', round((ST_Area(sa.geom::geography) / 1e6)::numeric, 2)))
            ORDER BY sa.level), '[]'::json))::text
        FROM service_area sa
        WHERE sa.school_id = :id AND sa.is_current
          AND (CAST(:year AS int) IS NULL OR sa.academic_year = :year)
        """
        ),
        {"id": school.id, "code": school.code, "year": academic_year},
    ).scalar_one()
