"""Benchmark: requests per second and latency under concurrent clients, against `/health` in
the same run with the same server (the baseline: what the server itself costs per request).

Run by hand after `edumap demo` (it starts its own `edumap serve` on a free loopback port):

    .venv/bin/python bench/http_load.py [--workers N] [--seconds 15]

Scenarios: `/health` at 1, 8 and 16 clients; household submissions at 16 clients (a bench
surveyor, unique UUIDs, 1-3 children, removed afterwards) through the REST API and through
OpenRosa as ODK Collect sends them (the household form's XML, multipart, the surveyor's key in
the URL); the coverage GeoJSON of the province at 1 and 8 clients; the tambon GeoJSON at 8
clients. `--only submissions` runs `/health` and the two submission paths at 16 clients.
No conditional requests (no If-None-Match): every request is served in full. Loops are bounded
in time and count and target 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import text

import app.main  # noqa: F401  (registers every model the accounts refer to)
from app.auth import security, service
from census.identity import with_check_digit
from kernel.accounts import UserAccount
from kernel.config import get_settings
from kernel.db import session_scope
from kernel.principal import Role

ROOT = Path(__file__).resolve().parents[1]
MAX_REQUESTS_PER_CLIENT = 5_000
BENCH_USER = "bench-surveyor"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(base: str, seconds: float = 60) -> None:
    """Until the server at ``base`` answers /health (or give up: exit)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        if time.monotonic() > deadline:
            sys.exit("the server did not start")
        time.sleep(0.3)


def bench_token() -> tuple[str, int]:
    """A surveyor of tambon 550101 for the submissions, and an access token."""
    with session_scope() as session:
        user = session.execute(
            text("SELECT id FROM user_account WHERE username = :u"), {"u": BENCH_USER}
        ).scalar()
        if user is None:
            created = service.create_user(
                session, username=BENCH_USER, password=uuid.uuid4().hex, role=Role.surveyor
            )
            service.assign_area(session, BENCH_USER, "550101")
            user = created.id
        version = session.execute(
            text("SELECT token_version FROM user_account WHERE id = :i"), {"i": user}
        ).scalar_one()
    token, _ = security.issue_token(
        get_settings(), user_id=user, kind="access", version=version, lifetime=dt.timedelta(hours=1)
    )
    return token, user


def bench_key(user_id: int) -> str:
    """An API key of the bench surveyor, for ODK Collect's URL."""
    with session_scope() as session:
        user = session.get(UserAccount, user_id)
        assert user is not None
        key, _ = service.create_api_key(session, get_settings(), user, "bench phone")
    return key


def household() -> dict[str, Any]:
    serial = uuid.uuid4().int
    children = 1 + serial % 3
    return {
        "uuid": str(uuid.uuid4()),
        "round": get_settings().demo_academic_year,
        "subdistrict_code": "550101",
        "moo": 2,
        "house_number": f"{serial % 900}/9",
        "location": {"lon": 100.7745, "lat": 18.7836, "accuracy_m": 8},
        "children": [
            {
                "national_id": with_check_digit(f"15501{(serial + n) % 10**7:07d}"),
                "first_name": f"โหลด{n}",
                "last_name": "ทดสอบ",
                "sex": "ชาย",
                "birth_date": "02/01/2558",
            }
            for n in range(children)
        ],
    }


def odk_submission(body: dict[str, Any]) -> bytes:
    """The household form's XML for a household, as ODK Collect sends it."""
    children = "".join(
        f"<children><id_kind>national_id</id_kind><national_id>{c['national_id']}</national_id>"
        f"<first_name>{c['first_name']}</first_name><last_name>{c['last_name']}</last_name>"
        "<sex>M</sex><birth_date>2015-01-02</birth_date>"
        "<enrolment_status>not_enrolled</enrolment_status>"
        "<not_enrolled_reason>ทดสอบ</not_enrolled_reason></children>"
        for c in body["children"]
    )
    return (
        f'<data id="edumap_household" version="2026120201"><subdistrict_code>550101'
        f"</subdistrict_code><moo>2</moo><house_number>{body['house_number']}</house_number>"
        f"<location>18.7836 100.7745 0 8</location>{children}"
        f"<meta><instanceID>uuid:{body['uuid']}</instanceID></meta></data>"
    ).encode()


