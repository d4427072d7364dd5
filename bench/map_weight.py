"""Benchmark: the coverage map's weight with and without compressed responses, and what its
tambon and service-area layers would weigh as vector tiles, in the same run.

Run by hand after `edumap demo` (it starts two `edumap serve` on free loopback ports, one with
``EDUMAP_COMPRESS_RESPONSES=false`` as the baseline):

    .venv/bin/python bench/map_weight.py [--runs 3]

For each view (a district, an office, the province), anonymous, in a fresh headless Chromium
with its cache off: encoded bytes of every response until the map is drawn
(``edumapCoverage.ready``), and those of the tambon and service-area GeoJSON alone. Then the
tiles an OGC API - Tiles client would fetch for the same view (the map's bounds at its zoom,
``tambons_<round>`` and ``service_areas_primary``), gzip and identity, plus the Leaflet plug-in
that would draw them (Leaflet.VectorGrid 1.3.0's bundled.min.js from npm: 48,329 bytes, 15,162
gzipped; not vendored). Medians are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import morecantile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_load import free_port, wait_until_serving  # noqa: E402
from kernel.config import get_settings  # noqa: E402
from tests.helpers.browser import start_chromium  # noqa: E402

VECTORGRID_BYTES = {"gzip": 15_162, "identity": 48_329}
LAYERS = {
    "tambons": "/api/v1/coverage/subdistricts",
    "service_areas": "/api/v1/map-layers/service-areas",
}
WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")


def responses(driver: Any) -> dict[str, int]:
    """Encoded bytes of each response finished since the last call, by URL."""
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.responseReceived":
            urls[params["requestId"]] = params["response"]["url"]
        elif message["method"] == "Network.loadingFinished":
            sizes[params["requestId"]] = int(params["encodedDataLength"])
    return {urls.get(key, key): size for key, size in sizes.items()}


def open_map(base: str, path: str) -> dict[str, Any]:
    driver = start_chromium()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        responses(driver)
        driver.get(base + path)
        while not driver.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)"):
            time.sleep(0.02)
        time.sleep(0.3)
        found = responses(driver)
        view = driver.execute_script(
            "const m = edumapCoverage.map, b = m.getBounds();"
            " return [m.getZoom(), b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]"
        )
        figures = {"page": sum(found.values()), "responses": len(found)}
        for layer, prefix in LAYERS.items():
            figures[layer] = sum(size for url, size in found.items() if prefix in url)
        return {"figures": figures, "view": view}
    finally:
        driver.quit()


def tile_bytes(base: str, collection: str, view: list[float], encoding: str) -> int:
    zoom, west, south, east, north = view
    total = 0
    for tile in WEB_MERCATOR.tiles(west, south, east, north, zooms=[round(zoom)]):
        request = urllib.request.Request(
            f"{base}/ogc/collections/{collection}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}",
            headers={"Accept-Encoding": encoding},
        )
        with urllib.request.urlopen(request) as response:
            total += len(response.read())  # as sent: urllib does not decompress
    return total


def start(port: int, compress: bool) -> subprocess.Popen[bytes]:
    environment = os.environ | {"EDUMAP_COMPRESS_RESPONSES": "true" if compress else "false"}
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/edumap"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    round_year = get_settings().demo_academic_year
    views = {
        "district 5501": f"district=5501&round={round_year}",
        "office P5502": f"esao=P5502&round={round_year}",
        "province 55": f"province=55&round={round_year}",
    }
    ports = {"identity": free_port(), "gzip": free_port()}
    servers = [start(ports["identity"], False), start(ports["gzip"], True)]
    try:
        for port in ports.values():
            wait_until_serving(f"http://127.0.0.1:{port}")
        for name, query in views.items():
            path = f"/maps/coverage?{query}"
            medians = {}
            for encoding, port in ports.items():
                base = f"http://127.0.0.1:{port}"
                open_map(base, path)  # warm the server
                runs = [open_map(base, path) for _ in range(args.runs)]
                medians[encoding] = {
                    key: statistics.median(run["figures"][key] for run in runs)
                    for key in runs[0]["figures"]
                }
                view = runs[0]["view"]
                tiles = {
                    "tambons": tile_bytes(base, f"tambons_{round_year}", view, encoding),
                    "service_areas": tile_bytes(base, "service_areas_primary", view, encoding),
                }
                medians[encoding]["tiles"] = tiles
                medians[encoding]["zoom"] = view[0]
            for encoding, figures in medians.items():
                tiles = figures["tiles"]
                layers = figures["tambons"] + figures["service_areas"]
                as_tiles = tiles["tambons"] + tiles["service_areas"] + VECTORGRID_BYTES[encoding]
                print(
                    f"{name:14} {encoding:8} page {figures['page'] / 1e3:7.0f} KB "
                    f"({figures['responses']:.0f} responses); "
                    f"tambons {figures['tambons'] / 1e3:5.0f} KB + service areas "
                    f"{figures['service_areas'] / 1e3:4.0f} KB as GeoJSON; as "
                    f"tiles at zoom {figures['zoom']:.0f}: {tiles['tambons'] / 1e3:4.0f} + "
                    f"{tiles['service_areas'] / 1e3:4.0f} KB + plug-in "
                    f"{VECTORGRID_BYTES[encoding] / 1e3:.0f} KB; tiles / GeoJSON "
                    f"{as_tiles / layers:.2f}x"
                )
            ratio = medians["gzip"]["page"] / medians["identity"]["page"]
            print(f"{name:14} page compressed / uncompressed: {ratio:.2f}x")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
