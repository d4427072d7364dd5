"""The coverage map as every role sees it, for an office, a district and the province, in
Debian's headless Chromium against a live server: no console error, every layer in the layer
control and drawn with exactly the area's features, named children only for the roles allowed
them and only of their office (each read audited), and a click that opens the panel with the
figures the database holds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, text

from tests.helpers.browser import OUTPUT, log_in, severe_console_errors
from tests.helpers.world import MATRIX_SCHOOL, ROLE_NAMES, Account, remove_committed_since

ROUND = 2569
AREAS = {
    "office": {"esao": "P5501"},
    "district": {"district": "5501"},
    "province": {"province": "55"},
}
NAMED_ROLES = ("admin", "planner")
FLAGS = ("out_of_school", "beyond_distance", "over_capacity_area")
LAYER_NAMES = (
    "อัตราการเข้าเรียนภาคบังคับ",
    "เขตอำเภอ",
    "เขตบริการโรงเรียน (ประถมศึกษา)",
    "โรงเรียน",
    "เด็กนอกระบบ (จำนวนรายหมู่บ้าน)",
    "เด็กที่บ้านไกลโรงเรียนเกินเกณฑ์ (จำนวนรายหมู่บ้าน)",
    "เด็กในเขตบริการที่ที่นั่งเต็ม (จำนวนรายหมู่บ้าน)",
    "นอกระบบตามทะเบียนราษฎร (ไม่พบข้อมูลนักเรียนหรือยืนยันจากการลงพื้นที่) (จำนวนรายหมู่บ้าน)",
)
NAMED_LAYER_NAMES = ("เด็กนอกระบบ (รายชื่อ เมื่อซูมเข้า)",)


def _districts(engine: Engine, area: dict[str, str]) -> list[str]:
    """The district codes an area covers, straight from the tables."""
    with engine.connect() as conn:
        if "esao" in area:
            sql = "SELECT district_code FROM service_area_office_district WHERE office_code = :v"
            value = area["esao"]
        elif "district" in area:
            sql, value = "SELECT code FROM district WHERE code = :v", area["district"]
        else:
            sql, value = "SELECT code FROM district WHERE province_code = :v", area["province"]
        return sorted(conn.execute(text(sql), {"v": value}).scalars())


def _expected_counts(engine: Engine, districts: list[str]) -> dict[str, int]:
    with engine.connect() as conn:
        one = {"d": districts}
        counts = {
            "districts": len(districts),
            "tambons": conn.execute(
                text("SELECT count(*) FROM subdistrict WHERE district_code = ANY(:d)"), one
            ).scalar_one(),
            "schools": conn.execute(
                text("SELECT count(*) FROM school WHERE left(subdistrict_code, 4) = ANY(:d)"), one
            ).scalar_one(),
        }
        counts["service_areas"] = conn.execute(
            text(
                "SELECT count(*) FROM service_area sa JOIN school s ON s.id = sa.school_id "
                "WHERE sa.academic_year = :y AND sa.is_current AND sa.level = 'primary' "
                "AND left(s.subdistrict_code, 4) = ANY(:d)"
            ),
            one | {"y": ROUND},
        ).scalar_one()
        counts["villages_out_of_school"] = conn.execute(
            text(
                "SELECT count(DISTINCT h.village_id) FROM child_coverage c "
                "JOIN household h ON h.id = c.household_id WHERE c.round_year = :y "
                "AND c.out_of_school AND h.village_id IS NOT NULL "
                "AND left(h.subdistrict_code, 4) = ANY(:d)"
            ),
            one | {"y": ROUND},
        ).scalar_one()
        # places (a village, or the tambon of a moo without one) of registered children out
        # of school: none unless register extracts are committed
        counts["register_villages"] = conn.execute(
            text(
                "SELECT count(DISTINCT (r.subdistrict_code, r.moo)) FROM register_match m "
                "JOIN register_record r ON r.id = m.civil_record_id WHERE m.round_year = :y "
                "AND m.status = 'no_record' AND left(r.subdistrict_code, 4) = ANY(:d)"
            ),
            one | {"y": ROUND},
        ).scalar_one()
    return counts


def _busiest_village(engine: Engine, districts: list[str]) -> tuple[float, float]:
    """Where most out-of-school children of the area live (lat, lon): a place to zoom in."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_Y(h.location), ST_X(h.location) FROM child_coverage c "
                "JOIN household h ON h.id = c.household_id WHERE c.round_year = :y "
                "AND c.out_of_school AND left(h.subdistrict_code, 4) = ANY(:d) "
                "GROUP BY h.location ORDER BY count(*) DESC, 1, 2 LIMIT 1"
            ),
            {"y": ROUND, "d": districts},
        ).one()
    return float(row[0]), float(row[1])


