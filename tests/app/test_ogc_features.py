"""OGC API - Features, Part 1 Core, over HTTP: the landing page's links, conformance, the
collections with extent and CRS, items as GeoJSON with exact numberMatched, next/prev paging
that returns every feature exactly once, bbox, one feature; invalid or unknown parameters 400."""

from __future__ import annotations

import base64
import json
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers.world import MATRIX_SCHOOL, Account

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def _links(body: dict[str, Any]) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in body["links"]}


def test_the_landing_page_leads_to_everything(client: TestClient) -> None:
    landing = client.get("/ogc")
    assert landing.status_code == 200
    links = _links(landing.json())
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    definition = client.get(links["service-desc"]).json()
    assert definition["openapi"].startswith("3.0.") and definition["paths"]["/collections"]
    assert CORE in client.get(links["conformance"]).json()["conformsTo"]
    collections = client.get(links["data"]).json()["collections"]
    assert [c["id"] for c in collections] == ["tambons", "schools", "villages"]
    for found in collections:
        assert found["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert "http://www.opengis.net/def/crs/EPSG/0/32647" in found["crs"]
        [box] = found["extent"]["spatial"]["bbox"]
        assert 97 < box[0] < box[2] < 106 and 5 < box[1] < box[3] < 21  # Thailand
        assert client.get(_links(found)["items"]).status_code == 200


@pytest.mark.parametrize(
    ("collection", "table"), [("schools", "school"), ("tambons", "subdistrict")]
)
def test_following_next_returns_every_feature_once(
    client: TestClient, db_session: Session, collection: str, table: str
) -> None:
    expected = db_session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    url: str | None = f"/ogc/collections/{collection}/items?limit=1000"
    seen: list[str] = []
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200 and page.headers["content-type"] == "application/geo+json"
        body = page.json()
        assert body["numberMatched"] == expected
        assert body["numberReturned"] == len(body["features"])
        seen += [f["id"] for f in body["features"]]
        url = _links(body).get("next")
        pages += 1
        assert pages < 100
    assert len(seen) == expected and len(set(seen)) == expected


def test_bbox_prev_and_one_feature(client: TestClient, db_session: Session) -> None:
    box = "100.6,18.7,100.9,19.0"
    inside = db_session.execute(
        text(
            "SELECT count(*) FROM school WHERE ST_Intersects(location, "
            "ST_MakeEnvelope(100.6, 18.7, 100.9, 19.0, 4326))"
        )
    ).scalar_one()
    second = client.get(
        "/ogc/collections/schools/items", params={"bbox": box, "limit": 3, "offset": 3}
    )
    body = second.json()
    assert body["numberMatched"] == inside > 6
    assert "offset=0" in _links(body)["prev"] and "bbox=" in _links(body)["next"]
    one = client.get(f"/ogc/collections/schools/items/{MATRIX_SCHOOL}").json()
    assert one["id"] == MATRIX_SCHOOL and one["geometry"]["type"] == "Point"
    assert one["properties"]["name_th"]
    assert client.get("/ogc/collections/schools/items/0000000000").status_code == 404
    assert client.get("/ogc/collections/nothing/items").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "10001"},
        {"limit": "many"},
        {"bbox": "1,2,3"},
        {"bbox": "100,19,99,18"},
        {"bbox": "200,1,201,2"},
        {"colour": "red"},
    ],
)
def test_invalid_or_unknown_parameters_are_400(client: TestClient, query: dict[str, str]) -> None:
    response = client.get("/ogc/collections/schools/items", params=query)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_the_limit_parameter_states_its_default_and_maximum(client: TestClient) -> None:
    """QGIS reads them from the API definition to size its requests."""
    operation = client.get("/openapi.json").json()["paths"][
        "/ogc/collections/{collection_id}/items"
    ]["get"]
    [limit] = [p for p in operation["parameters"] if p["name"] == "limit"]
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (100, 10_000)
    assert "400" in operation["responses"] and "422" not in operation["responses"]


SCHOOLS = "/ogc/collections/schools/items"
UTM47 = "http://www.opengis.net/def/crs/EPSG/0/32647"


def _count(client: TestClient, **params: str) -> int:
    response = client.get(SCHOOLS, params={"limit": "1"} | params)
    assert response.status_code == 200, response.text
    matched: int = response.json()["numberMatched"]
    return matched


