"""Where edumap's data may lie: valid longitude/latitude, and Thailand's bounding box.

One place for the bounds every channel checks (census points, service areas, boundary files).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

SRID_WGS84 = 4326

# minLon, minLat, maxLon, maxLat (WGS84 degrees), with a margin around the kingdom.
THAILAND_BOUNDS = (97.0, 5.0, 106.0, 21.0)


def in_thailand(lon: float, lat: float) -> bool:
    west, south, east, north = THAILAND_BOUNDS
    return west <= lon <= east and south <= lat <= north


def coordinate_problem(geometry: BaseGeometry) -> str | None:
    """The first coordinate that is not a longitude/latitude, or lies outside Thailand; in
    Thai first, naming the coordinate. None when every coordinate is fine."""
    for lon, lat in shapely.get_coordinates(geometry):
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
            return (
                f"พิกัด ({lon:g}, {lat:g}) ไม่ใช่ลองจิจูด/ละติจูด "
                f"(invalid coordinate ({lon:g}, {lat:g}): not a longitude/latitude)"
            )
        if not in_thailand(lon, lat):
            return (
                f"พิกัด ({lon:g}, {lat:g}) อยู่นอกประเทศไทย "
                f"(coordinate ({lon:g}, {lat:g}) is outside Thailand)"
            )
    return None


@dataclass(frozen=True)
class BBox:
    """A WGS84 bounding box in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def bbox_condition(column: str, bbox: BBox) -> tuple[str, dict[str, float]]:
    """SQL that keeps rows whose ``column`` intersects the box (uses its GiST index)."""
    return (
        f"ST_Intersects({column}, ST_MakeEnvelope(:bbox_x0, :bbox_y0, :bbox_x1, :bbox_y1, 4326))",
        {
            "bbox_x0": bbox.min_lon,
            "bbox_y0": bbox.min_lat,
            "bbox_x1": bbox.max_lon,
            "bbox_y1": bbox.max_lat,
        },
    )
