"""The household form as a surveyor uses it on a phone: tambon and village picked by name, the
phone's GPS point, two children checked as they are typed (the grade the rules expect, a
mistyped ID named beside its field), a school chosen from those near the home teaching the
child's grade, and a double tap on save storing the household exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine, text

from census.identity import with_check_digit
from tests.helpers.browser import OUTPUT, log_in, severe_console_errors
from tests.helpers.world import Account, remove_committed_since

HOUSE = "77/7"
LAST_NAME = "ฟอร์มมือถือ"


@pytest.fixture
def phone(browser: webdriver.Chrome, engine: Engine) -> Iterator[webdriver.Chrome]:
    """The browser as a phone-sized window; what the live server stored is removed after."""
    with engine.connect() as conn:
        began: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    browser.set_window_size(390, 844)
    yield browser
    browser.set_window_size(1280, 900)
    remove_committed_since(engine, began)


def _child(block: WebElement, **values: str) -> None:
    for name, value in values.items():
        element = block.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.send_keys(value)


def _settled(block: WebElement) -> None:
    """Wait until the child's last check has answered (it may offer other schools)."""
    WebDriverWait(block.parent, 10).until(lambda _d: block.get_attribute("data-checking") is None)


def test_a_surveyor_enters_a_household_on_a_phone(
    phone: webdriver.Chrome, live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    log_in(phone, live_url, accounts["surveyor"])
    phone.get(f"{live_url}/census/households/new")
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": live_url, "permissions": ["geolocation"]}
    )
    phone.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": 18.7836, "longitude": 100.7745, "accuracy": 12},
    )
    severe_console_errors(phone)
    # The surveyor's one tambon is chosen already, named, not coded; villages by name.
    tambon = Select(phone.find_element(By.NAME, "subdistrict_code"))
    assert tambon.first_selected_option.text == "ต.ในเวียง อ.เมืองน่าน"
    assert [o.get_attribute("value") for o in tambon.options] == ["", "550101"]
    village = Select(phone.find_element(By.NAME, "village"))
    names = [o.text for o in village.options[1:]]
    assert names and all(not name[:1].isdigit() for name in names), names
    village.select_by_index(1)
    moo = phone.find_element(By.NAME, "moo")
    if moo.is_displayed():  # this village's moo is not in DOPA's list: typed
        moo.send_keys("3")
    phone.find_element(By.NAME, "house_number").send_keys(HOUSE)
    phone.find_element(By.ID, "gps").click()
    WebDriverWait(phone, 10).until(lambda d: "12 เมตร" in d.find_element(By.ID, "gps_status").text)

    first = phone.find_elements(By.CSS_SELECTOR, "fieldset.child")[0]
    _child(first, national_id="1550100000015")  # a mistyped check digit
    _child(first, first_name="หนึ่ง")
    error = first.find_element(By.CSS_SELECTOR, '.field-error[data-field="national_id"]')
    WebDriverWait(phone, 10).until(lambda _d: "เลขตรวจสอบ" in error.text)
    first.find_element(By.NAME, "national_id").clear()
    _child(first, national_id=with_check_digit("155010077701"), last_name=LAST_NAME)
    _child(first, birth_date="15/03/2562", sex="หญิง")
    _child(first, guardian_name="แม่")
    assessment = first.find_element(By.CSS_SELECTOR, ".assessment")
    WebDriverWait(phone, 10).until(lambda _d: "ประถมศึกษาปีที่ 1" in assessment.text)
    assert "การศึกษาภาคบังคับ" in assessment.text and error.text == ""
    _child(first, enrolment_status="กำลังเรียน")
    _settled(first)
    schools = Select(first.find_element(By.NAME, "school_code"))
    offered = [o.text for o in schools.options[1:]]
    assert offered and all("กม." in name for name in offered), offered
    distances = [float(name.rsplit("(", 1)[1].split()[0]) for name in offered]
    assert distances == sorted(distances) and distances[0] < 3
    schools.select_by_index(1)
    _settled(first)
    chosen = first.find_element(By.NAME, "school_code").get_attribute("value")
    assert chosen and len(chosen) == 10

    phone.find_element(By.ID, "add-child").click()
    second = phone.find_elements(By.CSS_SELECTOR, "fieldset.child")[1]
    _child(second, g_code="G0000777702", first_name="สอง", last_name=LAST_NAME)
    _child(second, birth_date="02/01/2555", sex="ชาย", enrolment_status="ไม่ได้เรียน")
    _child(second, not_enrolled_reason="ช่วยงานบ้าน")

    save = phone.find_element(By.ID, "save")
    phone.execute_script("arguments[0].click(); arguments[0].click();", save)  # a double tap
    result = phone.find_element(By.ID, "result")
    WebDriverWait(phone, 15).until(lambda _d: result.text.startswith("บันทึกแล้ว"))
    assert result.text == "บันทึกแล้ว (เด็ก 2 คน)"
    phone.save_screenshot(str(OUTPUT / "household-form-phone.png"))
    assert severe_console_errors(phone) == []

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.id, h.location_source, round(ST_Y(h.location)::numeric, 4), "
                "c.first_name, c.sex, c.enrolment_status, c.school_code, c.not_enrolled_reason "
                "FROM household h JOIN child c ON c.household_id = h.id "
                "WHERE c.last_name = :n ORDER BY c.first_name DESC"
            ),
            {"n": LAST_NAME},
        ).all()
    assert len({row[0] for row in rows}) == 1  # one household, however many taps
    assert [tuple(row[1:]) for row in rows] == [
        ("gps", Decimal("18.7836"), "หนึ่ง", "F", "enrolled", chosen, None),
        ("gps", Decimal("18.7836"), "สอง", "M", "not_enrolled", None, "ช่วยงานบ้าน"),
    ]


def test_a_planner_is_offered_the_tambons_of_their_office(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    log_in(browser, live_url, accounts["planner"])
    browser.get(f"{live_url}/census/households/new")
    offered = Select(browser.find_element(By.NAME, "subdistrict_code")).options[1:]
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT array_agg(code ORDER BY code) FROM subdistrict WHERE district_code IN ("
                "SELECT district_code FROM service_area_office_district "
                "WHERE office_code = 'P5501')"
            )
        ).scalar_one()
    assert sorted(o.get_attribute("value") for o in offered) == expected
