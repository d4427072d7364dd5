"""OGC API - Features, Part 1 Core, over HTTP: the landing page's links, conformance, the
collections with extent and CRS, items as GeoJSON with exact numberMatched, next/prev paging
that returns every feature exactly once, bbox, one feature; invalid or unknown parameters 400."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers.world import MATRIX_SCHOOL

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def _links(body: dict[str, Any]) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in body["links"]}


def test_the_landing_page_leads_to_everything(client: TestClient) -> None:
    landing = client.get("/ogc")
    assert landing.status_code == 200
    links = _links(landing.json())
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert client.get(links["service-desc"]).json()["paths"]["/ogc/collections"]
    assert CORE in client.get(links["conformance"]).json()["conformsTo"]
    collections = client.get(links["data"]).json()["collections"]
    assert [c["id"] for c in collections] == ["tambons", "schools"]
    for found in collections:
        assert found["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
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
