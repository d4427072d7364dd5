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
import json
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

import morecantile
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from app.api.access import PUBLIC, AccessRule
from app.api.deps import ReadSessionDep, SessionDep
from app.api.oas30 import ogc_openapi
from app.auth import service as accounts
from app.auth.deps import PrincipalDep, client_ip, csrf_for
from app.web.templating import templates
from gis import features
from kernel.cql import parse_filter
from kernel.errors import AuthenticationError, InvalidInputError, NotFoundError
from kernel.extent import BBox
from kernel.policy import exact_count_districts, named_coverage_area
from kernel.principal import Principal

router = APIRouter(prefix="/ogc", tags=["ogc"])
GEOJSON = "application/geo+json"
OAS30 = "application/vnd.oai.openapi+json;version=3.0"
JSON = "application/json"
HTML = "text/html"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CRS84 = features.CRS84.uri
# Listed only for what works: QGIS sends filters and CRS requests only when they are listed.
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
KEPT_IN_LINKS = ("bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang")
FORMAT = frozenset({"f"})
ITEMS_PARAMETERS = frozenset({"limit", "offset", "f", *KEPT_IN_LINKS})
CrsParameter = Annotated[
    str | None,
    Query(
        description="The CRS of the geometries: " + ", ".join(features.CRSES),
        examples=["http://www.opengis.net/def/crs/EPSG/0/32647"],
        max_length=100,
    ),
]
CollectionId = Annotated[
    str, Path(pattern=r"^[a-z0-9_]{1,40}$", description="A collection's id, e.g. schools")
]
OGC_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {JSON: {}, HTML: {}}}}
FormatParameter = Annotated[
    Literal["json", "html"] | None,
    Query(
        alias="f",
        description="json, or html for a person's page in Thai (a browser's Accept header "
        "asks for html too)",
    ),
]


def _wants_html(request: Request, chosen: str | None) -> bool:
    """``f=html``, or a person's browser (text/html first in Accept) with no ``f``; ``f=json``
    and the GIS clients (which ask for JSON) get JSON."""
    if chosen is not None:
        return chosen == "html"
    return request.headers.get("accept", "").startswith("text/html")


def _page(
    request: Request, principal: Principal, kind: str, title: str, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "ogc.html",
        {
            "principal": principal,
            "csrf_token": csrf_for(principal),
            "kind": kind,
            "title": title,
            "base": _base(request),
            **context,
        },
    )


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _count_scope(session: SessionDep, principal: PrincipalDep) -> features.CountScope:
    return features.CountScope(exact_count_districts(session, principal))


CountScopeDep = Annotated[features.CountScope, Depends(_count_scope)]


def _layer_session(
    collection_id: CollectionId, primary: SessionDep, reads: ReadSessionDep
) -> Session:
    """Named children are read on the primary (the read's audit row is written in its
    transaction); every other layer where reads go (the standby, when there is one)."""
    return primary if collection_id in features.NAMED_LAYERS else reads


LayerSessionDep = Annotated[Session, Depends(_layer_session)]


def _reader_layer(
    collection_id: CollectionId,
    principal: PrincipalDep,
    session: LayerSessionDep,
    scope: CountScopeDep,
) -> features.Layer:
    """The collection as this reader may read it: a public layer (its small counts exact
    where the access policy says), or a layer of named children within the area the policy
    gives them (anonymous callers are asked to sign in; others are told there is no such
    collection)."""
    if collection_id not in features.NAMED_LAYERS:
        return features.public_layer(session, collection_id, scope)
    if principal.is_anonymous:
        raise AuthenticationError(f"{collection_id} names children: sign in (user, API key)")
    area = named_coverage_area(principal, None, None, None)
    if area is None:
        raise NotFoundError(f"no collection {collection_id}")
    return features.named_layer(session, collection_id, area)


LayerDep = Annotated[features.Layer, Depends(_reader_layer)]


