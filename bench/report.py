"""Benchmark: the coverage report of an office and of the province, each format against the
cost of its figures alone (the baseline: what the JSON coverage API computes).

Run by hand after `edumap demo`:

    .venv/bin/python bench/report.py

The stored coverage is refreshed first, so every format reads the same fresh copy.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from pypdf import PdfReader

from app.report import render as reports
from app.report.figures import coverage_report
from app.report.maps import district_maps
from gis.coverage import refresh_coverage
from kernel.config import get_settings
from kernel.db import session_scope


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def measure(label: str, area: dict[str, str], round_year: int) -> str:
    """One table row: every format of one area's report, timed against its figures."""
    with session_scope() as session:
        figures_s, report = timed(lambda: coverage_report(session, round_year, **area))
        maps_s, maps = timed(lambda: district_maps(session, report, reports.FONT_REGULAR))
    html_s, _ = timed(lambda: reports.to_html(report, maps=maps))
    pdf_s, pdf = timed(lambda: reports.to_pdf(report, maps=maps))
    xlsx_s, _ = timed(lambda: reports.to_xlsx(report))
    csv_s, _ = timed(lambda: reports.to_csv(report))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)

    def cell(seconds: float) -> str:
        return f"{seconds:.2f} s ({seconds / figures_s:.2f}x)"

    return (
        f"| {label} | {figures_s:.2f} s | {cell(maps_s)} | {cell(html_s)} | {cell(pdf_s)} "
        f"| {cell(xlsx_s)} | {cell(csv_s)} | {pages}, {len(pdf) / 1e6:.2f} MB |"
    )


def main() -> None:
    round_year = get_settings().demo_academic_year
    with session_scope() as session:
        refresh_coverage(session, round_year)
    print("| area | figures (baseline) | maps | HTML | PDF | XLSX | CSV | PDF pages, size |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(measure("office P5501", {"esao": "P5501"}, round_year))
    print(measure("province 55", {"province": "55"}, round_year))


if __name__ == "__main__":
    main()
