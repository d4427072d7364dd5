"""ICT needs against the norms and the procurement plan (issue 20) on three hand-made schools
whose answers are worked out here by hand (tests/helpers/ict_world.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gis.ict.needs import area_needs, school_needs
from gis.ict.norms import NormsError, read_ict_norms
from gis.ict.plan import fiscal_year_of, fiscal_year_span, procurement_plan
from kernel.config import get_settings
from tests.helpers.ict_world import (
    FISCAL_YEAR,
    OFFICE,
    SCHOOL_A,
    SCHOOL_B,
    SCHOOL_C,
    make_ict_schools,
)

NORMS = get_settings().data_dir / "norms" / "ict_norms.toml"


@pytest.fixture
def ict_world(db_session: Session) -> Session:
    make_ict_schools(db_session)
    return db_session


def _norms_with(tmp_path: Path, old: str, new: str) -> Path:
    text = NORMS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ict_norms.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_each_school_s_needs_by_hand(ict_world: Session) -> None:
    found = {
        s["code"]: s for s in school_needs(ict_world, office_code=OFFICE, as_of_year=FISCAL_YEAR)
    }
    assert set(found) == {SCHOOL_A, SCHOOL_B, SCHOOL_C}
    a, b, c = found[SCHOOL_A], found[SCHOOL_B], found[SCHOOL_C]
    # A: 95 primary pupils at 10 per device = 10; 10 devices, 9 work, the 4 tablets of 2560
    # are past their 4 years in 2570: 5 count, 5 short. 5 teachers at 2 per computer = 3.
    assert (a["pupils"], a["teachers"], a["size_band"]) == (95, 5, "small")
    assert a["needs"]["learning"] == {
        "required": 10,
        "count": 10,
        "working": 9,
        "broken": 1,
        "over_age": 4,
        "usable": 5,
        "shortfall": 5,
    }
    assert a["needs"]["administration"] | {} == {
        "required": 3,
        "count": 2,
        "working": 2,
        "broken": 0,
        "over_age": 0,
        "usable": 2,
        "shortfall": 1,
    }
    assert (a["needs"]["printer"]["required"], a["needs"]["printer"]["shortfall"]) == (1, 1)
    assert a["internet"] == {
        "link_types": ["adsl"],
        "mbps": 20.0,
        "required_mbps": 47.5,
        "shortfall_mbps": 27.5,
    }
    # B: 30 lower-secondary pupils at 5 = 6, all there; 4 teachers = 2 computers, none; no link.
    assert [b["needs"][n]["shortfall"] for n in ("learning", "administration", "printer")] == [
        0,
        2,
        0,
    ]
    assert b["internet"]["mbps"] is None and b["internet"]["shortfall_mbps"] == 30.0
    # C: 30 kindergarten pupils (no norm) and 210 primary = 21; 12 teachers = 6; 240 pupils
    # is a medium school: 2 printers; the fastest of its links against 120 Mbps.
    assert (c["size_band"], c["shortfall_devices"]) == ("medium", 21 + 6 + 2)
    assert c["internet"]["mbps"] == 100.0 and c["internet"]["shortfall_mbps"] == 20.0
    # The most short per pupil first: C 29/240, A 7/95, B 2/30.
    ranked = school_needs(ict_world, office_code=OFFICE, as_of_year=FISCAL_YEAR)
    assert [s["code"] for s in ranked] == [SCHOOL_C, SCHOOL_A, SCHOOL_B]
    assert [s["shortfall_per_pupil"] for s in ranked] == [0.1208, 0.0737, 0.0667]
    # Summed per district: the three schools' figures.
    (district,) = area_needs(ranked, "district")
    assert (district["code"], district["schools"], district["pupils"]) == ("5501", 3, 365)
    assert district["needs"]["learning"]["shortfall"] == 5 + 0 + 21
    assert district["needs"]["administration"]["schools_short"] == 3
    assert district["internet"] == {"schools_without_link": 1, "schools_below_norm": 3}


def test_changing_the_norms_file_changes_the_figures(ict_world: Session, tmp_path: Path) -> None:
    norms = read_ict_norms(_norms_with(tmp_path, "primary = 10", "primary = 5"))
    found = {
        s["code"]: s
        for s in school_needs(ict_world, office_code=OFFICE, as_of_year=FISCAL_YEAR, norms=norms)
    }
    assert found[SCHOOL_A]["needs"]["learning"]["required"] == 19  # 95 / 5
    assert found[SCHOOL_C]["needs"]["learning"]["shortfall"] == 42
    # A tablet's life of 10 years: A's tablets of 2560 count again.
    longer = read_ict_norms(_norms_with(tmp_path, "tablet = 4", "tablet = 10"))
    (a,) = school_needs(ict_world, school_code=SCHOOL_A, as_of_year=FISCAL_YEAR, norms=longer)
    assert a["needs"]["learning"]["usable"] == 9


def test_a_bad_norms_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(NormsError, match=r"\[printers\] medium"):
        read_ict_norms(_norms_with(tmp_path, "medium = 2", 'medium = "two"'))
    with pytest.raises(NormsError, match=r"\[plan\] rule"):
        read_ict_norms(_norms_with(tmp_path, 'rule = "minimum_then_need"', 'rule = "biggest"'))


# The plan ranked by hand. Need per pupil: C learning 21/240, B admin 2/30, A learning 5/95,
# C admin 6/240, A admin and printer 1/95 (by need's order), C printer 2/240. Prices of the
# example list: learning 19,000, administration 17,000, printer 4,300.
MINIMUM_FIRST = [
    ("minimum", SCHOOL_C, "learning", 1),
    ("minimum", SCHOOL_B, "administration", 1),
    ("minimum", SCHOOL_A, "learning", 1),
    ("minimum", SCHOOL_C, "administration", 1),
    ("minimum", SCHOOL_A, "administration", 1),
    ("minimum", SCHOOL_A, "printer", 1),
    ("minimum", SCHOOL_C, "printer", 1),
    ("need", SCHOOL_C, "learning", 20),
    ("need", SCHOOL_B, "administration", 1),
    ("need", SCHOOL_A, "learning", 4),
    ("need", SCHOOL_C, "administration", 5),
    ("need", SCHOOL_C, "printer", 1),
]


def test_the_plan_gives_every_school_its_minimum_first_and_stops_mid_list(
    ict_world: Session,
) -> None:
    plan = procurement_plan(
        ict_world, fiscal_year=FISCAL_YEAR, budget_baht=Decimal(200_000), office_code=OFFICE
    )
    lines = plan["lines"]
    assert [(x["ranked_by"], x["school_code"], x["need"], x["units"]) for x in lines] == (
        MINIMUM_FIRST
    )
    assert [x["rank"] for x in lines] == list(range(1, 13))
    assert plan["price_list"]["example"] is True
    # The 7 minimum lines: 2 learning, 3 administration, 2 printers.
    minimum_cost = 19_000 * 2 + 17_000 * 3 + 4_300 * 2
    assert sum(x["cost_baht"] for x in lines[:7]) == minimum_cost == 97_600
    # The budget runs out on C's 20 learning devices: 5 fit in what is left (102,400).
    assert [x["funded_units"] for x in lines] == [1] * 7 + [5] + [0] * 4
    assert plan["funded_baht"] == 97_600 + 5 * 19_000 == 192_600
    assert plan["left_baht"] == 7_400
    # A printer (4,300) further down would fit in what is left: the plan does not skip to it.
    assert lines[-1]["need"] == "printer" and lines[-1]["funded_units"] == 0
    assert plan["total_baht"] == 659_900
    assert (plan["lines_funded"], plan["lines_in_part"]) == (7, 1)
    # No budget: everything is funded.
    everything = procurement_plan(
        ict_world, fiscal_year=FISCAL_YEAR, budget_baht=None, office_code=OFFICE
    )
    assert everything["funded_baht"] == everything["total_baht"] == 659_900


def test_the_rule_in_the_norms_file_ranks_the_plan(ict_world: Session, tmp_path: Path) -> None:
    norms = read_ict_norms(_norms_with(tmp_path, 'rule = "minimum_then_need"', 'rule = "need"'))
    plan = procurement_plan(
        ict_world,
        fiscal_year=FISCAL_YEAR,
        budget_baht=Decimal(0),
        office_code=OFFICE,
        norms=norms,
    )
    assert [(x["ranked_by"], x["school_code"], x["need"], x["units"]) for x in plan["lines"]] == [
        ("need", SCHOOL_C, "learning", 21),
        ("need", SCHOOL_B, "administration", 2),
        ("need", SCHOOL_A, "learning", 5),
        ("need", SCHOOL_C, "administration", 6),
        ("need", SCHOOL_A, "administration", 1),
        ("need", SCHOOL_A, "printer", 1),
        ("need", SCHOOL_C, "printer", 2),
    ]
    assert plan["funded_baht"] == 0 and plan["total_baht"] == 659_900


def test_the_fiscal_year_runs_october_to_september() -> None:
    import datetime as dt

    assert fiscal_year_of(dt.date(2026, 9, 30)) == 2569
    assert fiscal_year_of(dt.date(2026, 10, 1)) == 2570
    assert fiscal_year_span(2570) == (dt.date(2026, 10, 1), dt.date(2027, 9, 30))
