"""Shared dependencies: the database session and small parsers for spatial parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from kernel import extent
from kernel.errors import InvalidInputError
from kernel.extent import BBox


def get_db(request: Request) -> Iterator[Session]:
    """A session per request on the app's engine; rolled back unless the handler commits."""
    session = Session(bind=request.app.state.engine)
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db)]


def get_read_db(request: Request, primary: SessionDep) -> Iterator[Session]:
    """A session for read-only work that may lag the primary a moment: maps, reports, the
    public API, OGC and tiles. On the hot standby when one is configured
    (EDUMAP_READ_DATABASE_URL), else the request's own session. Writes, reads of what the
    caller just wrote, access decisions and named (audited) reads use ``SessionDep``."""
    engine = request.app.state.read_engine
    if engine is None:
        yield primary
        return
    session = Session(bind=engine)
    try:
        yield session
    finally:
        session.close()


ReadSessionDep = Annotated[Session, Depends(get_read_db)]

# Paging past ten million rows is a mistake, and past 2^63 a database error.
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")]
# Stored rows' integer ids (PostgreSQL integer).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A stored row's id")]

THAILAND_BOUNDS = BBox(*extent.THAILAND_BOUNDS)


def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in WGS84 degrees",
            examples=["100.6,18.7,100.9,19.0"],
        ),
    ] = None,
) -> BBox | None:
    """Parse and check a ``bbox`` query parameter."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise InvalidInputError(
            "query.bbox", f"expected four numbers minLon,minLat,maxLon,maxLat, got {bbox!r}"
        )
    box = BBox(*values)
    if not (-180 <= box.min_lon < box.max_lon <= 180 and -90 <= box.min_lat < box.max_lat <= 90):
        raise InvalidInputError(
            "query.bbox",
            "needs minLon < maxLon within -180..180 and minLat < maxLat within "
            f"-90..90 (degrees), got {bbox!r}",
        )
    return box


BBoxDep = Annotated[BBox | None, Depends(parse_bbox)]

SimplifyDep = Annotated[
    float | None,
    Query(
        ge=0,
        le=5_000,
        description="Simplify geometry with this tolerance in metres (0 or absent: none).",
    ),
]
ProvinceCode = Annotated[
    str | None, Query(pattern=r"^\d{2}$", description="2-digit DOPA province code, e.g. 55")
]
DistrictCode = Annotated[
    str | None, Query(pattern=r"^\d{4}$", description="4-digit DOPA district code, e.g. 5501")
]
