"""Reading vector files (shapefile, zipped shapefile, GeoPackage, GeoJSON) with Thai text intact."""

from __future__ import annotations

import struct
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import geopandas as gpd
from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, FieldError, GeometryError

from gis.loading import LoadError
from kernel.archives import ArchiveRefusedError, extract_members
from kernel.tabular import detect_text_encoding

WGS84 = "EPSG:4326"


def _shapefile_parts(archive: Path) -> list[str]:
    """The members of a zipped shapefile's one ``.shp`` and its sidecars."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise LoadError(archive, f"not a readable zip archive ({exc})") from exc
    shapefiles = [n for n in names if n.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        raise LoadError(archive, f"expected one .shp in the archive, found {len(shapefiles)}")
    stem = str(PurePosixPath(shapefiles[0]).with_suffix("")).lower()
    return [n for n in names if str(PurePosixPath(n).with_suffix("")).lower() == stem]


def _read_sidecar(shp: Path, suffix: str, limit: int | None = None) -> bytes:
    """Bytes of a shapefile's sidecar (.cpg, .dbf) on disk; empty if absent."""
    sidecar = shp.with_suffix(suffix)
    if not sidecar.exists():
        sidecar = shp.with_suffix(suffix.upper())
    if not sidecar.exists():
        return b""
    with sidecar.open("rb") as handle:
        return handle.read(limit) if limit else handle.read()


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
    """Read a vector file in WGS84; Thai text decoded right even without a ``.cpg``.

    A zipped shapefile's parts are copied out first under the archive limits (GDAL's own zip
    reader would expand whatever the archive holds)."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "file not found")
    if path.suffix.lower() != ".zip":
        return _read_vector_file(path, path)
    parts = _shapefile_parts(path)
    with tempfile.TemporaryDirectory(prefix="edumap-shp-") as folder:
        try:
            extracted = extract_members(path, parts, Path(folder))
        except ArchiveRefusedError as exc:
            raise LoadError(path, str(exc)) from exc
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise LoadError(path, f"damaged zip archive ({exc})") from exc
        shp = next(p for p in extracted if p.suffix.lower() == ".shp")
        return _read_vector_file(shp, path)


def _read_vector_file(source: Path, shown_as: Path) -> gpd.GeoDataFrame:
    encoding: str | None = None
    if source.suffix.lower() == ".shp" and not _read_sidecar(source, ".cpg").strip():
        encoding = detect_dbf_encoding(_read_sidecar(source, ".dbf", limit=4 << 20))
    try:
        frame = gpd.read_file(source, engine="pyogrio", encoding=encoding)
    except (DataSourceError, DataLayerError, FeatureError, FieldError, GeometryError) as exc:
        raise LoadError(shown_as, f"cannot be read as a vector file: {exc}") from exc
    except Exception as exc:  # GDAL reports bad files through several exception types
        raise LoadError(shown_as, f"cannot be read (damaged or truncated?): {exc}") from exc
    if frame.crs is None:
        raise LoadError(shown_as, "has no coordinate reference system (missing .prj?)")
    if not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    return frame
