"""Educational Service Area Offices loaded from the editable CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.datasets import BundledData
from gis.loading import LoadError
from gis.offices import load_offices


def test_nan_primary_offices_cover_each_district_once(db_session: Session) -> None:
    rows = db_session.execute(
        text(
            "SELECT d.district_code, count(*) FROM service_area_office o "
            "JOIN service_area_office_district d ON d.office_code = o.code "
            "WHERE o.province_code = '55' AND o.kind = 'primary' GROUP BY 1"
        )
    ).all()
    assert len(rows) == 15 and all(count == 1 for _, count in rows)
    secondary = db_session.execute(
        text(
            "SELECT count(*) FROM service_area_office_district d "
            "JOIN service_area_office o ON o.code = d.office_code WHERE o.kind = 'secondary'"
        )
    ).scalar_one()
    assert secondary == 15


def test_unknown_district_names_row_and_field(
    tmp_path: Path, db_session: Session, data: BundledData
) -> None:
    lines = data.offices.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("5515", "5599")
    bad = tmp_path / "offices.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_offices(db_session, bad)
    assert str(caught.value).startswith("offices.csv, row 3, field district_codes: unknown")


def test_reload_is_idempotent(db_session: Session, data: BundledData) -> None:
    report = load_offices(db_session, data.offices)
    assert report.counts == {"offices": 3, "district_links": 30}
    count = db_session.execute(text("SELECT count(*) FROM service_area_office_district"))
    assert count.scalar_one() == 30
