"""Server-rendered pages: the school page shows its records; the call-list link only to
those allowed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.web.templating import TEMPLATES_DIR
from tests.helpers.world import MATRIX_SCHOOL, Account


def test_school_page(client: TestClient, accounts: dict[str, Account]) -> None:
    public = client.get(f"/schools/{MATRIX_SCHOOL}")
    assert public.status_code == 200
    for text in (
        "นักเรียนและความจุ",
        "เทคโนโลยีสารสนเทศ",
        "อาคารและครุภัณฑ์",
        f"/maps/schools/{MATRIX_SCHOOL}",
    ):
        assert text in public.text
    assert "call-list" not in public.text
    own = client.get(f"/schools/{MATRIX_SCHOOL}", headers=accounts["school"].headers)
    assert "call-list" in own.text
    assert client.get("/schools/0000000000").status_code == 404


def test_school_map_page(client: TestClient) -> None:
    page = client.get(f"/maps/schools/{MATRIX_SCHOOL}")
    assert page.status_code == 200 and "leaflet.js" in page.text and "geo_json_" in page.text
    assert "cdn." not in page.text and "unpkg" not in page.text


def test_the_household_form_worker_keeps_what_the_form_needs(client: TestClient) -> None:
    """Served from the census pages' path (its scope), versioned by the files it keeps; every
    file it keeps is one the form page loads, and each is served."""
    worker = client.get("/census/households/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert "__VERSION__" not in worker.text
    assert re.search(r'const VERSION = "[0-9a-f]{16}";', worker.text)
    kept = re.search(r"const ASSETS = \[(.*?)\];", worker.text, re.S)
    assert kept is not None
    assets = re.findall(r'"(/static/[^"]+)"', kept.group(1))
    form = (TEMPLATES_DIR / "household_form.html").read_text() + (
        TEMPLATES_DIR / "base.html"
    ).read_text()
    assert sorted(assets) == sorted(re.findall(r'(?:src|href)="(/static/[^"]+)"', form))
    for asset in assets:
        assert client.get(asset).status_code == 200
