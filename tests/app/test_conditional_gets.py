"""Generalised tambon geometries are kept per tolerance and follow the boundaries; GeoJSON is
assembled by PostGIS; responses carry an ETag from the data version (a matching If-None-Match
is a 304 without rendering) and say who may cache them."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.geography import STORED_TOLERANCES_M, subdistricts_geojson
from tests.helpers.world import Account

COVERAGE = ("/api/v1/coverage/subdistricts", {"round": "2569", "district": "5501"})


def test_every_tambon_is_kept_at_every_stored_tolerance(db_session: Session) -> None:
    missing = db_session.execute(
        text(
            "SELECT count(*) FROM subdistrict s CROSS JOIN unnest(CAST(:t AS int[])) AS t(m) "
            "WHERE NOT EXISTS (SELECT 1 FROM subdistrict_generalised g "
            "WHERE g.code = s.code AND g.tolerance_m = t.m)"
        ),
        {"t": list(STORED_TOLERANCES_M)},
    ).scalar_one()
    assert missing == 0
    coarser = db_session.execute(
        text(
            "SELECT bool_and(ST_NPoints(g.geom) <= ST_NPoints(s.geom)) FROM subdistrict s "
            "JOIN subdistrict_generalised g ON g.code = s.code WHERE s.province_code = '55'"
        )
    ).scalar_one()
    assert coarser is True


def test_a_boundary_change_regeneralises_the_tambon(db_session: Session) -> None:
    db_session.execute(
        text(
            "UPDATE subdistrict SET geom = ST_Multi(ST_Buffer(ST_Centroid(geom), 0.01, 64)) "
            "WHERE code = '550101'"
        )
    )
    points = db_session.execute(
        text(
            "SELECT g.tolerance_m, ST_NPoints(g.geom), ST_Area(g.geom::geography) "
            "/ ST_Area(s.geom::geography) FROM subdistrict_generalised g JOIN subdistrict s "
            "ON s.code = g.code WHERE g.code = '550101' ORDER BY g.tolerance_m"
        )
    ).all()
    assert [p[0] for p in points] == list(STORED_TOLERANCES_M)
    # The new circle (about 1 km in radius): fewer vertices the coarser; to 50 m, area kept.
    assert points[0][1] >= points[-1][1] and points[0][1] > 8
    assert all(abs(1 - share) < 0.05 for tolerance, _, share in points if tolerance <= 50)
    served = json.loads(subdistricts_geojson(db_session, district="5501", simplify_m=50))
    [feature] = [f for f in served["features"] if f["id"] == "550101"]
    assert len(feature["geometry"]["coordinates"][0][0]) == points[1][1]  # the 50 m copy


def test_a_matching_etag_is_a_304_and_a_change_a_new_etag(client: TestClient) -> None:
    path, params = COVERAGE
    first = client.get(path, params=params)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    again = client.get(path, params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get(path, params=params | {"simplify_m": "100"})
    assert other.headers["etag"] != etag  # another query, another representation
    tambons = {"district": "5501", "simplify_m": "50"}
    geo = client.get("/api/v1/subdistricts", params=tambons)
    current = {"If-None-Match": geo.headers["etag"]}
    assert client.get("/api/v1/subdistricts", params=tambons, headers=current).status_code == 304


def test_responses_that_differ_by_role_are_private_and_vary(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    params = {"round": "2569", "esao": "P5502"}
    anonymous = client.get("/api/v1/coverage/schools", params=params)
    admin = client.get("/api/v1/coverage/schools", params=params, headers=accounts["admin"].headers)
    for response in (anonymous, admin):
        assert response.headers["cache-control"] == "private, no-cache"
        assert "Authorization" in response.headers["vary"]
    assert anonymous.headers["etag"] != admin.headers["etag"]
    # The administrator's ETag is not the anonymous caller's: no 304 with it.
    admins_copy = {"If-None-Match": admin.headers["etag"]}
    assert (
        client.get("/api/v1/coverage/schools", params=params, headers=admins_copy).status_code
        == 200
    )
