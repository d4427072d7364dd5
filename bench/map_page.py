"""Benchmark: the coverage map of one office as a planner sees it (named layers included)
against the anonymous map in the same run: bytes over the wire and time to interactive.

Run by hand after `edumap demo` (it starts its own `edumap serve` on a free loopback port and
signs in as a bench planner of the office, made or reset here):

    .venv/bin/python bench/map_page.py [--esao P5502] [--runs 5]

Each run opens a fresh Chromium (Debian's, headless) with its cache off and measures:
- interactive: navigation start to every layer drawn (``edumapCoverage.ready``);
- weight: encoded bytes of every response until then, and (the planner) after zooming to the
  village with most out-of-school children until its named children are drawn;
- the HTML page alone.
Medians are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import app.main  # noqa: E402,F401  (registers every model the accounts refer to)
from app.auth import service  # noqa: E402
from bench.http_load import free_port  # noqa: E402
from kernel.config import get_settings  # noqa: E402
from kernel.db import session_scope  # noqa: E402
from kernel.principal import Role  # noqa: E402
from tests.helpers.browser import start_chromium  # noqa: E402

BENCH_PLANNER = "bench-planner"


def bench_planner(office: str) -> str:
    """A planner of ``office`` with a fresh password (returned)."""
    password = uuid.uuid4().hex
    with session_scope() as session:
        exists = session.execute(
            text("SELECT 1 FROM user_account WHERE username = :u"), {"u": BENCH_PLANNER}
        ).scalar()
        if exists:
            session.execute(
                text("UPDATE user_account SET office_code = :o WHERE username = :u"),
                {"o": office, "u": BENCH_PLANNER},
            )
            service.set_password(session, BENCH_PLANNER, password)
        else:
            service.create_user(
                session,
                username=BENCH_PLANNER,
                password=password,
                role=Role.planner,
                office_code=office,
            )
    return password


def busiest_village(office: str, round_year: int) -> tuple[float, float]:
    with session_scope() as session:
        row = session.execute(
            text(
                "SELECT ST_Y(h.location), ST_X(h.location) FROM child_coverage c "
                "JOIN household h ON h.id = c.household_id WHERE c.round_year = :y "
                "AND c.out_of_school AND left(h.subdistrict_code, 4) IN (SELECT district_code "
                "FROM service_area_office_district WHERE office_code = :o) "
                "GROUP BY h.location ORDER BY count(*) DESC LIMIT 1"
            ),
            {"y": round_year, "o": office},
        ).one()
    return float(row[0]), float(row[1])


def received_bytes(driver: Any) -> tuple[int, int]:
    """Encoded bytes of the responses finished since the last call, and how many there were."""
    total = count = 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.loadingFinished":
            total += int(message["params"]["encodedDataLength"])
            count += 1
    return total, count


def measure(
    base: str, url: str, login: tuple[str, str] | None, zoom_to: tuple[float, float]
) -> dict[str, float]:
    driver = start_chromium()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        if login:
            driver.get(base + "/login")
            driver.find_element("name", "username").send_keys(login[0])
            driver.find_element("name", "password").send_keys(login[1])
            driver.find_element("css selector", "form[action='/login'] button").click()
            time.sleep(0.5)
        received_bytes(driver)
        started = time.perf_counter()
        driver.get(base + url)
        while not driver.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)"):
            time.sleep(0.02)
        interactive_s = time.perf_counter() - started
        page_bytes = driver.execute_script("return document.documentElement.outerHTML.length")
        loaded, requests = received_bytes(driver)
        driver.execute_script(
            "edumapCoverage.map.setView([arguments[0], arguments[1]], 15)", *zoom_to
        )
        named = 0
        if login:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                named = driver.execute_script(
                    "const e = edumapCoverage.named.out_of_school;"
                    " return e && e.bbox ? e.features.length : -1"
                )
                if named >= 0:
                    break
                time.sleep(0.05)
        time.sleep(0.5)  # the canvas redraw and anything else the zoom asked for
        zoomed, more = received_bytes(driver)
        return {
            "interactive_s": interactive_s,
            "bytes_until_interactive": loaded,
            "bytes_total": loaded + zoomed,
            "requests": requests + more,
            "html_chars": page_bytes,
            "named_children_drawn": named,
        }
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--esao", default="P5502")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    round_year = get_settings().demo_academic_year
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/edumap"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("edumap serve did not start")
            time.sleep(0.3)
        password = bench_planner(args.esao)
        place = busiest_village(args.esao, round_year)
        url = f"/maps/coverage?esao={args.esao}&round={round_year}"
        results: dict[str, list[dict[str, float]]] = {"anonymous": [], "planner": []}
        measure(base, url, None, place)  # warm the server's caches
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            results["anonymous"].append(measure(base, url, None, place))
            results["planner"].append(measure(base, url, (BENCH_PLANNER, password), place))
        medians = {
            who: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            for who, runs in results.items()
        }
        for who, figures in medians.items():
            print(
                f"{who:10} interactive {figures['interactive_s']:.2f} s, "
                f"{figures['bytes_until_interactive'] / 1e6:.2f} MB until interactive, "
                f"{figures['bytes_total'] / 1e6:.2f} MB with the zoom "
                f"({figures['requests']:.0f} responses), HTML {figures['html_chars']:.0f} chars, "
                f"named children drawn {figures['named_children_drawn']:.0f}"
            )
        ratio = medians["planner"]["interactive_s"] / medians["anonymous"]["interactive_s"]
        print(f"planner / anonymous time to interactive: {ratio:.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
