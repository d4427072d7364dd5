"""The manual's screenshots (issue 21), taken of the pages as each role sees them, into
test-output/manual: the test command's last step builds the manual with them
(``edumap manual build --screenshots test-output/manual``), so its pictures follow the pages.
Every picture the manual shows is taken here; a page that fails to open fails the test."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import NamedTuple

import httpx2
import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine

from app.manual import referenced_images
from census.synth import make_dirty
from tests.helpers.browser import OUTPUT, log_in, open_page, severe_console_errors
from tests.helpers.payloads import rows_in_550101, to_csv
from tests.helpers.world import MATRIX_SCHOOL, Account

SCREENSHOTS = OUTPUT / "manual"


class Picture(NamedTuple):
    role: str
    path: str
    # Shown once this element is on the page (CSS selector); None: the page has loaded.
    ready: str | None = None
    # Scrolled to the top of the picture: the part of a longer page a step is about.
    focus: str | None = None


REPORT = "/api/v1/reports/coverage?district=5501&round=2569&format=html"
# picture -> what it shows; the manual's pages name the pictures (docs/manual/*.md).
PICTURES = {
    "login.png": Picture("anonymous", "/login"),
    "portal.png": Picture("anonymous", "/portal/offices/P5501"),
    "feedback.png": Picture("anonymous", "/portal/offices/P5501", focus="footer.feedback"),
    "report.png": Picture("anonymous", REPORT),
    "ogc.png": Picture("anonymous", "/ogc?f=html"),
    "api-docs.png": Picture("anonymous", "/docs", ready=".swagger-ui .opblock"),
    "census-upload.png": Picture("planner", "/census/upload"),
    "service-areas.png": Picture(
        "planner", f"/maps/schools/{MATRIX_SCHOOL}", ready=".leaflet-interactive"
    ),
    "coverage-map.png": Picture("planner", "/maps/coverage?district=5501&round=2569"),
    "school-page.png": Picture("planner", f"/schools/{MATRIX_SCHOOL}"),
    "data-rounds.png": Picture("planner", "/data-rounds"),
    "ict.png": Picture("planner", "/ict"),
    "household-form.png": Picture("surveyor", "/census/households/new"),
    "odk-phone.png": Picture("surveyor", "/odk/phone"),
    "forms.png": Picture("surveyor", "/forms"),
    "school-own-page.png": Picture("school", f"/schools/{MATRIX_SCHOOL}"),
    "school-forms.png": Picture("school", "/forms"),
    "school-rounds.png": Picture("school", "/data-rounds"),
    "ict-school.png": Picture("school", f"/ict/schools/{MATRIX_SCHOOL}"),
    "usage.png": Picture("admin", "/admin/usage"),
}
# Pictures of a page after something was done on it (below).
AFTER_AN_ACTION = {"import-errors.png", "matching.png", "verification.png", "call-list.png"}


def test_every_picture_of_the_manual_is_taken_here() -> None:
    assert {f"img/{name}" for name in {*PICTURES, *AFTER_AN_ACTION}} == referenced_images()


def save(driver: webdriver.Chrome, name: str) -> None:
    assert severe_console_errors(driver) == [], name
    driver.save_screenshot(str(SCREENSHOTS / name))
    assert (SCREENSHOTS / name).stat().st_size > 10_000, name


@pytest.mark.parametrize("role", ["anonymous", "planner", "surveyor", "school", "admin"])
def test_take_the_manuals_screenshots(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], role: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(browser, live_url, None if role == "anonymous" else accounts[role])
    browser.set_window_size(1200, 800)
    browser.get_log("browser")
    for name, picture in PICTURES.items():
        if picture.role != role:
            continue
        open_page(browser, live_url + picture.path)
        assert "/login" not in browser.current_url or picture.path == "/login", name
        if picture.ready:
            WebDriverWait(browser, 30).until(
                lambda d, css=picture.ready: d.find_elements(By.CSS_SELECTOR, css)
            )
        if picture.focus:
            element = browser.find_element(By.CSS_SELECTOR, picture.focus)
            browser.execute_script("arguments[0].scrollIntoView(true)", element)
        save(browser, name)


def test_take_the_import_errors_screenshot(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    engine: Engine,
    tmp_path: Path,
) -> None:
    """The troubleshooting chapter's first message, as a planner meets it: a file with faulty
    rows, refused whole, each row and field named."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rows, faults = make_dirty(rows_in_550101(engine, 12), np.random.default_rng(21))
    path = tmp_path / "แบบสำรวจ.csv"
    path.write_bytes(to_csv(rows))
    log_in(browser, live_url, accounts["planner"])
    browser.set_window_size(1200, 800)
    open_page(browser, f"{live_url}/census/upload")
    browser.get_log("browser")
    browser.find_element(By.NAME, "file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload button").click()
    WebDriverWait(browser, 60).until(lambda d: "ไม่ได้บันทึก" in d.find_element(By.ID, "status").text)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#report tbody tr")) == len(faults)
    browser.execute_script("document.getElementById('status').scrollIntoView(true)")
    save(browser, "import-errors.png")


@pytest.mark.usefixtures("registers_matched")
def test_take_the_registers_screenshots(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account]
) -> None:
    """The planner's matching step (the report's table of the registers matched) and the
    surveyor's verification in the field (the households to visit, a child's form open)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(browser, live_url, accounts["planner"])
    browser.set_window_size(1200, 800)
    open_page(browser, live_url + REPORT)
    browser.get_log("browser")
    heading = browser.find_element(By.ID, "registers")
    browser.execute_script("arguments[0].scrollIntoView(true)", heading)
    save(browser, "matching.png")
    log_in(browser, live_url, accounts["surveyor"])
    open_page(browser, f"{live_url}/census/verification")
    browser.find_element(By.CSS_SELECTOR, "article.child details summary").click()
    save(browser, "verification.png")


def test_take_the_call_list_picture(
    live_url: str, accounts: dict[str, Account], tmp_path: Path
) -> None:
    """The call list (form พฐ.03) is a PDF to print: its first page as the planner downloads it
    from the school's page, rendered by poppler, the top of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = httpx2.get(
        f"{live_url}/api/v1/schools/{MATRIX_SCHOOL}/call-list.pdf",
        params={"round": 2569},
        headers=accounts["planner"].headers,
        timeout=60,
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "call-list.pdf").write_bytes(pdf.content)
    subprocess.run(
        "pdftoppm -r 110 -png -f 1 -l 1 -singlefile call-list.pdf page".split(),
        cwd=tmp_path,
        check=True,
    )
    page = Image.open(tmp_path / "page.png")
    page.crop((0, 0, page.width, min(page.height, 700))).save(SCREENSHOTS / "call-list.png")
    assert (SCREENSHOTS / "call-list.png").stat().st_size > 10_000
