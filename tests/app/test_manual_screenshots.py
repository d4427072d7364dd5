"""The manual's screenshots (issue 21), taken of the pages as each role sees them, into
test-output/manual: the test command's last step builds the manual with them
(``edumap manual build --screenshots test-output/manual``), so its pictures follow the pages.
Every picture the manual shows is taken here; a page that fails to open fails the test."""

from __future__ import annotations

import pytest
from selenium import webdriver

from app.manual import referenced_images
from tests.helpers.browser import OUTPUT, log_in, open_page, severe_console_errors
from tests.helpers.world import MATRIX_SCHOOL, Account

SCREENSHOTS = OUTPUT / "manual"
# picture -> (role, page); the manual's pages name the pictures (docs/manual/*.md).
PICTURES = {
    "login.png": ("anonymous", "/login"),
    "portal.png": ("anonymous", "/portal/offices/P5501"),
    "report.png": ("anonymous", "/api/v1/reports/coverage?district=5501&round=2569&format=html"),
    "ogc.png": ("anonymous", "/ogc?f=html"),
    "census-upload.png": ("planner", "/census/upload"),
    "coverage-map.png": ("planner", "/maps/coverage?district=5501&round=2569"),
    "school-page.png": ("planner", f"/schools/{MATRIX_SCHOOL}"),
    "data-rounds.png": ("planner", "/data-rounds"),
    "ict.png": ("planner", "/ict"),
    "household-form.png": ("surveyor", "/census/households/new"),
    "odk-phone.png": ("surveyor", "/odk/phone"),
    "school-rounds.png": ("school", "/data-rounds"),
    "ict-school.png": ("school", f"/ict/schools/{MATRIX_SCHOOL}"),
    "usage.png": ("admin", "/admin/usage"),
}


def test_every_picture_of_the_manual_is_taken_here() -> None:
    assert {f"img/{name}" for name in PICTURES} == referenced_images()


@pytest.mark.parametrize("role", ["anonymous", "planner", "surveyor", "school", "admin"])
def test_take_the_manuals_screenshots(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], role: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(browser, live_url, None if role == "anonymous" else accounts[role])
    browser.set_window_size(1200, 800)
    browser.get_log("browser")
    for name, (who, path) in PICTURES.items():
        if who != role:
            continue
        open_page(browser, live_url + path)
        assert "/login" not in browser.current_url or path == "/login", (role, path)
        assert severe_console_errors(browser) == [], (role, path)
        browser.save_screenshot(str(SCREENSHOTS / name))
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
