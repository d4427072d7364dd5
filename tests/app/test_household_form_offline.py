"""The household form with no signal, over HTTPS as an office serves it to phones: the page is
kept by its service worker, households saved while the phone is offline (and the office server
out of reach) wait on the device with their UUIDs, survive a reload of the page, and are all
stored exactly once when the connection returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine, text

from census.identity import with_check_digit
from tests.helpers.browser import OUTPUT, log_in, severe_console_errors, start_chromium
from tests.helpers.servers import HttpsServer
from tests.helpers.world import Account, remove_committed_since

LAST_NAME = "ไม่มีสัญญาณ"
HOUSES = ("1/11", "2/22", "3/33", "4/44")
# Offline nothing checks the fourth child's date; the server refuses it when the signal returns.
BIRTH_DATES = ("15/03/2562", "15/03/2562", "15/03/2562", "31/02/2562")
PAGE_KEPT = """
const done = arguments[arguments.length - 1];
(async () => {
  for (const name of await caches.keys()) {
    if (await (await caches.open(name)).match("/census/households/new")) return true;
  }
  return false;
})().then(done, () => done(false));
"""


@pytest.fixture
def office(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[HttpsServer]:
    with engine.connect() as conn:
        began: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    server = HttpsServer(database_url, tmp_path / "tls")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        remove_committed_since(engine, began)


@pytest.fixture
def phone() -> Iterator[webdriver.Chrome]:
    """A phone-sized Chromium that accepts the office's self-signed certificate."""
    driver = start_chromium("--ignore-certificate-errors")
    driver.set_window_size(390, 844)
    yield driver
    driver.quit()


def _signal(phone: webdriver.Chrome, *, on: bool) -> None:
    phone.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": not on, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def _outbox(phone: webdriver.Chrome) -> tuple[str | None, str]:
    box = phone.find_element(By.ID, "outbox")
    return box.get_attribute("data-waiting"), phone.find_element(By.ID, "outbox-count").text


def test_households_saved_offline_are_stored_once_when_the_signal_returns(
    office: HttpsServer, phone: webdriver.Chrome, accounts: dict[str, Account], engine: Engine
) -> None:
    url = office.url
    log_in(phone, url, accounts["surveyor"])
    phone.get(f"{url}/census/households/new")
    WebDriverWait(phone, 30).until(lambda d: d.execute_async_script(PAGE_KEPT))
    phone.execute_cdp_cmd("Network.enable", {})

    # No signal: the phone is offline and the office server out of reach.
    _signal(phone, on=False)
    office.stop()
    for number, house in enumerate(HOUSES, start=1):
        Select(phone.find_element(By.NAME, "village")).select_by_index(1)
        moo = phone.find_element(By.NAME, "moo")
        if moo.is_displayed() and not moo.get_attribute("value"):  # kept for the next house
            moo.send_keys("3")
        phone.find_element(By.NAME, "house_number").send_keys(house)
        child = phone.find_element(By.CSS_SELECTOR, "fieldset.child")
        child.find_element(By.NAME, "national_id").send_keys(
            with_check_digit(f"15501009900{number}")
        )
        child.find_element(By.NAME, "first_name").send_keys(f"คนที่{number}")
        child.find_element(By.NAME, "last_name").send_keys(LAST_NAME)
        child.find_element(By.NAME, "birth_date").send_keys(BIRTH_DATES[number - 1])
        phone.find_element(By.ID, "save").click()
        WebDriverWait(phone, 15).until(lambda d, n=number: _outbox(d)[0] == str(n))
        assert "บันทึกไว้ในเครื่องนี้แล้ว" in phone.find_element(By.ID, "result").text
        # the form is empty again for the next house
        assert phone.find_element(By.NAME, "house_number").get_attribute("value") == ""
    assert _outbox(phone) == ("4", "รอส่ง 4 ครัวเรือน")

    # The page opens again with no signal, and what waits is still there.
    phone.refresh()
    WebDriverWait(phone, 15).until(lambda d: _outbox(d)[0] == "4")
    phone.save_screenshot(str(OUTPUT / "household-form-offline.png"))
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM child WHERE last_name = :n"), {"n": LAST_NAME}
            ).scalar_one()
            == 0
        )

    # The signal returns: everything waiting goes out, each household once.
    office.start()
    _signal(phone, on=True)
    WebDriverWait(phone, 60).until(lambda d: _outbox(d)[0] == "0")
    # The refused one stays on the device, with the server's reason, until it is corrected.
    assert _outbox(phone)[1] == "รอส่ง 0 ครัวเรือน · ต้องแก้ไข 1 ครัวเรือน"
    held = phone.find_element(By.ID, "outbox-held")
    assert held.text.startswith("บ้านเลขที่ 4/44: ")
    held.find_element(By.TAG_NAME, "button").click()
    assert phone.find_element(By.NAME, "house_number").get_attribute("value") == "4/44"
    birth_date = phone.find_element(By.NAME, "birth_date")
    assert birth_date.get_attribute("value") == "31/02/2562"
    birth_date.clear()
    birth_date.send_keys("28/02/2562")
    phone.find_element(By.ID, "save").click()
    WebDriverWait(phone, 15).until(
        lambda d: d.find_element(By.ID, "result").text == "บันทึกแล้ว (เด็ก 1 คน)"
    )
    WebDriverWait(phone, 15).until(lambda d: not d.find_element(By.ID, "outbox").is_displayed())
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.house_number, count(*) OVER (PARTITION BY h.uuid), c.first_name "
                "FROM household h JOIN child c ON c.household_id = h.id "
                "WHERE c.last_name = :n ORDER BY h.house_number"
            ),
            {"n": LAST_NAME},
        ).all()
    assert [tuple(row) for row in rows] == [
        ("1/11", 1, "คนที่1"),
        ("2/22", 1, "คนที่2"),
        ("3/33", 1, "คนที่3"),
        ("4/44", 1, "คนที่4"),
    ]
    # Offline, the failed fetches are the network's, and the 422 the refused household's;
    # nothing else went wrong on the page.
    expected = (
        "net::ERR",
        "households - Failed to load resource: the server responded with a status of 422",
    )
    errors = [e for e in severe_console_errors(phone) if not any(x in e for x in expected)]
    assert errors == []