def _wait_ready(driver: webdriver.Chrome) -> dict[str, Any]:
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)")
    )
    state: dict[str, Any] = driver.execute_script(
        "const s = edumapCoverage; return {loaded: s.loaded, failed: s.failed,"
        " named: Object.keys(s.named)}"
    )
    return state


@pytest.fixture
def audit_cleanup(engine: Engine) -> Iterator[None]:
    """The live server commits the audit rows of named reads; take them away afterwards."""
    with engine.connect() as conn:
        began: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    yield
    remove_committed_since(engine, began)


@pytest.mark.usefixtures("audit_cleanup")
@pytest.mark.parametrize("area_name", list(AREAS))
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_the_coverage_map_as_each_role(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    engine: Engine,
    role: str,
    area_name: str,
) -> None:
    area = AREAS[area_name]
    districts = _districts(engine, area)
    log_in(browser, live_url, accounts.get(role))
    severe_console_errors(browser)  # start clean
    query = "&".join(f"{k}={v}" for k, v in area.items())
    browser.get(f"{live_url}/maps/coverage?{query}&round={ROUND}")
    state = _wait_ready(browser)
    assert state["failed"] == []

    # Every layer, each drawn with exactly the area's features.
    layer_names = browser.find_element(By.CLASS_NAME, "leaflet-control-layers").get_attribute(
        "textContent"
    )
    for name in LAYER_NAMES:
        assert name in (layer_names or ""), name
    expected = _expected_counts(engine, districts)
    for key, count in expected.items():
        assert state["loaded"][key] == count, (key, state["loaded"][key], count)
    assert all(state["loaded"][f"villages_{flag}"] >= 0 for flag in FLAGS)
    # The scale speaks metres only; the legend is all inside the window.
    scale = browser.find_element(By.CLASS_NAME, "leaflet-control-scale").text
    assert re.search(r"\d+ k?m\b", scale) and "mi" not in scale and "ft" not in scale, scale
    legend = browser.find_element(By.ID, "edumap-legend")
    right = browser.execute_script("return arguments[0].getBoundingClientRect().right", legend)
    assert right <= browser.execute_script("return window.innerWidth")
    assert "เกินความจุ" in legend.text

    # Named children: only for the roles allowed, only of their area (the planner's office).
    named = role in NAMED_ROLES
    assert state["named"] == (list(FLAGS) if named else [])
    for name in NAMED_LAYER_NAMES:
        assert (name in (layer_names or "")) is named
    lat, lon = _busiest_village(engine, districts)
    browser.execute_script("edumapCoverage.map.setView([arguments[0], arguments[1]], 15)", lat, lon)
    if named:
        WebDriverWait(browser, 30).until(
            lambda d: d.execute_script(
                "const e = edumapCoverage.named.out_of_school; return e.bbox && e.features.length"
            )
        )
        ids, bbox = browser.execute_script(
            "const e = edumapCoverage.named.out_of_school;"
            " return [e.features.map(f => f.id), e.bbox]"
        )
        allowed = _districts(engine, {"esao": "P5501"}) if role == "planner" else districts
        allowed = sorted(set(allowed) & set(districts))
        with engine.connect() as conn:
            in_view = conn.execute(
                text(
                    "SELECT array_agg(c.child_id ORDER BY c.child_id) FROM child_coverage c "
                    "JOIN household h ON h.id = c.household_id WHERE c.round_year = :y "
                    "AND c.out_of_school AND left(h.subdistrict_code, 4) = ANY(:d) "
                    "AND ST_Intersects(h.location, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
                ),
                {"y": ROUND, "d": allowed, "w": bbox[0], "s": bbox[1], "e": bbox[2], "n": bbox[3]},
            ).scalar_one()
            audited = conn.execute(
                text(
                    "SELECT count(*) FROM audit_log WHERE username = :u "
                    "AND resource = 'map 2569 out_of_school' AND record_count = :n"
                ),
                {"u": accounts[role].username, "n": len(ids)},
            ).scalar_one()
        assert sorted(ids) == in_view  # the view's children of the allowed area, no others
        assert audited >= 1
    else:
        assert severe_console_errors(browser) == []
        fetched = browser.execute_script(
            "return fetch('/api/v1/map-layers/children?round=2569&province=55"
            "&flag=out_of_school').then(r => r.status)"
        )
        assert fetched == (401 if role == "anonymous" else 403)
        severe_console_errors(browser)  # the refusal just asked for is logged as an error
        tooltips = browser.execute_script("return edumapCoverage.tooltips()")
        assert not any(t.startswith("HTML:") for t in tooltips)

    # A click opens the panel with the database's figures.
    browser.execute_script("edumapCoverage.map.fitBounds(edumapCoverage.map.getBounds())")
    if "5501" in districts:
        assert browser.execute_script(
            "return edumapCoverage.click('school', arguments[0])", MATRIX_SCHOOL
        )
        panel = browser.find_element(By.ID, "edumap-panel")
        WebDriverWait(browser, 10).until(lambda _driver: panel.is_displayed())
        with engine.connect() as conn:
            name, enrolled = conn.execute(
                text(
                    "SELECT s.name_th, sum(g.enrolled_male + g.enrolled_female) FROM school s "
                    "JOIN school_grade_year g ON g.school_id = s.id WHERE s.code = :c "
                    "AND g.academic_year = (SELECT max(academic_year) FROM school_grade_year "
                    "WHERE school_id = s.id AND academic_year <= :y) GROUP BY s.name_th"
                ),
                {"c": MATRIX_SCHOOL, "y": ROUND},
            ).one()
        rows = _panel_rows(browser)
        assert panel.find_element(By.TAG_NAME, "h2").text == name
        assert rows["นักเรียน"] == f"{enrolled:,}"
        links = [a.get_attribute("href") for a in panel.find_elements(By.TAG_NAME, "a")]
        assert any(link.endswith(f"/schools/{MATRIX_SCHOOL}") for link in links)
        may_list = role in ("admin", "planner", "school")
        assert any("call-list" in link for link in links) is may_list, (role, links)

        assert browser.execute_script("return edumapCoverage.click('tambon', '550101')")
        figures = browser.execute_script(
            "return fetch('/api/v1/coverage/subdistricts?round=2569&district=5501')"
            ".then(r => r.json()).then(c => c.features.find(f => f.id === '550101').properties)"
        )
        rows = _panel_rows(browser)
        assert rows["อัตราการเข้าเรียนภาคบังคับ"] == f"{figures['coverage_rate'] * 100:.1f}%"
        assert rows["เด็กนอกระบบ"] == _thai_number(figures["out_of_school"])
    assert severe_console_errors(browser) == []
    OUTPUT.mkdir(exist_ok=True)
    browser.save_screenshot(str(OUTPUT / f"coverage-map-{role}-{area_name}.png"))