def run(
    base: str,
    clients: int,
    seconds: float,
    request: Callable[[httpx2.Client], httpx2.Response],
) -> dict[str, float]:
    """``clients`` threads, each with its own keep-alive connection, for ``seconds``."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    start_at = time.monotonic() + 0.2
    stop_at = start_at + seconds

    def client() -> None:
        nonlocal failures
        with httpx2.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < start_at:
                time.sleep(0.001)
            for _ in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= stop_at:
                    break
                began = time.perf_counter()
                response = request(http)
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    failures += response.status_code >= 400

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(time.monotonic() - start_at, 1e-9)
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "requests": len(ordered),
        "rate": len(ordered) / elapsed,
        "failures": failures,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--url",
        help="a server already running on 127.0.0.1 (an older checkout, for a baseline); "
        "by default the script starts its own",
    )
    parser.add_argument("--only", choices=["submissions"], help="only these scenarios")
    args = parser.parse_args()
    port = free_port()
    base = args.url or f"http://127.0.0.1:{port}"
    if not base.startswith(("http://127.0.0.1", "http://localhost")):
        sys.exit("this benchmark sends load to this machine only")
    token, user_id = bench_token()
    key = bench_key(user_id)
    server = (
        None
        if args.url
        else subprocess.Popen(
            [
                str(ROOT / ".venv/bin/edumap"),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    try:
        wait_until_serving(base)
        auth = {"Authorization": f"Bearer {token}"}
        coverage = "/api/v1/coverage/subdistricts?round=2569&province=55"
        tambons = "/api/v1/subdistricts?province=55&simplify_m=50"
        scenarios: list[tuple[str, int, Callable[[httpx2.Client], httpx2.Response]]] = [
            ("GET /health", 1, lambda h: h.get("/health")),
            ("GET /health", 8, lambda h: h.get("/health")),
            ("GET /health", 16, lambda h: h.get("/health")),
            (
                "POST /api/v1/census/households",
                16,
                lambda h: h.post("/api/v1/census/households", json=household(), headers=auth),
            ),
            (
                "POST OpenRosa submission (ODK Collect)",
                16,
                lambda h: h.post(
                    f"/odk/key/{key}/submission",
                    files={"xml_submission_file": ("s.xml", odk_submission(household()))},
                ),
            ),
            ("GET coverage GeoJSON, province 55", 1, lambda h: h.get(coverage)),
            ("GET coverage GeoJSON, province 55", 8, lambda h: h.get(coverage)),
            ("GET tambon GeoJSON, province 55, 50 m", 8, lambda h: h.get(tambons)),
        ]
        if args.only == "submissions":
            scenarios = [s for s in scenarios if s[1] == 16]
        for scenario in scenarios:  # warm each path once (caches, plans)
            scenario[2](httpx2.Client(base_url=base, timeout=60))
        results = []
        for name, clients, request in scenarios:
            result = run(base, clients, args.seconds, request)
            results.append((name, clients, result))
            print(
                f"{name} x{clients}: {result['rate']:.1f}/s p50 {result['p50_ms']:.0f} ms "
                f"p95 {result['p95_ms']:.0f} ms p99 {result['p99_ms']:.0f} ms "
                f"({result['requests']} requests, {result['failures']} failed)",
                flush=True,
            )
        health = {clients: r["rate"] for name, clients, r in results if name == "GET /health"}
        workers = "a running server" if args.url else f"{args.workers} worker(s)"
        print(f"\n{workers}, {args.seconds:.0f} s per scenario\n")
        print("| scenario | clients | requests/s | vs /health, same clients | p50 | p95 | p99 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, clients, r in results:
            ratio = r["rate"] / health[clients] if clients in health else r["rate"] / health[8]
            print(
                f"| {name} | {clients} | {r['rate']:.1f} | {ratio:.2f}x | "
                f"{r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['p99_ms']:.0f} ms |"
            )
        rates = {n: r["rate"] for n, c, r in results if c == 16}
        rest = rates["POST /api/v1/census/households"]
        odk = rates["POST OpenRosa submission (ODK Collect)"]
        print(f"\nOpenRosa / REST submissions = {odk / rest:.2f}x")
        by_clients = {c: r["rate"] for n, c, r in results if n.startswith("GET coverage")}
        if by_clients:
            print(f"coverage GeoJSON: 8 clients / 1 client = {by_clients[8] / by_clients[1]:.2f}x")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with session_scope() as session:
            removed = session.execute(
                text("DELETE FROM household WHERE surveyor_id = :u"), {"u": user_id}
            ).rowcount
        print(f"removed {removed} bench households")


if __name__ == "__main__":
    main()
