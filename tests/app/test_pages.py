"""Server-rendered pages: the school page shows its records; the call-list link only to
those allowed."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
