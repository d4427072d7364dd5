"""The coverage report: the PDF reads back in Thai with the coverage API's figures, embeds its
fonts and draws; the XLSX totals equal the API; CSV opens in Excel; the command line writes it."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.dates import to_thai_digits
from gis.coverage import refresh_coverage
from kernel.config import get_settings
from tests.helpers.payloads import matched_child
from tests.helpers.pdf_text import (
    page_count,
    pdf_text,
    squash,
    words_past_the_right_margin,
)
from tests.helpers.run_cli import edumap

PARAMS = {"round": "2569", "esao": "P5501"}
HEADINGS = (
    "รายงานการจัดการศึกษาภาคบังคับ ปีการศึกษา 2569",
    "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต 1",
    "1. สรุป",
    "อัตราการเข้าเรียนภาคบังคับ รายอำเภอ",
    "2. รายอำเภอ",
    "3. แผนที่และรายตำบล",
    "4. รายโรงเรียน: ความต้องการ ที่นั่ง ป.1 ปีหน้า ICT และอาคาร",
    "5. เด็กนอกระบบการศึกษา",
    "6. คุณภาพเขตบริการ",
    "7. เกณฑ์และแหล่งข้อมูล",
)


@pytest.fixture(scope="module")
def report_pdf(app_client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The office's PDF report of the committed demo data (read once for the module)."""
    response = app_client.get("/api/v1/reports/coverage", params=PARAMS | {"format": "pdf"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "coverage_P5501_2569.pdf" in response.headers["content-disposition"]
    path = tmp_path_factory.mktemp("report") / "coverage.pdf"
    path.write_bytes(response.content)
    return path


def _office_totals(client: TestClient) -> dict[str, Any]:
    rows = client.get("/api/v1/coverage/areas", params={"round": "2569", "by": "esao"}).json()
    return next(row for row in rows["areas"] if row["esao"] == "P5501")


def test_pdf_text_holds_the_thai_headings_and_the_api_figures(
    client: TestClient, report_pdf: Path
) -> None:
    text = squash(pdf_text(report_pdf))
    for heading in HEADINGS:
        assert squash(heading) in text, heading
    assert squash("ดาวน์โหลด") not in text  # the download links are for the screen only
    totals = _office_totals(client)
    assert squash(f"เด็กวัยการศึกษาภาคบังคับ (คน) {totals['compulsory_age']:,}") in text
    assert squash(f"เด็กนอกระบบการศึกษา (คน) {totals['out_of_school']:,}") in text
    districts = client.get("/api/v1/coverage/areas", params=PARAMS | {"by": "district"}).json()[
        "areas"
    ]
    assert len(districts) == 8
    for row in districts:
        # A district's row of the table, cell after cell, as the API counts it.
        cells = [
            row["district"],
            "",
            row["compulsory_age"],
            row["compulsory_enrolled"],
            row["out_of_school"],
            row["beyond_distance"],
        ]
        numbers = " ".join(f"{c:,}" if isinstance(c, int) else c for c in cells[2:])
        assert squash(numbers) in text, row
    assert page_count(report_pdf) >= 10


def test_pdf_embeds_sarabun_and_no_other_font(report_pdf: Path) -> None:
    listing = subprocess.run(
        ["pdffonts", str(report_pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listing, "no fonts"
    names = {line.split()[0].split("+")[-1] for line in listing}
    assert names == {"Sarabun", "Sarabun-Bold"}
    for line in listing:
        embedded = line.split()[-5]  # the "emb" column
        assert embedded == "yes", line


def _render(pdf: Path, page: int, tmp_path: Path) -> Image.Image:
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    return Image.open(f"{prefix}.png").convert("RGB")


def test_every_table_fits_inside_its_pages_margins(report_pdf: Path) -> None:
    assert words_past_the_right_margin(report_pdf, margin_mm=14) == []


def test_pages_render_text_and_a_coloured_map(report_pdf: Path, tmp_path: Path) -> None:
    first = _render(report_pdf, 1, tmp_path)
    pixels = list(first.get_flattened_data())
    inked = sum(1 for p in pixels if sum(p) < 600)
    assert inked / len(pixels) > 0.02  # not blank
    # Page 2 opens the district maps: tambons filled with the coverage colours.
    second = list(_render(report_pdf, 2, tmp_path).get_flattened_data())
    coloured = sum(1 for r, g, b in second if max(r, g, b) - min(r, g, b) > 60)
    assert coloured / len(second) > 0.05


def test_thai_digits_are_optional(client: TestClient, tmp_path: Path) -> None:
    response = client.get(
        "/api/v1/reports/coverage",
        params={"round": "2569", "district": "5514", "format": "pdf", "thai_digits": "true"},
    )
    assert response.status_code == 200
    path = tmp_path / "thai.pdf"
    path.write_bytes(response.content)
    text = squash(pdf_text(path))
    assert squash("ปีการศึกษา ๒๕๖๙") in text
    areas = client.get(
        "/api/v1/coverage/areas", params={"round": "2569", "by": "district", "district": "5514"}
    ).json()["areas"]
    area = next(row for row in areas if row["district"] == "5514")
    assert to_thai_digits(f"{area['compulsory_age']:,}") in text
    assert squash("๑. สรุป") in text and not re.search(r"[0-9]", text)
    html = client.get(
        "/api/v1/reports/coverage",
        params={"round": "2569", "district": "5514", "thai_digits": "true"},
    ).text
    assert "ปีการศึกษา ๒๕๖๙" in html


def test_xlsx_totals_equal_the_coverage_api(client: TestClient) -> None:
    response = client.get("/api/v1/reports/coverage", params=PARAMS | {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "สรุป",
        "อำเภอ",
        "ตำบล",
        "โรงเรียน",
        "เด็กนอกระบบ",
        "ทะเบียนราษฎรกับข้อมูลนักเรียน",
        "คุณภาพเขตบริการ",
    ]
    summary = {row[0]: row[1] for row in book["สรุป"].iter_rows(values_only=True) if row}
    totals = _office_totals(client)
    assert summary["เด็กวัยการศึกษาภาคบังคับ (คน)"] == totals["compulsory_age"]
    assert summary["กำลังเรียน (คน)"] == totals["compulsory_enrolled"]
    assert summary["เด็กนอกระบบการศึกษา (คน)"] == totals["out_of_school"]
    assert summary["อัตราการเข้าเรียนภาคบังคับ"] == pytest.approx(totals["coverage_rate"], abs=1e-4)
    tambons = list(book["ตำบล"].iter_rows(values_only=True))
    header, rows = tambons[0], tambons[1:]
    assert header[:3] == ("รหัสตำบล", "ตำบล", "เด็กวัยเรียนภาคบังคับ")
    api = client.get("/api/v1/coverage/subdistricts", params={"round": "2569", "esao": "P5501"})
    by_code = {f["id"]: f["properties"] for f in api.json()["features"]}
    assert {r[0] for r in rows} == set(by_code)
    for row in rows:
        assert row[2] == by_code[row[0]]["compulsory_age"]  # numbers stay numbers
        assert row[4] == by_code[row[0]]["out_of_school"]
    districts = list(book["อำเภอ"].iter_rows(values_only=True))[1:]
    assert len(districts) == 8
    assert sum(row[2] for row in districts) == totals["compulsory_age"]
    schools = list(book["โรงเรียน"].iter_rows(values_only=True))
    assert "คอมพิวเตอร์เพื่อการเรียน" in schools[0] and "อาคารต้องซ่อม (สภาพ 1-2)" in schools[0]


def test_csv_has_a_bom_and_html_is_thai_with_maps(client: TestClient) -> None:
    csv_response = client.get("/api/v1/reports/coverage", params=PARAMS | {"format": "csv"})
    assert csv_response.content.startswith("\ufeff".encode())
    assert "รหัสตำบล" in csv_response.content.decode("utf-8-sig").splitlines()[0]
    html = client.get("/api/v1/reports/coverage", params=PARAMS).text
    assert "รายงานการจัดการศึกษาภาคบังคับ ปีการศึกษา 2569" in html and "จัดทำเมื่อ" in html
    assert html.count('src="data:image/svg+xml;base64,') == 8  # a map per district
    # On screen, the page offers the same report in the other formats.
    assert "esao=P5501&amp;format=pdf" in html and "esao=P5501&amp;format=xlsx" in html
    font = client.get("/static/vendor/sarabun/Sarabun-Regular.ttf")
    assert font.status_code == 200 and '"/static/vendor/sarabun/Sarabun-Regular.ttf"' in html


def test_command_line_writes_a_pdf(tmp_path: Path, database_url: str) -> None:
    out = tmp_path / "report.pdf"
    result = edumap(
        database_url,
        "report",
        "coverage",
        "--district",
        "5514",
        "--round",
        "2569",
        "--format",
        "pdf",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert squash("อำเภอภูเพียง จังหวัดน่าน") in squash(pdf_text(out))
    refused = edumap(database_url, "report", "coverage", "--format", "docx", "-o", "x")
    assert refused.returncode == 1 and "html, pdf, xlsx, csv" in refused.stderr
    unknown = edumap(
        database_url, "report", "coverage", "--esao", "P9999", "-o", str(tmp_path / "y.pdf")
    )
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "edumap: service area office P9999 is not loaded"
    assert not (tmp_path / "y.pdf").exists()


def test_unknown_area_is_404_not_an_empty_report(client: TestClient) -> None:
    for query, word in (
        ({"esao": "P9999"}, "P9999"),
        ({"district": "9999"}, "9999"),
        ({"province": "99"}, "99"),
    ):
        response = client.get("/api/v1/reports/coverage", params={"round": "2569"} | query)
        assert response.status_code == 404, query
        assert word in response.json()["detail"]
    missing = client.get("/api/v1/reports/coverage", params={"round": "2569"})
    assert missing.status_code == 422


def test_the_same_report_of_the_same_data_is_rendered_once(
    client: TestClient, db_session: Session
) -> None:
    # The stored coverage up to date first (changes other tests committed may wait for the
    # refresher): else the census change below would find it pending already.
    refresh_coverage(db_session, 2569)
    folder = get_settings().report_cache_dir
    assert folder is not None and folder.name.startswith("edumap-reports-")
    params = {"round": "2569", "district": "5509", "format": "xlsx"}
    before = set(folder.glob("*")) if folder.exists() else set()
    first = client.get("/api/v1/reports/coverage", params=params)
    made = set(folder.glob("*")) - before
    assert first.status_code == 200 and len(made) == 1
    (cached,) = made
    # What the second request sends is the file, byte for byte: mark it and see the mark.
    cached.write_bytes(first.content + b"cached")
    second = client.get("/api/v1/reports/coverage", params=params)
    assert second.content == first.content + b"cached"
    # A census change in the area makes it another report.
    db_session.execute(
        text(
            "UPDATE household SET house_number = house_number WHERE id = "
            "(SELECT id FROM household WHERE subdistrict_code LIKE '5509%' LIMIT 1)"
        )
    )
    third = client.get("/api/v1/reports/coverage", params=params)
    assert not third.content.endswith(b"cached")
    # So does a follow-up of a child the registers leave unplaced (what a visit found).
    made = set(folder.glob("*")) - before - {cached}
    (again,) = made
    again.write_bytes(third.content + b"cached")
    assert client.get("/api/v1/reports/coverage", params=params).content.endswith(b"cached")
    ref = matched_child(db_session, "550901")
    db_session.execute(
        text(
            "INSERT INTO register_follow_up (round_year, person_key, kind, acted_on) "
            "SELECT 2569, person_key, 'referral', '2026-11-20' FROM register_match "
            "WHERE left(md5(person_key), 20) = :ref"
        ),
        {"ref": ref},
    )
    fourth = client.get("/api/v1/reports/coverage", params=params)
    assert not fourth.content.endswith(b"cached")


def test_a_changed_figure_changes_the_report_cache_key(tmp_path: Path) -> None:
    """The cache key covers every module of the report: a change to the figures module (or
    the maps, or a template) misses the cache instead of serving yesterday's report."""
    from app.report import cache as report_cache
    from app.report import figures

    sources = report_cache.report_source_files()
    assert Path(figures.__file__) in sources and any(p.suffix == ".html" for p in sources)
    copies = []
    for source in sources:
        copy = tmp_path / f"{len(copies)}-{source.name}"
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    before = report_cache.code_version(copies)
    figures_copy = copies[sources.index(Path(figures.__file__))]
    figures_copy.write_text(figures_copy.read_text() + "\n# one figure computed differently\n")
    assert report_cache.code_version(copies) != before
