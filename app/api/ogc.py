"""OGC API - Features, Part 1 Core (issue 18, part), under ``/ogc``: the landing page,
conformance, the collections and their items as GeoJSON, paged with ``next``/``prev`` links and
exact ``numberMatched``, filtered by ``bbox``; what QGIS, GDAL/OGR and ArcGIS open as a layer.

Written on the app's own stack rather than mounting tipg (asyncpg, its own app): the layers are
edumap's SQL (``gis.features``) behind the app's one access policy, and the routes are in the
app's OpenAPI document, which the Schemathesis run checks. Invalid parameters, unknown ones
included, are a 400 here, as the standard asks (the REST API answers 422).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.access import PUBLIC, AccessRule
from app.api.deps import SessionDep
from gis import features
from kernel.errors import InvalidInputError
from kernel.extent import BBox

router = APIRouter(prefix="/ogc", tags=["ogc"])
GEOJSON = "application/geo+json"
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
ITEMS_PARAMETERS = frozenset({"limit", "offset", "bbox"})
CollectionId = Annotated[
    str, Path(pattern=r"^[a-z_]{1,40}$", description="A collection's id, e.g. schools")
]
OGC_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {JSON: {}}}}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    found = {"href": href, "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return found


def _only(request: Request, allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidInputError(f"query.{unknown[0]}", f"unknown parameter {unknown[0]}")


@router.get("", summary="OGC API - Features landing page", responses=OGC_RESPONSES)
def landing(request: Request) -> dict[str, Any]:
    _only(request, frozenset())
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "edumap: แผนที่การศึกษา (OGC API - Features)",
        "description": "Thailand's education map layers of this office's edumap",
        "links": [
            _link(base, "self", JSON, "this document"),
            _link(
                f"{root}/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "the API definition",
            ),
            _link(f"{root}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/collections", "data", JSON, "the collections"),
        ],
    }


@router.get("/conformance", summary="The conformance classes served", responses=OGC_RESPONSES)
def conformance(request: Request) -> dict[str, Any]:
    _only(request, frozenset())
    return {"conformsTo": CONFORMANCE}


def _collection(request: Request, session: SessionDep, layer: features.Layer) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{layer.id}"
    box = features.extent(session, layer)
    return {
        "id": layer.id,
        "title": layer.title_th,
        "description": layer.description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [box] if box else [], "crs": CRS84}},
        "links": [
            _link(base, "self", JSON, layer.title_th),
            _link(f"{base}/items", "items", GEOJSON, f"{layer.title_th} (GeoJSON)"),
        ],
    }


@router.get("/collections", summary="The collections (layers)", responses=OGC_RESPONSES)
def collections(request: Request, session: SessionDep) -> dict[str, Any]:
    _only(request, frozenset())
    base = f"{_base(request)}/collections"
    return {
        "links": [_link(base, "self", JSON, "the collections")],
        "collections": [_collection(request, session, layer) for layer in features.LAYERS.values()],
    }


@router.get("/collections/{collection_id}", summary="One collection", responses=OGC_RESPONSES)
def collection(
    collection_id: CollectionId, request: Request, session: SessionDep
) -> dict[str, Any]:
    _only(request, frozenset())
    return _collection(request, session, features.layer(collection_id))


def _parse_bbox(text_value: str | None) -> BBox | None:
    if text_value is None:
        return None
    try:
        values = [float(part) for part in text_value.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
        raise InvalidInputError(
            "query.bbox", f"four numbers minLon,minLat,maxLon,maxLat, got {text_value!r}"
        )
    if not (-180 <= values[0] <= 180 and -180 <= values[2] <= 180):
        raise InvalidInputError("query.bbox", "longitudes between -180 and 180")
    if not (-90 <= values[1] <= 90 and -90 <= values[3] <= 90):
        raise InvalidInputError("query.bbox", "latitudes between -90 and 90")
    return BBox(*values)


@router.get(
    "/collections/{collection_id}/items",
    summary="A collection's features, paged",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def collection_items(
    collection_id: CollectionId,
    request: Request,
    session: SessionDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Features per page (at most 10000)")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Features to skip")] = 0,
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in CRS84",
            examples=["100.6,18.7,100.9,19.0"],
            max_length=200,
        ),
    ] = None,
) -> JSONResponse:
    _only(request, ITEMS_PARAMETERS)
    layer = features.layer(collection_id)
    found, matched = features.items(
        session, layer, bbox=_parse_bbox(bbox), limit=limit, offset=offset
    )
    base = f"{_base(request)}/collections/{layer.id}"

    def page(start: int) -> str:
        query = {"limit": limit, "offset": start} | ({"bbox": bbox} if bbox else {})
        return f"{base}/items?{urlencode(query)}"

    links = [
        _link(page(offset), "self", GEOJSON, "this page"),
        _link(base, "collection", JSON, layer.title_th),
    ]
    if offset + len(found) < matched:
        links.append(_link(page(offset + limit), "next", GEOJSON, "the next page"))
    if offset > 0:
        links.append(_link(page(max(0, offset - limit)), "prev", GEOJSON, "the previous page"))
    body = {
        "type": "FeatureCollection",
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "numberMatched": matched,
        "numberReturned": len(found),
        "links": links,
        "features": found,
    }
    return JSONResponse(body, media_type=GEOJSON, headers={"Content-Crs": f"<{CRS84}>"})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def collection_item(
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(max_length=100)],
    request: Request,
    session: SessionDep,
) -> JSONResponse:
    _only(request, frozenset())
    layer = features.layer(collection_id)
    found = dict(features.feature(session, layer, feature_id))
    base = f"{_base(request)}/collections/{layer.id}"
    found["links"] = [
        _link(f"{base}/items/{feature_id}", "self", GEOJSON, "this feature"),
        _link(base, "collection", JSON, layer.title_th),
    ]
    return JSONResponse(found, media_type=GEOJSON, headers={"Content-Crs": f"<{CRS84}>"})


ACCESS_RULES = [
    AccessRule("GET", "/ogc", PUBLIC),
    AccessRule("GET", "/ogc/conformance", PUBLIC),
    AccessRule("GET", "/ogc/collections", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/items", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/items/{feature_id}", PUBLIC),
]
