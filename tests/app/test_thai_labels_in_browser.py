"""People read Thai: no page shows, as each role that can open it, an identifier of the
vocabulary that has a Thai label (``village_match``, ``contract_teacher``, grade codes such as
``P1``...), in its visible text, the coverage map's panel included."""

from __future__ import annotations

import re

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from kernel.vocabulary import GRADES, LABELS_TH
from tests.helpers.browser import log_in, open_page
from tests.helpers.world import MATRIX_SCHOOL, ROLE_NAMES, Account

# Identifiers that name something a person reads; single letters (sex M/F) are too short to
# tell from text, and a label equal to its key (none today) would not count.
IDENTIFIERS = sorted(
    {
        str(key)
        for labels in LABELS_TH.values()
        for key, label in labels.items()
        if isinstance(key, str) and len(key) >= 2 and key != label
    }
    | set(GRADES)
)
IDENTIFIER = re.compile(
    r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, IDENTIFIERS)) + r")(?![A-Za-z0-9_])"
)

STAFF = ("admin", "planner", "surveyor")
PAGES = [
    ("/", ROLE_NAMES),
    ("/login", ("anonymous",)),
    (f"/schools/{MATRIX_SCHOOL}", ROLE_NAMES),
    (f"/maps/schools/{MATRIX_SCHOOL}?round=2569", ROLE_NAMES),
    ("/maps/coverage?district=5501&round=2569", ROLE_NAMES),
    ("/api/v1/reports/coverage?district=5501&round=2569&format=html", ROLE_NAMES),
    ("/census/upload", STAFF),
    ("/census/verification", STAFF),
    ("/census/households/new", STAFF),
    ("/odk/phone", STAFF),
    ("/forms", ("admin", "planner", "surveyor", "school", "viewer")),
    ("/data-rounds", ("admin", "planner", "school", "viewer")),
    ("/ict", ("admin", "planner", "school", "viewer")),
    (f"/ict/schools/{MATRIX_SCHOOL}", ("admin", "planner", "school", "viewer")),
    ("/ogc/collections/connectivity/items?f=html&limit=20", ROLE_NAMES),
    ("/ogc?f=html", ROLE_NAMES),
    ("/ogc/collections?f=html", ROLE_NAMES),
    ("/ogc/collections/schools?f=html", ROLE_NAMES),
    ("/ogc/collections/schools/items?f=html&limit=50", ROLE_NAMES),
    (f"/ogc/collections/schools/items/{MATRIX_SCHOOL}?f=html", ROLE_NAMES),
    ("/ogc/collections/offices_2569/items?f=html", ROLE_NAMES),
    ("/ogc/collections/service_areas_primary/items?f=html&limit=20", ROLE_NAMES),
    ("/ogc/collections/children_out_of_school/items?f=html&limit=50", ("admin", "planner")),
    ("/portal", ROLE_NAMES),
    ("/portal/offices/P5501", ROLE_NAMES),
    ("/portal/districts/5501", ROLE_NAMES),
    ("/portal/tambons/550101", ROLE_NAMES),
    (f"/portal/schools/{MATRIX_SCHOOL}", ROLE_NAMES),
    ("/portal/search?q=%E0%B8%9B%E0%B8%B1%E0%B8%A7", ROLE_NAMES),
    ("/portal/privacy", ROLE_NAMES),
]


def test_the_scan_finds_what_it_looks_for() -> None:
    assert IDENTIFIER.search("ตำแหน่ง: village_match (±1000 ม.)")
    assert IDENTIFIER.search("ระดับชั้น K1, K2, P1")
    assert IDENTIFIER.search("contract_teacher 0 · director 1")
    assert not IDENTIFIER.search("สำนักงาน P5501 ปีการศึกษา 2569, 4G 20 Mbps")


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_pages_show_people_thai_not_identifiers(
    browser: webdriver.Chrome, live_url: str, accounts: dict[str, Account], role: str
) -> None:
    log_in(browser, live_url, accounts.get(role))
    for path, roles in PAGES:
        if role not in roles:
            continue
        open_page(browser, live_url + path)
        if path.startswith("/maps/coverage"):
            seen = []
            for kind, code in (("school", MATRIX_SCHOOL), ("tambon", "550101")):
                assert browser.execute_script(
                    "return edumapCoverage.click(arguments[0], arguments[1])", kind, code
                )
                seen.append(browser.find_element(By.ID, "edumap-panel").text)
            seen.append(browser.find_element(By.TAG_NAME, "body").text)
            visible = "\n".join(seen)
        else:
            visible = browser.find_element(By.TAG_NAME, "body").text
        found = sorted(set(IDENTIFIER.findall(visible)))
        assert found == [], (role, path, found)