def _audit(
    session: SessionDep, principal: Principal, request: Request, layer: features.Layer, n: int
) -> None:
    """A read of named children: who, what, how many, from where; in the read's transaction."""
    if not layer.personal:
        return
    accounts.record_access(
        session,
        principal,
        action="read",
        resource=f"ogc {layer.id}",
        record_count=n,
        ip=client_ip(request),
    )
    session.commit()


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
@router.get("/", include_in_schema=False)  # clients join "/" to the service URL
def landing(request: Request, principal: PrincipalDep, f: FormatParameter = None) -> Any:
    _only(request, FORMAT)
    if _wants_html(request, f):
        return _page(request, principal, "landing", "ชั้นข้อมูลแผนที่ (OGC API - Features)")
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "edumap: แผนที่การศึกษา (OGC API - Features)",
        "description": "Thailand's education map layers of this office's edumap",
        "links": [
            _link(base, "self", JSON, "this document"),
            _link(f"{base}?f=html", "alternate", HTML, "this document as a web page"),
            _link(
                f"{base}/api",
                "service-desc",
                OAS30,
                "the API definition (OpenAPI 3.0)",
            ),
            _link(f"{root}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/collections", "data", JSON, "the collections"),
        ],
    }


@router.get(
    "/api",
    summary="This API's definition in OpenAPI 3.0",
    response_class=JSONResponse,
    responses={200: {"content": {OAS30: {}}}},
)
def api_definition(request: Request) -> JSONResponse:
    _only(request, frozenset())
    document = ogc_openapi(request.app.openapi(), _base(request))
    return JSONResponse(document, media_type=OAS30)


@router.get("/conformance", summary="The conformance classes served", responses=OGC_RESPONSES)
def conformance(request: Request, principal: PrincipalDep, f: FormatParameter = None) -> Any:
    _only(request, FORMAT)
    if _wants_html(request, f):
        return _page(request, principal, "conformance", "มาตรฐานที่รองรับ", conformance=CONFORMANCE)
    href = f"{_base(request)}/conformance"
    return {
        "links": [
            _link(href, "self", JSON, "conformance classes"),
            _link(f"{href}?f=html", "alternate", HTML, "conformance classes as a web page"),
        ],
        "conformsTo": CONFORMANCE,
    }


def _collection(request: Request, session: ReadSessionDep, layer: features.Layer) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{layer.id}"
    return {
        "id": layer.id,
        "title": layer.title_th,
        "description": layer.description,
        "itemType": "feature",
        "crs": list(features.CRSES),
        "storageCrs": CRS84,
        "extent": _extent(session, layer),
        "links": [
            _link(base, "self", JSON, layer.title_th),
            _link(f"{base}?f=html", "alternate", HTML, f"{layer.title_th} (web page)"),
            _link(f"{base}/items", "items", GEOJSON, f"{layer.title_th} (GeoJSON)"),
            _link(f"{base}/items?f=html", "items", HTML, f"{layer.title_th} (web page)"),
            _link(
                f"{base}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "what a filter may name",
            ),
            _link(
                f"{base}/tiles",
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                JSON,
                f"{layer.title_th} (vector tiles)",
            ),
        ],
    }


def _extent(session: ReadSessionDep, layer: features.Layer) -> dict[str, Any]:
    box = features.extent(session, layer)
    found: dict[str, Any] = {"spatial": {"bbox": [box] if box else [], "crs": CRS84}}
    interval = features.temporal_extent(session, layer)
    if interval is not None:
        found["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return found


@router.get("/collections", summary="The collections (layers)", responses=OGC_RESPONSES)
def collections(
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    scope: CountScopeDep,
    f: FormatParameter = None,
) -> Any:
    _only(request, FORMAT)
    base = f"{_base(request)}/collections"
    layers = [
        features.public_layer(session, layer_id, scope)
        for layer_id in features.public_layer_ids(session)
    ]
    area = None if principal.is_anonymous else named_coverage_area(principal, None, None, None)
    if area is not None:  # the named layers only for those who may read them
        layers += [features.named_layer(session, name, area) for name in features.NAMED_LAYERS]
    if _wants_html(request, f):
        return _page(request, principal, "collections", "ชั้นข้อมูลทั้งหมด", layers=layers)
    return {
        "links": [
            _link(base, "self", JSON, "the collections"),
            _link(f"{base}?f=html", "alternate", HTML, "the collections as a web page"),
        ],
        "collections": [_collection(request, session, layer) for layer in layers],
    }


@router.get("/collections/{collection_id}", summary="One collection", responses=OGC_RESPONSES)
def collection(
    layer: LayerDep,
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    f: FormatParameter = None,
) -> Any:
    _only(request, FORMAT)
    if _wants_html(request, f):
        return _page(
            request,
            principal,
            "collection",
            layer.title_th,
            layer=layer,
            extent=_extent(session, layer),
            crses=list(features.CRSES),
        )
    return _collection(request, session, layer)


@router.get(
    "/collections/{collection_id}/queryables",
    summary="What a filter may name: a JSON Schema",
    responses={200: {"content": {"application/schema+json": {}}}},
    response_class=JSONResponse,
)
def queryables(layer: LayerDep, request: Request) -> JSONResponse:
    _only(request, frozenset())
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{_base(request)}/collections/{layer.id}/queryables",
        "type": "object",
        "title": layer.title_th,
        "properties": {
            "geometry": {"format": "geometry-any", "title": "geometry"},
            **{p.name: {"type": p.json_type, "title": p.title_th} for p in layer.properties},
        },
        "additionalProperties": False,
    }
    return JSONResponse(schema, media_type="application/schema+json")


