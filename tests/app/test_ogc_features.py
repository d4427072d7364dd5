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

from gis import coverage
from kernel.disclosure import complement
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
    assert [c["id"] for c in collections] == [
        "tambons",
        "districts",
        "offices",
        "tambons_2569",
        "districts_2569",
        "offices_2569",
        "schools",
        "service_areas_pre_primary",
        "service_areas_primary",
        "service_areas_lower_secondary",
        "service_areas_upper_secondary",
        "villages",
        "connectivity",
    ]
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
    url = "/ogc/collections/villages/items"
    public: dict[str, dict[str, Any]] = {}
    while not public or len(public) % 10000 == 0:
        page = client.get(url, params={"limit": 10000, "offset": len(public)}).json()
        public |= {str(f["id"]): f["properties"] for f in page["features"]}
        if not page["features"]:
            break
    assert len(public) > len(counts)
    small = next(v for v, n in counts.items() if 1 <= n <= 4)
    assert public[small]["out_of_school"] is None and public[small]["out_of_school_hidden"]
    # Counts of 5 or more are shown, but for a tambon's complement (below).
    large = [v for v, n in counts.items() if n >= 5]
    assert sum(public[v]["out_of_school"] == counts[v] for v in large) > len(large) / 2
    # Down a tambon's column: where one village is 1-4, its smallest other non-zero village
    # is withheld too, or the tambon's count less theirs would give it back.
    by_tambon: dict[str, dict[str, int]] = {}
    for village, shown_village in public.items():
        by_tambon.setdefault(shown_village["subdistrict_code"], {})[village] = counts.get(
            village, 0
        )
    expected = {v for v, n in counts.items() if 1 <= n <= 4}
    for villages in by_tambon.values():
        shut = {v for v, n in villages.items() if 1 <= n <= 4}
        chosen = complement(
            {(n, int(v)): n for v, n in villages.items()}, {(villages[v], int(v)) for v in shut}
        )
        expected |= {str(chosen[1])} if chosen else set()
    assert {v for v, shown_village in public.items() if shown_village["out_of_school_hidden"]} == (
        expected
    )
    admin = client.get(f"{url}/{small}", headers=accounts["admin"].headers).json()
    assert admin["properties"]["out_of_school"] == counts[small]
    # A planner: exact within their office's districts, hidden outside them.
    office = set(
        db_session.execute(
            text(
                "SELECT v.id::text FROM village v "
                "JOIN subdistrict t ON t.code = v.subdistrict_code "
                "JOIN service_area_office_district od ON od.district_code = t.district_code "
                "WHERE od.office_code = 'P5501'"
            )
        ).scalars()
    )
    smalls = [v for v, n in counts.items() if 1 <= n <= 4]
    assert {v in office for v in smalls} == {True, False}  # both kinds are tested
    for village in smalls:
        planner = client.get(f"{url}/{village}", headers=accounts["planner"].headers).json()
        shown = planner["properties"]
        assert shown["out_of_school"] == (counts[village] if village in office else None)
        assert shown["out_of_school_hidden"] == (village not in office)
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


def _by_code(client: TestClient, url: str, headers: dict[str, str] | None = None) -> Any:
    page = client.get(url, params={"limit": "10000"}, headers=headers or {})
    assert page.status_code == 200, page.text
    return {f["id"]: f["properties"] for f in page.json()["features"]}


