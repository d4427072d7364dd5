"""Service-area quality: villages and children in no school's service area (gaps), in two or
more (overlaps), service areas that cross their office's border, and household points kept
although far outside their tambon."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from kernel.areas import area_filter
from kernel.disclosure import suppress_small_count


def quality_report(
    session: Session, *, province_code: str, academic_year: int, level: str = "primary"
) -> dict[str, Any]:
    """Gaps, overlaps and border crossings of one level's current service areas."""
    params = {"prefix": f"{province_code}%", "year": academic_year, "level": level}
    # The province's households by their tambons' index (a prefix LIKE on the big table is none).
    households_in_province, province_params = area_filter("h", province_code, None, None)
    params |= province_params
    villages = session.execute(
        text(
            """
        SELECT v.id, v.name_th, v.subdistrict_code, v.code, count(DISTINCT sa.school_id) AS areas
        FROM village v
        LEFT JOIN service_area_part p ON ST_Intersects(p.geom, v.geom)
        LEFT JOIN service_area sa ON sa.id = p.service_area_id AND sa.level = :level
             AND sa.academic_year = :year AND sa.is_current
        WHERE v.subdistrict_code LIKE :prefix
        GROUP BY v.id ORDER BY v.subdistrict_code, v.name_th
        """
        ),
        params,
    ).all()
    children = session.execute(
        text(
            f"""
        SELECT coalesce(sum(k.children) FILTER (WHERE x.n = 0), 0)::int AS in_no_area,
               coalesce(sum(k.children) FILTER (WHERE x.n > 1), 0)::int AS in_several,
               coalesce(sum(k.children), 0)::int AS children
        -- The areas counted per household, then its children counted on their index: as one
        -- join grouped by child, the planner expected millions of rows at national size and
        -- hashed a scan of the country's children (4 s for one province).
        FROM (
            SELECT h.id, count(DISTINCT sa.school_id) AS n
            FROM household h
            LEFT JOIN service_area_part p ON ST_Intersects(p.geom, h.location)
            LEFT JOIN service_area sa ON sa.id = p.service_area_id AND sa.level = :level
                 AND sa.academic_year = :year AND sa.is_current
            WHERE h.round_year = :year
              AND {households_in_province}
            GROUP BY h.id
        ) x
        CROSS JOIN LATERAL (
            SELECT count(*) AS children FROM child c
            WHERE c.household_id = x.id AND c.round_year = :year
        ) k
        """
        ),
        params,
    ).one()
    crossing = session.execute(
        text(
            """
        WITH office AS (
            -- each office's territory once (not once per service area), with the tolerance
            SELECT od.office_code, ST_Union(dist.geom) AS geom,
                   ST_Buffer(ST_Union(dist.geom), 0.0005) AS tolerant
            FROM service_area_office_district od
            JOIN district dist ON dist.code = od.district_code
            WHERE od.office_code IN (SELECT office_code FROM school
                                     WHERE subdistrict_code LIKE :prefix)
            GROUP BY od.office_code
        )
        SELECT s.code, s.name_th, d.office_code,
               round((ST_Area(ST_Difference(sa.geom, d.geom)::geography)
                      / nullif(ST_Area(sa.geom::geography), 0))::numeric, 4) AS share_outside
        FROM service_area sa JOIN school s ON s.id = sa.school_id
        JOIN office d ON d.office_code = s.office_code
        WHERE sa.level = :level AND sa.academic_year = :year AND sa.is_current
          AND s.subdistrict_code LIKE :prefix
          AND NOT ST_CoveredBy(sa.geom, d.tolerant)
        ORDER BY share_outside DESC
        """
        ),
        params,
    ).all()
    flagged = session.execute(
        text(
            f"""
        SELECT h.subdistrict_code, t.name_th, h.location_flag, count(*) AS households,
               round(max(h.location_outside_m)) AS farthest_m
        FROM household h JOIN subdistrict t ON t.code = h.subdistrict_code
        WHERE h.round_year = :year AND h.location_flag IS NOT NULL
          AND {households_in_province}
        GROUP BY 1, 2, 3 ORDER BY 1, 3
        """
        ),
        params,
    ).all()
    return {
        "province": province_code,
        "round": academic_year,
        "level": level,
        "villages": len(villages),
        "villages_in_no_area": [
            {
                "id": v.id,
                "name_th": v.name_th,
                "subdistrict_code": v.subdistrict_code,
                "code": v.code,
            }
            for v in villages
            if v.areas == 0
        ],
        "villages_in_several_areas": [
            {
                "id": v.id,
                "name_th": v.name_th,
                "areas": v.areas,
                "subdistrict_code": v.subdistrict_code,
            }
            for v in villages
            if v.areas > 1
        ],
        "children": children.children,
        "children_in_no_area": children.in_no_area,
        "children_in_several_areas": children.in_several,
        "areas_crossing_office_border": [
            {
                "school_code": c.code,
                "name_th": c.name_th,
                "office_code": c.office_code,
                "share_outside": float(c.share_outside or 0),
            }
            for c in crossing
        ],
        # Household points kept although far outside their tambon (confirmed by the surveyor,
        # or from an offline form): to check on the map. Counts under 5 are hidden.
        "household_points_flagged": [
            {
                "subdistrict_code": f.subdistrict_code,
                "name_th": f.name_th,
                "flag": f.location_flag,
                "households": suppress_small_count(f.households),
                "farthest_outside_m": float(f.farthest_m),
            }
            for f in flagged
        ],
    }