def _crs(value: str | None, name: str) -> features.Crs:
    if value is None:
        return features.CRS84
    found = features.CRSES.get(value.strip("<>"))
    if found is None:
        raise InvalidInputError(f"query.{name}", f"one of {', '.join(features.CRSES)}")
    return found


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
    return BBox(*values)


def _instant(value: str) -> dt.datetime | None:
    if value in ("..", ""):
        return None
    try:
        found = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        try:  # a date alone is its whole day's start
            found = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError as exc:
            raise InvalidInputError(
                "query.datetime", f"{value!r} is not an RFC 3339 date-time"
            ) from exc
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _parse_datetime(value: str | None) -> features.Period | None:
    """``datetime``: an instant, or an interval ``start/end`` with ``..`` for an open end."""
    if value is None:
        return None
    parts = value.split("/")
    if len(parts) == 1:
        instant = _instant(parts[0])
        if instant is None:
            raise InvalidInputError("query.datetime", "an instant, not '..'")
        return features.Period(instant, instant)
    if len(parts) != 2:
        raise InvalidInputError("query.datetime", "an instant or start/end")
    start, end = _instant(parts[0]), _instant(parts[1])
    if start is not None and end is not None and start > end:
        raise InvalidInputError("query.datetime", "the interval ends before it starts")
    return features.Period(start, end)


def _check_degrees(bbox: BBox | None, crs: features.Crs) -> None:
    if bbox is None or crs.srid != 4326:
        return
    lons, lats = (bbox.min_lon, bbox.max_lon), (bbox.min_lat, bbox.max_lat)
    if crs.lat_first:
        lons, lats = lats, lons
    if not all(-180 <= v <= 180 for v in lons):
        raise InvalidInputError("query.bbox", "longitudes between -180 and 180")
    if not all(-90 <= v <= 90 for v in lats):
        raise InvalidInputError("query.bbox", "latitudes between -90 and 90")


