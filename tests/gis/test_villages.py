"""Village points: placed in tambons by PostGIS, checked against an independent geopandas join."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

import geopandas as gpd

from gis.datasets import BundledData
from gis.loading import LoadError
from gis.vector_io import read_vector
from gis.villages import load_villages


def test_nan_village_count_matches_the_2012_layer(db_session: Session, data: BundledData) -> None:
    nan_full = data.subdistricts_full("55")
    assert nan_full is not None
    points = read_vector(data.villages)
    tambons = read_vector(nan_full)[["ADM3_PCODE", "geometry"]]
    joined = gpd.sjoin(points, tambons, how="inner", predicate="intersects")
    expected = joined.drop_duplicates("MAIN_ID")
    stored = dict(
        db_session.execute(
            text(
                "SELECT source_id, subdistrict_code FROM village "
                "WHERE subdistrict_code LIKE '55%' AND assignment = 'within'"
            )
        ).all()
    )
    assert len(stored) == len(expected) == 866
    assert stored == {
        int(m): code[2:]
        for m, code in zip(expected["MAIN_ID"], expected["ADM3_PCODE"], strict=True)
    }
    # Of the 868 points the layer itself labels Nan, two lie across the province border.
    labelled = points[points["PRV_NAME"] == "น่าน"]
    assert len(labelled) == 868


def test_every_kept_village_has_a_tambon(db_session: Session) -> None:
    counts = db_session.execute(
        text("SELECT assignment, count(*) FROM village GROUP BY assignment")
    ).all()
    by_method = dict(counts)
    assert set(by_method) <= {"within", "nearest"}
    assert by_method["within"] > 60_000
    assert (
        db_session.execute(
            text("SELECT max(assignment_distance_m) FROM village WHERE assignment = 'nearest'")
        ).scalar_one()
        <= 2_000
    )


def test_name_mismatch_is_flagged_not_hidden(db_session: Session) -> None:
    row = db_session.execute(
        text(
            "SELECT count(*) FILTER (WHERE tambon_name_mismatch), count(*) FROM village "
            "WHERE subdistrict_code LIKE '55%'"
        )
    ).one()
    mismatched, total = row
    assert 0 < mismatched < total
    # Ban Pin was in Pon tambon in 2012; the tambon it lies in today is Huai Kon.
    pin = db_session.execute(
        text(
            "SELECT v.source_tambon_name_th, s.name_th, v.tambon_name_mismatch, v.code "
            "FROM village v JOIN subdistrict s ON s.code = v.subdistrict_code "
            "WHERE v.source_id = 4260001"
        )
    ).one()
    assert pin == ("ปอน", "ห้วยโก๋น", True, "55150104")


def test_dopa_codes_belong_to_the_village_tambon(db_session: Session) -> None:
    wrong = db_session.execute(
        text(
            "SELECT count(*) FROM village WHERE code IS NOT NULL "
            "AND (left(code, 6) <> subdistrict_code OR right(code, 2)::int <> moo)"
        )
    ).scalar_one()
    assert wrong == 0
    matched = db_session.execute(
        text("SELECT count(*) FROM village WHERE code LIKE '55%'")
    ).scalar_one()
    assert matched > 600  # of 866: names differ or repeat in the rest


def test_reload_is_idempotent(db_session: Session, data: BundledData) -> None:
    before = db_session.execute(text("SELECT count(*), count(code) FROM village")).one()
    report = load_villages(db_session, data.villages, data.muban_list)
    after = db_session.execute(text("SELECT count(*), count(code) FROM village")).one()
    assert before == after
    assert report.counts["kept"] == before[0]


def test_bad_muban_list_names_row_and_field(
    tmp_path: Path, db_session: Session, data: BundledData
) -> None:
    bad = tmp_path / "muban.csv"
    lines = data.muban_list.read_text(encoding="utf-8").splitlines()
    lines[3] = "5501X101" + lines[3][8:]
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_villages(db_session, data.villages, bad)
    assert str(caught.value).startswith("muban.csv, row 4, field muban_geocode")
