"""A school fills its data round on a phone (issue 19): last count beside each field, a
mistyped number named beside its field, a draft saved, a second tab's stale save refused with
a clear message, the warning's explanation asked for and given, the round submitted; the
planner then sees it submitted on the round's page and accepts it."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.app.test_thai_labels_in_browser import IDENTIFIER
from tests.helpers.browser import OUTPUT, log_in, severe_console_errors, wait
from tests.helpers.payloads import june_round
from tests.helpers.world import MATRIX_SCHOOL, Account


@pytest.fixture
def committed_round(live_url: str, engine: Engine) -> Iterator[int]:
    """A committed enrolment round asking every school (the live server reads it); removed
    with what the test commits (``live_url``), the records the acceptance wrote restored."""
    del live_url
    with engine.connect() as conn:
        kept = (
            conn.execute(
                text(
                    "SELECT gy.* FROM school_grade_year gy JOIN school s ON s.id = gy.school_id "
                    "WHERE s.code = :c"
                ),
                {"c": MATRIX_SCHOOL},
            )
            .mappings()
            .all()
        )
    with Session(engine) as session:
        round_id = june_round(session, ROUND_TITLE, deadline=dt.date(2099, 6, 30))
        session.commit()
    yield round_id
    with engine.begin() as conn:
        school_id = conn.execute(
            text("SELECT id FROM school WHERE code = :c"), {"c": MATRIX_SCHOOL}
        ).scalar_one()
        conn.execute(text("DELETE FROM school_grade_year WHERE school_id = :s"), {"s": school_id})
        if kept:
            conn.execute(
                text(
                    "INSERT INTO school_grade_year SELECT * FROM jsonb_populate_recordset("
                    "NULL::school_grade_year, CAST(:rows AS jsonb))"
                ),
                {"rows": json.dumps([dict(r) for r in kept], default=str)},
            )


ROUND_TITLE = "จำนวนนักเรียน ณ 10 มิ.ย. (ทดสอบเบราว์เซอร์)"
REFUSED = re.compile(r"data-rounds/\d+/schools/\d+(/submit)? - .* status of (409|422)")


def _field(driver: webdriver.Chrome, name: str):  # type: ignore[no-untyped-def]
    return driver.find_element(By.NAME, name)


def _type(driver: webdriver.Chrome, name: str, value: str) -> None:
    field = _field(driver, name)
    field.clear()
    field.send_keys(value)


def _message(driver: webdriver.Chrome, contains: str) -> str:
    wait(driver).until(lambda d: contains in d.find_element(By.ID, "message").text)
    return str(driver.find_element(By.ID, "message").text)


def test_a_school_fills_and_submits_its_round_on_a_phone(
    browser: webdriver.Chrome,
    live_url: str,
    committed_round: int,
    accounts: dict[str, Account],
    engine: Engine,
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    browser.set_window_size(390, 844)
    try:
        log_in(browser, live_url, accounts["school"])
        browser.get(f"{live_url}/data-rounds")
        browser.find_element(By.LINK_TEXT, ROUND_TITLE).click()
        wait(browser).until(lambda d: d.find_elements(By.ID, "figures"))
        assert f"/data-rounds/{committed_round}/schools/{MATRIX_SCHOOL}" in browser.current_url
        # Each field shows the last count beside it; the form fits a phone's width.
        lasts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "small.last")]
        assert lasts and all(text_.startswith("ครั้งก่อน") for text_ in lasts)
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1"
        ) or browser.execute_script("return document.querySelector('.table-wrap').scrollWidth > 0")
        # Fill every grade as last counted (the figure under the field), P1 mistyped first.
        inputs = browser.find_elements(By.CSS_SELECTOR, "#figures input[inputmode='numeric']")
        for field in inputs:
            if field.get_attribute("name") == "total.pupils":
                continue
            last = field.find_element(By.XPATH, "following-sibling::small").text.split()[-1]
            field.send_keys(last if last != "-" else "0")
        _type(browser, "P1.male", "1o")
        browser.find_element(By.ID, "save").click()
        assert (
            browser.find_element(By.CSS_SELECTOR, ".field-error[data-for='P1.male']").text
            == "ตัวเลขจำนวนเต็มเท่านั้น"
        )
        # P1 crowded past its seats: a warning the school must explain.
        _type(browser, "P1.male", "60")
        browser.find_element(By.ID, "save").click()
        _message(browser, "บันทึกร่างแล้ว")

        # A second tab, opened before the next save, is refused when it saves after it.
        first_tab = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.get(f"{live_url}/data-rounds/{committed_round}/schools/{MATRIX_SCHOOL}")
        wait(browser).until(lambda d: d.find_elements(By.ID, "save"))
        second_tab = browser.current_window_handle
        browser.switch_to.window(first_tab)
        _type(browser, "P2.female", "20")
        browser.find_element(By.ID, "save").click()
        _message(browser, "บันทึกร่างแล้ว")
        browser.switch_to.window(second_tab)
        _type(browser, "P2.female", "99")
        browser.find_element(By.ID, "save").click()
        assert "เปิดใหม่" in _message(browser, "บันทึกไปแล้ว")
        browser.close()
        browser.switch_to.window(first_tab)
        assert _field(browser, "P2.female").get_attribute("value") == "20"

        # Submit: the warning asks for an explanation; given, the round is submitted.
        browser.find_element(By.ID, "submit").click()
        _message(browser, "ยังส่งไม่ได้")
        wait(browser).until(lambda d: d.find_elements(By.NAME, "explain.enrolment_over_capacity"))
        _field(browser, "explain.enrolment_over_capacity").send_keys("ห้องเรียนขนาดใหญ่พิเศษ")
        browser.find_element(By.ID, "submit").click()
        wait(browser).until(lambda d: d.find_element(By.ID, "state").text == "ส่งแล้ว รอตรวจ")
        assert not browser.find_elements(By.ID, "save")  # submitted: read only
        # The refusals above (the stale save's 409, the submission's 422s) are the only
        # errors Chromium logged: nothing else failed.
        errors = severe_console_errors(browser)
        assert errors and all(REFUSED.search(error) for error in errors), errors
        browser.save_screenshot(str(OUTPUT / "data-round-school-phone.png"))
    finally:
        browser.set_window_size(1280, 900)

    # The planner sees it submitted on the round's page, and accepts it.
    log_in(browser, live_url, accounts["planner"])
    browser.get(f"{live_url}/data-rounds/{committed_round}")
    submitted = browser.find_elements(By.CSS_SELECTOR, "#schools tr[data-state='submitted']")
    assert [row.find_element(By.TAG_NAME, "small").text for row in submitted] == [MATRIX_SCHOOL]
    submitted[0].find_element(By.TAG_NAME, "a").click()
    wait(browser).until(lambda d: d.find_elements(By.ID, "accept"))
    browser.find_element(By.ID, "accept").click()
    wait(browser).until(lambda d: d.find_element(By.ID, "state").text == "ตรวจรับแล้ว")
    assert severe_console_errors(browser) == []

    # The coverage map has a layer of the round: its schools coloured by state.
    browser.get(f"{live_url}/maps/coverage?district=5501&round=2569")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)")
    )
    loaded = browser.execute_script(
        "return edumapCoverage.loaded[arguments[0]]", f"data_round_{committed_round}"
    )
    with engine.connect() as conn:
        asked = conn.execute(
            text("SELECT count(*) FROM data_round_school WHERE round_id = :r"),
            {"r": committed_round},
        ).scalar_one()
    assert loaded == asked > 0
    assert "การส่งข้อมูล: จำนวนนักเรียน" in browser.find_element(By.TAG_NAME, "body").text
    assert severe_console_errors(browser) == []

    # An admin sees the round and the school's part, and may reopen it; people read Thai.
    log_in(browser, live_url, accounts["admin"])
    for path in (
        f"/data-rounds/{committed_round}",
        f"/data-rounds/{committed_round}/schools/{MATRIX_SCHOOL}",
    ):
        browser.get(live_url + path)
        shown = browser.find_element(By.TAG_NAME, "body").text
        assert "ตรวจรับแล้ว" in shown and IDENTIFIER.findall(shown) == [], path
    assert browser.find_elements(By.ID, "reopen")
    assert severe_console_errors(browser) == []
    # A viewer of the office reads the same, and can change nothing.
    log_in(browser, live_url, accounts["viewer"])
    browser.get(f"{live_url}/data-rounds/{committed_round}/schools/{MATRIX_SCHOOL}")
    assert browser.find_element(By.ID, "state").text == "ตรวจรับแล้ว"
    assert not browser.find_elements(By.CSS_SELECTOR, "#save, #submit, #accept, #reopen, #upload")
    fields = browser.find_elements(By.CSS_SELECTOR, "#figures input")
    assert fields and all(field.get_attribute("readonly") is not None for field in fields)
    assert severe_console_errors(browser) == []


def test_a_planner_opens_a_round_from_the_rounds_page(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    log_in(browser, live_url, accounts["planner"])
    browser.get(f"{live_url}/data-rounds")
    form = browser.find_element(By.ID, "new-round")
    form.find_element(By.NAME, "title_th").send_keys("บุคลากร ณ 10 มิ.ย.")
    form.find_element(By.CSS_SELECTOR, "select[name='kind'] option[value='personnel']").click()
    form.find_element(By.NAME, "academic_year").send_keys("2569")
    for name, day in (
        ("counting_day", "2026-06-10"),
        ("opens_on", "2026-06-01"),
        ("deadline", "2026-06-30"),
    ):
        browser.execute_script(
            "arguments[0].value = arguments[1]", form.find_element(By.NAME, name), day
        )
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait(browser).until(lambda d: re.search(r"/data-rounds/\d+$", d.current_url))
    with engine.connect() as conn:
        office_schools = conn.execute(
            text("SELECT count(*) FROM school WHERE office_code = 'P5501'")
        ).scalar_one()
    rows = browser.find_elements(By.CSS_SELECTOR, "#schools tbody tr")
    assert len(rows) == office_schools > 0
    assert {row.get_attribute("data-state") for row in rows} == {"not_started"}
    assert "บุคลากรตามตำแหน่ง" in browser.find_element(By.TAG_NAME, "body").text
    assert severe_console_errors(browser) == []


def test_a_school_adds_a_new_building_on_its_phone(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    """A buildings round: the school's buildings with last round's figures, and rows for the
    buildings finished since; a new canteen typed in becomes a building when accepted."""
    with Session(engine) as session:
        round_id = june_round(session, "อาคาร ณ 30 ต.ค. (ทดสอบ)", kind="buildings")
        session.commit()
    browser.set_window_size(390, 844)
    try:
        log_in(browser, live_url, accounts["school"])
        browser.get(f"{live_url}/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}")
        wait(browser).until(lambda d: d.find_elements(By.ID, "figures"))
        subhead = browser.find_element(By.CSS_SELECTOR, "#figures tr.subhead").text
        assert "อาคารที่สร้างเสร็จใหม่" in subhead
        for field, value in (("year_built", "2568"), ("floors", "1"), ("rooms", "1")):
            _type(browser, f"new-canteen-1.{field}", value)
        browser.find_element(By.ID, "submit").click()
        # No condition: the rule's Thai message says what is missing.
        assert "สภาพต้องเป็น 1" in _message(browser, "ยังส่งไม่ได้")
        _type(browser, "new-canteen-1.condition", "5")
        browser.find_element(By.ID, "submit").click()
        wait(browser).until(lambda d: d.find_element(By.ID, "state").text == "ส่งแล้ว รอตรวจ")
        errors = severe_console_errors(browser)
        assert all(REFUSED.search(error) for error in errors), errors
    finally:
        browser.set_window_size(1280, 900)
    log_in(browser, live_url, accounts["planner"])
    browser.get(f"{live_url}/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}")
    wait(browser).until(lambda d: d.find_elements(By.ID, "accept"))
    browser.find_element(By.ID, "accept").click()
    wait(browser).until(lambda d: d.find_element(By.ID, "state").text == "ตรวจรับแล้ว")
    with engine.connect() as conn:
        added = conn.execute(
            text(
                "SELECT b.kind, b.year_built, b.floors, b.rooms, b.condition FROM building b "
                "JOIN school s ON s.id = b.school_id WHERE s.code = :c AND NOT b.synthetic"
            ),
            {"c": MATRIX_SCHOOL},
        ).all()
    with engine.begin() as conn:  # the round goes with live_url; the building it added here
        conn.execute(
            text(
                "DELETE FROM building b USING school s WHERE s.id = b.school_id AND s.code = :c "
                "AND NOT b.synthetic"
            ),
            {"c": MATRIX_SCHOOL},
        )
    assert [tuple(row) for row in added] == [("โรงอาหาร", 2568, 1, 1, 5)]
    # Accepted: the new building is a row of the school's buildings, named in Thai.
    shown = browser.find_element(By.ID, "figures").text
    assert "โรงอาหาร" in shown and IDENTIFIER.findall(shown) == []
    assert severe_console_errors(browser) == []