@router.get(
    "/collections/{collection_id}/items",
    summary="A collection's features, paged",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}, HTML: {}}}},
)
def collection_items(
    layer: LayerDep,
    principal: PrincipalDep,
    request: Request,
    session: LayerSessionDep,
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
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description="The CRS of bbox", max_length=100)
    ] = None,
    crs: CrsParameter = None,
    datetime_text: Annotated[
        str | None,
        Query(
            alias="datetime",
            description="An instant or interval (RFC 3339, '..' for an open end): features "
            "whose time meets it, on layers with a time (service areas, census rounds)",
            examples=["2026-06-01T00:00:00Z", "2025-05-16T00:00:00Z/.."],
            max_length=100,
        ),
    ] = None,
    filter_text: Annotated[
        str | None,
        Query(
            alias="filter",
            description="A CQL2 filter over the queryables, e.g. name_th LIKE 'บ้าน%'",
            max_length=10_000,
        ),
    ] = None,
    filter_lang: Annotated[
        str, Query(alias="filter-lang", pattern="^cql2-(text|json)$")
    ] = "cql2-text",
    f: FormatParameter = None,
) -> Response:
    _only(request, ITEMS_PARAMETERS)
    output_crs, box_crs = _crs(crs, "crs"), _crs(bbox_crs, "bbox-crs")
    box = _parse_bbox(bbox)
    _check_degrees(box, box_crs)
    cql = parse_filter(filter_text, filter_lang) if filter_text else None
    found = features.items(
        session,
        layer,
        bbox=box,
        limit=limit,
        offset=offset,
        crs=output_crs,
        bbox_crs=box_crs,
        cql=cql,
        during=_parse_datetime(datetime_text),
    )
    _audit(session, principal, request, layer, found.returned)
    base = f"{_base(request)}/collections/{layer.id}"
    kept = {
        name: request.query_params[name] for name in KEPT_IN_LINKS if name in request.query_params
    }

    def page(start: int, *extra: tuple[str, str]) -> str:
        return f"{base}/items?{urlencode({'limit': limit, 'offset': start} | kept | dict(extra))}"

    if _wants_html(request, f):
        more = offset + found.returned < found.matched
        return _page(
            request,
            principal,
            "items",
            layer.title_th,
            layer=layer,
            rows=json.loads(found.features_json),
            matched=found.matched,
            returned=found.returned,
            offset=offset,
            next_href=page(offset + limit, ("f", "html")) if more else None,
            prev_href=page(max(0, offset - limit), ("f", "html")) if offset > 0 else None,
            json_href=page(offset),
        )
    links = [
        _link(page(offset), "self", GEOJSON, "this page"),
        _link(page(offset, ("f", "html")), "alternate", HTML, "this page as a web page"),
        _link(base, "collection", JSON, layer.title_th),
    ]
    if offset + found.returned < found.matched:
        links.append(_link(page(offset + limit), "next", GEOJSON, "the next page"))
    if offset > 0:
        links.append(_link(page(max(0, offset - limit)), "prev", GEOJSON, "the previous page"))
    head = {
        "type": "FeatureCollection",
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "numberMatched": found.matched,
        "numberReturned": found.returned,
        "links": links,
    }
    # The features as PostGIS wrote them, spliced in whole (not parsed and written again).
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + found.features_json + "}"
    return Response(
        body.encode(), media_type=GEOJSON, headers={"Content-Crs": f"<{output_crs.uri}>"}
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}, HTML: {}}}},
)
def collection_item(
    layer: LayerDep,
    feature_id: Annotated[str, Path(max_length=100)],
    principal: PrincipalDep,
    request: Request,
    session: LayerSessionDep,
    crs: CrsParameter = None,
    f: FormatParameter = None,
) -> Response:
    _only(request, frozenset({"crs", "f"}))
    output_crs = _crs(crs, "crs")
    found = dict(features.feature(session, layer, feature_id, output_crs))
    _audit(session, principal, request, layer, 1)
    if _wants_html(request, f):
        title = f"{layer.title_th}: {feature_id}"
        return _page(request, principal, "item", title, layer=layer, feature=found)
    base = f"{_base(request)}/collections/{layer.id}"
    item_url = f"{base}/items/{quote(feature_id)}"
    found["links"] = [
        _link(item_url, "self", GEOJSON, "this feature"),
        _link(f"{item_url}?f=html", "alternate", HTML, "this feature as a web page"),
        _link(base, "collection", JSON, layer.title_th),
    ]
    return JSONResponse(found, media_type=GEOJSON, headers={"Content-Crs": f"<{output_crs.uri}>"})


