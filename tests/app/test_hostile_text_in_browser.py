"""Hostile text in every field a page shows, every page opened in Chromium as every role that
can see it: the script sentinel never runs, no element gains an event handler, no console
error (a CSP violation is one), and the names read exactly as typed.

The names of a school (and so its service area), of children and guardians, of a village,
each carry a payload that once ran on the maps: a JavaScript template expression, a backtick,
a quote, an ``<img onerror>``, a ``</script>``, a formula.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.coverage import refresh_coverage
from tests.helpers.browser import OUTPUT, log_in
from tests.helpers.world import Account

SENTINEL = "window.__xss"
PAYLOADS = [
    "${window.__xss='template'}",
    "`;window.__xss='backtick';`",
    "'\"><img src=x onerror=\"window.__xss='img'\">",
    "</script><script>window.__xss='script'</script>",
    '=HYPERLINK("http://example.invalid/","คลิก")',
    "{{7*7}} <b>ตัวหนา</b> &amp; ${1+1}",
]
SCHOOL_CODE = "9800000666"
SCHOOL_NAME = "โรงเรียน" + PAYLOADS[0] + PAYLOADS[2] + PAYLOADS[1]
VILLAGE_NAME = "บ้าน" + PAYLOADS[3] + PAYLOADS[1]
CHILD_NAMES = [f"เด็ก{p}" for p in PAYLOADS]
LAST_NAME = "สกุล" + PAYLOADS[3]
ROUND_TITLE = "รอบ" + PAYLOADS[3] + PAYLOADS[0] + PAYLOADS[4]
# Moo 5 of tambon 550103 (บ้านทุ่งเศรษฐี in the bundled villages), where it all happens.
VILLAGE_CODE = "55010305"
PLACE = {"lon": 100.7741, "lat": 18.8079}


@pytest.fixture(scope="module")
def hostile_world(
    app_client: TestClient, accounts: dict[str, Account], engine: Engine
) -> Iterator[dict[str, Any]]:
    """A school, its service area, a household of out-of-school children and a village, all
    named with the payloads; committed (the browser reads them from a live server) and taken away
    again afterwards."""
    admin = accounts["admin"].headers
    with engine.begin() as connection:
        old_village = (
            connection.execute(
                text(
                    "UPDATE village v SET name_th = :name FROM (SELECT id, name_th FROM village "
                    "WHERE code = :code) old WHERE v.id = old.id RETURNING old.name_th"
                ),
                {"name": VILLAGE_NAME, "code": VILLAGE_CODE},
            )
            .scalars()
            .all()
        )
    household_uuid = str(uuid.uuid4())
    try:
        created = app_client.post(
            "/api/v1/schools",
            headers=admin,
            json={
                "code": SCHOOL_CODE,
                "name_th": SCHOOL_NAME,
                "grades": ["P1", "P2", "P3", "P4", "P5", "P6"],
                "subdistrict_code": "550103",
                "office_code": "P5501",
                "lon": PLACE["lon"] + 0.002,
                "lat": PLACE["lat"],
            },
        )
        assert created.status_code == 201, created.text
        west, east = PLACE["lon"] - 0.01, PLACE["lon"] + 0.01
        south, north = PLACE["lat"] - 0.01, PLACE["lat"] + 0.01
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        square = {"type": "Polygon", "coordinates": [ring]}
        area = app_client.post(
            f"/api/v1/schools/{SCHOOL_CODE}/service-areas",
            headers=admin,
            data={"round": "2569"},
            files={
                "file": (
                    "area.geojson",
                    (
                        '{"type":"Feature","properties":{},"geometry":'
                        + str(square).replace("'", '"')
                        + "}"
                    ).encode(),
                    "application/geo+json",
                )
            },
        )
        assert area.status_code == 201, area.text
        children = [
            {
                "first_name": name,
                "last_name": LAST_NAME,
                "sex": "ชาย" if i % 2 else "หญิง",
                "birth_date": f"0{i + 1}/06/2558",
                "g_code": f"G{uuid.uuid4().int % 10**10:010d}",
                "guardian_name": "ผู้ปกครอง" + PAYLOADS[2],
                "enrolment_status": "ไม่ได้เรียน",
                "not_enrolled_reason": PAYLOADS[0],
            }
            for i, name in enumerate(CHILD_NAMES)
        ]
        household = app_client.post(
            "/api/v1/census/households",
            headers=admin,
            json={
                "uuid": household_uuid,
                "round": 2569,
                "subdistrict_code": "550103",
                "moo": 5,
                "house_number": "6/66",
                "location": PLACE | {"accuracy_m": 5},
                "children": children,
            },
        )
        assert household.status_code == 201, household.text
        # The pages read the stored coverage: bring it up to date now rather than race the
        # live server's refresher (after other tests' writes a whole-round refresh takes
        # seconds, and a page loaded meanwhile lacks these children).
        with Session(engine) as session, session.begin():
            refresh_coverage(session, 2569)
        data_round = app_client.post(
            "/api/v1/data-rounds",
            headers=admin,
            json={
                "kind": "enrolment",
                "title_th": ROUND_TITLE,
                "academic_year": 2569,
                "counting_day": "2026-06-10",
                "opens_on": "2026-06-01",
                "deadline": "2026-06-30",
                "office_code": "P5501",
            },
        )
        assert data_round.status_code == 201, data_round.text
        round_id = data_round.json()["id"]
        # A repair ticket whose problem is hostile text (the office's queue and the school's
        # ICT page show it).
        ticket = app_client.post(
            "/api/v1/ict/repairs",
            headers=admin,
            json={"school_code": SCHOOL_CODE, "subject": "link", "problem": " ".join(PAYLOADS)},
        )
        assert ticket.status_code == 201, ticket.text
        yield {"school": SCHOOL_CODE, "data_round": round_id}
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("DELETE FROM data_round WHERE title_th = :t"), {"t": ROUND_TITLE}
            )
            connection.execute(text("DELETE FROM household WHERE uuid = :u"), {"u": household_uuid})
            connection.execute(
                text(
                    "DELETE FROM service_area WHERE school_id IN "
                    "(SELECT id FROM school WHERE code = :c)"
                ),
                {"c": SCHOOL_CODE},
            )
            connection.execute(text("DELETE FROM school WHERE code = :c"), {"c": SCHOOL_CODE})
            for name in old_village:
                connection.execute(
                    text("UPDATE village SET name_th = :n WHERE code = :c"),
                    {"n": name, "c": VILLAGE_CODE},
                )


# Every tooltip and popup of a folium map, built as a hover or a click builds it.
MAP_TEXTS = """
    const texts = [], strings = [];
    for (const key of Object.keys(window)) {
        const layer = window[key];
        if (!layer || typeof layer.getTooltip !== 'function') continue;
        for (const bound of [layer.getTooltip(), layer.getPopup && layer.getPopup()]) {
            if (!bound) continue;
            const content = bound.getContent();
            if (typeof content === 'string') { strings.push(key); continue; }
            if (typeof content === 'function') {
                if (layer.eachLayer) layer.eachLayer(sub => texts.push(content(sub).textContent));
            } else {
                texts.push(content.textContent);
            }
        }
    }
    return [texts, strings];
