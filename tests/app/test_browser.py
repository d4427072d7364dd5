"""Pages in Debian's headless Chromium. The map loads with no console errors and no request
leaving 127.0.0.1, has its layers, and a school's popup shows capacity and ICT; the coverage
report draws its maps in the bundled Sarabun; the upload and household pages work. Screenshots
and the map's timing (recorded, never asserted) go to test-output/."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine

from census.importer import FIELD_LABELS_TH
from census.synth import make_dirty
from tests.helpers.browser import OUTPUT, requested_urls
from tests.helpers.payloads import rows_in_550101, to_csv
from tests.helpers.world import PASSWORD, Account


def test_coverage_map_loads_offline(browser: webdriver.Chrome, live_url: str) -> None:
    """Every request stays on 127.0.0.1 (no CDN, no basemap unless one is set); the province's
    map and all its layers load without a console error. Its timing and weight are recorded
    (never asserted: BENCHMARKS.md has the measured figures)."""
    OUTPUT.mkdir(exist_ok=True)
    browser.delete_all_cookies()
    browser.get_log("performance")  # start clean
    started = time.monotonic()
    browser.get(f"{live_url}/maps/coverage?province=55&round=2569")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)")
    )
    interactive_s = time.monotonic() - started
    loaded = browser.execute_script("return edumapCoverage.loaded")
    assert loaded["tambons"] > 90 and loaded["schools"] > 300, loaded
    (OUTPUT / "coverage-map-timing.txt").write_text(
        f"province map, anonymous: navigation to all layers drawn {interactive_s:.2f} s\n"
    )
    browser.save_screenshot(str(OUTPUT / "coverage-map.png"))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    urls = requested_urls(browser)
    assert urls and all(u.startswith(("http://127.0.0.1", "data:", "blob:")) for u in urls), [
        u for u in urls if not u.startswith("http://127.0.0.1")
    ]
    assert any("/api/v1/map-layers/schools" in u for u in urls)
    size = browser.execute_script("return document.documentElement.outerHTML.length")
    assert size < 100_000  # the page is the map's frame; its layers come as data


def test_coverage_report_page_draws_its_maps_in_sarabun(
    browser: webdriver.Chrome, live_url: str
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    browser.get_log("performance")
    browser.get(f"{live_url}/api/v1/reports/coverage?round=2569&district=5514")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    # The bundled Sarabun is what the page uses (not a system fallback), and it loaded.
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script(
            "return document.fonts.status === 'loaded' && "
            "[...document.fonts].some(f => f.family.includes('Sarabun') && f.status === 'loaded')"
        )
    )
    maps = browser.find_elements(By.CSS_SELECTOR, ".map img")
    assert len(maps) == 1
    assert browser.execute_script("return arguments[0].naturalWidth", maps[0]) > 300
    assert "อำเภอภูเพียง" in browser.find_element(By.CSS_SELECTOR, ".district h3").text
    browser.save_screenshot(str(OUTPUT / "coverage-report.png"))
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    urls = requested_urls(browser)
    assert all(u.startswith(("http://127.0.0.1", "data:")) for u in urls), urls
    assert any(u.endswith("/static/vendor/sarabun/Sarabun-Regular.ttf") for u in urls)


def test_surveyor_logs_in_uploads_and_sees_the_report(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    engine: Engine,
    tmp_path: Path,
) -> None:
    rows, faults = make_dirty(rows_in_550101(engine), np.random.default_rng(12))
    path = tmp_path / "survey.csv"
    path.write_bytes(to_csv(rows))
    browser.delete_all_cookies()
    browser.get(f"{live_url}/census/upload")  # anonymous: sent to the login page first
    WebDriverWait(browser, 10).until(lambda d: "/login" in d.current_url)
    browser.find_element(By.NAME, "username").send_keys(accounts["surveyor"].username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    WebDriverWait(browser, 10).until(lambda d: urlparse(d.current_url).path == "/census/upload")
    browser.save_screenshot(str(OUTPUT / "census-upload-page.png"))
    browser.find_element(By.NAME, "file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload button").click()
    WebDriverWait(browser, 60).until(lambda d: "ไม่ได้บันทึก" in d.find_element(By.ID, "status").text)
    cells = browser.find_elements(By.CSS_SELECTOR, "#report tbody tr")
    assert len(cells) == len(faults)
    fields = sorted(
        (
            int(r.find_elements(By.TAG_NAME, "td")[0].text),
            r.find_elements(By.TAG_NAME, "td")[1].text,
        )
        for r in cells
    )
    # Each field in Thai first, as the file's column is called, then its identifier.
    assert fields == [(f.row, f"{FIELD_LABELS_TH[f.field]} ({f.field})") for f in faults]
    browser.save_screenshot(str(OUTPUT / "census-upload-report.png"))
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_school_page_shows_its_service_area_map(browser: webdriver.Chrome, live_url: str) -> None:
    """The school page frames its map (same origin only), and the map draws inside."""
    browser.delete_all_cookies()
    browser.get_log("browser")
    browser.get(f"{live_url}/schools/9955010001")
    frame = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "iframe"))
    browser.switch_to.frame(frame)
    try:
        WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-container .leaflet-interactive")
        )
        assert browser.find_element(By.CLASS_NAME, "leaflet-control-layers").text
    finally:
        browser.switch_to.default_content()
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    browser.save_screenshot(str(OUTPUT / "school-page-map.png"))
