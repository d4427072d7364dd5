"""Service areas: proposals for every school, imports of many schools, repair and refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.service_areas.service import import_service_areas
from kernel.errors import InvalidInputError
from kernel.vocabulary import LEVELS


def test_every_nan_school_has_a_proposed_area_per_level_it_teaches(db_session: Session) -> None:
    schools = db_session.execute(
        text("SELECT id, grades FROM school WHERE subdistrict_code LIKE '55%' AND code_synthetic")
    ).all()
    expected = {
        (sid, level)
        for sid, grades in schools
        for level, lg in LEVELS.items()
        if set(lg) & set(grades)
    }
    stored = set(
        db_session.execute(
            text(
                "SELECT school_id, level FROM service_area "
                "WHERE academic_year = 2569 AND is_current"
            )
        ).all()
    )
    assert expected <= stored
    invalid = db_session.execute(
        text(
            "SELECT count(*) FROM service_area WHERE academic_year = 2569 AND NOT ST_IsValid(geom)"
        )
    ).scalar_one()
    assert invalid == 0
    # Proposals stay inside the province and within the norm (3 km for primary) of the school.
    too_far = db_session.execute(
        text(
            """
        SELECT count(*) FROM service_area sa JOIN school s ON s.id = sa.school_id
        WHERE sa.academic_year = 2569 AND sa.is_current AND sa.level = 'primary'
          AND sa.method = 'proposed'
          AND ST_MaxDistance(ST_Transform(sa.geom, 32647), ST_Transform(s.location, 32647)) > 3001
        """
        )
    ).scalar_one()
    assert too_far == 0


def write_geojson(path: Path, features: list[tuple[str, list[list[float]]]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"school_code": code, "level": "primary"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
            for code, ring in features
        ],
    }
    path.write_text(json.dumps(collection))
    return path


def test_import_many_schools_repairs_and_versions(tmp_path: Path, db_session: Session) -> None:
    codes = (
        db_session.execute(
            text(
                "SELECT code FROM school WHERE subdistrict_code = '550101' AND 'P1' = ANY(grades) "
                "ORDER BY code LIMIT 2"
            )
        )
        .scalars()
        .all()
    )
    square = [[100.77, 18.78], [100.78, 18.78], [100.78, 18.79], [100.77, 18.79], [100.77, 18.78]]
    bowtie = [[100.77, 18.78], [100.78, 18.79], [100.78, 18.78], [100.77, 18.79], [100.77, 18.78]]
    path = write_geojson(tmp_path / "areas.geojson", [(codes[0], square), (codes[1], bowtie)])
    report = import_service_areas(db_session, path, academic_year=2565)
    assert report.counts == {"features": 2, "service_areas": 2}
    assert len(report.repaired) == 1 and codes[1] in report.repaired[0]
    again = import_service_areas(db_session, path, academic_year=2565)
    assert again.counts["service_areas"] == 2
    versions = db_session.execute(
        text(
            "SELECT count(*), count(*) FILTER (WHERE is_current), max(version) "
            "FROM service_area sa "
            "JOIN school s ON s.id = sa.school_id WHERE s.code = :c AND sa.academic_year = 2565"
        ),
        {"c": codes[0]},
    ).one()
    assert tuple(versions) == (2, 1, 2)


def test_unknown_school_is_refused(tmp_path: Path, db_session: Session) -> None:
    ring = [[100.77, 18.78], [100.78, 18.78], [100.78, 18.79], [100.77, 18.78]]
    path = write_geojson(tmp_path / "areas.geojson", [("1234567890", ring)])
    with pytest.raises(InvalidInputError, match="no school 1234567890"):
        import_service_areas(db_session, path, academic_year=2565)
