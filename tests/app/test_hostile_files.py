"""Hostile uploads: archives that expand without bound and files no reader can parse get a 4xx
naming the member or the file, never a 500 and never gigabytes of server memory."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis.loading import LoadError
from gis.vector_io import read_vector
from kernel.archives import ArchiveLimits, ArchiveRefusedError, check_archive, extract_members
from tests.helpers.world import MATRIX_SCHOOL, Account

UPLOAD = f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas"


def _shapefile_zip(tmp_path: Path, extra: dict[str, bytes]) -> bytes:
    """A real one-polygon shapefile, zipped, with ``extra`` members (name: bytes) beside it."""
    import geopandas as gpd
    from shapely.geometry import box

    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[box(100.77, 18.78, 100.78, 18.79)], crs=4326
    ).to_file(folder / "area.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            if part.suffix not in {Path(name).suffix for name in extra}:
                archive.write(part, part.name)
        for name, content in extra.items():
            archive.writestr(name, content, compresslevel=9)
    return buffer.getvalue()


def test_a_cpg_that_expands_past_the_member_limit_is_refused_by_name(
    client: TestClient, accounts: dict[str, Account], tmp_path: Path
) -> None:
    # 210 MB of spaces deflate to about 200 KB: past the 200 MB default before reading it.
    bomb = _shapefile_zip(tmp_path, {"area.cpg": b" " * (210 * 1024 * 1024)})
    assert len(bomb) < 1_000_000
    response = client.post(
        UPLOAD,
        headers=accounts["admin"].headers,
        data={"round": "2567"},
        files={"file": ("area.zip", bomb, "application/zip")},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "area.cpg" in response.json()["detail"]


def test_a_member_compressed_past_the_ratio_is_refused(
    client: TestClient, accounts: dict[str, Account], tmp_path: Path
) -> None:
    bomb = _shapefile_zip(tmp_path, {"area.cpg": b"\0" * (20 * 1024 * 1024)})
    response = client.post(
        UPLOAD,
        headers=accounts["admin"].headers,
        data={"round": "2567"},
        files={"file": ("area.zip", bomb, "application/zip")},
    )
    assert response.status_code == 422, response.text
    assert "area.cpg" in response.json()["detail"] and ":1" in response.json()["detail"]


def test_an_xlsx_with_a_bomb_part_is_refused_naming_the_part(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (30 * 1024 * 1024), compresslevel=9)
    response = client.post(
        "/api/v1/schools/imports",
        headers=accounts["admin"].headers,
        files={"file": ("records.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 422, response.text
    assert "xl/worksheets/sheet1.xml" in response.json()["detail"]


def test_extraction_counts_real_bytes_not_declared_ones(tmp_path: Path) -> None:
    """A member whose directory entry understates its size cannot expand past it."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.dbf", b"a" * 4_000_000)
    limits = ArchiveLimits(member_max_bytes=1_000_000, max_ratio=10_000)
    with pytest.raises(ArchiveRefusedError, match=r"big\.dbf"):
        check_archive(path, limits)
    # Forge the central directory's size (first occurrence from the end) to 1,000 bytes.
    raw = bytearray(path.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    check_archive(path, limits)  # the lie passes the declared check...
    with pytest.raises(Exception) as caught:  # ...and extraction stops at the declared size
        extract_members(path, ["big.dbf"], tmp_path, limits)
    assert isinstance(caught.value, (ArchiveRefusedError, zipfile.BadZipFile))
    assert (tmp_path / "big.dbf").stat().st_size <= 1_000_000


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("area.geojson", b'{"type": "FeatureCollection", "features": [{"type": '),
        ("area.geojson", "ต.ในเวียง".encode("cp874") + b"\xff\xfe{"),
        ("area.kml", b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x "y">]><kml>&x;</kml>'),
        ("area.zip", b"PK\x03\x04 not really a zip"),
        ("area.gpkg", b"SQLite format 3\x00" + b"\x00" * 100),
    ],
)
def test_unreadable_polygon_files_get_a_422_naming_the_file(
    client: TestClient, accounts: dict[str, Account], name: str, content: bytes
) -> None:
    response = client.post(
        UPLOAD,
        headers=accounts["admin"].headers,
        data={"round": "2567"},
        files={"file": (name, content, "application/octet-stream")},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "file"


def test_read_vector_names_the_file_for_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection"})[:-3])
    with pytest.raises(LoadError, match=r"broken\.geojson"):
        read_vector(path)
