"""Proposed service areas: the part of the province nearer to a school than to any other
school teaching the level (Voronoi cells), within the level's distance norm, clipped to the
province. Computed in PostGIS in the province's UTM zone, so the norm is in metres."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from kernel.config import get_settings
from kernel.vocabulary import LEVELS
from kernel.vocabulary import utm_srid as utm_srid_of


@functools.cache
def max_distance_m(path: Path | None = None) -> dict[str, float]:
    """The distance norm per level (data/norms/service_areas.toml)."""
    path = path or get_settings().data_dir / "norms" / "service_areas.toml"
    with path.open("rb") as handle:
        norms = {k: float(v) for k, v in tomllib.load(handle)["max_distance_m"].items()}
    missing = set(LEVELS) - set(norms)
    if missing:
        raise ValueError(f"{path}: max_distance_m lacks {sorted(missing)}")
    return norms


def utm_srid(session: Session, province_code: str) -> int:
    """UTM 47N west of 102°E, 48N east of it, by the province's interior point."""
    lon = session.execute(
        text("SELECT ST_X(ST_PointOnSurface(geom)) FROM province WHERE code = :p"),
        {"p": province_code},
    ).scalar_one()
    return utm_srid_of(float(lon))


def propose_service_areas(
    session: Session, *, province_code: str, academic_year: int, changed_by: str = "system"
) -> dict[str, int]:
    """Propose a service area for every school and level it teaches that has none (uploaded
    or from villages) for the year. Earlier proposals become old versions. Returns counts."""
    srid = utm_srid(session, province_code)
    norms = max_distance_m()
    made: dict[str, int] = {}
    for level, grades in LEVELS.items():
        params = {
            "prefix": f"{province_code}%",
            "province": province_code,
            "year": academic_year,
            "level": level,
            "grades": list(grades),
            "max_m": norms[level],
            "srid": srid,
            "by": changed_by,
        }
        session.execute(
            text(
                """
            UPDATE service_area sa SET is_current = false
            FROM school s
            WHERE sa.school_id = s.id AND s.subdistrict_code LIKE :prefix
              AND sa.level = :level AND sa.academic_year = :year AND sa.is_current
              AND sa.method = 'proposed'
            """
            ),
            params,
        )
        made[level] = (
            session.connection()
            .execute(
                text(
                    """
            WITH teaching AS (
                SELECT s.id, ST_Transform(s.location, :srid) AS point
                FROM school s
                WHERE s.subdistrict_code LIKE :prefix AND s.grades && CAST(:grades AS varchar[])
            ), area AS (
                SELECT ST_Transform(geom, :srid) AS geom FROM province WHERE code = :province
            ), cells AS (
                SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(t.point), 0,
                        ST_Expand((SELECT geom FROM area), 20000)))).geom AS cell
                FROM teaching t
            ), shaped AS (
                SELECT t.id,
                       ST_CollectionExtract(ST_Intersection(
                           ST_Intersection(c.cell, ST_Buffer(t.point, :max_m, 16)),
                           (SELECT geom FROM area)), 3) AS geom
                FROM teaching t JOIN cells c ON ST_Intersects(c.cell, t.point)
                WHERE NOT EXISTS (
                    SELECT 1 FROM service_area sa WHERE sa.school_id = t.id
                      AND sa.level = :level AND sa.academic_year = :year AND sa.is_current)
            ), one_per_school AS (
                SELECT id, ST_Union(geom) AS geom FROM shaped GROUP BY id
            )
            INSERT INTO service_area (school_id, level, academic_year, geom, method, note,
                                      version, is_current, changed_by)
            SELECT o.id, :level, :year, ST_Multi(ST_Transform(o.geom, 4326)), 'proposed',
                   'nearest school within ' || (:max_m / 1000)::text || ' km',
                   1 + coalesce((SELECT max(version) FROM service_area p WHERE p.school_id = o.id
                                 AND p.level = :level AND p.academic_year = :year), 0),
                   true, :by
            FROM one_per_school o WHERE NOT ST_IsEmpty(o.geom)
            """
                ),
                params,
            )
            .rowcount
        )
    session.flush()
    return made
