"""The HTTP API over real PostGIS data: provinces, subdistricts, errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import geopandas as gpd
import shapely
from shapely.geometry import box, shape

from gis.datasets import BundledData
from gis.vector_io import read_vector

PROBLEM = "application/problem+json"


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.")
    assert body["schema_revision"]


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/health",
        "/api/v1/provinces",
        "/api/v1/subdistricts",
        "/api/v1/subdistricts/{code}",
    } <= set(paths)


def test_provinces_list_nan_with_its_population(client: TestClient) -> None:
    response = client.get("/api/v1/provinces")
    assert response.status_code == 200
    provinces = {p["code"]: p for p in response.json()}
    assert len(provinces) == 77
    nan = provinces["55"]
    assert nan["name_th"] == "น่าน" and nan["name_en"] == "Nan"
    assert (nan["districts"], nan["subdistricts"], nan["population_total"]) == (15, 99, 475_875)
    min_lon, min_lat, max_lon, max_lat = nan["bbox"]
    assert 100 < min_lon < max_lon < 101.5 and 17.5 < min_lat < max_lat < 19.7


def test_subdistricts_of_nan_as_geojson(client: TestClient) -> None:
    response = client.get("/api/v1/subdistricts", params={"province": "55"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["numberMatched"] == collection["numberReturned"] == 99
    properties = [f["properties"] for f in collection["features"]]
    assert sum(p["population_total"] for p in properties) == 475_875
    first = next(p for p in properties if p["code"] == "550101")
    assert first["name_th"] == "ในเวียง" and first["district_name_th"] == "เมืองน่าน"
    assert first["population_reference_date"] == "2021-12-31"
    assert all(shape(f["geometry"]).is_valid for f in collection["features"])


def test_bbox_returns_exactly_the_intersecting_tambons(
    client: TestClient, data: BundledData
) -> None:
    nan_full = data.subdistricts_full("55")
    assert nan_full is not None
    query = (100.70, 18.70, 100.85, 18.85)
    expected = read_vector(nan_full)
    expected = expected[expected.intersects(box(*query))]
    response = client.get("/api/v1/subdistricts", params={"bbox": ",".join(map(str, query))})
    codes = {f["properties"]["code"] for f in response.json()["features"]}
    assert codes == {c[2:] for c in expected["ADM3_PCODE"]}
    assert len(codes) >= 5


def test_simplify_m_shrinks_geometry_within_tolerance(client: TestClient) -> None:
    full = client.get("/api/v1/subdistricts/550101").json()
    simple = client.get("/api/v1/subdistricts/550101", params={"simplify_m": 100}).json()
    full_shape, simple_shape = shape(full["geometry"]), shape(simple["geometry"])
    assert shapely.get_num_coordinates(simple_shape) < shapely.get_num_coordinates(full_shape) / 3
    assert simple_shape.is_valid
    # Hausdorff distance measured in UTM 47N: no vertex moved more than the tolerance.
    frame = gpd.GeoSeries([full_shape, simple_shape], crs=4326).to_crs(32647)
    assert frame.iloc[0].hausdorff_distance(frame.iloc[1]) <= 100.5


def test_one_subdistrict_as_a_feature(client: TestClient) -> None:
    response = client.get("/api/v1/subdistricts/551501")
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == "551501"
    assert feature["properties"]["name_th"] == "ห้วยโก๋น"
    assert feature["properties"]["population_total"] > 0


@pytest.mark.parametrize(
    ("path", "params", "status", "field", "detail_part"),
    [
        ("/api/v1/subdistricts/550199", {}, 404, None, "subdistrict 550199 is not loaded"),
        ("/api/v1/subdistricts", {"province": "99"}, 404, None, "province 99 is not loaded"),
        ("/api/v1/subdistricts/55x", {}, 422, "path.code", "should match pattern"),
        ("/api/v1/subdistricts", {"province": "Nan"}, 422, "query.province", "pattern"),
        ("/api/v1/subdistricts", {"bbox": "1,2,3"}, 422, "query.bbox", "four numbers"),
        ("/api/v1/subdistricts", {"bbox": "101,19,100,18"}, 422, "query.bbox", "minLon < maxLon"),
        ("/api/v1/subdistricts", {"simplify_m": "-5"}, 422, "query.simplify_m", "greater"),
        ("/api/v1/nothing-here", {}, 404, None, "No such resource: /api/v1/nothing-here"),
    ],
)
def test_errors_are_problem_json(
    client: TestClient,
    path: str,
    params: dict[str, str],
    status: int,
    field: str | None,
    detail_part: str,
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and detail_part in body["detail"]
    if field:
        assert field in {e["field"] for e in body["errors"]}


def test_injection_strings_are_rejected_not_executed(client: TestClient) -> None:
    response = client.get("/api/v1/subdistricts", params={"province": "55' OR '1'='1"})
    assert response.status_code == 422
    assert client.get("/api/v1/provinces").status_code == 200
