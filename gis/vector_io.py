"""Reading vector files (shapefile, zipped shapefile, GeoPackage, GeoJSON) with Thai text intact."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from app.core.tabular import detect_text_encoding
from gis.loading import LoadError

WGS84 = "EPSG:4326"


def _shapefile_member(archive: Path) -> str:
    with zipfile.ZipFile(archive) as zf:
        shapefiles = [n for n in zf.namelist() if n.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        raise LoadError(archive, f"expected one .shp in the archive, found {len(shapefiles)}")
    return shapefiles[0]


def _read_sidecar(path: Path, member: str | None, suffix: str, limit: int | None = None) -> bytes:
    """Bytes of a shapefile's sidecar (.cpg, .dbf), on disk or in a zip; empty if absent."""
    if member is None:
        sidecar = path.with_suffix(suffix)
        if not sidecar.exists():
            sidecar = path.with_suffix(suffix.upper())
        if not sidecar.exists():
            return b""
        with sidecar.open("rb") as handle:
            return handle.read(limit) if limit else handle.read()
    wanted = str(PurePosixPath(member).with_suffix("")).lower() + suffix
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.lower() == wanted:
                with zf.open(name) as handle:
                    return handle.read(limit) if limit else handle.read()
    return b""


def detect_dbf_encoding(dbf: bytes) -> str:
    """UTF-8 when the DBF's text decodes as UTF-8, else the Thai Windows code page (cp874).

    Shapefiles from Thai agencies come in both; without a .cpg GDAL assumes ISO-8859-1, which
    turns Thai into mojibake. cp874 is a superset of TIS-620.
    """
    if len(dbf) < 32:
        return "UTF-8"
    header_length = struct.unpack("<H", dbf[8:10])[0]
    return "CP874" if detect_text_encoding(dbf[header_length:]) == "cp874" else "UTF-8"


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """Read a vector file in WGS84; Thai text decoded right even without a ``.cpg``."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "file not found")
    member: str | None = None
    source = str(path)
    encoding: str | None = None
    if path.suffix.lower() == ".zip":
        member = _shapefile_member(path)
        source = f"/vsizip/{path}/{member}"
    if member is not None or path.suffix.lower() == ".shp":
        if not _read_sidecar(path, member, ".cpg").strip():
            encoding = detect_dbf_encoding(_read_sidecar(path, member, ".dbf", limit=4 << 20))
    try:
        frame = gpd.read_file(source, engine="pyogrio", encoding=encoding)
    except (DataSourceError, DataLayerError, pyogrio.errors.FieldTypeError) as exc:
        raise LoadError(path, f"cannot be read as a vector file: {exc}") from exc
    except Exception as exc:  # GDAL reports truncated files through several exception types
        raise LoadError(path, f"cannot be read (damaged or truncated?): {exc}") from exc
    if frame.crs is None:
        raise LoadError(path, "has no coordinate reference system (missing .prj?)")
    if not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    return frame
