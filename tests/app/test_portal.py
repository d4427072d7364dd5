"""The public portal (issue 21): every page anonymous, Thai first with English labels, nothing
personal in it, small counts hidden, and readable in Chromium with JavaScript switched off."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import coverage
from tests.helpers.browser import start_chromium
from tests.helpers.personal import personal_markers
from tests.helpers.world import MATRIX_SCHOOL

ROUND = 2569


class _Tables(HTMLParser):
    """The cells of every table of a page, row by row, and the links of each row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        del attrs
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def public_pages(session: Session) -> list[str]:
    """The office's page, its districts', the tambons of one district, and their schools."""
    districts = session.scalars(
        text(
            "SELECT district_code FROM service_area_office_district "
            "WHERE office_code = 'P5501' ORDER BY 1"
        )
    ).all()
    tambons = session.scalars(
        text("SELECT code FROM subdistrict WHERE district_code = '5501' ORDER BY code")
    ).all()
    schools = session.scalars(
        text("SELECT code FROM school WHERE left(subdistrict_code, 4) = '5501' ORDER BY code")
    ).all()
    return [
        "/portal",
        "/portal?lang=en",
        "/portal/privacy",
        "/portal/search?q=%E0%B8%99%E0%B9%88%E0%B8%B2%E0%B8%99",  # น่าน
        "/portal/offices/P5501",
        "/portal/offices/P5501?lang=en",
        *(f"/portal/districts/{code}" for code in districts),
        *(f"/portal/tambons/{code}" for code in tambons),
        *(f"/portal/schools/{code}" for code in schools),
    ]


def test_no_public_page_names_a_child_or_shows_an_id_or_a_home(
    client: TestClient, db_session: Session
) -> None:
    markers = personal_markers(db_session)
    pages = public_pages(db_session)
    assert len(pages) > 30
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert markers.found_in(response.text) == [], path


def test_district_pages_show_their_tambons_as_the_public_api_with_small_counts_hidden(
    client: TestClient, db_session: Session
) -> None:
    names = dict(db_session.execute(text("SELECT code, name_th FROM subdistrict")).all())
    hidden = 0
    for district in ("5501", "5502", "5503", "5504", "5505", "5506", "5507", "5508"):
        page = client.get(f"/portal/districts/{district}").text
        public = {
            names[row["subdistrict_code"]]: row
            for row in coverage.subdistrict_coverage(db_session, ROUND, district=district)
        }
        [tambons] = [t for t in tables(page) if t[0][:1] == ["ตำบล"]]
        for name, age, enrolled, out, rate in tambons[1:]:
            shown = public[name]
            expected = [
                shown[k] for k in ("compulsory_age", "compulsory_enrolled", "out_of_school")
            ]
            assert [age, enrolled, out] == [
                value if isinstance(value, str) else f"{value:,}" for value in expected
            ], name
            assert not any(re.fullmatch(r"[1-4]", cell) for cell in (age, enrolled, out)), name
            hidden += sum(cell in ("<5", "x") for cell in (enrolled, out))
            if rate != "-":
                assert rate == f"{shown['coverage_rate'] * 100:.1f}%"
    assert hidden > 0  # Nan's data has small counts: the pages hid some


def test_english_labels_and_a_trend_over_the_rounds(client: TestClient) -> None:
    english = client.get("/portal/offices/P5501", params={"lang": "en"}).text
    assert "Coverage rate" in english and "Children of compulsory age" in english
    assert 'href="/portal/districts/5501?lang=en"' in english
    thai = client.get("/portal/offices/P5501").text
    assert "อัตราการเข้าเรียน" in thai and "Coverage rate" not in thai
    [trend] = [t for t in tables(thai) if t[0][:1] == ["ปีการศึกษาของสำมะโน"]]
    assert [row[0] for row in trend[1:]] == sorted(row[0] for row in trend[1:])
    assert str(ROUND) in [row[0] for row in trend[1:]]