ACCESS_RULES = [
    AccessRule("GET", "/ogc", PUBLIC),
    AccessRule("GET", "/ogc/", PUBLIC),
    AccessRule("GET", "/ogc/api", PUBLIC),
    AccessRule("GET", "/ogc/conformance", PUBLIC),
    AccessRule("GET", "/ogc/collections", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/queryables", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/items", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/items/{feature_id}", PUBLIC),
    AccessRule("GET", "/ogc/tileMatrixSets", PUBLIC),
    AccessRule("GET", "/ogc/tileMatrixSets/{tile_matrix_set_id}", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/tiles", PUBLIC),
    AccessRule("GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}", PUBLIC),
    AccessRule(
        "GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}/tilejson.json", PUBLIC
    ),
    AccessRule(
        "GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}/{z}/{y}/{x}", PUBLIC
    ),
]


# --- vector tiles -----------------------------------------------------------------------------

MVT = "application/vnd.mapbox-vector-tile"
WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
MAX_ZOOM = 18


def _tile_matrix_set(
    tile_matrix_set_id: Annotated[str, Path(pattern=r"^WebMercatorQuad$")],
) -> morecantile.TileMatrixSet:
    """The one tile matrix set served (the path says which, as OGC API - Tiles has it)."""
    del tile_matrix_set_id  # the pattern admits WebMercatorQuad only
    return WEB_MERCATOR


TileMatrixSet = Annotated[morecantile.TileMatrixSet, Depends(_tile_matrix_set)]


@router.get("/tileMatrixSets", summary="The tile matrix sets served", responses=OGC_RESPONSES)
def tile_matrix_sets(request: Request) -> dict[str, Any]:
    _only(request, frozenset())
    href = f"{_base(request)}/tileMatrixSets/WebMercatorQuad"
    return {
        "tileMatrixSets": [
            {
                "id": WEB_MERCATOR.id,
                "title": "Google Maps compatible for the World",
                "links": [_link(href, "self", JSON, "WebMercatorQuad")],
            }
        ]
    }


@router.get(
    "/tileMatrixSets/{tile_matrix_set_id}",
    summary="A tile matrix set's definition",
    responses=OGC_RESPONSES,
)
def tile_matrix_set(tms: TileMatrixSet, request: Request) -> dict[str, Any]:
    _only(request, frozenset())
    definition: dict[str, Any] = tms.model_dump(mode="json", exclude_none=True)
    return definition


def _tileset(
    request: Request, layer: features.Layer, tms: morecantile.TileMatrixSet = WEB_MERCATOR
) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{layer.id}/tiles/{tms.id}"
    return {
        "title": f"{layer.title_th} (vector tiles)",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": tms.uri,
        "links": [
            _link(base, "self", JSON, "this tileset"),
            _link(
                f"{_base(request)}/tileMatrixSets/WebMercatorQuad",
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                JSON,
                "WebMercatorQuad",
            ),
            {
                "href": f"{base}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                "rel": "item",
                "type": MVT,
                "templated": True,
            },
            _link(f"{base}/tilejson.json", "alternate", JSON, "TileJSON"),
        ],
        "layers": [
            {
                "id": layer.id,
                "dataType": "vector",
                "geometryType": layer.geometry_type,
            }
        ],
    }


@router.get(
    "/collections/{collection_id}/tiles",
    summary="A collection's vector tilesets",
    responses=OGC_RESPONSES,
)
def collection_tilesets(layer: LayerDep, request: Request) -> dict[str, Any]:
    _only(request, frozenset())
    return {"tilesets": [_tileset(request, layer)]}


@router.get(
    "/collections/{collection_id}/tiles/{tile_matrix_set_id}",
    summary="A collection's vector tileset",
    responses=OGC_RESPONSES,
)
def collection_tileset(layer: LayerDep, tms: TileMatrixSet, request: Request) -> dict[str, Any]:
    _only(request, frozenset())
    return _tileset(request, layer, tms)


@router.get(
    "/collections/{collection_id}/tiles/{tile_matrix_set_id}/tilejson.json",
    summary="The tileset as TileJSON (web map libraries read it)",
    responses=OGC_RESPONSES,
)
def collection_tilejson(
    layer: LayerDep,
    tms: TileMatrixSet,
    request: Request,
    session: LayerSessionDep,
) -> dict[str, Any]:
    _only(request, frozenset())
    base = f"{_base(request)}/collections/{layer.id}/tiles/{tms.id}"
    return {
        "tilejson": "3.0.0",
        "name": layer.title_th,
        "tiles": [f"{base}/{{z}}/{{y}}/{{x}}"],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": features.extent(session, layer),
        "vector_layers": [
            {"id": layer.id, "fields": {p.name: p.json_type for p in layer.properties}}
        ],
    }


@router.get(
    "/collections/{collection_id}/tiles/{tile_matrix_set_id}/{z}/{y}/{x}",
    summary="One vector tile (Mapbox Vector Tile)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}},
)
def collection_tile(
    layer: LayerDep,
    tms: TileMatrixSet,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="tileMatrix (zoom)")],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="tileRow")],
    x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="tileCol")],
    principal: PrincipalDep,
    request: Request,
    session: LayerSessionDep,
) -> Response:
    _only(request, frozenset())
    if x >= 2**z or y >= 2**z:
        raise InvalidInputError("path", f"no tile {z}/{y}/{x}: row and column below {2**z}")
    if layer.varies_by_reader:  # exact small counts for this reader: never in a shared cache
        content = features.tile(session, layer, z, x, y)
        return Response(content, media_type=MVT, headers={"Cache-Control": "private, no-store"})
    if layer.personal:  # differs by reader and is audited: never stored, never a 304
        content = features.tile(session, layer, z, x, y)
        _audit(session, principal, request, layer, 1 if content else 0)
        return Response(content, media_type=MVT, headers={"Cache-Control": "private, no-store"})
    version = features.data_version(session, layer)
    tag = f'W/"{version}-{layer.id}-{tms.id}-{z}-{y}-{x}"'
    headers = {"ETag": tag, "Cache-Control": "public, max-age=300"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(features.tile(session, layer, z, x, y), media_type=MVT, headers=headers)
