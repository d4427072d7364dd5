"""The ``edumap`` command line, run as a real process against the test database."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from gis.datasets import BundledData
from tests.helpers.run_cli import edumap


def nan_fingerprint(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(  # type: ignore[return-value]
                    "SELECT count(*), md5(string_agg(ST_AsEWKB(geom)::text, '' ORDER BY code)) "
                    "FROM subdistrict WHERE province_code = '55'"
                )
            ).one()
        )


def test_db_url_prints_the_configured_url(database_url: str) -> None:
    result = edumap(database_url, "db", "url")
    assert result.returncode == 0
    assert result.stdout.strip() == database_url


def test_failed_load_exits_1_says_why_and_changes_nothing(
    tmp_path: Path, database_url: str, engine: Engine, data: BundledData
) -> None:
    nan = data.subdistricts_full("55")
    assert nan is not None
    with zipfile.ZipFile(nan) as zf:
        zf.extractall(tmp_path)
    shp = next(tmp_path.glob("*.shp"))
    shp.write_bytes(shp.read_bytes()[:200_000])
    before = nan_fingerprint(engine)
    result = edumap(database_url, "load", "boundaries", "--file", str(shp))
    assert result.returncode == 1
    assert "load failed, nothing was changed" in result.stderr
    assert "TH55_Nan.shp" in result.stderr
    assert nan_fingerprint(engine) == before


@pytest.mark.parametrize("command", [["load", "offices"], ["demo"]])
def test_loads_are_idempotent_from_the_command_line(
    database_url: str, engine: Engine, command: list[str]
) -> None:
    before = nan_fingerprint(engine)
    result = edumap(database_url, *command)
    assert result.returncode == 0, result.stderr
    assert nan_fingerprint(engine) == before


def test_the_ict_plan_and_price_list_from_the_command_line(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    plan = tmp_path / "plan.xlsx"
    result = edumap(
        database_url, "ict", "plan", "--esao", "P5501", "--budget", "500000", "-o", str(plan)
    )
    assert result.returncode == 0, result.stderr
    assert "within the budget" in result.stdout and plan.stat().st_size > 5000
    bad = tmp_path / "prices.csv"
    bad.write_text("need,code,name_th,unit_th,unit_price_baht\nlaptops,X,Y,Z,1\n", encoding="utf-8")
    refused = edumap(
        database_url, "ict", "load-prices", str(bad), "--fiscal-year", "2570", "--name", "x"
    )
    assert refused.returncode == 1
    assert "แถว 2 ช่อง ใช้สำหรับ" in refused.stderr and "nothing was changed" in refused.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ict_price_list")).scalar_one() == 0


def test_a_scheduled_link_check_and_the_ict_report_from_the_command_line(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    with engine.connect() as conn:
        school = conn.execute(text("SELECT min(code) FROM school")).scalar_one()
    try:
        checked = edumap(database_url, "ict", "check-link", school, "--down")
        assert checked.returncode == 0, checked.stderr
        assert f"stored: {school} down" in checked.stdout
        with engine.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT r.up, r.source FROM link_status_report r JOIN school s "
                    "ON s.id = r.school_id WHERE s.code = :c"
                ),
                {"c": school},
            ).all()
        assert [tuple(row) for row in stored] == [(False, "scheduled_check")]
        assert edumap(database_url, "ict", "check-link", "0000000000", "--up").returncode == 1
        report = tmp_path / "ict.xlsx"
        made = edumap(database_url, "report", "ict", "--esao", "P5501", "-o", str(report))
        assert made.returncode == 0, made.stderr
        assert report.stat().st_size > 3000
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM link_status_report WHERE source = 'scheduled_check'"))


def test_publish_and_the_manual_from_the_command_line(tmp_path: Path, database_url: str) -> None:
    unknown = edumap(database_url, "publish", "--esao", "NOPE", "-o", str(tmp_path / "x"))
    assert unknown.returncode == 1 and "no service area office NOPE" in unknown.stderr
    assert not (tmp_path / "x").exists()
    neither = edumap(database_url, "publish", "-o", str(tmp_path / "y"))
    assert neither.returncode == 1 and "--esao" in neither.stderr
    # An earlier copy is replaced; a folder of other files is never emptied.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_bytes(b"mine")
    refused = edumap(database_url, "publish", "--esao", "P5501", "-o", str(tmp_path / "mine"))
    assert refused.returncode == 1 and "not an edumap copy" in refused.stderr
    assert (tmp_path / "mine" / "thesis.docx").read_bytes() == b"mine"
    built = edumap(database_url, "manual", "build", "-o", str(tmp_path / "manual"))
    assert built.returncode == 0, built.stderr
    assert "7 pages" in built.stdout and (tmp_path / "manual" / "planner.html").exists()
