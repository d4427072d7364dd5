"""Benchmark (issue 21): the public portal's page weight and time to interactive on a slow
phone link, against the interactive coverage map of the same area as the baseline, in the
same run; and ``edumap publish`` time and size for an office and for the whole province.

Run by hand after `edumap demo` (it starts one `edumap serve` on a free loopback port):

    .venv/bin/python bench/portal_weight.py [--runs 3]

Each page opens anonymous in a fresh headless Chromium, its cache off, under DevTools' network
emulation of 1.5 Mbps down, 750 kbps up and 300 ms latency. Weight is the encoded bytes of
every response until the load event; time to interactive is the navigation's
``domInteractive``, and load its ``loadEventEnd``, both from the navigation's start (for the
map, until ``edumapCoverage.ready``). Medians are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_load import free_port, wait_until_serving  # noqa: E402
from kernel.config import get_settings  # noqa: E402
from tests.helpers.browser import start_chromium  # noqa: E402

SLOW_PHONE = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 1_500_000 / 8,
    "uploadThroughput": 750_000 / 8,
}


def encoded_bytes(driver: Any) -> tuple[int, int]:
    """Encoded bytes and number of the responses finished since the last call."""
    sizes = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.loadingFinished":
            sizes.append(int(message["params"]["encodedDataLength"]))
    return sum(sizes), len(sizes)


def open_page(base: str, path: str, ready: str | None) -> dict[str, float]:
    driver = start_chromium()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_PHONE)
        encoded_bytes(driver)
        started = time.perf_counter()
        driver.get(base + path)
        if ready:
            while not driver.execute_script(f"return !!({ready})"):
                time.sleep(0.02)
        ready_s = time.perf_counter() - started
        time.sleep(0.3)
        timing = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            " return [n.domInteractive, n.loadEventEnd]"
        )
        weight, responses = encoded_bytes(driver)
        interactive_s = timing[0] / 1000 if not ready else ready_s
        return {
            "kb": weight / 1000,
            "responses": responses,
            "interactive_s": interactive_s,
            "load_s": max(timing[1] / 1000, interactive_s),
        }
    finally:
        driver.quit()


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def publish(args: list[str]) -> tuple[float, int, int]:
    """Seconds, bytes and files of an ``edumap publish`` copy."""
    folder = Path(tempfile.mkdtemp(prefix="edumap-publish-")) / "copy"
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/edumap"), "publish", *args, "-o", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    files = [path for path in folder.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    shutil.rmtree(folder.parent)
    return seconds, size, len(files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    round_year = get_settings().demo_academic_year
    pages = {
        "office P5501": ("/portal/offices/P5501", f"esao=P5501&round={round_year}"),
        "district 5501": ("/portal/districts/5501", f"district=5501&round={round_year}"),
        "school": ("/portal/schools/9955010001", None),
    }
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/edumap"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        print("1.5 Mbps / 300 ms, cache off, anonymous; medians of", args.runs, "runs")
        for name, (portal_path, map_query) in pages.items():
            open_page(base, portal_path, None)  # warm the server
            portal = median_of([open_page(base, portal_path, None) for _ in range(args.runs)])
            line = (
                f"{name:14} portal {portal['kb']:6.1f} KB ({portal['responses']:.0f} responses),"
                f" interactive {portal['interactive_s']:.2f} s, loaded {portal['load_s']:.2f} s"
            )
            if map_query:
                map_path = f"/maps/coverage?{map_query}"
                ready = "window.edumapCoverage && edumapCoverage.ready"
                open_page(base, map_path, ready)
                baseline = median_of([open_page(base, map_path, ready) for _ in range(args.runs)])
                line += (
                    f"; coverage map {baseline['kb']:6.1f} KB, "
                    f"ready {baseline['interactive_s']:.2f} s; portal / map: "
                    f"weight {portal['kb'] / baseline['kb']:.2f}x, "
                    f"interactive {portal['interactive_s'] / baseline['interactive_s']:.2f}x"
                )
            print(line)
    finally:
        server.terminate()
        server.wait(timeout=30)
    office = publish(["--esao", "P5501"])
    province = publish(["--province", "55"])
    for name, (seconds, size, files) in (("office P5501", office), ("province 55", province)):
        print(
            f"publish {name:12} {seconds:6.1f} s, {size / 1e6:6.1f} MB, {files:,} files "
            f"({size / (700 * 1024 * 1024):.1%} of a CD)"
        )
    print(
        f"publish province / office: time {province[0] / office[0]:.2f}x, "
        f"size {province[1] / office[1]:.2f}x"
    )


if __name__ == "__main__":
    main()