def test_cql2_filters_select_what_the_database_holds(
    client: TestClient, db_session: Session
) -> None:
    def db(where: str) -> int:
        return int(
            db_session.execute(text(f"SELECT count(*) FROM school WHERE {where}")).scalar_one()
        )

    assert (
        _count(client, filter="name_th LIKE 'โรงเรียนบ้าน%'") == db("name_th LIKE 'โรงเรียนบ้าน%'") > 0
    )
    assert _count(client, filter="office_code IN ('P5501', 'P5502')") == db(
        "office_code IN ('P5501', 'P5502')"
    )
    as_json = json.dumps({"op": "=", "args": [{"property": "code"}, MATRIX_SCHOOL]})
    assert _count(client, filter=as_json, **{"filter-lang": "cql2-json"}) == 1
    assert _count(client, filter=f"code = {MATRIX_SCHOOL}") == 1  # a number, compared as text
    box = "S_INTERSECTS(geometry, BBOX(100.6, 18.7, 100.9, 19.0))"
    assert _count(client, filter=box) == _count(client, bbox="100.6,18.7,100.9,19.0")
    assert _count(client, filter="location_accuracy_m BETWEEN 0 AND 50") == db(
        "location_accuracy_m BETWEEN 0 AND 50"
    )
    assert _count(client, filter="NOT (office_code IS NULL)") == db("office_code IS NOT NULL")
    # Text in a filter is a value, never SQL.
    assert _count(client, filter="name_th = 'x'' OR ''1''=''1'") == 0
    tambons = client.get(
        "/ogc/collections/tambons/items",
        params={"filter": "population_total BETWEEN 5000 AND 10000", "limit": "1"},
    ).json()["numberMatched"]
    assert (
        tambons
        == db_session.execute(
            text(
                "SELECT count(*) FROM subdistrict s WHERE (SELECT total FROM population "
                "WHERE subdistrict_code = s.code ORDER BY reference_date DESC LIMIT 1) "
                "BETWEEN 5000 AND 10000"
            )
        ).scalar_one()
    )


@pytest.mark.parametrize(
    "cql",
    ["colour = 'red'", "name_th LIKE", "location_accuracy_m > 'far'", "grades LIKE 5"],
)
def test_a_filter_on_what_is_not_queryable_or_unreadable_is_400(
    client: TestClient, cql: str
) -> None:
    response = client.get(SCHOOLS, params={"filter": cql})
    assert response.status_code == 400, response.text


def test_queryables_are_a_json_schema_of_the_properties(client: TestClient) -> None:
    response = client.get("/ogc/collections/schools/queryables")
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["properties"]["name_th"] == {"type": "string", "title": "ชื่อโรงเรียน"}
    assert "geometry" in schema["properties"] and schema["additionalProperties"] is False


def test_geometries_in_the_crs_asked_for(client: TestClient, db_session: Session) -> None:
    lon, lat = db_session.execute(
        text("SELECT ST_X(location), ST_Y(location) FROM school WHERE code = :c"),
        {"c": MATRIX_SCHOOL},
    ).one()
    one = f"{SCHOOLS}/{MATRIX_SCHOOL}"
    utm = client.get(one, params={"crs": UTM47})
    assert utm.headers["content-crs"] == f"<{UTM47}>"
    easting, northing = utm.json()["geometry"]["coordinates"]
    assert 600_000 < easting < 800_000 and 2_000_000 < northing < 2_200_000  # Nan, zone 47N
    epsg4326 = client.get(one, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})
    assert epsg4326.json()["geometry"]["coordinates"] == [round(lat, 6), round(lon, 6)]
    # A bbox in UTM metres around the school finds it.
    box = f"{easting - 50},{northing - 50},{easting + 50},{northing + 50}"
    found = client.get(SCHOOLS, params={"bbox": box, "bbox-crs": UTM47}).json()
    assert MATRIX_SCHOOL in [f["id"] for f in found["features"]]
    assert client.get(SCHOOLS, params={"crs": "EPSG:3857"}).status_code == 400