def _panel_rows(driver: webdriver.Chrome) -> dict[str, str]:
    rows: dict[str, str] = driver.execute_script(
        "const rows = {}; document.querySelectorAll('#edumap-panel tr').forEach(tr =>"
        " rows[tr.cells[0].textContent] = tr.cells[1].textContent); return rows"
    )
    return rows


def _thai_number(value: int | str) -> str:
    return f"{value:,}" if isinstance(value, int) else value


def test_a_planner_map_of_another_office_has_no_named_layer(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account]
) -> None:
    log_in(browser, live_url, accounts["planner"])
    severe_console_errors(browser)
    browser.get(f"{live_url}/maps/coverage?esao=P5502&round={ROUND}")
    state = _wait_ready(browser)
    assert state["named"] == [] and state["failed"] == []
    assert severe_console_errors(browser) == []


def test_the_search_box_finds_a_village_by_name_and_goes_there(
    browser: webdriver.Chrome, live_url: str
) -> None:
    log_in(browser, live_url, None)
    browser.get(f"{live_url}/maps/coverage?district=5501&round={ROUND}")
    _wait_ready(browser)
    box = browser.find_element(By.ID, "edumap-search")
    box.send_keys("ในเวียง")
    first = WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".edumap-search-results button")
    )
    assert "ตำบล" in first.text and "ในเวียง" in first.text
    first.click()
    centre = browser.execute_script(
        "const m = edumapCoverage.map, c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]"
    )
    assert 18.7 < centre[0] < 18.9 and 100.7 < centre[1] < 100.85 and centre[2] >= 12, centre


