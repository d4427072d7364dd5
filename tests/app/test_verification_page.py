"""The field-verification page (/census/verification): the households the registers leave
unplaced in the person's area, one tambon at a time, a plain form per child for what the visit
found. Over HTTP: who sees whom, every read audited, a finding stored and shown, a faulty form
refused beside its child with nothing stored. In Chromium: a surveyor records a visit without
JavaScript, and children with hostile names read as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.app.test_thai_labels_in_browser import IDENTIFIER
from tests.helpers.browser import log_in, open_page, severe_console_errors, start_chromium
from tests.helpers.payloads import matched_child
from tests.helpers.world import Account

PAGE = "/census/verification"
HOSTILE_FIRST = "</script><script>window.pwned=1</script>"
HOSTILE_LAST = "${7*7}`x`'\"=1+1"


def _follow_ups(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM register_follow_up")).scalar_one()


def test_each_role_sees_the_children_of_its_own_area_and_every_read_is_audited(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    here = matched_child(db_session, "550101", first_name="ในเขต")
    elsewhere = matched_child(db_session, "550102", first_name="ตำบลอื่น")
    surveyor = client.get(PAGE, headers=accounts["surveyor"].headers)
    assert surveyor.status_code == 200 and surveyor.headers["cache-control"] == "no-store"
    assert f'id="child-{here}"' in surveyor.text and "ในเขต ทะเบียน" in surveyor.text
    assert elsewhere not in surveyor.text and "ตำบลอื่น" not in surveyor.text
    assert "ไม่พบในข้อมูลนักเรียน" in surveyor.text  # the registers' status, in Thai
    planner = client.get(PAGE, headers=accounts["planner"].headers).text
    assert "ต.ในเวียง" in planner and "ต.บ่อ" in planner  # both tambons of the office listed
    assert f'id="child-{here}"' in planner  # the first tambon shown
    second = client.get(
        PAGE, params={"subdistrict": "550102"}, headers=accounts["planner"].headers
    ).text
    assert f'id="child-{elsewhere}"' in second and f'id="child-{here}"' not in second
    # A tambon outside the person's area is not shown: the first of their own is.
    asked = client.get(PAGE, params={"subdistrict": "550102"}, headers=accounts["surveyor"].headers)
    assert elsewhere not in asked.text and here in asked.text
    audited = db_session.execute(
        text(
            "SELECT username, record_count FROM audit_log "
            "WHERE resource = 'verification 2569' ORDER BY id"
        )
    ).all()
    assert [tuple(row) for row in audited][-4:] == [
        (accounts["surveyor"].username, 1),
        (accounts["planner"].username, 1),
        (accounts["planner"].username, 1),
        (accounts["surveyor"].username, 1),
    ]
    for role in ("school", "viewer"):
        assert client.get(PAGE, headers=accounts[role].headers).status_code == 403
    anonymous = client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_a_visit_is_stored_and_becomes_the_childs_verified_status(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    ref = matched_child(db_session, "550101")
    headers = accounts["surveyor"].headers
    posted = client.post(
        f"{PAGE}/2569/{ref}",
        data={
            "finding": "out_of_school",
            "reason": "ช่วยครอบครัวทำงาน",
            "acted_on": "2026-11-20",
            "subdistrict": "550101",
        },
        headers=headers,
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"].endswith(f"saved={ref}#child-{ref}")
    shown = client.get(posted.headers["location"].split("#")[0], headers=headers).text
    child = shown[shown.index(f'id="child-{ref}"') :]
    assert "บันทึกผลแล้ว" in child
    assert re.search(r"ตรวจแล้ว: ไม่ได้เรียน เมื่อ 20 พ\.ย\. 2569\s*· ช่วยครอบครัวทำงาน", child)
    assert "ตรวจแล้ว 1" in shown  # the tambon's count of children verified
    # The API reads the same history.
    history = client.get(
        f"/api/v1/census/rounds/2569/children/{ref}/follow-ups", headers=headers
    ).json()
    assert [(f["kind"], f["finding"]) for f in history["follow_ups"]] == [
        ("visit", "out_of_school")
    ]


@pytest.mark.parametrize(
    ("form", "field_th"),
    [
        ({"finding": "enrolled"}, "รหัสโรงเรียนที่เรียนอยู่"),
        ({"finding": "enrolled", "school_code": "1234567890"}, "รหัสโรงเรียนที่เรียนอยู่"),
        ({"finding": "out_of_school"}, "สาเหตุที่ไม่ได้เรียน"),
        ({"finding": "moved_away", "moved_to_subdistrict": "999999"}, "รหัสตำบลที่ย้ายไป"),
        ({"finding": ""}, "ผลการตรวจ"),
        ({"finding": "unknown", "acted_on": "2599-01-01"}, "วันที่ไปตรวจ"),
        ({"finding": "unknown", "acted_on": "20/11/2569"}, "วันที่ไปตรวจ"),
        ({"finding": "unknown", "note": "ก" * 2001}, "หมายเหตุ"),
    ],
)
def test_a_faulty_form_is_refused_beside_its_child_and_nothing_is_stored(
    client: TestClient,
    db_session: Session,
    accounts: dict[str, Account],
    form: dict[str, str],
    field_th: str,
) -> None:
    ref = matched_child(db_session, "550101")
    before = _follow_ups(db_session)
    answer = client.post(
        f"{PAGE}/2569/{ref}",
        data={"acted_on": "2026-11-20", "subdistrict": "550101"} | form,
        headers=accounts["planner"].headers,
    )
    assert answer.status_code == 422
    child = answer.text[answer.text.index(f'id="child-{ref}"') :]
    assert re.search(r"<details open>", child[:2000]), "the child's form is open"
    assert f'<p class="error" role="alert">{field_th}:' in child[:3000]
    assert _follow_ups(db_session) == before


def test_a_child_outside_the_area_cannot_be_recorded(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    elsewhere = matched_child(db_session, "550102")
    before = _follow_ups(db_session)
    answer = client.post(
        f"{PAGE}/2569/{elsewhere}",
        data={"finding": "unknown", "acted_on": "2026-11-20"},
        headers=accounts["surveyor"].headers,
    )
    assert answer.status_code == 404
    assert _follow_ups(db_session) == before
    for role in ("school", "viewer"):
        refused = client.post(
            f"{PAGE}/2569/{elsewhere}",
            data={"finding": "unknown", "acted_on": "2026-11-20"},
            headers=accounts[role].headers,
        )
        assert refused.status_code == 403


@pytest.fixture
def hostile_children(engine: Engine) -> Iterator[list[str]]:
    """Two committed children of 550101 the registers leave unplaced, one with hostile names."""
    with Session(engine) as session:
        refs = [
            matched_child(session, "550101", first_name=HOSTILE_FIRST),
            matched_child(session, "550101", first_name="ปกติ"),
        ]
        session.execute(
            text("UPDATE register_record SET last_name = :last WHERE first_name = :first"),
            {"last": HOSTILE_LAST, "first": HOSTILE_FIRST},
        )
        session.commit()
    try:
        yield refs
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM register_follow_up"))
            conn.execute(text("DELETE FROM register_match"))
            conn.execute(text("DELETE FROM register_extract"))


@pytest.mark.parametrize("role", ["surveyor", "planner", "admin"])
def test_the_page_in_chromium_with_hostile_names_as_every_role_that_verifies(
    browser: webdriver.Chrome,
    live_url: str,
    accounts: dict[str, Account],
    hostile_children: list[str],
    role: str,
) -> None:
    hostile, _ = hostile_children
    log_in(browser, live_url, accounts[role])
    open_page(browser, f"{live_url}{PAGE}?subdistrict=550101")
    browser.get_log("browser")
    child = browser.find_element(By.ID, f"child-{hostile}")
    assert f"{HOSTILE_FIRST} {HOSTILE_LAST}" in child.find_element(By.TAG_NAME, "h3").text
    assert browser.execute_script("return window.pwned === undefined")
    assert IDENTIFIER.findall(browser.find_element(By.TAG_NAME, "body").text) == []
    assert severe_console_errors(browser) == []


def test_a_surveyor_records_a_visit_with_javascript_off(
    accounts: dict[str, Account], live_url: str, hostile_children: list[str]
) -> None:
    """On a phone with scripts off: open the form, choose, send; the page says it is stored."""
    _, ordinary = hostile_children
    driver = start_chromium()
    try:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        log_in(driver, live_url, accounts["surveyor"])
        driver.get(f"{live_url}{PAGE}?subdistrict=550101")
        child = driver.find_element(By.ID, f"child-{ordinary}")
        child.find_element(By.TAG_NAME, "summary").click()
        Select(child.find_element(By.NAME, "finding")).select_by_visible_text("เรียนอยู่")
        child.find_element(By.NAME, "school_code").send_keys("9955010001")
        child.find_element(By.CSS_SELECTOR, "form.visit button").click()
        # The click returns before the post's answer has loaded (CI saw the old address).
        WebDriverWait(driver, 30).until(lambda d: "saved=" in d.current_url)
        assert urlparse(driver.current_url).query.endswith(f"saved={ordinary}")
        child = driver.find_element(By.ID, f"child-{ordinary}")
        assert "บันทึกผลแล้ว" in child.text
        assert "ตรวจแล้ว: เรียนอยู่" in child.text and "โรงเรียน 9955010001" in child.text
    finally:
        driver.quit()
