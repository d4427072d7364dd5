"""Benchmark: OGC API - Features items and vector tiles against the existing GeoJSON endpoints,
in the same run, on the same server.

Run by hand after `edumap demo` (it starts its own `edumap serve` on a free loopback port):

    .venv/bin/python bench/ogc_load.py [--workers N] [--seconds 10] [--clients 8]

Scenarios, each with ``--clients`` keep-alive clients for ``--seconds``, no conditional
requests: Nan's schools through `/ogc/collections/schools/items` against the map's
`/api/v1/map-layers/schools`; Nan's tambons through `/ogc/collections/tambons/items` against
`/api/v1/subdistricts?province=55` (both full geometry); vector tiles of the tambons and schools
at zooms 8-14 over Nan (every tile of Nan at 8-11, a sample at 12-14), each client walking the
list. Rates in items (features) per second and requests per second, p50/p95 per request.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import httpx2
import morecantile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import ROOT, free_port, run, wait_until_serving

NAN_BBOX = (100.3, 17.9, 101.4, 19.7)  # Nan province, lon/lat


def tiles_of_nan() -> list[tuple[int, int, int]]:
    tms = morecantile.tms.get("WebMercatorQuad")
    found = []
    for zoom in range(8, 15):
        tiles = [(t.z, t.x, t.y) for t in tms.tiles(*NAN_BBOX, zooms=[zoom])]
        step = max(1, len(tiles) // 200)  # a sample of the deep zooms: 200 tiles per zoom
        found += tiles[::step]
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = ["--workers", str(args.workers)]
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/edumap"), "serve", "--port", str(port), *workers],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(base)
        box = ",".join(map(str, NAN_BBOX))
        tiles = tiles_of_nan()
        counter = itertools.count()
        lock = threading.Lock()

        def next_tile(layer: str) -> Callable[[httpx2.Client], httpx2.Response]:
            def request(http: httpx2.Client) -> httpx2.Response:
                with lock:
                    z, x, y = tiles[next(counter) % len(tiles)]
                return http.get(f"/ogc/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}")

            return request

        def count(url: str) -> int:
            body = httpx2.get(f"{base}{url}", timeout=120).json()
            return len(body["features"])

        schools_ogc = f"/ogc/collections/schools/items?limit=10000&bbox={box}"
        schools_map = "/api/v1/map-layers/schools?province=55&round=2569"
        tambons_ogc = f"/ogc/collections/tambons/items?limit=10000&bbox={box}"
        tambons_api = "/api/v1/subdistricts?province=55"
        scenarios: list[tuple[str, int, Callable[[httpx2.Client], httpx2.Response]]] = [
            ("schools, OGC API items", count(schools_ogc), lambda h: h.get(schools_ogc)),
            ("schools, map layer GeoJSON", count(schools_map), lambda h: h.get(schools_map)),
            ("tambons, OGC API items", count(tambons_ogc), lambda h: h.get(tambons_ogc)),
            ("tambons, REST GeoJSON", count(tambons_api), lambda h: h.get(tambons_api)),
            ("tambon tiles z8-14", 1, next_tile("tambons")),
            ("school tiles z8-14", 1, next_tile("schools")),
        ]
        print(
            f"{args.workers} worker(s), {args.clients} clients, {args.seconds:.0f} s each, "
            f"{len(tiles)} tiles of Nan at z8-14\n"
        )
        print("| scenario | features per response | requests/s | features/s | p50 | p95 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, features, request in scenarios:
            request(httpx2.Client(base_url=base, timeout=120))  # warm
            result = run(base, args.clients, args.seconds, request)
            assert result["failures"] == 0, (name, result)
            print(
                f"| {name} | {features} | {result['rate']:.1f} | "
                f"{result['rate'] * features:.0f} | {result['p50_ms']:.0f} ms | "
                f"{result['p95_ms']:.0f} ms |",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
