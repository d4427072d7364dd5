"""Loading RTSD/HDX administrative boundaries (provinces, districts, tambons) into PostGIS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from gis.loading import LoadError, LoadReport, record_load, sha256_of
from gis.vector_io import read_vector
from kernel.bulk import copy_rows
from kernel.extent import coordinate_problem

THAI_SCRIPT = re.compile(r"[\u0E00-\u0E7F]")

# Resolution ranks: a finer layer replaces a coarser one, never the other way round.
RESOLUTION_SIMPLIFIED = 1
RESOLUTION_FULL = 2


@dataclass(frozen=True)
class AdminLevel:
    """How one HDX COD-AB level maps onto an edumap table."""

    level: int
    table: str
    code_digits: int
    parent_field: str | None
    label: str

    @property
    def pcode_field(self) -> str:
        return f"ADM{self.level}_PCODE"

    @property
    def name_th_field(self) -> str:
        return f"ADM{self.level}_TH"

    @property
    def name_en_field(self) -> str:
        return f"ADM{self.level}_EN"


PROVINCE = AdminLevel(1, "province", 2, None, "province")
DISTRICT = AdminLevel(2, "district", 4, "ADM1_PCODE", "district")
SUBDISTRICT = AdminLevel(3, "subdistrict", 6, "ADM2_PCODE", "subdistrict")
LEVELS = {1: PROVINCE, 2: DISTRICT, 3: SUBDISTRICT}


def _parse_pcode(value: Any, digits: int) -> str | None:
    match = re.fullmatch(rf"TH(\d{{{digits}}})", str(value).strip()) if value else None
    return match.group(1) if match else None


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts of a geometry (make_valid can add lines and points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


@dataclass
class _Feature:
    code: str
    parent_code: str | None
    name_th: str
    name_en: str
    wkb: bytes


def _validated_features(
    frame: gpd.GeoDataFrame, level: AdminLevel, source: Path, report: LoadReport
) -> Iterator[_Feature]:
    required = [level.pcode_field, level.name_th_field, level.name_en_field]
    if level.parent_field:
        required.append(level.parent_field)
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise LoadError(
            source,
            f"missing column(s) {', '.join(missing)}; an RTSD/HDX ADM{level.level} "
            f"{level.label} layer has {', '.join(required)}",
        )
    seen: set[str] = set()
    for position, row in enumerate(frame.itertuples(index=False), start=1):
        values = row._asdict()
        raw_code = values[level.pcode_field]
        code = _parse_pcode(raw_code, level.code_digits)
        feature = f"feature {raw_code}" if raw_code else None
        if code is None:
            raise LoadError(
                source,
                f"expected 'TH' + {level.code_digits} digits, got {raw_code!r}",
                row=position,
                field=level.pcode_field,
            )
        if code in seen:
            raise LoadError(
                source, f"code {raw_code} appears twice", row=position, field=level.pcode_field
            )
        seen.add(code)
        parent_code = None
        if level.parent_field:
            parent_code = _parse_pcode(values[level.parent_field], level.code_digits - 2)
            if parent_code is None or not code.startswith(parent_code):
                raise LoadError(
                    source,
                    f"parent code {values[level.parent_field]!r} does not contain {raw_code}",
                    row=position,
                    feature=feature,
                    field=level.parent_field,
                )
        name_th = str(values[level.name_th_field] or "").strip()
        if not THAI_SCRIPT.search(name_th):
            raise LoadError(
                source,
                f"{name_th!r} is not Thai text (wrong encoding, or a missing .cpg "
                "on a non-UTF-8 file?)",
                row=position,
                feature=feature,
                field=level.name_th_field,
            )
        name_en = str(values[level.name_en_field] or "").strip()
        geometry = values["geometry"]
        if geometry is None or geometry.is_empty:
            raise LoadError(
                source, "has no geometry", row=position, feature=feature, field="geometry"
            )
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise LoadError(
                source,
                f"expected a polygon, got {geometry.geom_type}",
                row=position,
                feature=feature,
                field="geometry",
            )
        problem = coordinate_problem(geometry)
        if problem:
            raise LoadError(source, problem, row=position, feature=feature, field="geometry")
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            geometry = _polygonal(shapely.make_valid(geometry))
            if geometry.is_empty or not geometry.is_valid:
                raise LoadError(
                    source,
                    f"invalid geometry that cannot be repaired: {reason}",
                    row=position,
                    feature=feature,
                    field="geometry",
                )
            report.repaired.append(f"{raw_code} {name_en or name_th}: {reason}")
        yield _Feature(code, parent_code, name_th, name_en, shapely.to_wkb(geometry))


def load_admin_layer(
    session: Session,
    path: Path,
    level: AdminLevel,
    *,
    resolution: int = RESOLUTION_SIMPLIFIED,
    frame: gpd.GeoDataFrame | None = None,
) -> LoadReport:
    """Upsert one boundary layer by DOPA code, inside the session's transaction.

    A feature's geometry replaces the stored one only when it is at least as fine
    (``resolution``), so reloading the simplified national layer keeps full-resolution tambons.
    """
    report = LoadReport(kind=f"boundaries:{level.table}", source=str(path), sha256=sha256_of(path))
    if frame is None:
        frame = read_vector(path)
    conn = session.connection()
    conn.execute(
        text(
            "CREATE TEMP TABLE staging_boundary (code text, parent_code text, name_th text, "
            "name_en text, wkb bytea) ON COMMIT DROP"
        )
    )
    copy_rows(
        conn,
        "staging_boundary",
        ["code", "parent_code", "name_th", "name_en", "wkb"],
        (
            (f.code, f.parent_code, f.name_th, f.name_en, f.wkb)
            for f in _validated_features(frame, level, path, report)
        ),
    )
    if level.parent_field:
        parent_table = LEVELS[level.level - 1].table
        orphan = conn.execute(
            text(
                f"SELECT s.code, s.parent_code FROM staging_boundary s "
                f"LEFT JOIN {parent_table} p ON p.code = s.parent_code "
                f"WHERE p.code IS NULL ORDER BY s.code LIMIT 1"
            )
        ).first()
        if orphan:
            raise LoadError(
                path,
                f"its {parent_table} {orphan.parent_code} is not loaded; load the "
                f"national boundaries first (edumap load boundaries)",
                feature=f"feature TH{orphan.code}",
                field=level.parent_field,
            )
    geometry_sql = "ST_Multi(ST_GeomFromWKB(s.wkb, 4326))"
    params = {"source": Path(path).name, "resolution": resolution}
    if level is PROVINCE:
        upsert = (
            "INSERT INTO province AS t (code, name_th, name_en, geom, geom_source) "
            f"SELECT s.code, s.name_th, s.name_en, {geometry_sql}, :source FROM staging_boundary s "
            "ON CONFLICT (code) DO UPDATE SET name_th = EXCLUDED.name_th, "
            "name_en = EXCLUDED.name_en, geom = EXCLUDED.geom, geom_source = EXCLUDED.geom_source "
        )
    elif level is DISTRICT:
        upsert = (
            "INSERT INTO district AS t (code, province_code, name_th, name_en, geom, geom_source) "
            f"SELECT s.code, s.parent_code, s.name_th, s.name_en, {geometry_sql}, :source "
            "FROM staging_boundary s "
            "ON CONFLICT (code) DO UPDATE SET province_code = EXCLUDED.province_code, "
            "name_th = EXCLUDED.name_th, name_en = EXCLUDED.name_en, geom = EXCLUDED.geom, "
            "geom_source = EXCLUDED.geom_source "
        )
    else:
        finer = "EXCLUDED.geom_resolution >= t.geom_resolution"
        upsert = (
            "INSERT INTO subdistrict AS t (code, district_code, province_code, name_th, name_en, "
            "geom, geom_source, geom_resolution) "
            f"SELECT s.code, s.parent_code, left(s.code, 2), s.name_th, s.name_en, {geometry_sql}, "
            ":source, :resolution FROM staging_boundary s "
            "ON CONFLICT (code) DO UPDATE SET district_code = EXCLUDED.district_code, "
            "province_code = EXCLUDED.province_code, name_th = EXCLUDED.name_th, "
            "name_en = EXCLUDED.name_en, "
            f"geom = CASE WHEN {finer} THEN EXCLUDED.geom ELSE t.geom END, "
            f"geom_source = CASE WHEN {finer} THEN EXCLUDED.geom_source ELSE t.geom_source END, "
            "geom_resolution = GREATEST(EXCLUDED.geom_resolution, t.geom_resolution) "
        )
    flags = conn.execute(text(upsert + "RETURNING (xmax = 0) AS inserted"), params).scalars().all()
    inserted = sum(1 for f in flags if f)
    report.counts = {"features": len(flags), "inserted": inserted, "updated": len(flags) - inserted}
    if level is SUBDISTRICT:
        kept = conn.execute(
            text(
                "SELECT count(*) FROM staging_boundary s JOIN subdistrict t USING (code) "
                "WHERE t.geom_resolution > :resolution"
            ),
            params,
        ).scalar_one()
        if kept:
            report.notes.append(f"{kept} tambon(s) kept their finer geometry already loaded")
    conn.execute(text("DROP TABLE staging_boundary"))
    record_load(session, report)
    return report
