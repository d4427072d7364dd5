"""The ICT pages in Chromium (issue 20): a school reports a broken device and its link's state
on a phone; the office's technician takes the ticket and records the repair on the office's
page; the school confirms it works. Every step through the pages' own forms and buttons."""

from __future__ import annotations

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import Engine, text

from tests.helpers.browser import OUTPUT, log_in, severe_console_errors, wait
from tests.helpers.world import MATRIX_SCHOOL, Account


def _state(engine: Engine, ticket_id: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT state FROM repair_ticket WHERE id = :t"), {"t": ticket_id}
            ).scalar_one()
        )


def test_a_ticket_from_a_school_s_phone_to_the_office_and_back(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    school, planner = accounts["school"], accounts["planner"]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM repair_ticket")).scalar_one()
    try:
        browser.set_window_size(390, 844)
        log_in(browser, live_url, school)
        browser.get(f"{live_url}/ict")  # a school's ICT page is its own
        wait(browser).until(lambda d: d.find_elements(By.ID, "report-problem"))
        assert browser.current_url.endswith(f"/ict/schools/{MATRIX_SCHOOL}")
        assert "อุปกรณ์เพื่อการเรียนการสอน" in browser.find_element(By.ID, "school-needs").text
        # The link is down right now.
        browser.find_element(By.CSS_SELECTOR, "#link-status input[value='false']").click()
        browser.find_element(By.CSS_SELECTOR, "#link-status button").click()
        wait(browser).until(lambda d: "ใช้ไม่ได้ 1 วัน" in d.find_element(By.ID, "link-summary").text)
        # A broken computer: the first device in the list.
        target = Select(browser.find_element(By.NAME, "target"))
        target.select_by_index(0)
        browser.find_element(By.NAME, "problem").send_keys("เปิดไม่ติด หลังไฟดับ")
        browser.find_element(By.CSS_SELECTOR, "#report-problem button").click()
        wait(browser).until(lambda d: "เปิดไม่ติด หลังไฟดับ" in d.find_element(By.ID, "tickets").text)
        with engine.connect() as conn:
            ticket_id = conn.execute(
                text("SELECT max(id) FROM repair_ticket WHERE id > :b"), {"b": before}
            ).scalar_one()
        assert ticket_id and _state(engine, ticket_id) == "open"
        assert severe_console_errors(browser) == []
        browser.save_screenshot(str(OUTPUT / "ict-school-phone.png"))
    finally:
        browser.set_window_size(1280, 900)

    # The office takes it and records the repair.
    log_in(browser, live_url, planner)
    browser.get(f"{live_url}/ict")
    row = f"#tickets tr[data-ticket='{ticket_id}']"
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
    browser.find_element(By.CSS_SELECTOR, f"{row} button[data-post$='/assign']").click()
    wait(browser).until(lambda _: _state(engine, ticket_id) == "assigned")
    wait(browser).until(lambda d: planner.username in d.find_element(By.CSS_SELECTOR, row).text)
    browser.find_element(By.CSS_SELECTOR, f"{row} input[name='action']").send_keys(
        "เปลี่ยนพาวเวอร์ซัพพลาย"
    )
    cost = browser.find_element(By.CSS_SELECTOR, f"{row} input[name='cost_baht']")
    cost.clear()
    cost.send_keys("1200")
    browser.find_element(By.CSS_SELECTOR, f"{row} form.repaired button").click()
    wait(browser).until(lambda _: _state(engine, ticket_id) == "repaired")
    assert severe_console_errors(browser) == []

    # The school confirms it works.
    log_in(browser, live_url, school)
    browser.get(f"{live_url}/ict/schools/{MATRIX_SCHOOL}")
    item = f"#tickets li[data-ticket='{ticket_id}']"
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{item} button"))
    assert "เปลี่ยนพาวเวอร์ซัพพลาย" in browser.find_element(By.CSS_SELECTOR, item).text
    browser.find_element(By.CSS_SELECTOR, f"{item} button").click()
    wait(browser).until(lambda _: _state(engine, ticket_id) == "closed")
    with engine.connect() as conn:
        steps = conn.execute(
            text("SELECT to_state, actor FROM repair_event WHERE ticket_id = :t ORDER BY id"),
            {"t": ticket_id},
        ).all()
        cost_baht = conn.execute(
            text("SELECT cost_baht FROM repair_ticket WHERE id = :t"), {"t": ticket_id}
        ).scalar_one()
    assert [tuple(s) for s in steps] == [
        ("open", school.username),
        ("assigned", planner.username),
        ("repaired", planner.username),
        ("closed", school.username),
    ]
    assert int(cost_baht) == 1200
    assert severe_console_errors(browser) == []
