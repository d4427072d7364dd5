"""ODK's own form engine as the client: the household XForm edumap serves, with the attachments
its manifest lists for the surveyor, is loaded by ODK Web Forms (@getodk/web-forms and Vue from
tests/webforms/package-lock.json) in headless Chromium with an emulated position, filled
through the page as a surveyor would (a tambon from the attached list, a geopoint, two children,
a school from the attached list), and the submission XML the engine produces is posted to
edumap's OpenRosa endpoint and stored exactly. A construct the engine rejects fails here."""

from __future__ import annotations

import functools
import http.server
import socketserver
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.identity import with_check_digit
from census.xlsform import HOUSEHOLD_FORM_ID
from tests.helpers.browser import OUTPUT, severe_console_errors
from tests.helpers.web_forms import WebForm
from tests.helpers.world import MATRIX_SCHOOL, Account

HARNESS = Path(__file__).resolve().parents[1] / "webforms"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
LAST_NAME = "เว็บฟอร์มส์"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture(scope="module")
def harness_url() -> Iterator[str]:
    """The harness page and the installed packages, served from tests/webforms."""
    engine = HARNESS / "node_modules" / "@getodk" / "web-forms" / "dist" / "index.js"
    assert engine.exists(), "ODK Web Forms is not installed: scripts/test installs it"
    handler = functools.partial(_Quiet, directory=str(HARNESS))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_odk_web_forms_fills_the_household_form_and_edumap_stores_it(
    browser: webdriver.Chrome,
    harness_url: str,
    client: TestClient,
    db_session: Session,
    accounts: dict[str, Account],
) -> None:
    # What Collect would download, for the matrix surveyor (tambon 550101).
    made = client.post(
        "/api/v1/auth/api-keys", headers=accounts["surveyor"].headers, json={"name": "web forms"}
    )
    base = f"/odk/key/{made.json()['key']}"
    xform = client.get(f"{base}/forms/{HOUSEHOLD_FORM_ID}/form.xml").text
    manifest = ElementTree.fromstring(
        client.get(f"{base}/forms/{HOUSEHOLD_FORM_ID}/manifest").content
    )
    attachments = {}
    for media in manifest.iter(f"{MANIFEST_NS}mediaFile"):
        name = media.findtext(f"{MANIFEST_NS}filename")
        attachments[name] = client.get(f"{base}/forms/{HOUSEHOLD_FORM_ID}/attachments/{name}").text
    assert set(attachments) == {"tambons.csv", "villages.csv", "schools.csv"}
    school_label = next(
        line.split(",", 1)[1]
        for line in attachments["schools.csv"].splitlines()
        if line.startswith(MATRIX_SCHOOL)
    )

    browser.get(f"{harness_url}/harness.html")
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": harness_url, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": 18.7836, "longitude": 100.7745, "accuracy": 6},
    )
    severe_console_errors(browser)
    browser.execute_script("startForm(arguments[0], arguments[1])", xform, attachments)
    WebDriverWait(browser, 60).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".question-container")
            or d.find_elements(By.CSS_SELECTOR, ".form-load-failure-dialog")
        )
    )
    assert not browser.find_elements(By.CSS_SELECTOR, ".form-load-failure-dialog")

    form = WebForm(browser)
    form.pick("ตำบล", "ต.ในเวียง อ.เมืองน่าน")
    form.pick("หมู่บ้าน", "บ้านท่าช้าง")  # a town village DOPA lists without its moo
    form.type("หมู่ที่", "2")
    form.type("บ้านเลขที่", "88/8")
    form.question("พิกัดบ้าน").find_element(By.CSS_SELECTOR, "button").click()
    form.button("Save location").click()
    WebDriverWait(browser, 10).until(lambda _d: "Latitude: 18.7836" in form.question("พิกัดบ้าน").text)

    national_id = with_check_digit("155010088801")
    form.choose("เลขประจำตัว", "national_id")
    form.type("เลขประจำตัวประชาชน", national_id)
    form.type("ชื่อ", "หนึ่ง")
    form.type("นามสกุล", LAST_NAME)
    form.choose("เพศ", "M")
    form.date("วันเกิด", 2015, "Jan", 2)
    form.choose("การเรียน", "enrolled")
    form.pick("โรงเรียน", school_label)
    form.choose("ชั้น", "P5")

    browser.find_element(By.CSS_SELECTOR, ".button-add-instance").click()
    form.choose("เลขประจำตัว", "g_code", 2)
    form.type("รหัส G", "G550100000888", 1)
    form.type("ชื่อ", "สอง", 2)
    form.type("นามสกุล", LAST_NAME, 2)
    form.choose("เพศ", "F", 2)
    form.date("วันเกิด", 2013, "Jun", 15, 2)
    form.choose("การเรียน", "not_enrolled", 2)
    form.type("สาเหตุที่ไม่ได้เรียน", "ช่วยงานบ้าน", 1)

    browser.find_element(By.CSS_SELECTOR, "button[aria-label=Send]").click()
    try:
        submitted: str = WebDriverWait(browser, 30).until(
            lambda d: d.execute_script("return window.harness.submitted")
        )
    finally:
        browser.save_screenshot(str(OUTPUT / "web-forms-household.png"))
    assert severe_console_errors(browser) == []

    sent = client.post(
        f"{base}/submission",
        files={"xml_submission_file": ("submission.xml", submitted.encode(), "text/xml")},
    )
    assert sent.status_code == 201, sent.text
    instance_id = ElementTree.fromstring(submitted.encode()).findtext("meta/instanceID")
    assert instance_id and instance_id.startswith("uuid:")
    rows = db_session.execute(
        text(
            "SELECT h.subdistrict_code, h.moo, h.house_number, h.location_source, "
            "round(ST_Y(h.location)::numeric, 4), h.location_accuracy_m, c.id_kind, c.g_code, "
            "c.first_name, c.sex, c.birth_date::text, c.enrolment_status, c.school_code, "
            "c.grade, c.not_enrolled_reason FROM household h JOIN child c "
            "ON c.household_id = h.id WHERE h.uuid = CAST(:u AS uuid) ORDER BY c.first_name DESC"
        ),
        {"u": instance_id.removeprefix("uuid:")},
    ).all()
    common = ("550101", 2, "88/8", "gps", Decimal("18.7836"), 6.0)
    assert [tuple(row) for row in rows] == [
        (
            *common,
            "national_id",
            None,
            "หนึ่ง",
            "M",
            "2015-01-02",
            "enrolled",
            MATRIX_SCHOOL,
            "P5",
            None,
        ),
        (
            *common,
            "g_code",
            "G550100000888",
            "สอง",
            "F",
            "2013-06-15",
            "not_enrolled",
            None,
            None,
            "ช่วยงานบ้าน",
        ),
    ]
