"""The office's own forms on the coverage map, as every role sees it in Chromium: a form
without personal questions counted per tambon for anyone (small counts hidden from those
outside its office), a form with personal questions only for admins and planners; a hostile
form title shown as text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.auth import service as accounts_service
from census import surveys
from tests.app.test_coverage_map_in_browser import _wait_ready
from tests.helpers.browser import log_in, severe_console_errors
from tests.helpers.payloads import office_submission, office_xlsform
from tests.helpers.world import MATRIX_SCHOOL, ROLE_NAMES, Account

# pyxform itself refuses "${" in a title (a reference); the rest reaches the map.
HOSTILE_TITLE = "ห้องน้ำ <img src=x onerror=window.pwned=1> `x` {{7*7}} </script> 'q\""
PUBLIC_SURVEY: list[tuple[object, ...]] = [
    ("type", "name", "label", "personal"),
    ("text", "school_code", "รหัสโรงเรียน", None),
    ("select_one cond", "condition", "สภาพ", None),
    ("geopoint", "location", "ตำแหน่ง", "no"),
]
MAP_READERS = ("admin", "planner")


def _answer(instance: str, condition: str) -> bytes:
    return (
        f'<data id="map_toilets" version="1"><school_code>{MATRIX_SCHOOL}</school_code>'
        f"<condition>{condition}</condition><location>18.7836 100.7745 0 5</location>"
        f"<meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


@pytest.fixture(scope="module")
def forms(engine: Engine, accounts: dict[str, Account]) -> Iterator[None]:
    """A public form (six good, two poor in tambon 550101) and a personal one (one answer),
    committed for the live server and removed afterwards."""
    with Session(engine) as session, session.begin():
        admin = accounts_service.principal_for(
            accounts_service.get_user(session, accounts["admin"].username), "test"
        )
        surveyor = accounts_service.principal_for(
            accounts_service.get_user(session, accounts["surveyor"].username), "test"
        )
        public = office_xlsform("map_toilets", "1", PUBLIC_SURVEY, title=HOSTILE_TITLE)
        surveys.add_form(session, admin, "map.xlsx", public, roles=["surveyor"], usernames=[])
        personal = office_xlsform("map_personal")
        surveys.add_form(
            session, admin, "personal.xlsx", personal, roles=["surveyor"], usernames=[]
        )
        for n, condition in enumerate(["good"] * 6 + ["poor"] * 2):
            surveys.store_submission(session, surveyor, _answer(f"uuid:m{n}", condition))
        surveys.store_submission(
            session, surveyor, office_submission("uuid:mp", form_id="map_personal")
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM survey_form WHERE form_id LIKE 'map\\_%'"))


@pytest.mark.usefixtures("forms")
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_office_forms_on_the_coverage_map_as_each_role(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    role: str,
) -> None:
    log_in(browser, live_url, accounts[role] if role != "anonymous" else None)
    browser.get(f"{live_url}/maps/coverage?province=55&round=2569")
    state = _wait_ready(browser)
    assert state["failed"] == []
    expected = {"form_map_toilets": 1}
    if role in MAP_READERS:
        expected["form_map_personal"] = 1
    assert {k: v for k, v in state["loaded"].items() if k.startswith("form_")} == expected
    labels = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers").get_attribute(
        "textContent"
    )
    assert f"แบบสำรวจ: {HOSTILE_TITLE} (รายตำบล)" in labels
    answers = browser.execute_script(
        "let found = null; edumapCoverage.map.eachLayer(l => { if (l.getTooltip && l.getTooltip()"
        " && String(l.getTooltip().getContent().textContent).startsWith('ต.ในเวียง: good'))"
        " found = l.getTooltip().getContent().textContent; }); return found;"
    )
    assert answers is None  # the layer is off until chosen
    browser.execute_script(
        "document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(l => {"
        " if (l.textContent.includes('ห้องน้ำ <img')) l.querySelector('input').click(); });"
    )
    answers = browser.execute_script(
        "let found = []; edumapCoverage.map.eachLayer(l => { if (l.getTooltip && l.getTooltip()"
        " && String(l.getTooltip().getContent().textContent).startsWith('ต.ในเวียง: good'))"
        " found.push(l.getTooltip().getContent().textContent); }); return found;"
    )
    exact = role in MAP_READERS or role == "admin"
    assert answers == ["ต.ในเวียง: good 6 · poor " + ("2" if exact else "<5")]
    assert browser.execute_script("return window.pwned === undefined")
    assert severe_console_errors(browser) == []
