"""Run by Debian's own Python with Debian's QGIS (python3-qgis), headless: open edumap's OGC API
collections with QGIS's OAPIF provider, read every feature (QGIS follows the paging), report
counts and a few attributes as JSON on stdout, and render the layers to a PNG.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/helpers/qgis_client.py URL PNG [LAYER...]

Not a test module: tests/app/test_qgis_client.py runs it as QGIS would be run by a planner.
"""

from __future__ import annotations

import json
import os
import sys

from qgis.core import (  # type: ignore[import-not-found]
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize  # type: ignore[import-not-found]
from qgis.PyQt.QtGui import QColor  # type: ignore[import-not-found]


def main() -> None:
    """Arguments: URL PNG LAYER... [--user NAME --key KEY] (credentials for named layers)."""
    args = sys.argv[1:]
    credentials = ""
    if "--user" in args:
        at = args.index("--user")
        user, key = args[at + 1], args[args.index("--key") + 1]
        credentials = f" username='{user}' password='{key}'"
        args = args[:at]
    base, png, *names = args
    app = QgsApplication([], False)
    app.initQgis()
    report: dict[str, object] = {}
    layers = []
    for name in names:
        uri = f"url='{base}/ogc' typename='{name}'{credentials}"
        layer = QgsVectorLayer(uri, name, "OAPIF")
        if not layer.isValid():
            report[name] = {"valid": False, "error": layer.error().summary()}
            continue
        features = list(layer.getFeatures())
        key = "code" if "code" in layer.fields().names() else "id"  # named layers: the id
        report[name] = {
            "valid": True,
            "count": len(features),
            "ids": sorted(
                str(f["code" if "code" in f.fields().names() else "id"]) for f in features
            ),
            "fields": [field.name() for field in layer.fields()],
            "names_th": sorted(
                str(f["name_th" if "name_th" in f.fields().names() else "first_name"])
                for f in features
            )[:5],
            "crs": layer.crs().authid(),
        }
        layers.append(layer)
    # The tambons as vector tiles (OGC API - Tiles, XYZ template), drawn under the features.
    tiles = QgsVectorTileLayer(
        f"type=xyz&url={base}/ogc/collections/tambons/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
        "&zmin=0&zmax=14",
        "tambons (tiles)",
    )
    report["tiles"] = {"valid": tiles.isValid(), "source_type": tiles.sourceType()}
    if tiles.isValid():
        layers.insert(0, tiles)
    if layers:
        settings = QgsMapSettings()
        settings.setLayers(list(reversed(layers)))  # the last named on top
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(800, 800))
        settings.setDestinationCrs(layers[-1].crs())
        settings.setExtent(layers[-1].extent())
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        job.renderedImage().save(png, "png")
    print(json.dumps(report, ensure_ascii=False), flush=True)
    # QGIS 3.22 can crash while tearing itself down in a script; the report is out already.
    os._exit(0)


if __name__ == "__main__":
    main()