def test_search_finds_schools_tambons_districts_and_offices_by_thai_name(
    client: TestClient, db_session: Session
) -> None:
    school = db_session.execute(
        text("SELECT name_th FROM school WHERE code = :c"), {"c": MATRIX_SCHOOL}
    ).scalar_one()
    found = client.get("/portal/search", params={"q": school}).text
    assert f'href="/portal/schools/{MATRIX_SCHOOL}"' in found
    # Typed without its โรงเรียน, with a space inside: still found.
    bare = school.removeprefix("โรงเรียน")
    typed = bare[:3] + " " + bare[3:]
    assert f'href="/portal/schools/{MATRIX_SCHOOL}"' in (
        client.get("/portal/search", params={"q": typed}).text
    )
    for query, link in (
        ("เมืองน่าน", "/portal/districts/5501"),
        ("ประถมศึกษาน่าน เขต 1", "/portal/offices/P5501"),
        ("Mueang Nan", "/portal/districts/5501"),
    ):
        assert f'href="{link}"' in client.get("/portal/search", params={"q": query}).text, query
    assert "ไม่พบ" in client.get("/portal/search", params={"q": "ไม่มีที่นี่แน่นอน"}).text


def test_unknown_places_are_404_and_bad_codes_422(client: TestClient) -> None:
    assert client.get("/portal/tambons/999999").status_code == 404
    assert client.get("/portal/schools/55010").status_code == 404
    assert client.get("/portal/villages/550101").status_code == 422


def test_downloads_are_the_areas_files(client: TestClient) -> None:
    page = client.get("/portal/offices/P5501").text
    links = re.findall(r'href="(/api/v1/[^"]+|/ogc/[^"]+)"', page)
    assert links
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        assert len(response.content) > 1000, link


@pytest.fixture(scope="module")
def no_script_browser() -> Iterator[webdriver.Chrome]:
    """Chromium with JavaScript switched off, as on a feature phone or a locked-down PC."""
    driver = start_chromium("--blink-settings=scriptEnabled=false")
    yield driver
    driver.quit()


def test_the_portal_reads_and_navigates_without_javascript(
    no_script_browser: webdriver.Chrome, live_url: str
) -> None:
    driver = no_script_browser
    # Scripts really are off: the coverage map's script never starts.
    driver.get(f"{live_url}/maps/coverage?district=5501&round={ROUND}")
    time.sleep(2)
    assert driver.execute_script("return typeof window.edumapCoverage") == "undefined"
    driver.get(f"{live_url}/portal/offices/P5501")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "อัตราการเข้าเรียน" in body and "เด็กวัยการศึกษาภาคบังคับ" in body
    # The map is drawn (SVG, no script) and its districts lead to their pages.
    districts = driver.find_elements(By.CSS_SELECTOR, "svg.area-map a")
    assert len(districts) > 3
    assert driver.find_element(By.CSS_SELECTOR, "svg.area-map").size["height"] > 100
    driver.get(f"{live_url}/portal/districts/5501")
    driver.find_element(By.CSS_SELECTOR, "table.data a[href^='/portal/tambons/']").click()
    assert "/portal/tambons/5501" in driver.current_url
    assert driver.find_elements(By.CSS_SELECTOR, "svg.area-map path")
    # The search form is a plain GET: it works without script.
    box = driver.find_element(By.CSS_SELECTOR, "form.portal-search input[name=q]")
    box.send_keys("เมืองน่าน")
    box.submit()
    assert "/portal/search" in driver.current_url
    driver.find_element(By.CSS_SELECTOR, "a[href='/portal/districts/5501']").click()
    assert driver.current_url.endswith("/portal/districts/5501")


def test_an_office_page_with_a_district_where_no_child_was_counted(
    client: TestClient, db_session: Session
) -> None:
    """A district of the office with no child in the round (a district just given to the
    office, a census not yet in) is listed with "-" for its figures, not an error."""
    db_session.execute(
        text(
            "INSERT INTO service_area_office_district (office_code, district_code) "
            "VALUES ('P5501', '5001')"  # Mueang Chiang Mai: no child of Nan's census
        )
    )
    db_session.flush()
    page = client.get("/portal/offices/P5501")
    assert page.status_code == 200, page.text[-500:]
    [districts] = [t for t in tables(page.text) if t[0][:1] == ["อำเภอ"]]
    [empty] = [row for row in districts[1:] if row[0] == "เมืองเชียงใหม่"]
    assert empty[1:] == ["-", "-", "-", "-"]
