"""Boundary loading on the real Nan and national files, and its failure modes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

import geopandas as gpd
import shapely

from gis.boundaries import (
    DISTRICT,
    RESOLUTION_FULL,
    RESOLUTION_SIMPLIFIED,
    SUBDISTRICT,
    load_admin_layer,
)
from gis.datasets import BundledData
from gis.loading import LoadError
from gis.vector_io import detect_dbf_encoding, read_vector

MOJIBAKE = re.compile("[\u00c0-\u00ff]")  # what UTF-8 Thai looks like when read as Latin-1


def unzip(archive: Path, target: Path, skip_suffixes: tuple[str, ...] = ()) -> Path:
    """Extract a zipped shapefile, leaving out some sidecars; returns the .shp path."""
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            if not name.lower().endswith(skip_suffixes):
                zf.extract(name, target)
    return next(target.glob("*.shp"))


def scalar(session: Session, sql: str, **params: object) -> object:
    return session.execute(text(sql), params).scalar_one()


def test_nan_has_99_full_resolution_tambons_in_15_districts(db_session: Session) -> None:
    assert scalar(db_session, "SELECT count(*) FROM subdistrict WHERE province_code = '55'") == 99
    assert scalar(db_session, "SELECT count(*) FROM district WHERE province_code = '55'") == 15
    assert (
        scalar(
            db_session,
            "SELECT count(*) FROM subdistrict WHERE province_code = '55' "
            "AND geom_resolution = :full AND geom_source = 'TH55_Nan.zip'",
            full=RESOLUTION_FULL,
        )
        == 99
    )


def test_whole_country_is_loaded(db_session: Session) -> None:
    assert scalar(db_session, "SELECT count(*) FROM province") == 77
    assert scalar(db_session, "SELECT count(*) FROM district") == 928
    assert scalar(db_session, "SELECT count(*) FROM subdistrict") == 7425


def test_thai_names_are_right(db_session: Session) -> None:
    names = dict(
        db_session.execute(
            text(
                "SELECT code, name_th FROM subdistrict WHERE code IN ('550101', '551501') "
                "UNION ALL SELECT code, name_th FROM district WHERE code = '5501' "
                "UNION ALL SELECT code, name_th FROM province WHERE code = '55'"
            )
        ).all()
    )
    assert names == {"550101": "ในเวียง", "551501": "ห้วยโก๋น", "5501": "เมืองน่าน", "55": "น่าน"}
    every_name = db_session.execute(
        text(
            "SELECT name_th FROM subdistrict UNION ALL SELECT name_th FROM district "
            "UNION ALL SELECT name_th FROM province"
        )
    ).scalars()
    assert not [n for n in every_name if MOJIBAKE.search(n) or not re.search("[\u0e00-\u0e7f]", n)]


def test_don_sak_is_repaired_and_reported(db_session: Session) -> None:
    assert scalar(db_session, "SELECT ST_IsValid(geom) FROM district WHERE code = '8403'") is True
    repaired = scalar(
        db_session,
        "SELECT report->'repaired' FROM load_log WHERE kind = 'boundaries:district' "
        "ORDER BY id DESC LIMIT 1",
    )
    assert isinstance(repaired, list) and any(r.startswith("TH8403 Don Sak") for r in repaired)
    assert scalar(db_session, "SELECT count(*) FROM subdistrict WHERE NOT ST_IsValid(geom)") == 0


def test_loading_twice_gives_the_same_counts(db_session: Session, data: BundledData) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    before = scalar(db_session, "SELECT count(*) FROM subdistrict")
    first = load_admin_layer(db_session, nan, SUBDISTRICT, resolution=RESOLUTION_FULL)
    second = load_admin_layer(db_session, nan, SUBDISTRICT, resolution=RESOLUTION_FULL)
    assert first.counts == second.counts == {"features": 99, "inserted": 0, "updated": 99}
    assert scalar(db_session, "SELECT count(*) FROM subdistrict") == before


def test_simplified_reload_keeps_full_resolution(db_session: Session, data: BundledData) -> None:
    vertices_sql = "SELECT sum(ST_NPoints(geom)) FROM subdistrict WHERE province_code = '55'"
    full_vertices = scalar(db_session, vertices_sql)
    report = load_admin_layer(
        db_session, data.subdistricts_simplified, SUBDISTRICT, resolution=RESOLUTION_SIMPLIFIED
    )
    assert report.counts["updated"] == 7425
    assert scalar(db_session, vertices_sql) == full_vertices
    assert any("kept their finer geometry" in note for note in report.notes)


def test_file_without_cpg_still_reads_thai(tmp_path: Path, data: BundledData) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    shp = unzip(nan, tmp_path, skip_suffixes=(".cpg",))
    assert not list(tmp_path.glob("*.cpg"))
    frame = read_vector(shp)
    assert "ในเวียง" in set(frame["ADM3_TH"])


def test_cp874_shapefile_without_cpg_is_detected(tmp_path: Path, data: BundledData) -> None:
    """Thai agencies also publish TIS-620/cp874 DBFs; without a .cpg they must still decode."""
    nan = data.subdistricts_full("55")
    assert nan is not None
    frame = read_vector(nan).head(5)[["ADM3_PCODE", "ADM3_TH", "geometry"]]
    target = tmp_path / "tambon_cp874.shp"
    frame.to_file(target, encoding="cp874", engine="pyogrio")
    target.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = target.with_suffix(".dbf").read_bytes()
    assert detect_dbf_encoding(dbf) == "CP874"
    assert list(read_vector(target)["ADM3_TH"]) == list(frame["ADM3_TH"])


def test_truncated_shapefile_fails_clearly_and_keeps_data(
    tmp_path: Path, db_session: Session, data: BundledData
) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    shp = unzip(nan, tmp_path)
    content = shp.read_bytes()
    shp.write_bytes(content[: len(content) // 3])
    before = scalar(
        db_session,
        "SELECT md5(string_agg(ST_AsEWKB(geom)::text, '' ORDER BY code)) "
        "FROM subdistrict WHERE province_code = '55'",
    )
    with pytest.raises(LoadError) as caught:
        with db_session.begin_nested():
            frame = read_vector(shp)
            load_admin_layer(db_session, shp, SUBDISTRICT, frame=frame)
    assert "TH55_Nan.shp" in str(caught.value)
    after = scalar(
        db_session,
        "SELECT md5(string_agg(ST_AsEWKB(geom)::text, '' ORDER BY code)) "
        "FROM subdistrict WHERE province_code = '55'",
    )
    assert after == before


def test_wrong_columns_name_the_missing_ones(
    tmp_path: Path, data: BundledData, db_session: Session
) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    frame = read_vector(nan).head(3).rename(columns={"ADM3_PCODE": "TAMBON_CODE"})
    target = tmp_path / "renamed.gpkg"
    frame.to_file(target, engine="pyogrio")
    with pytest.raises(LoadError, match=r"renamed.gpkg: missing column\(s\) ADM3_PCODE"):
        load_admin_layer(db_session, target, SUBDISTRICT)


def test_bad_code_names_row_and_field(
    tmp_path: Path, data: BundledData, db_session: Session
) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    frame = read_vector(nan).head(3)
    frame.loc[1, "ADM3_PCODE"] = "TH55X1"
    target = tmp_path / "badcode.gpkg"
    frame.to_file(target, engine="pyogrio")
    with pytest.raises(LoadError) as caught:
        load_admin_layer(db_session, target, SUBDISTRICT)
    assert str(caught.value).startswith("badcode.gpkg, row 2, field ADM3_PCODE: expected 'TH'")


def test_invalid_polygon_is_repaired_and_reported(
    tmp_path: Path, data: BundledData, db_session: Session
) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    frame = read_vector(nan).head(1).copy()
    minx, miny, maxx, maxy = frame.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    assert not bowtie.is_valid
    frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=[bowtie], crs=4326)
    target = tmp_path / "bowtie.gpkg"
    frame.to_file(target, engine="pyogrio")
    report = load_admin_layer(db_session, target, SUBDISTRICT, resolution=3)
    assert report.repaired and "Self-intersection" in report.repaired[0]
    code = frame["ADM3_PCODE"].iloc[0][2:]
    assert (
        scalar(db_session, "SELECT ST_IsValid(geom) FROM subdistrict WHERE code = :c", c=code)
        is True
    )


def test_tambon_of_unloaded_district_is_refused(
    tmp_path: Path, data: BundledData, db_session: Session
) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    frame = read_vector(nan).head(2)
    frame.loc[:, "ADM2_PCODE"] = "TH5599"
    frame.loc[:, "ADM3_PCODE"] = ["TH559901", "TH559902"]
    target = tmp_path / "orphan.gpkg"
    frame.to_file(target, engine="pyogrio")
    with pytest.raises(LoadError, match="district 5599 is not loaded"):
        load_admin_layer(db_session, target, SUBDISTRICT)


def test_district_layer_reload_is_idempotent(db_session: Session, data: BundledData) -> None:
    report = load_admin_layer(db_session, data.districts, DISTRICT)
    assert report.counts == {"features": 928, "inserted": 0, "updated": 928}


def test_other_province_file_replaces_only_its_tambons(
    tmp_path: Path, data: BundledData, db_session: Session
) -> None:
    """--file with any RTSD tambon file: only the tambons it holds change."""
    nan = data.subdistricts_full("55")
    assert nan is not None
    subset = read_vector(nan).head(4)
    target = tmp_path / "four_tambons.shp"
    subset.to_file(target, engine="pyogrio")
    report = load_admin_layer(db_session, target, SUBDISTRICT, resolution=RESOLUTION_FULL)
    assert report.counts == {"features": 4, "inserted": 0, "updated": 4}