def test_the_map_fits_a_phone(browser: webdriver.Chrome, live_url: str) -> None:
    log_in(browser, live_url, None)
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{live_url}/maps/coverage?esao=P5501&round={ROUND}")
        _wait_ready(browser)
        width = browser.execute_script("return window.innerWidth")
        for selector in (".edumap-legend", ".leaflet-control-layers", ".edumap-search"):
            box = browser.execute_script(
                "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                " return [r.left, r.right]",
                selector,
            )
            assert 0 <= box[0] and box[1] <= width, (selector, box, width)
        assert browser.execute_script(
            "return edumapCoverage.click('school', arguments[0])", MATRIX_SCHOOL
        )
        panel = browser.find_element(By.ID, "edumap-panel").rect
        assert panel["width"] <= width and panel["y"] > 0
        browser.save_screenshot(str(OUTPUT / "coverage-map-phone.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_level_narrows_every_layer(
    browser: webdriver.Chrome, live_url: str, engine: Engine
) -> None:
    log_in(browser, live_url, None)
    browser.get(f"{live_url}/maps/coverage?district=5501&level=pre_primary&round={ROUND}")
    state = _wait_ready(browser)
    with engine.connect() as conn:
        one = {"y": ROUND}
        schools = conn.execute(
            text(
                "SELECT count(*) FROM school WHERE subdistrict_code LIKE '5501%' "
                "AND grades && ARRAY['K1','K2','K3']::varchar[]"
            )
        ).scalar_one()
        areas = conn.execute(
            text(
                "SELECT count(*) FROM service_area sa JOIN school s ON s.id = sa.school_id "
                "WHERE sa.academic_year = :y AND sa.is_current AND sa.level = 'pre_primary' "
                "AND s.subdistrict_code LIKE '5501%'"
            ),
            one,
        ).scalar_one()
        villages = conn.execute(
            text(
                "SELECT count(DISTINCT h.village_id) FROM child_coverage c "
                "JOIN household h ON h.id = c.household_id WHERE c.round_year = :y "
                "AND c.beyond_distance AND c.stage = 'pre_primary' AND h.village_id IS NOT NULL "
                "AND h.subdistrict_code LIKE '5501%'"
            ),
            one,
        ).scalar_one()
    loaded = state["loaded"]
    assert (loaded["schools"], loaded["service_areas"]) == (schools, areas)
    assert loaded["villages_beyond_distance"] == villages
    assert loaded["villages_out_of_school"] == 0  # pre-primary ages are not compulsory
    # Internet: every school of the district against the ICT norm (all levels: a link is
    # the school's, whatever it teaches).
    with engine.connect() as conn:
        district_schools = conn.execute(
            text("SELECT count(*) FROM school WHERE subdistrict_code LIKE '5501%'")
        ).scalar_one()
    assert loaded["connectivity"] == district_schools
    control = browser.find_element(By.CLASS_NAME, "leaflet-control-layers")
    assert "อัตราการเข้าเรียนอนุบาล" in (control.get_attribute("textContent") or "")
