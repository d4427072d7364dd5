"""The report's charts show what differs: out-of-school children per district, most first,
and the coverage rate on an axis that starts near the lowest rate, labelled so."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.report.render import bars, call_list_groups, rate_axis_floor


def test_rates_near_97_percent_are_drawn_from_a_floor_not_from_zero() -> None:
    rows = [{"name": "ก", "rate": 0.962}, {"name": "ข", "rate": 0.991}, {"name": "ค", "rate": None}]
    floor = rate_axis_floor(r["rate"] for r in rows)
    assert floor == 0.9
    drawn = bars(rows, "name", "rate", "rate", top=1.0, bottom=floor)
    assert [b["width"] for b in drawn] == [62.0, 91.0, 0]  # from 0 they were 96.2 and 99.1
    assert rate_axis_floor([0.03, 0.5]) == 0.0


def test_hidden_counts_draw_no_bar_and_the_largest_fills_the_track() -> None:
    rows = [{"n": "ก", "v": 40}, {"n": "ข", "v": "<5"}, {"n": "ค", "v": 10}]
    assert [b["width"] for b in bars(rows, "n", "v", "int")] == [100.0, 0, 25.0]


def test_the_report_charts_out_of_school_children_with_their_values(
    client: TestClient, db_session: Session
) -> None:
    page = client.get("/api/v1/reports/coverage", params={"round": "2569", "esao": "P5501"})
    assert page.status_code == 200
    html = page.text
    assert "เด็กนอกระบบ รายอำเภอ (คน)" in html
    assert "แกนของแผนภูมิเริ่มที่" in html
    areas = client.get(
        "/api/v1/coverage/areas", params={"round": "2569", "by": "district", "esao": "P5501"}
    ).json()["areas"]
    chart = html.split("เด็กนอกระบบ รายอำเภอ (คน)", 1)[1].split("</table>", 1)[0]
    rows = db_session.execute(text("SELECT code, name_th FROM district")).all()
    names = {row.code: row.name_th for row in rows}
    shown = [
        row | {"name_th": names[row["district"]]}
        for row in areas
        if isinstance(row["out_of_school"], int)
    ]
    most = max(shown, key=lambda row: row["out_of_school"])
    chart = chart.replace("อำเภอ", "")
    # the district with most out-of-school children comes first, its value printed beside it
    assert chart.index(most["name_th"]) < min(
        chart.index(row["name_th"]) for row in shown if row is not most
    )
    assert f"{most['out_of_school']:,}" in chart


def test_a_village_is_named_once_on_the_call_list() -> None:
    """The village list writes most names with their บ้าน (บ้านขอน), some without: the call
    list says บ้าน once either way, never บ้านบ้านขอน."""
    child = {
        "title": "ด.ช.",
        "first_name": "ก",
        "last_name": "ข",
        "sex": "M",
        "birth_date": None,
        "guardian_name": None,
        "guardian_relationship": None,
        "house_number": "1",
    }
    villages = [
        {"moo": 1, "village_name": "บ้านขอน", "subdistrict_name": "ปัว", "children": [child]},
        {"moo": 2, "village_name": "ดอนแก้ว", "subdistrict_name": "ปัว", "children": [child]},
        {"moo": None, "village_name": None, "subdistrict_name": "ในเวียง", "children": [child]},
    ]
    labels = [label for label, _ in call_list_groups({"villages": villages})]
    assert labels == ["หมู่ 1 บ้านขอน ต.ปัว", "หมู่ 2 บ้านดอนแก้ว ต.ปัว", "ต.ในเวียง"]
