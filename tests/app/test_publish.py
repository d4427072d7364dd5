"""The offline copy (issue 21): ``edumap publish`` writes an office's public portal to a folder
that opens from ``file://`` in Chromium with the network off, from a path with Thai characters:
every link leads to a file of the copy, the map shows its layers, the reports open, and no
file holds anything personal."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.publish import PublishReport, publish
from tests.helpers.browser import requested_urls, start_chromium
from tests.helpers.personal import personal_markers

OFFICE = "P5501"


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> PublishReport:
    """The office's copy, in a folder whose path has Thai characters and spaces."""
    folder = tmp_path_factory.mktemp("publish") / "สำเนา ออฟไลน์" / "สพป.น่าน เขต 1"
    with Session(engine) as session:
        return publish(session, folder, esao=OFFICE)


def test_the_copy_holds_a_page_for_every_area_and_school_of_the_office(
    copy: PublishReport, db_session: Session
) -> None:
    districts = set(
        db_session.scalars(
            text("SELECT district_code FROM service_area_office_district WHERE office_code = :o"),
            {"o": OFFICE},
        )
    )
    schools = set(
        db_session.scalars(
            text("SELECT code FROM school WHERE left(subdistrict_code, 4) = ANY(:d)"),
            {"d": list(districts)},
        )
    )
    root = copy.directory
    assert {p.stem for p in (root / "districts").glob("*.html")} == districts
    assert {p.stem for p in (root / "schools").glob("*.html")} == schools
    assert (root / "offices" / f"{OFFICE}.html").exists() and (root / "index.html").exists()
    for name in ("pdf", "xlsx", "csv", "html"):
        assert (root / "reports" / f"report.{name}").stat().st_size > 1000, name
    assert (root / "reports" / "report.pdf").read_bytes().startswith(b"%PDF")
    portal_pages = [p for p in root.rglob("*.html") if p.parent.name not in ("reports", "manual")]
    assert copy.pages == len(portal_pages) and copy.bytes < 700 * 1024 * 1024


def test_every_link_of_every_page_leads_to_a_file_of_the_copy(copy: PublishReport) -> None:
    root = copy.directory
    pages = list(root.rglob("*.html"))
    checked = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for target in re.findall(r'(?:href|src)="([^"#]+)"', html):
            if target.startswith("data:"):  # the report's maps, inline
                continue
            assert not target.startswith(("/", "http:", "https:")), (page, target)
            resolved = (page.parent / unquote(urlsplit(target).path)).resolve()
            assert resolved.is_file(), (page.relative_to(root), target)
            assert root.resolve() in resolved.parents, (page, target)  # never outside the copy
            checked += 1
    assert checked > 1000


def test_no_file_of_the_copy_holds_anything_personal(
    copy: PublishReport, db_session: Session
) -> None:
    markers = personal_markers(db_session)
    scanned = 0
    for path in copy.directory.rglob("*"):
        if path.suffix in (".html", ".js", ".geojson", ".csv", ".txt"):
            content = path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            content = "\n".join(
                " ".join(str(cell) for cell in row if cell is not None)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
            )
        elif path.suffix == ".pdf":
            content = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        else:
            continue
        found = markers.found_in(content)
        assert found == [], (path.relative_to(copy.directory), found[:5])
        scanned += 1
    assert scanned > 300


@pytest.fixture(scope="module")
def offline_browser() -> Iterator[webdriver.Chrome]:
    """Chromium with its network switched off (DevTools' offline emulation)."""
    driver = start_chromium()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    yield driver
    driver.quit()


def test_the_copy_opens_from_disk_with_the_network_off(
    copy: PublishReport, offline_browser: webdriver.Chrome
) -> None:
    driver = offline_browser
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get((copy.directory / "index.html").as_uri())
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต 1" in driver.page_source
    # Through the front page to the office, a district and a tambon, by relative links.
    driver.find_element(By.CSS_SELECTOR, f"a[href='offices/{OFFICE}.html']").click()
    driver.find_element(By.CSS_SELECTOR, "svg.area-map a").click()
    assert "/districts/" in driver.current_url
    driver.find_element(By.CSS_SELECTOR, "table.data a[href^='../tambons/']").click()
    assert "/tambons/" in driver.current_url
    assert "อัตราการเข้าเรียน" in driver.find_element(By.TAG_NAME, "body").text
    # The map: its data came as script files, both layers drawn.
    driver.get((copy.directory / "map.html").as_uri())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return !!window.edumapOffline"))
    tambons, schools, drawn = driver.execute_script(
        "return [edumapOffline.tambons, edumapOffline.schools,"
        " document.querySelectorAll('.leaflet-overlay-pane path').length]"
    )
    assert tambons > 10 and schools > 100 and drawn >= tambons + schools
    # The report opens.
    driver.get((copy.directory / "reports" / "report.html").as_uri())
    assert "รายงาน" in driver.title
    assert "ตำบล" in driver.find_element(By.TAG_NAME, "body").text
    # The manual opens from disk too, its pictures drawn.
    driver.get((copy.directory / "manual" / "surveyor.html").as_uri())
    assert driver.find_element(By.TAG_NAME, "h1").text == "เจ้าหน้าที่สำรวจภาคสนาม"
    assert driver.execute_script("return [...document.images].every(i => i.naturalWidth > 0)")
    # Nothing asked the network; nothing failed to load.
    urls = requested_urls(driver)
    assert urls and all(url.startswith(("file://", "data:")) for url in urls), [
        url for url in urls if not url.startswith(("file://", "data:"))
    ]
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_the_copy_downloads_as_a_zip(client: TestClient) -> None:
    response = client.get(f"/portal/offices/{OFFICE}/offline.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {"index.html", "map.html", "data/tambons.js", "reports/report.pdf"} <= set(names)
    assert f"offices/{OFFICE}.html" in names
    assert client.get("/portal/offices/NOPE/offline.zip").status_code == 404
