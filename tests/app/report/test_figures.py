"""The coverage report's figures and its static maps, computed directly (no HTTP)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import text
from sqlalchemy.orm import Session

import geopandas as gpd
from shapely.geometry import Point, box

from app.report.figures import coverage_report
from app.report.maps import NO_DATA_COLOUR, district_map_svg, district_maps
from app.report.pdf import FONT_DIR
from gis import coverage

ROUND = 2569
FONT = FONT_DIR / "Sarabun-Regular.ttf"


def test_report_adds_up(db_session: Session) -> None:
    report = coverage_report(db_session, ROUND, esao="P5502")
    raw = coverage.area_coverage(db_session, ROUND, by="esao", esao="P5502", suppress=False)
    office = next(row for row in raw if row["esao"] == "P5502")
    assert report["totals"]["compulsory_age"] == office["compulsory_age"]
    assert report["totals"]["out_of_school"] == office["out_of_school"]
    assert report["area_name_th"] == "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต 2"
    district_codes = {row["district"] for row in report["districts"]}
    assert {school["district"] for school in report["schools"]} <= district_codes
    assert {row["district"] for row in report["quality"]["districts"]} == district_codes
    # Out-of-school children by age: every count shown is the sum over sex and reason.
    shown = [row["children"] for row in report["out_of_school_by_age"]]
    assert sum(c for c in shown if isinstance(c, int)) <= office["out_of_school"]
    assert all(c in ("<5", "x") or c >= 5 for c in shown)
    # ICT and buildings come from the school's own records.
    school = report["schools"][0]
    buildings = db_session.execute(
        text(
            "SELECT count(*) FROM building b JOIN school s ON s.id = b.school_id WHERE s.code = :c"
        ),
        {"c": school["code"]},
    ).scalar()
    assert school["buildings"] == buildings


def test_district_map_colours_tambons_by_rate() -> None:
    tambons = gpd.GeoDataFrame(
        {
            "subdistrict_code": ["990101", "990102", "990103"],
            "name_th": ["หนึ่ง", "สอง", "สาม"],
            "coverage_rate": [0.97, 0.5, None],
        },
        geometry=[box(0, 0, 5000, 5000), box(5000, 0, 10000, 5000), box(0, 5000, 10000, 9000)],
        crs=32647,
    )
    outline = gpd.GeoDataFrame({"district": ["9901"]}, geometry=[box(0, 0, 10000, 9000)], crs=32647)
    schools = gpd.GeoDataFrame({"code": ["1"]}, geometry=[Point(2500, 2500)], crs=32647)
    svg = district_map_svg(outline, tambons, schools, {"1": 120}, FONT)
    root = ET.fromstring(svg)
    fills = {
        style.split("fill:")[1].split(";")[0].strip()
        for element in root.iter()
        if (style := element.get("style")) and "fill:" in style
    }
    assert {"#1a9850", "#d73027", NO_DATA_COLOUR} <= fills


def test_a_map_per_district_of_the_report(db_session: Session) -> None:
    report = coverage_report(db_session, ROUND, district="5514")
    maps = district_maps(db_session, report, FONT)
    assert list(maps) == ["5514"]
    assert maps["5514"].lstrip().startswith("<?xml") and "<svg" in maps["5514"]
