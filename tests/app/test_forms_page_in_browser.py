"""The forms page as every role sees it in Chromium: the office forms each may see (a hostile
title shown as text), download links only for those who read submissions, the add-form
panel only for admins and planners; an admin adds an XLSForm through the page and a broken one
is refused with pyxform's message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.auth import service as accounts_service
from census import surveys
from tests.helpers.browser import log_in, severe_console_errors
from tests.helpers.payloads import OFFICE_SURVEY, office_xlsform
from tests.helpers.world import ROLE_NAMES, Account

HOSTILE_TITLE = "ฟอร์ม <img src=x onerror=window.pwned=1> `x` {{7*7}} </script> 'q\""
SEES_FORM = {"admin", "planner", "surveyor"}  # given to surveyors; planners see admins' forms
MANAGES = {"admin", "planner"}


@pytest.fixture(scope="module")
def page_form(engine: Engine, accounts: dict[str, Account]) -> Iterator[None]:
    with Session(engine) as session, session.begin():
        admin = accounts_service.principal_for(
            accounts_service.get_user(session, accounts["admin"].username), "test"
        )
        form = office_xlsform("page_hostile", title=HOSTILE_TITLE)
        surveys.add_form(session, admin, "page.xlsx", form, roles=["surveyor"], usernames=[])
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM survey_form WHERE form_id LIKE 'page\\_%'"))


@pytest.mark.usefixtures("page_form")
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_the_forms_page_as_each_role(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], role: str
) -> None:
    log_in(browser, live_url, accounts[role] if role != "anonymous" else None)
    browser.get(f"{live_url}/forms")
    if role == "anonymous":
        assert browser.current_url.startswith(f"{live_url}/login")
        return
    rows = browser.find_elements(By.CSS_SELECTOR, "#forms tbody tr[data-form-id]")
    titles = [row.find_element(By.TAG_NAME, "td").text.split("\n")[0] for row in rows]
    assert (HOSTILE_TITLE in titles) == (role in SEES_FORM), titles
    downloads = browser.find_elements(By.CSS_SELECTOR, "#forms a[href$='submissions.xlsx']")
    assert bool(downloads) == (role in MANAGES and role in SEES_FORM)
    assert bool(browser.find_elements(By.ID, "add-form")) == (role in MANAGES)
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "#forms img")
    assert severe_console_errors(browser) == []


def test_an_admin_adds_a_form_through_the_page(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    engine: Engine,
    tmp_path: Path,
) -> None:
    good = tmp_path / "page_added.xlsx"
    good.write_bytes(office_xlsform("page_added", title="สำรวจจากหน้าเว็บ"))
    broken = tmp_path / "page_broken.xlsx"
    broken.write_bytes(
        office_xlsform("page_broken", survey=[*OFFICE_SURVEY[:4], ("end repeat", None, None, None)])
    )
    log_in(browser, live_url, accounts["admin"])
    try:
        browser.get(f"{live_url}/forms")
        result = browser.find_element(By.ID, "add-result")
        browser.find_element(By.NAME, "file").send_keys(str(broken))
        browser.find_element(By.CSS_SELECTOR, "#add-form button").click()
        WebDriverWait(browser, 20).until(lambda _d: result.text.startswith("เพิ่มไม่ได้"))
        assert "page_broken.xlsx" in result.text and "repeat" in result.text.lower()

        browser.find_element(By.NAME, "file").clear()
        browser.find_element(By.NAME, "file").send_keys(str(good))
        browser.find_element(By.CSS_SELECTOR, "input[name='roles'][value='surveyor']").click()
        browser.find_element(By.NAME, "users").send_keys(accounts["school"].username)
        browser.find_element(By.CSS_SELECTOR, "#add-form button").click()
        WebDriverWait(browser, 20).until(lambda _d: result.text.startswith("เพิ่มแล้ว"))
        WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-form-id='page_added']")
        )
        # The console reports the refused upload's 422; nothing else went wrong.
        errors = severe_console_errors(browser)
        assert [e for e in errors if "/api/v1/forms - Failed to load resource" not in e] == []
        with engine.connect() as conn:
            given = conn.execute(
                text(
                    "SELECT f.roles, array_agg(u.username) FROM survey_form f "
                    "JOIN survey_form_account a ON a.form_pk = f.id "
                    "JOIN user_account u ON u.id = a.user_id WHERE f.form_id = 'page_added' "
                    "GROUP BY f.roles"
                )
            ).one()
        assert tuple(given) == (["surveyor"], [accounts["school"].username])
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM survey_form WHERE form_id = 'page_added'"))
