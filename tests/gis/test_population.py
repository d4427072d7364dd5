"""DOPA 2021 population joined to tambons by code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.datasets import BundledData
from gis.loading import LoadError
from gis.population import load_population

NAN_DOPA_TOTAL = 475_875


def dopa_row(data: BundledData, level: str, geocode: str) -> dict[str, str]:
    with data.population.open(encoding="utf-8") as handle:
        return next(
            r for r in csv.DictReader(handle) if r["level"] == level and r["geocode"] == geocode
        )


def test_nan_population_sums_to_the_dopa_province_figure(
    db_session: Session, data: BundledData
) -> None:
    row = db_session.execute(
        text(
            "SELECT sum(p.total), sum(p.male), sum(p.female), sum(p.households) "
            "FROM population p JOIN subdistrict s ON s.code = p.subdistrict_code "
            "WHERE s.province_code = '55'"
        )
    ).one()
    province = dopa_row(data, "Changwat", "55")
    assert int(province["total_total"]) == NAN_DOPA_TOTAL
    assert tuple(row[:3]) == (
        NAN_DOPA_TOTAL,
        int(province["total_male"]),
        int(province["total_female"]),
    )
    # DOPA's own province row counts one household more than its tambons add up to.
    assert abs(row[3] - int(province["total_households"])) <= 1


def test_every_nan_tambon_has_a_population_row(db_session: Session) -> None:
    missing = db_session.execute(
        text(
            "SELECT s.code FROM subdistrict s LEFT JOIN population p "
            "ON p.subdistrict_code = s.code WHERE s.province_code = '55' AND p.total IS NULL"
        )
    ).all()
    assert missing == []


def test_recoded_tha_faek_joins_through_code_changes(db_session: Session) -> None:
    source_code = db_session.execute(
        text("SELECT source_code FROM population WHERE subdistrict_code = '530306'")
    ).scalar_one()
    assert source_code == "530407"


def test_unmatched_codes_are_reported(db_session: Session) -> None:
    report = db_session.execute(
        text("SELECT report FROM load_log WHERE kind = 'population' ORDER BY id DESC LIMIT 1")
    ).scalar_one()
    assert report["counts"]["only_in_population_file"] == 13
    assert report["counts"]["loaded_tambons_without_population"] == 2
    notes = " ".join(report["notes"])
    assert "104701 บางนา" in notes and "105001 บางบอน" in notes and "100910" in notes


def test_bad_number_names_row_and_field_and_changes_nothing(
    tmp_path: Path, db_session: Session, data: BundledData
) -> None:
    lines = data.population.read_text(encoding="utf-8").splitlines()
    row_index = next(i for i, line in enumerate(lines) if line.startswith("Tambon,550101,"))
    fields = lines[row_index].split(",")
    fields[6] = "12x"
    lines[row_index] = ",".join(fields)
    bad = tmp_path / "population.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    before = db_session.execute(text("SELECT sum(total) FROM population")).scalar_one()
    with pytest.raises(LoadError) as caught:
        with db_session.begin_nested():
            load_population(db_session, bad, data.code_changes)
    assert str(caught.value) == (
        f"population.csv, row {row_index + 1}, field total_total: expected a whole number, "
        "got '12x'"
    )
    assert db_session.execute(text("SELECT sum(total) FROM population")).scalar_one() == before
