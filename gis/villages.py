"""Village (muban) points: load the 2012 layer and place each point in a loaded tambon."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

import shapely

from gis.loading import LoadError, LoadReport, record_load, sha256_of
from gis.vector_io import read_vector
from kernel.bulk import copy_rows

VILLAGE_FIELDS = ["MAIN_ID", "VILL_ID", "NAME", "TAM_NAME", "AMP_NAME", "PRV_NAME"]
MUBAN_FIELDS = ["muban_geocode", "name_th", "tambon_geocode"]
# A point in no tambon polygon (coast, slivers between tambons) takes the nearest tambon
# only if it is this close; farther points belong to provinces that are not loaded.
NEAREST_TAMBON_LIMIT_M = 2_000.0

# One village point per moo of a tambon (the first by id where the 2012 layer has several), for
# records that give an address as tambon and moo (the civil registration's).
VILLAGE_OF_MOO_SQL = """
    SELECT DISTINCT ON (subdistrict_code, moo) id, code, name_th, moo, subdistrict_code, geom
    FROM village WHERE moo IS NOT NULL ORDER BY subdistrict_code, moo, id
"""


def _normalised_tambon_name(column: str) -> str:
    return f"regexp_replace(regexp_replace({column}, '^(ตำบล|ต\\.|แขวง)', ''), '\\s', '', 'g')"


def assign_villages_to_subdistricts(session: Session) -> dict[str, int]:
    """Place every village in the tambon whose best loaded polygon holds it (PostGIS).

    Where a full-resolution tambon overlaps a neighbour's simplified one, the finer one wins.

    Points in no polygon take the nearest tambon within NEAREST_TAMBON_LIMIT_M (KNN on the
    GiST index, distance in metres on the geography). Flags villages whose own tambon name
    differs from the tambon they fall in.
    """
    conn = session.connection()
    conn.execute(
        text(
            "UPDATE village SET subdistrict_code = NULL, assignment = 'none', "
            "assignment_distance_m = NULL"
        )
    )
    within = conn.execute(
        text(
            """
        WITH hit AS (
            SELECT v.id, (
                SELECT s.code FROM subdistrict s
                WHERE ST_Intersects(s.geom, v.geom)
                ORDER BY s.geom_resolution DESC, s.code LIMIT 1
            ) AS code
            FROM village v
        )
        UPDATE village v SET subdistrict_code = hit.code, assignment = 'within',
               assignment_distance_m = 0
        FROM hit WHERE hit.id = v.id AND hit.code IS NOT NULL
        """
        )
    ).rowcount
    nearest = conn.execute(
        text(
            """
        WITH near AS (
            SELECT v.id, n.code,
                   ST_Distance(n.geom::geography, v.geom::geography) AS distance_m
            FROM village v
            CROSS JOIN LATERAL (
                SELECT s.code, s.geom FROM subdistrict s ORDER BY s.geom <-> v.geom LIMIT 1
            ) n
            WHERE v.subdistrict_code IS NULL
        )
        UPDATE village v SET subdistrict_code = near.code, assignment = 'nearest',
               assignment_distance_m = near.distance_m
        FROM near WHERE near.id = v.id AND near.distance_m <= :limit_m
        """
        ),
        {"limit_m": NEAREST_TAMBON_LIMIT_M},
    ).rowcount
    conn.execute(
        text(
            f"""
        UPDATE village v SET tambon_name_mismatch = (
            {_normalised_tambon_name("v.source_tambon_name_th")}
            IS DISTINCT FROM {_normalised_tambon_name("s.name_th")})
        FROM subdistrict s WHERE s.code = v.subdistrict_code
        """
        )
    )
    outside = conn.execute(
        text("SELECT count(*) FROM village WHERE subdistrict_code IS NULL")
    ).scalar_one()
    mismatched = conn.execute(
        text("SELECT count(*) FROM village WHERE tambon_name_mismatch")
    ).scalar_one()
    return {
        "within": within,
        "nearest": nearest,
        "outside_loaded_tambons": outside,
        "tambon_name_mismatch": mismatched,
    }


def load_villages(session: Session, path: Path, muban_list: Path | None = None) -> LoadReport:
    """Load the 2012 village points, then assign tambons and DOPA codes (one transaction).

    Villages that fall outside every loaded tambon are not kept: they belong to provinces whose
    boundaries are not loaded. ``muban_list`` (DOPA 8-digit codes) confirms derived codes.
    """
    sources = [path] + ([muban_list] if muban_list else [])
    report = LoadReport(kind="villages", source=str(path), sha256=sha256_of(*sources))
    frame = read_vector(path)
    missing = [name for name in VILLAGE_FIELDS if name not in frame.columns]
    if missing:
        raise LoadError(path, f"missing column(s) {', '.join(missing)} of the 2012 village layer")

    def rows():  # type: ignore[no-untyped-def]
        for position, row in enumerate(frame.itertuples(index=False), start=1):
            geometry = row.geometry
            if geometry is None or geometry.geom_type != "Point" or geometry.is_empty:
                raise LoadError(
                    path,
                    "expected a point",
                    row=position,
                    feature=f"MAIN_ID {row.MAIN_ID}",
                    field="geometry",
                )
            yield (
                int(row.MAIN_ID),
                str(row.NAME or "").strip(),
                str(row.TAM_NAME or "").strip(),
                str(row.AMP_NAME or "").strip(),
                str(row.PRV_NAME or "").strip(),
                shapely.to_wkb(geometry),
            )

    conn = session.connection()
    conn.execute(
        text(
            "CREATE TEMP TABLE staging_village (source_id bigint, name_th text, "
            "tambon text, district text, province text, wkb bytea) ON COMMIT DROP"
        )
    )
    staged = copy_rows(
        conn,
        "staging_village",
        ["source_id", "name_th", "tambon", "district", "province", "wkb"],
        rows(),
    )
    duplicate = conn.execute(
        text("SELECT source_id FROM staging_village GROUP BY source_id HAVING count(*) > 1 LIMIT 1")
    ).scalar()
    if duplicate is not None:
        raise LoadError(path, f"MAIN_ID {duplicate} appears more than once", field="MAIN_ID")
    conn.execute(
        text(
            """
        INSERT INTO village AS t (source_id, name_th, source_tambon_name_th,
            source_district_name_th, source_province_name_th, geom, assignment,
            tambon_name_mismatch)
        SELECT source_id, name_th, tambon, district, province,
               ST_SetSRID(ST_GeomFromWKB(wkb), 4326), 'none', false
        FROM staging_village
        ON CONFLICT (source_id) DO UPDATE SET name_th = EXCLUDED.name_th,
            source_tambon_name_th = EXCLUDED.source_tambon_name_th,
            source_district_name_th = EXCLUDED.source_district_name_th,
            source_province_name_th = EXCLUDED.source_province_name_th, geom = EXCLUDED.geom
        """
        )
    )
    assigned = assign_villages_to_subdistricts(session)
    removed = conn.execute(text("DELETE FROM village WHERE subdistrict_code IS NULL")).rowcount
    report.counts = {"points": staged, "kept": staged - removed, **assigned}
    if removed:
        report.notes.append(f"{removed:,} points lie outside the loaded tambons and were not kept")
    if muban_list:
        report.counts["dopa_codes_matched"] = _assign_dopa_codes(session, muban_list)
    conn.execute(text("DROP TABLE staging_village"))
    record_load(session, report)
    return report


def _assign_dopa_codes(session: Session, muban_list: Path) -> int:
    """Give villages DOPA's 8-digit code (and moo) where DOPA's muban list names them.

    The 2012 layer carries no DOPA codes and its VILL_ID is not the moo number, so a village
    takes the code of the one muban of the same name (spaces ignored) in the same tambon.
    Ambiguous names (two บ้านใหม่ in one tambon) stay without a code. Returns how many matched.
    """
    try:
        muban = pd.read_csv(muban_list, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LoadError(muban_list, f"cannot be read as CSV: {exc}") from exc
    missing = [name for name in MUBAN_FIELDS if name not in muban.columns]
    if missing:
        raise LoadError(muban_list, f"missing column(s) {', '.join(missing)}")
    bad = muban.index[~muban["muban_geocode"].str.fullmatch(r"\d{8}")]
    if len(bad):
        raise LoadError(
            muban_list,
            f"expected an 8-digit code, got {muban.at[bad[0], 'muban_geocode']!r}",
            row=int(bad[0]) + 2,
            field="muban_geocode",
        )
    conn = session.connection()
    conn.execute(text("CREATE TEMP TABLE staging_muban (code text, name_th text) ON COMMIT DROP"))
    copy_rows(
        conn,
        "staging_muban",
        ["code", "name_th"],
        zip(muban["muban_geocode"], muban["name_th"], strict=True),
    )
    conn.execute(text("UPDATE village SET code = NULL, moo = NULL"))
    matched = conn.execute(
        text(
            """
        WITH muban AS (
            SELECT left(code, 6) AS tambon, regexp_replace(name_th, '\\s', '', 'g') AS name,
                   min(code) AS code
            FROM staging_muban GROUP BY 1, 2 HAVING count(*) = 1
        ), village_key AS (
            SELECT id, subdistrict_code AS tambon,
                   regexp_replace(name_th, '\\s', '', 'g') AS name,
                   count(*) OVER (PARTITION BY subdistrict_code,
                                  regexp_replace(name_th, '\\s', '', 'g')) AS same_name
            FROM village WHERE subdistrict_code IS NOT NULL
        )
        UPDATE village v SET code = m.code, moo = right(m.code, 2)::smallint
        FROM village_key k JOIN muban m USING (tambon, name)
        WHERE k.id = v.id AND k.same_name = 1
        """
        )
    ).rowcount
    conn.execute(text("DROP TABLE staging_muban"))
    return matched