"""
CHECK = """
    const handlers = [...document.querySelectorAll('*')].filter(
        e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on')));
    return {sentinel: window.__xss === undefined ? null : String(window.__xss),
            handlers: handlers.map(e => e.outerHTML.slice(0, 120)),
            stray_images: document.querySelectorAll('img[src="x"]').length,
            title: document.title};
"""

ALL = ("anonymous", "admin", "planner", "surveyor", "school", "viewer")
PAGES = [
    ("/", ALL),
    ("/maps/coverage?district=5501&round=2569", ALL),
    (f"/maps/schools/{SCHOOL_CODE}?round=2569", ALL),
    (f"/schools/{SCHOOL_CODE}", ALL),
    ("/api/v1/reports/coverage?district=5501&round=2569&format=html", ALL),
    ("/census/upload", ("admin", "planner", "surveyor")),
    ("/census/households/new", ("admin", "planner", "surveyor")),
    ("/odk/phone", ("admin", "planner", "surveyor")),
    ("/data-rounds", ("admin", "planner", "viewer")),
    ("/data-rounds/{data_round}", ("admin", "planner", "viewer")),
    (f"/data-rounds/{{data_round}}/schools/{SCHOOL_CODE}", ("admin", "planner", "viewer")),
    ("/ict", ("admin", "planner", "viewer")),
    (f"/ict/schools/{SCHOOL_CODE}", ("admin", "planner", "viewer")),
    (f"/ogc/collections/schools/items/{SCHOOL_CODE}?f=html", ALL),
    (f"/ogc/collections/schools/items?f=html&filter=code%3D%27{SCHOOL_CODE}%27", ALL),
    (f"/ogc/collections/villages/items?f=html&filter=code%3D%27{VILLAGE_CODE}%27", ALL),
    (
        "/ogc/collections/children_out_of_school/items?f=html&limit=1000"
        "&filter=subdistrict_code%3D%27550103%27%20AND%20moo%3D5",
        ("admin", "planner"),
    ),
    # The public portal (issue 21): the school's name in its table, page, map and search.
    ("/portal/districts/5501", ALL),
    ("/portal/tambons/550103", ALL),
    (f"/portal/schools/{SCHOOL_CODE}", ALL),
    (f"/portal/search?q={quote('โรงเรียน${')}", ALL),
]


@pytest.mark.parametrize("role", ALL)
def test_hostile_names_are_shown_as_text_on_every_page(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    hostile_world: dict[str, Any],
    role: str,
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    log_in(browser, live_url, None if role == "anonymous" else accounts[role])
    browser.get_log("browser")  # start clean
    for template, roles in PAGES:
        if role not in roles:
            continue
        path = template.format(data_round=hostile_world["data_round"])
        browser.get(live_url + path)
        WebDriverWait(browser, 30).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        state = browser.execute_script(CHECK)
        assert state["sentinel"] is None, (path, state)
        assert state["handlers"] == [] and state["stray_images"] == 0, (path, state)
        if path.startswith("/maps/coverage"):
            _check_the_coverage_map(browser, role)
        elif path.startswith("/maps/"):
            texts, strings = browser.execute_script(MAP_TEXTS)
            assert strings == [], (path, strings)  # no tooltip or popup parsed as HTML
            joined = "\n".join(texts)
            assert SCHOOL_NAME in joined and VILLAGE_NAME in joined, path
            _hover_and_click_the_school(browser)
        elif path.startswith(
            ("/schools/", "/api/v1/reports/", "/ogc/collections/schools", "/portal/")
        ):
            assert SCHOOL_NAME in browser.find_element(By.TAG_NAME, "body").text, path
        elif path.startswith("/ict"):
            shown = browser.find_element(By.TAG_NAME, "body").text
            assert SCHOOL_NAME in shown and PAYLOADS[0] in shown, path
        elif path.startswith("/ogc/collections/villages"):
            assert VILLAGE_NAME in browser.find_element(By.TAG_NAME, "body").text, path
        elif path.startswith("/data-rounds"):
            shown = browser.find_element(By.TAG_NAME, "body").text
            assert ROUND_TITLE in shown, path
            if path.count("/") > 1:
                assert SCHOOL_NAME in shown, path
        elif path.startswith("/ogc/collections/children"):
            shown = browser.find_element(By.TAG_NAME, "body").text
            assert all(name in shown for name in CHILD_NAMES) and LAST_NAME in shown, path
        state = browser.execute_script(CHECK)
        assert state["sentinel"] is None and state["handlers"] == [], (path, state)
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], (path, errors)
    browser.save_screenshot(str(OUTPUT / f"hostile-{role}.png"))


def _check_the_coverage_map(driver: webdriver.Chrome, role: str) -> None:
    """The layers' texts (fetched as data) read back exactly; names only for named roles."""
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)")
    )
    if role in ("admin", "planner"):  # names are drawn when zoomed in on them
        driver.execute_script(
            "edumapCoverage.map.setView([arguments[0], arguments[1]], 15)",
            PLACE["lat"],
            PLACE["lon"],
        )
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return edumapCoverage.named.out_of_school.features.length")
        )
    texts = driver.execute_script("return edumapCoverage.tooltips()")
    assert not [t for t in texts if t.startswith("HTML:")]  # none parsed as HTML
    joined = "\n".join(texts)
    assert SCHOOL_NAME in joined
    if role in ("admin", "planner"):
        for name in CHILD_NAMES:
            assert name in joined, (role, name)
    else:
        assert not any(name in joined for name in CHILD_NAMES)
        assert VILLAGE_NAME in joined  # the village's count, never a name
    assert driver.execute_script("return edumapCoverage.click('school', arguments[0])", SCHOOL_CODE)
    panel = driver.find_element(By.ID, "edumap-panel")
    assert panel.find_element(By.TAG_NAME, "h2").text == SCHOOL_NAME


def _hover_and_click_the_school(driver: webdriver.Chrome) -> None:
    """The real events: hover shows the tooltip, click opens the popup, both as text."""
    opened = driver.execute_script(
        """
        for (const key of Object.keys(window)) {
            const layer = window[key];
            const tip = layer && layer.getTooltip && layer.getTooltip();
            const content = tip && tip.getContent();
            if (content && content.textContent && content.textContent.startsWith('โรงเรียน$')) {
                layer.fire('mouseover', {latlng: layer.getLatLng()});
                if (layer.getPopup()) layer.fire('click', {latlng: layer.getLatLng()});
                return true;
            }
        }
        return false;
        """
    )
    assert opened
    tooltip = WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.CLASS_NAME, "leaflet-tooltip")
    )
    assert SCHOOL_NAME in (tooltip.get_attribute("textContent") or "")
    popup = WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.CLASS_NAME, "leaflet-popup-content")
    )
    assert SCHOOL_NAME in (popup.get_attribute("textContent") or "")
