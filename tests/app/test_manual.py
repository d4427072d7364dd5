"""The Thai manual (issue 21): it builds without a warning, every picture it shows exists,
every page of the app links a chapter (and section) that exists, and /manual serves it under
the app's CSP with no console error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app import manual
from app.api.rules import ROUTER_MODULES
from app.manual import ManualBuildError, build_manual, referenced_images
from app.web.help import help_link
from tests.helpers.browser import OUTPUT, severe_console_errors
from tests.helpers.world import ROLE_NAMES

# HTML the API routers serve beside their JSON.
HTML_PAGES = ("/api/v1/reports/coverage", "/ogc", "/ogc/collections/{collection_id}/items")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manual as the test command builds it: with this run's screenshots where taken."""
    out = tmp_path_factory.mktemp("manual") / "site"
    build_manual(out, OUTPUT / "manual")
    return out


def test_the_manual_builds_with_every_picture_it_shows(site: Path) -> None:
    images = referenced_images()
    assert len(images) >= 10
    for image in images:
        assert (site / image).stat().st_size > 10_000, image
    chapters = {p.name for p in site.glob("*.html")}
    assert {"index.html", "admin.html", "planner.html", "surveyor.html", "school.html"} <= chapters
    assert {"public.html", "troubleshooting.html"} <= chapters
    # A chapter per role, each walking through its tasks with pictures.
    planner = (site / "planner.html").read_text(encoding="utf-8")
    assert planner.count("<img") >= 5 and "edumap census round" in planner


SOURCES = Path(manual.__file__).resolve().parents[1]
# A message's variable parts as the manual writes them: a row, an ellipsis, a year or a code,
# a data round's state.
PLACEHOLDER = re.compile(r" N |\.\.\.|\d{4,}|\bsubmitted\b")


def test_the_troubleshooting_messages_are_the_apps_own() -> None:
    """Each message the troubleshooting chapter quotes is one the app says (its fixed parts, in
    order, in one string of the source), so the chapter follows the messages users see."""
    chapter = (manual.MANUAL_SOURCE / "troubleshooting.md").read_text(encoding="utf-8")
    messages = re.findall(r'\*\*"(.+?)"\*\*', chapter)
    assert len(messages) >= 10
    # Strings the source continues on the next line ("... is " "outside ...") read as one.
    source = "\n".join(
        re.sub(r'"\s*\n\s*f?"', "", path.read_text(encoding="utf-8"))
        for package in ("app", "census", "gis", "kernel")
        for path in sorted((SOURCES / package).rglob("*"))
        if path.suffix in {".py", ".html", ".js"}
    )
    for message in messages:
        parts = [re.escape(part.strip()) for part in PLACEHOLDER.split(message) if part.strip()]
        assert re.search(".{0,60}?".join(parts), source), message


def test_a_broken_link_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "docs"
    shutil.copytree(manual.MANUAL_SOURCE, source / "manual")
    shutil.copyfile(manual.MKDOCS_CONFIG, source / "mkdocs.yml")
    shutil.copytree(manual.MKDOCS_CONFIG.parent / "manual_theme", source / "manual_theme")
    page = source / "manual" / "school.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[ที่ไม่มี](nowhere.md#x)\n", "utf-8")
    monkeypatch.setattr(manual, "MANUAL_SOURCE", source / "manual")
    monkeypatch.setattr(manual, "MKDOCS_CONFIG", source / "mkdocs.yml")
    with pytest.raises(ManualBuildError, match=r"nowhere\.md"):
        build_manual(tmp_path / "site")


def html_page_paths() -> list[str]:
    """Every page a person opens: the GET routes of the page routers (app.web), and the
    HTML the API serves (the report, the OGC landing page, the API docs)."""
    return [
        rule.route
        for module in ROUTER_MODULES
        if module.__name__.startswith("app.web")
        for rule in module.ACCESS_RULES
        if rule.method == "GET" and not rule.route.endswith((".js", ".ico", ".json", ".zip"))
    ] + list(HTML_PAGES)


def test_every_page_of_the_app_links_a_chapter_that_exists(site: Path) -> None:
    paths = html_page_paths()
    assert {"/", "/portal", "/ict", "/census/upload", "/data-rounds"} <= set(paths)
    assert len(paths) > 20
    for path in paths:
        for role in ROLE_NAMES:
            link = help_link(path, None if role == "anonymous" else role)
            chapter, _, anchor = link.removeprefix("/manual/").partition("#")
            page = site / chapter
            assert page.is_file(), (path, role, link)
            if anchor:
                html = page.read_text(encoding="utf-8")
                assert re.search(rf'id="{re.escape(anchor)}"', html), (path, role, link)


def test_pages_show_their_help_link(client: TestClient) -> None:
    for path, chapter in (
        ("/", "index.html"),
        ("/portal", "public.html"),
        ("/login", "index.html"),
    ):
        page = client.get(path).text
        assert 'class="help-link"' in page and f'href="/manual/{chapter}' in page, path


def test_the_manual_is_served_under_the_apps_csp(client: TestClient) -> None:
    index = client.get("/manual/")
    assert index.status_code == 200 and "คู่มือการใช้งาน" in index.text
    assert "'sha256-" in index.headers["content-security-policy"]
    assert client.get("/manual/planner.html").status_code == 200
    assert client.get("/manual/img/portal.png").headers["content-type"] == "image/png"
    assert client.get("/manual/../../pyproject.toml").status_code == 404
    assert client.get("/manual/%2e%2e/%2e%2e/pyproject.toml").status_code == 404
    assert client.get("/manual", follow_redirects=False).status_code == 307


def test_the_served_manual_opens_in_chromium_without_errors(
    browser: webdriver.Chrome, live_url: str
) -> None:
    browser.get(f"{live_url}/manual/planner.html")
    browser.get_log("browser")
    browser.get(f"{live_url}/manual/planner.html#coverage-map")
    assert browser.find_element(By.TAG_NAME, "h1").text == "เจ้าหน้าที่ข้อมูลและนักวางแผน"
    images = browser.execute_script(
        "return [...document.images].map(i => [i.getAttribute('src'), i.naturalWidth])"
    )
    assert images and all(width > 0 for _, width in images), images
    # The search (a web worker) runs under the CSP: typing finds the chapter.
    browser.execute_script(
        "document.querySelector('[data-bs-target=\"#mkdocs_search_modal\"]').click()"
    )
    box = browser.find_element(By.ID, "mkdocs-search-query")
    WebDriverWait(browser, 10).until(lambda _: box.is_displayed())
    box.send_keys("ODK")
    WebDriverWait(browser, 10).until(
        lambda d: (
            "surveyor.html"
            in d.find_element(By.ID, "mkdocs-search-results").get_attribute("innerHTML")
        )
    )
    assert severe_console_errors(browser) == []
