"""Setting a phone up for ODK Collect, in Chromium as every role that may: the page makes a key
and shows Collect's settings as a QR code; the settings decode (zlib, base64) to a server URL
that answers Collect's form list; other roles are refused, anonymous callers log in first."""

from __future__ import annotations

import base64
import json
import zlib

import httpx2
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers.browser import log_in, severe_console_errors
from tests.helpers.world import Account


@pytest.mark.parametrize("role", ["surveyor", "planner", "admin"])
def test_a_collector_gets_a_qr_code_whose_settings_reach_the_form_list(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], role: str
) -> None:
    log_in(browser, live_url, accounts[role])
    severe_console_errors(browser)  # start clean
    browser.get(f"{live_url}/odk/phone")
    name = browser.find_element(By.NAME, "device_name")
    name.clear()
    name.send_keys(f"เครื่อง {role}")
    browser.find_element(By.CSS_SELECTOR, "form[action='/odk/phone'] button").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#collect-qr svg"))
    assert severe_console_errors(browser) == []
    code = browser.execute_script("return document.getElementById('settings-code').textContent")
    settings = json.loads(zlib.decompress(base64.b64decode(code)))
    server_url = settings["general"]["server_url"]
    assert server_url == browser.find_element(By.ID, "server-url").text
    assert server_url.startswith(f"{live_url}/odk/key/")
    with httpx2.Client(timeout=30) as http:
        listed = http.get(f"{server_url}/formList")
    assert listed.status_code == 200 and "edumap_household" in listed.text


@pytest.mark.parametrize(("role", "status"), [("school", 403), ("anonymous", 303)])
def test_others_cannot_set_a_phone_up(
    live_url: str, accounts: dict[str, Account], role: str, status: int
) -> None:
    headers = accounts[role].headers if role in accounts else {}
    with httpx2.Client(base_url=live_url, timeout=30) as http:
        response = http.post("/odk/phone", headers=headers, data={"device_name": "x"})
    assert response.status_code == status
