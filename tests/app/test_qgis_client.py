"""Real QGIS as the client of edumap's OGC API - Features (Debian's python3-qgis 3.22, run by
Debian's /usr/bin/python3 as a separate process, offscreen): the schools and tambons collections
open with QGIS's OAPIF provider, QGIS follows the paging and reads exactly the database's
features, Thai attributes intact; the tambons' vector tiles load as a QGIS vector tile layer;
the layers are rendered to test-output/qgis-layers.png."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import Engine, text

from tests.helpers.browser import OUTPUT
from tests.helpers.world import Account

CLIENT = Path(__file__).resolve().parents[1] / "helpers" / "qgis_client.py"


def _qgis(url: str, png: Path, *arguments: str) -> dict[str, Any]:
    """Run the QGIS client as a separate process of Debian's Python; its JSON report."""
    run = subprocess.run(
        ["/usr/bin/python3", str(CLIENT), url, str(png), *arguments],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return report


def test_qgis_opens_the_layers_and_reads_every_feature(live_url: str, engine: Engine) -> None:
    assert (
        Path("/usr/bin/python3").exists() and Path("/usr/lib/python3/dist-packages/qgis").exists()
    ), "QGIS is not installed: scripts/test installs python3-qgis"
    OUTPUT.mkdir(exist_ok=True)
    png = OUTPUT / "qgis-layers.png"
    report = _qgis(live_url, png, "tambons", "schools")
    with engine.connect() as conn:
        schools = sorted(conn.execute(text("SELECT code FROM school")).scalars())
        tambons = sorted(conn.execute(text("SELECT code FROM subdistrict")).scalars())
        names = sorted(conn.execute(text("SELECT name_th FROM school")).scalars())[:5]
    assert report["schools"]["valid"] and report["schools"]["ids"] == schools
    assert report["tambons"]["valid"] and report["tambons"]["ids"] == tambons
    assert report["schools"]["names_th"] == names  # Thai, exactly as stored
    assert {"code", "name_th", "grades", "office_code"} <= set(report["schools"]["fields"])
    assert report["schools"]["crs"] == "EPSG:4326"
    assert report["tiles"] == {"valid": True, "source_type": "xyz"}  # the MVT layer loads
    assert png.stat().st_size > 10_000  # something was drawn


def test_qgis_with_a_planners_credentials_reads_only_its_office(
    live_url: str, engine: Engine, accounts: dict[str, Account]
) -> None:
    """The user name and an API key, as QGIS's data source credentials (sent as Basic)."""
    with httpx2.Client(base_url=live_url, timeout=30) as http:
        made = http.post(
            "/api/v1/auth/api-keys", headers=accounts["planner"].headers, json={"name": "QGIS"}
        )
    user, key = accounts["planner"].username, made.json()["key"]
    named = _qgis(
        live_url, OUTPUT / "qgis-named.png", "children_out_of_school", "--user", user, "--key", key
    )
    report = named["children_out_of_school"]
    with engine.connect() as conn:
        expected = sorted(
            str(child_id)
            for child_id in conn.execute(
                text(
                    "SELECT c.child_id FROM child_coverage c WHERE c.out_of_school "
                    "AND c.round_year = (SELECT max(academic_year) FROM census_round) "
                    "AND left(c.subdistrict_code, 4) IN (SELECT district_code FROM "
                    "service_area_office_district WHERE office_code = (SELECT office_code "
                    "FROM user_account WHERE username = :u))"
                ),
                {"u": accounts["planner"].username},
            ).scalars()
        )
        audited = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE resource = 'ogc children_out_of_school'")
        ).scalar_one()
    assert report["valid"] and report["ids"] == expected and expected
    assert audited >= 1  # every page QGIS read was audited