def test_vector_tiles_hold_the_layers_features(client: TestClient, db_session: Session) -> None:
    tileset = client.get("/ogc/collections/schools/tiles/WebMercatorQuad").json()
    template = next(link["href"] for link in tileset["links"] if link["rel"] == "item")
    assert template.endswith("/{tileMatrix}/{tileRow}/{tileCol}")
    tms = client.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["id"] == "WebMercatorQuad" and len(tms["tileMatrices"]) >= 19
    tilejson = client.get("/ogc/collections/tambons/tiles/WebMercatorQuad/tilejson.json").json()
    assert tilejson["tiles"][0].endswith("/{z}/{y}/{x}")

    # The tile of Nan at z8 (x 199, y 114) holds the schools inside it, with their attributes.
    response = client.get("/ogc/collections/schools/tiles/WebMercatorQuad/8/114/199")
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    codes = sorted(f["properties"]["code"] for f in decoded["schools"]["features"])
    inside = db_session.execute(
        text(
            "SELECT code FROM school WHERE ST_Intersects(location, "
            "ST_Transform(ST_TileEnvelope(8, 199, 114), 4326)) ORDER BY code"
        )
    ).scalars()
    assert codes == list(inside) and MATRIX_SCHOOL in codes
    names = {
        f["properties"]["code"]: f["properties"]["name_th"] for f in decoded["schools"]["features"]
    }
    assert (
        names[MATRIX_SCHOOL]
        == db_session.execute(
            text("SELECT name_th FROM school WHERE code = :c"), {"c": MATRIX_SCHOOL}
        ).scalar_one()
    )
    # The same tile again: 304 on its ETag; a tile of the sea is empty.
    again = client.get(
        "/ogc/collections/schools/tiles/WebMercatorQuad/8/114/199",
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    assert client.get("/ogc/collections/schools/tiles/WebMercatorQuad/8/0/0").content == b""
    assert client.get("/ogc/collections/schools/tiles/WebMercatorQuad/2/9/0").status_code == 400
    assert client.get("/ogc/collections/schools/tiles/WorldCRS84Quad/2/1/1").status_code == 400


NAMED = "/ogc/collections/children_out_of_school"


def _basic(account: Account, key: str) -> dict[str, str]:
    token = base64.b64encode(f"{account.username}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_named_children_only_for_their_readers_and_only_their_office(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    # Anonymous: not listed, and asked to sign in the way QGIS can (Basic).
    listed = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert "children_out_of_school" not in listed
    anonymous = client.get(f"{NAMED}/items")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    for role in ("surveyor", "school"):  # signed in, not readers of named children
        assert client.get(f"{NAMED}/items", headers=accounts[role].headers).status_code == 404

    # A planner with the user name and an API key as Basic credentials (QGIS's way).
    made = client.post(
        "/api/v1/auth/api-keys", headers=accounts["planner"].headers, json={"name": "QGIS"}
    )
    planner = _basic(accounts["planner"], made.json()["key"])
    found = client.get("/ogc/collections", headers=planner).json()["collections"]
    listed = [c["id"] for c in found]
    assert {"children_out_of_school", "children_beyond_distance"} <= set(listed)
    before = db_session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    page = client.get(f"{NAMED}/items", params={"limit": "10000"}, headers=planner).json()
    districts = set(
        db_session.execute(
            text(
                "SELECT district_code FROM service_area_office_district WHERE office_code = "
                "(SELECT office_code FROM user_account WHERE username = :u)"
            ),
            {"u": accounts["planner"].username},
        ).scalars()
    )
    codes = {f["properties"]["subdistrict_code"][:4] for f in page["features"]}
    assert page["numberMatched"] == len(page["features"]) > 0 and codes <= districts
    assert page["features"][0]["properties"]["first_name"]
    audit = db_session.execute(
        text("SELECT resource, record_count FROM audit_log ORDER BY id DESC LIMIT 1")
    ).one()
    assert tuple(audit) == ("ogc children_out_of_school", len(page["features"]))
    assert db_session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before + 1
    # Another account's key with this user name is refused.
    other = client.post(
        "/api/v1/auth/api-keys", headers=accounts["admin"].headers, json={"name": "other"}
    )
    forged = _basic(accounts["planner"], other.json()["key"])
    assert client.get(f"{NAMED}/items", headers=forged).status_code == 401


def test_villages_hide_small_counts_from_the_public_and_refuse_filters_on_them(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    counts = dict(
        db_session.execute(
            text(
                "SELECT h.village_id::text, count(*) FROM child_coverage c JOIN household h "
                "ON h.id = c.household_id WHERE c.out_of_school AND c.round_year = "
                "(SELECT max(academic_year) FROM census_round) AND h.village_id IS NOT NULL "
                "GROUP BY h.village_id"
            )
        ).all()
    )
    small = next(v for v, n in counts.items() if 1 <= n <= 4)
    large = next(v for v, n in counts.items() if n >= 5)
    url = "/ogc/collections/villages/items"
    public = {v: client.get(f"{url}/{v}").json()["properties"] for v in (small, large)}
    assert public[small]["out_of_school"] is None and public[small]["out_of_school_hidden"]
    assert public[large]["out_of_school"] == counts[large]
    admin = client.get(f"{url}/{small}", headers=accounts["admin"].headers).json()
    assert admin["properties"]["out_of_school"] == counts[small]
    # A filter on the hidden count would tell the hidden cells apart: refused, but for admins.
    refused = client.get(url, params={"filter": "out_of_school BETWEEN 1 AND 4"})
    assert refused.status_code == 400 and "hides counts under 5" in refused.text
    exact = client.get(
        url,
        params={"filter": "out_of_school BETWEEN 1 AND 4", "limit": "1"},
        headers=accounts["admin"].headers,
    ).json()
    assert exact["numberMatched"] == sum(1 for n in counts.values() if 1 <= n <= 4)


def test_an_admins_exact_village_tile_is_never_shared(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    tile = "/ogc/collections/villages/tiles/WebMercatorQuad/10/457/797"
    assert client.get(tile).headers["cache-control"] == "public, max-age=300"
    exact = client.get(tile, headers=accounts["admin"].headers)
    assert exact.headers["cache-control"] == "private, no-store" and "etag" not in exact.headers
