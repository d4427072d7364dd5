"""An office form filled in the browser: a surveyor the form is given to opens it from the
forms page, ODK Web Forms (vendored, served by edumap under its CSP) draws it, the surveyor
fills it (text, a number, the geopoint, two rooms of a repeat) and sends it; the answers are
stored once as the form's document. Others are told there is no such form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.auth import service as accounts_service
from census import surveys
from tests.helpers.browser import OUTPUT, log_in, requested_urls, severe_console_errors
from tests.helpers.payloads import office_xlsform
from tests.helpers.web_forms import WebForm
from tests.helpers.world import Account, remove_committed_since

FORM_ID = "fill_toilets"


@pytest.fixture
def given_form(engine: Engine, accounts: dict[str, Account]) -> Iterator[None]:
    with engine.connect() as conn:
        began: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    with Session(engine) as session, session.begin():
        admin = accounts_service.principal_for(
            accounts_service.get_user(session, accounts["admin"].username), "test"
        )
        surveys.add_form(
            session,
            admin,
            "fill.xlsx",
            office_xlsform(FORM_ID, title="สำรวจห้องน้ำ (เว็บ)"),
            roles=["surveyor"],
            usernames=[],
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM survey_form WHERE form_id = :f"), {"f": FORM_ID})
    remove_committed_since(engine, began)


@pytest.mark.usefixtures("given_form")
def test_a_surveyor_fills_an_office_form_in_the_browser(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    log_in(browser, live_url, accounts["surveyor"])
    browser.get(f"{live_url}/forms")
    browser.find_element(By.CSS_SELECTOR, f"tr[data-form-id='{FORM_ID}'] a.fill").click()
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": live_url, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": 18.7836, "longitude": 100.7745, "accuracy": 7},
    )
    WebDriverWait(browser, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".question-container")
    )
    assert browser.title.startswith("สำรวจห้องน้ำ (เว็บ)")
    form = WebForm(browser)
    form.type("ชื่อโรงเรียน", "บ้านนาเว็บ")
    form.type("จำนวนห้องน้ำ", "6")
    form.question("ตำแหน่ง").find_element(By.CSS_SELECTOR, "button").click()
    form.button("Save location").click()
    form.choose("สภาพ", "good")
    form.type("ผู้ดูแล", "ลุงดี")
    browser.find_element(By.CSS_SELECTOR, ".button-add-instance").click()
    form.choose("สภาพ", "poor", 2)
    form.type("หมายเหตุ", "ประตูชำรุด")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label=Send]").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return window.edumapForm.sent.length") == 1
    )
    assert browser.find_element(By.ID, "form-status").text == "ส่งแล้ว เริ่มแบบใหม่ได้"
    browser.save_screenshot(str(OUTPUT / "office-form-in-browser.png"))
    assert severe_console_errors(browser) == []
    # Everything the page loaded came from edumap itself (no CDN).
    assert all(url.startswith((live_url, "data:", "blob:")) for url in requested_urls(browser))

    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT s.data ->> 'school_name', s.data ->> 'toilets', s.data -> 'rooms', "
                "s.data ->> 'remark', round(ST_Y(s.location)::numeric, 4)::text, "
                "s.location_accuracy_m, u.username FROM survey_submission s "
                "JOIN survey_form f ON f.id = s.form_pk JOIN user_account u "
                "ON u.id = s.submitted_by WHERE f.form_id = :f"
            ),
            {"f": FORM_ID},
        ).all()
    assert [tuple(row) for row in stored] == [
        (
            "บ้านนาเว็บ",
            "6",
            [
                {"condition": "good", "keeper_name": "ลุงดี"},
                {"condition": "poor", "keeper_name": None},
            ],
            "ประตูชำรุด",
            "18.7836",
            7.0,
            accounts["surveyor"].username,
        )
    ]


@pytest.mark.usefixtures("given_form")
@pytest.mark.parametrize("role", ["admin", "planner", "school"])
def test_a_form_not_given_is_not_found(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], role: str
) -> None:
    log_in(browser, live_url, accounts[role])
    browser.get(f"{live_url}/forms/{FORM_ID}/fill")
    assert not browser.find_elements(By.ID, "odk-form")
