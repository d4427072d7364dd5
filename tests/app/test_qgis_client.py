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

from sqlalchemy import Engine, text

from tests.helpers.browser import OUTPUT

CLIENT = Path(__file__).resolve().parents[1] / "helpers" / "qgis_client.py"


def test_qgis_opens_the_layers_and_reads_every_feature(live_url: str, engine: Engine) -> None:
    assert (
        Path("/usr/bin/python3").exists() and Path("/usr/lib/python3/dist-packages/qgis").exists()
    ), "QGIS is not installed: scripts/test installs python3-qgis"
    OUTPUT.mkdir(exist_ok=True)
    png = OUTPUT / "qgis-layers.png"
    run = subprocess.run(
        ["/usr/bin/python3", str(CLIENT), live_url, str(png), "tambons", "schools"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
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