def _shown(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """The public coverage API's rows as the layers show them: "<5" and "x" as null."""
    return {
        row[key]: {name: None if value in ("<5", "x") else value for name, value in row.items()}
        for row in rows
    }


FIGURES = (*coverage.COVERAGE_COUNTS, "coverage_rate", "pre_primary_rate")


def test_tambons_districts_and_offices_carry_each_rounds_coverage_as_the_public_api(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    tambons = _by_code(client, "/ogc/collections/tambons_2569/items")
    public = _shown(coverage.subdistrict_coverage(db_session, 2569), "subdistrict_code")
    # Every tambon of the round's province, with the figures the public API gives.
    province = db_session.execute(
        text("SELECT province_code FROM census_round WHERE academic_year = 2569")
    ).scalar_one()
    expected = db_session.execute(
        text("SELECT count(*) FROM subdistrict WHERE province_code = :p"), {"p": province}
    ).scalar_one()
    assert len(tambons) == expected and public
    hidden = 0
    for code, figures in public.items():
        assert {name: tambons[code][name] for name in FIGURES} == {
            name: figures[name] for name in FIGURES
        }
        hidden += sum(figures[name] is None for name in FIGURES)
    assert hidden > 0  # the data has small counts: the comparison covered hiding them
    assert tambons[next(iter(public))]["round_year"] == 2569
    assert tambons[next(iter(public))]["population_total"] > 0

    for kind, by in (("districts", "district"), ("offices", "esao")):
        rows = coverage.area_coverage(db_session, 2569, by=by)
        areas = _by_code(client, f"/ogc/collections/{kind}_2569/items")
        for code, figures in _shown(rows, by).items():
            assert {name: areas[code][name] for name in FIGURES} == {
                name: figures[name] for name in FIGURES
            }

    # Admins see every count exact; a planner exact within their office, hidden outside it.
    exact_rows = db_session.execute(
        text(
            "SELECT c.subdistrict_code, count(*) FILTER (WHERE c.out_of_school) FROM "
            "child_coverage c WHERE c.round_year = 2569 GROUP BY 1"
        )
    ).all()
    admin = _by_code(client, "/ogc/collections/tambons_2569/items", accounts["admin"].headers)
    assert {code: admin[code]["out_of_school"] for code, _ in exact_rows} == dict(exact_rows)
    planner = _by_code(client, "/ogc/collections/tambons_2569/items", accounts["planner"].headers)
    office = set(
        db_session.execute(
            text(
                "SELECT district_code FROM service_area_office_district WHERE office_code = 'P5501'"
            )
        ).scalars()
    )
    small = [(code, n) for code, n in exact_rows if 1 <= n <= 4]
    assert {code[:4] in office for code, _ in small} == {True, False}  # both kinds are tested
    for code, n in small:
        assert planner[code]["out_of_school"] == (n if code[:4] in office else None)
    tile = "/ogc/collections/tambons_2569/tiles/WebMercatorQuad/8/114/199"
    assert client.get(tile).headers["cache-control"] == "public, max-age=300"
    assert (
        client.get(tile, headers=accounts["planner"].headers).headers["cache-control"]
        == "private, no-store"
    )
    # A filter on a count that may be hidden: refused unless every count is exact to the reader.
    url = "/ogc/collections/tambons_2569/items"
    query = {"filter": "out_of_school BETWEEN 1 AND 4"}
    assert client.get(url, params=query).status_code == 400
    assert client.get(url, params=query, headers=accounts["planner"].headers).status_code == 400
    assert client.get(url, params=query, headers=accounts["admin"].headers).json()[
        "numberMatched"
    ] == len(small)
    assert client.get("/ogc/collections/tambons_2400/items").status_code == 404


def test_schools_carry_enrolment_capacity_ict_and_internet(
    client: TestClient, db_session: Session
) -> None:
    found = client.get(f"/ogc/collections/schools/items/{MATRIX_SCHOOL}").json()["properties"]
    school = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()
    enrolment = school["enrolment"]
    assert found["academic_year"] == school["academic_year"]
    assert (found["students"], found["capacity"], found["utilisation"]) == (
        enrolment["total"],
        enrolment["capacity"],
        enrolment["utilisation"],
    )
    assert found["capacity"] > 0
    devices = db_session.execute(
        text(
            "SELECT coalesce(sum(count), 0), coalesce(sum(working), 0) FROM ict_device d "
            "JOIN school s ON s.id = d.school_id WHERE s.code = :c"
        ),
        {"c": MATRIX_SCHOOL},
    ).one()
    assert (found["devices"], found["devices_working"]) == tuple(devices)
    assert found["internet_mbps"] == school["ict"]["internet_mbps"]
    assert set(found["levels"].split(",")) <= {
        "pre_primary",
        "primary",
        "lower_secondary",
        "upper_secondary",
    }
    assert found["levels"]


def test_service_areas_per_level_and_datetime_picks_their_academic_year(
    client: TestClient, db_session: Session
) -> None:
    current = dict(
        db_session.execute(
            text(
                "SELECT level, count(*) FROM service_area WHERE is_current AND academic_year = "
                "2569 GROUP BY level"
            )
        ).all()
    )
    assert current.get("primary", 0) > 0
    url = "/ogc/collections/service_areas_primary/items"
    inside = client.get(url, params={"datetime": "2026-06-01T00:00:00Z", "limit": "1"})
    assert inside.status_code == 200 and inside.json()["numberMatched"] == current["primary"]
    assert "datetime=2026-06-01" in _links(inside.json())["next"]
    # The academic year 2569 runs from 16 May 2026 to 15 May 2027, that last day whole.
    for moment, matched in (
        ("2027-05-15T23:00:00Z", current["primary"]),
        ("2026-05-15T12:00:00Z", 0),
        ("2020-01-01/2026-05-16", current["primary"]),
        ("../2020-01-01T00:00:00Z", 0),
        ("2027-05-16T00:00:00Z/..", 0),
    ):
        got = client.get(url, params={"datetime": moment, "limit": "1"}).json()
        assert got["numberMatched"] == matched, moment
    collection = client.get("/ogc/collections/service_areas_primary").json()
    assert collection["extent"]["temporal"]["interval"] == [
        ["2026-05-16T00:00:00Z", "2027-05-15T23:59:59Z"]
    ]
    for bad in ("yesterday", "2027-01-01/2026-01-01", "..", "a/b/c"):
        assert client.get(url, params={"datetime": bad}).status_code == 400, bad
    no_time = client.get("/ogc/collections/schools/items", params={"datetime": "2026-06-01"})
    assert no_time.status_code == 400 and "no time" in no_time.text


def test_every_page_is_also_a_thai_web_page(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path, heading in (
        ("/ogc", "ชั้นข้อมูลแผนที่"),
        ("/ogc/conformance", "มาตรฐานที่รองรับ"),
        ("/ogc/collections", "ชั้นข้อมูลทั้งหมด"),
        ("/ogc/collections/schools", "ชื่อโรงเรียน"),
        ("/ogc/collections/schools/items?limit=10", "พบ "),
        (f"/ogc/collections/schools/items/{MATRIX_SCHOOL}", "ชื่อโรงเรียน"),
    ):
        joiner = "&" if "?" in path else "?"
        for response in (
            client.get(f"{path}{joiner}f=html"),
            client.get(path, headers=browser),
        ):
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html"), path
            assert heading in response.text, path
        # GIS clients ask for JSON (or anything) and get it; f=json overrides a browser.
        for response in (
            client.get(path),
            client.get(path, headers={"Accept": "application/json"}),
            client.get(f"{path}{joiner}f=json", headers=browser),
        ):
            assert response.headers["content-type"].startswith("application/"), path
            rels = {(link["rel"], link["type"]) for link in response.json()["links"]}
            assert ("alternate", "text/html") in rels, path
    # A page of a table: the next page's link keeps the filter and stays a web page.
    page = client.get(
        "/ogc/collections/schools/items",
        params={"f": "html", "limit": "2", "filter": "affiliation = 'obec_primary'"},
    )
    assert 'rel="next"' in page.text and "f=html" in page.text and "สพฐ. (สพป.)" in page.text
    assert client.get("/ogc", params={"f": "xml"}).status_code == 400
    # The named layers' pages as their readers see them, and not for anyone else.
    named = "/ogc/collections/children_out_of_school/items?f=html&limit=5"
    assert client.get(named).status_code == 401
    shown = client.get(named, headers=accounts["planner"].headers)
    assert shown.status_code == 200 and "นามสกุล" in shown.text
