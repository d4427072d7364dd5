"""Where a household point or a service area may be: one rule for REST, file imports and
boundary files. Far points are refused naming the distance unless confirmed, then stored and
flagged and listed by the quality report; service areas far outside their office or with
impossible coordinates are refused naming the share or the coordinate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

import geopandas as gpd
from shapely.geometry import box

from census.importer import import_census_file
from gis.boundaries import LEVELS, load_admin_layer
from gis.loading import LoadError
from kernel.config import get_settings
from tests.helpers.payloads import CENSUS_HEADER as HEADER
from tests.helpers.payloads import household, person
from tests.helpers.world import MATRIX_SCHOOL, Account

FAR = {"lon": 100.80, "lat": 19.17, "accuracy_m": 10}  # about 40 km north of tambon 550101


def test_a_far_point_is_refused_naming_the_distance_then_stored_flagged_when_confirmed(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    headers = accounts["surveyor"].headers
    body = household(location=FAR)
    refused = client.post("/api/v1/census/households", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "location" and "outside tambon 550101" in error["message"]
    assert " m outside" in error["message"] and "กม." in error["message"]
    confirmed = household(location=FAR | {"confirmed": True})
    stored = client.post("/api/v1/census/households", json=confirmed, headers=headers)
    assert stored.status_code == 201, stored.text
    flag, outside_m = db_session.execute(
        text("SELECT location_flag, location_outside_m FROM household WHERE uuid = :u"),
        {"u": confirmed["uuid"]},
    ).one()
    assert flag == "confirmed" and 30_000 < outside_m < 50_000
    quality = client.get(
        "/api/v1/service-areas/quality", params={"round": 2569, "province": "55"}
    ).json()
    [row] = [r for r in quality["household_points_flagged"] if r["subdistrict_code"] == "550101"]
    assert row["flag"] == "confirmed" and row["farthest_outside_m"] >= round(outside_m) - 1


def test_a_point_just_outside_within_its_accuracy_is_stored_unflagged(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    body = household(location={"lon": 100.7745, "lat": 18.7836, "accuracy_m": 5})
    response = client.post(
        "/api/v1/census/households", json=body, headers=accounts["surveyor"].headers
    )
    assert response.status_code == 201, response.text
    flag = db_session.execute(
        text("SELECT location_flag FROM household WHERE uuid = :u"), {"u": body["uuid"]}
    ).scalar_one()
    assert flag is None


def test_file_import_refuses_far_points_by_row_and_keeps_confirmed_ones(
    tmp_path: Path, db_session: Session
) -> None:
    path = tmp_path / "census.csv"
    header = HEADER + ",ละติจูด,ลองจิจูด,ยืนยันพิกัด"
    rows = [
        f"{person(901)},ด.ช.,ใกล้,ทดสอบ,ชาย,15/03/2562,90,1,ในเวียง,เมืองน่าน,น่าน,18.7836,100.7745,",
        f"{person(902)},ด.ช.,ไกล,ทดสอบ,ชาย,15/03/2562,91,1,ในเวียง,เมืองน่าน,น่าน,19.17,100.80,",
        f"{person(903)},ด.ญ.,ยืนยัน,ทดสอบ,หญิง,15/03/2562,92,1,ในเวียง,เมืองน่าน,น่าน,19.17,100.80,ใช่",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = import_census_file(db_session, get_settings(), path, 2569)
    assert not report.stored
    [error] = report.errors
    assert (error.row, error.field) == (3, "latitude") and "outside tambon 550101" in error.message
    db_session.rollback()
    accepted = import_census_file(db_session, get_settings(), path, 2569, accept_valid=True)
    assert accepted.stored and accepted.children_new == 2 and accepted.rows_rejected == 1
    flags = dict(
        db_session.execute(
            text(
                "SELECT c.first_name, h.location_flag FROM child c JOIN household h "
                "ON h.id = c.household_id WHERE c.last_name = 'ทดสอบ' AND c.first_name IN "
                "('ใกล้', 'ไกล', 'ยืนยัน')"
            )
        ).all()
    )
    assert flags == {"ใกล้": None, "ยืนยัน": "confirmed"}


def _polygon(geometry: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": geometry}],
        }
    ).encode()


def _upload(client: TestClient, admin: Account, geometry: dict[str, Any]) -> Any:
    """Upload one polygon as the matrix school's service area (round 2566)."""
    return client.post(
        f"/api/v1/schools/{MATRIX_SCHOOL}/service-areas",
        headers=admin.headers,
        data={"round": "2566"},
        files={"file": ("a.geojson", _polygon(geometry), "application/json")},
    )


def _ring(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (_ring(-180, -90, 180, 90), "(-180, -90)"),  # the whole world
        (_ring(2.29, 48.84, 2.39, 48.89), "outside Thailand"),  # Paris
        (_ring(500, 18.7, 500.1, 18.8), "invalid coordinate (500, 18.7)"),
        # A Mueang Nan school's area, mostly in Phayao and Lampang to the west
        (_ring(99.5, 18.5, 100.7, 18.9), "of the service area lies outside"),
    ],
)
def test_service_areas_far_outside_or_impossible_are_refused(
    client: TestClient, accounts: dict[str, Account], geometry: dict[str, Any], expected: str
) -> None:
    response = _upload(client, accounts["admin"], geometry)
    assert response.status_code == 422, response.text
    assert expected in response.json()["detail"]


def test_a_small_crossing_is_stored_and_stays_a_warning(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    # A box around the school, reaching a little past the district's edge is fine.
    lon, lat = db_session.execute(
        text("SELECT ST_X(location), ST_Y(location) FROM school WHERE code = :c"),
        {"c": MATRIX_SCHOOL},
    ).one()
    geometry = _ring(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    response = _upload(client, accounts["admin"], geometry)
    assert response.status_code == 201, response.text


def test_boundary_files_with_impossible_coordinates_are_refused(
    tmp_path: Path, db_session: Session
) -> None:
    path = tmp_path / "tambons.geojson"
    level = LEVELS[3]
    frame = gpd.GeoDataFrame(
        {
            level.pcode_field: ["TH550101"],
            level.name_th_field: ["ในเวียง"],
            level.name_en_field: ["Nai Wiang"],
            level.parent_field: ["TH5501"],
        },
        geometry=[box(500, 18.7, 500.1, 18.8)],
        crs=4326,
    )
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(LoadError, match=r"invalid coordinate \(500(\.1)?, 18\.7\)"):
        load_admin_layer(db_session, path, level)
