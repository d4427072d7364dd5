"""Coverage and service areas over HTTP: public aggregates, restricted named lists, uploads."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

import geopandas as gpd
from shapely.geometry import shape

from tests.helpers.world import MATRIX_SCHOOL, Account

PLACE = {"round": "2569", "province": "55"}


def test_subdistrict_coverage_is_public_geojson_with_suppression(client: TestClient) -> None:
    response = client.get("/api/v1/coverage/subdistricts", params=PLACE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert len(body["features"]) == 99
    first = body["features"][0]["properties"]
    assert {
        "compulsory_age",
        "out_of_school",
        "beyond_distance",
        "coverage_rate",
        "pre_primary_rate",
        "name_th",
    } <= set(first)
    values = [
        v
        for f in body["features"]
        for k, v in f["properties"].items()
        if isinstance(v, int) and k != "district_code"
    ]
    assert all(v == 0 or v >= 5 for v in values)
    assert all(shape(f["geometry"]).is_valid for f in body["features"])
    assert "first_name" not in response.text and "national_id" not in response.text
    assert len(response.content) < 3_000_000


def test_office_coverage_is_fast_enough_to_ask_for(client: TestClient) -> None:
    response = client.get(
        "/api/v1/coverage/subdistricts", params={"round": "2569", "esao": "P5502"}
    )
    assert response.status_code == 200
    codes = {f["id"][:4] for f in response.json()["features"]}
    assert codes == {"5505", "5506", "5508", "5509", "5512", "5513", "5515"}


def test_school_coverage_suppresses_for_the_public(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    params = {"round": "2569", "district": "5501"}
    public = client.get("/api/v1/coverage/schools", params=params).json()["schools"]
    planner = client.get(
        "/api/v1/coverage/schools", params=params, headers=accounts["planner"].headers
    ).json()["schools"]
    demands = [g["demand"] for s in public for g in s["grades"]]
    assert all(d == "<5" or d == 0 or d >= 5 for d in demands)
    assert all(isinstance(g["demand"], int) for s in planner for g in s["grades"])


def test_named_children_are_limited_to_the_planners_office(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    response = client.get(
        "/api/v1/coverage/children",
        headers=accounts["planner"].headers,
        params={"round": "2569", "flag": "out_of_school", "limit": 2000},
    )
    children = response.json()["children"]
    p5501 = {"5501", "5502", "5503", "5504", "5507", "5510", "5511", "5514"}
    assert children and {c["subdistrict_code"][:4] for c in children} <= p5501
    assert all(c["nearest_school_distance_m"] is not None for c in children)
    other = client.get(
        "/api/v1/coverage/children",
        headers=accounts["planner"].headers,
        params={"round": "2569", "flag": "out_of_school", "esao": "P5502"},
    )
    assert other.status_code == 403


def test_call_list_is_audited(client: TestClient, accounts: dict[str, Account]) -> None:
    response = client.get(
        f"/api/v1/schools/{MATRIX_SCHOOL}/call-list",
        params={"round": "2569"},
        headers=accounts["school"].headers,
    )
    assert response.status_code == 200
    listed = response.json()
    assert listed["entry_year"] == 2570
    log = client.get("/api/v1/admin/audit-log", headers=accounts["admin"].headers).json()
    entry = next(e for e in log if e["resource"] == f"call-list {MATRIX_SCHOOL}")
    assert entry["action"] == "export" and entry["record_count"] == listed["children"]


def test_quality_report(client: TestClient) -> None:
    report = client.get("/api/v1/service-areas/quality", params=PLACE).json()
    assert report["villages"] == 866
    assert report["children"] > 80_000
    assert 0 <= report["children_in_no_area"] < report["children"]


def test_upload_geojson_and_kml_keep_versions(
    client: TestClient, accounts: dict[str, Account], tmp_path: Path
) -> None:
    headers = accounts["admin"].headers
    bowtie = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [100.77, 18.78],
                            [100.79, 18.80],
                            [100.79, 18.78],
                            [100.77, 18.80],
                            [100.77, 18.78],
                        ]
                    ],
                },
            }
        ],
    }
    uploaded = client.post(
        f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas",
        headers=headers,
        data={"round": "2567", "level": "primary"},
        files={"file": ("area.geojson", json.dumps(bowtie).encode(), "application/geo+json")},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["repaired"] and "Self-intersection" in uploaded.json()["repaired"][0]
    frame = gpd.GeoDataFrame(
        geometry=[shape(bowtie["features"][0]["geometry"]).buffer(0)], crs=4326
    )
    path = tmp_path / "area.kml"
    frame.to_file(path, driver="KML", engine="pyogrio")
    again = client.post(
        f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas",
        headers=headers,
        data={"round": "2567", "level": "primary"},
        files={"file": ("area.kml", path.read_bytes(), "application/vnd.google-earth.kml+xml")},
    )
    assert again.status_code == 201, again.text
    current = client.get(
        f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas", params={"round": 2567}
    ).json()["features"]
    [primary] = [f for f in current if f["properties"]["level"] == "primary"]
    assert primary["properties"]["version"] >= 2 and primary["properties"]["method"] == "uploaded"
    wrong_level = client.post(
        f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas",
        headers=headers,
        data={"round": "2567", "level": "upper_secondary"},
        files={"file": ("area.geojson", json.dumps(bowtie).encode(), "application/geo+json")},
    )
    assert wrong_level.status_code == 422 and "does not teach" in wrong_level.json()["detail"]


def test_service_area_from_villages(client: TestClient, accounts: dict[str, Account]) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        ids = (
            conn.execute(
                text("SELECT id FROM village WHERE subdistrict_code = '550101' ORDER BY id LIMIT 2")
            )
            .scalars()
            .all()
        )
    made = client.post(
        f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas/villages",
        headers=accounts["planner"].headers,
        json={"round": 2566, "village_ids": ids},
    )
    assert made.status_code == 201
    [area] = made.json()["features"]
    assert area["properties"]["method"] == "villages" and area["properties"]["area_km2"] > 0


def test_district_and_office_totals_add_up(client: TestClient) -> None:
    tambons = client.get("/api/v1/coverage/subdistricts", params=PLACE).json()["features"]
    districts = client.get(
        "/api/v1/coverage/areas", params={"round": "2569", "by": "district", "province": "55"}
    )
    offices = client.get("/api/v1/coverage/areas", params={"round": "2569", "by": "esao"})
    assert districts.status_code == offices.status_code == 200
    by_district = {a["district"]: a for a in districts.json()["areas"]}
    assert len(by_district) == 15
    for district, area in by_district.items():
        parts = [f["properties"] for f in tambons if f["id"].startswith(district)]
        if all(isinstance(p["compulsory_age"], int) for p in parts):
            assert area["compulsory_age"] == sum(p["compulsory_age"] for p in parts)
    by_office = {a["esao"]: a for a in offices.json()["areas"]}
    assert by_office["S5500"]["compulsory_age"] == (
        by_office["P5501"]["compulsory_age"] + by_office["P5502"]["compulsory_age"]
    )


def test_children_say_whether_they_are_served_in_their_area(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    rows = client.get(
        "/api/v1/coverage/children",
        headers=accounts["admin"].headers,
        params={"round": "2569", "flag": "beyond_distance", "province": "55", "limit": 500},
    ).json()["children"]
    assert rows
    assert {r["served"] for r in rows} <= {
        "enrolled_in_area",
        "enrolled_outside_area",
        "out_of_school",
        "not_enrolled",
        "completed_m3",
    }
