"""Debian's headless Chromium under selenium and the system chromedriver."""

from __future__ import annotations

import json
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers.world import Account

# Screenshots and recorded (never asserted) timings.
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)


def start_chromium(*extra_flags: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS + extra_flags:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def log_in(driver: webdriver.Chrome, live_url: str, account: Account | None) -> None:
    """Sign out, then in as ``account`` through the login form (None: stay anonymous)."""
    driver.delete_all_cookies()
    if account is None:
        return
    driver.get(f"{live_url}/login")
    driver.find_element(By.NAME, "username").send_keys(account.username)
    driver.find_element(By.NAME, "password").send_keys(account.password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    WebDriverWait(driver, 10).until(lambda d: "/login" not in d.current_url)


def severe_console_errors(driver: webdriver.Chrome) -> list[str]:
    """The console's errors since the last call (a CSP violation or an uncaught error is one)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait(driver: webdriver.Chrome, seconds: float = 10) -> WebDriverWait:  # type: ignore[type-arg]
    """A wait that reads the page again when it reloads under a read (the forms reload it)."""
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def open_page(driver: webdriver.Chrome, url: str) -> None:
    """Open a page and wait until it has loaded, and for the coverage map until it is drawn."""
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    if "/maps/coverage" in url:
        WebDriverWait(driver, 60).until(
            lambda d: d.execute_script("return !!(window.edumapCoverage && edumapCoverage.ready)")
        )
