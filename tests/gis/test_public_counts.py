"""Linked counts (issue 21): a tambon's compulsory-age children less those enrolled is its
out-of-school count, so where either is 1-4 the public sees neither, nor the rate."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gis.coverage import COVERAGE_COUNTS, area_complements, public_counts, public_tambon_counts


def _counts(**given: int) -> dict[str, int]:
    return dict.fromkeys(COVERAGE_COUNTS, 0) | given


def test_three_out_of_school_among_120_are_not_given_away() -> None:
    shown = public_counts(
        _counts(compulsory_age=120, compulsory_enrolled=117, out_of_school=3, beyond_distance=9)
    )
    assert (shown["compulsory_age"], shown["compulsory_enrolled"], shown["out_of_school"]) == (
        120,
        "x",
        "<5",
    )
    assert shown["coverage_rate"] is None and shown["beyond_distance"] == 9


def test_three_enrolled_among_10_are_not_given_away_either() -> None:
    shown = public_counts(_counts(compulsory_age=10, compulsory_enrolled=3, out_of_school=7))
    assert (shown["compulsory_enrolled"], shown["out_of_school"], shown["coverage_rate"]) == (
        "<5",
        "x",
        None,
    )


def test_kindergarten_not_enrolled_is_a_count_at_risk_too() -> None:
    shown = public_counts(_counts(pre_primary_age=40, pre_primary_enrolled=38))
    assert (shown["pre_primary_age"], shown["pre_primary_enrolled"]) == (40, "x")
    assert shown["pre_primary_rate"] is None


def test_large_counts_and_zeros_are_shown_with_their_rates() -> None:
    shown = public_counts(
        _counts(
            compulsory_age=120,
            compulsory_enrolled=110,
            out_of_school=10,
            pre_primary_age=30,
            pre_primary_enrolled=30,
        )
    )
    assert (shown["compulsory_enrolled"], shown["out_of_school"]) == (110, 10)
    assert shown["coverage_rate"] == round(110 / 120, 4) and shown["pre_primary_rate"] == 1.0


def _tambon(code: str, age: int, enrolled: int, **given: int) -> dict[str, Any]:
    return {"subdistrict_code": code} | _counts(
        compulsory_age=age, compulsory_enrolled=enrolled, out_of_school=age - enrolled, **given
    )


def test_a_district_total_less_its_tambons_does_not_give_back_the_hidden_one() -> None:
    # District 5501: 3 out of school in one tambon, 10 and 20 in the others. The district's
    # total (33) less 10 and 20 would be the hidden 3: the 10 is withheld too, with its pair.
    rows = [
        _tambon("550101", 100, 97, beyond_distance=2),
        _tambon("550102", 200, 190, beyond_distance=7),
        _tambon("550103", 300, 280, beyond_distance=9),
        _tambon("550201", 50, 40),  # another district: nothing hidden, nothing withheld
    ]
    shown = {row["subdistrict_code"]: row for row in public_tambon_counts(rows)}
    assert [shown[c]["out_of_school"] for c in ("550101", "550102", "550103")] == ["<5", "x", 20]
    assert shown["550102"]["compulsory_enrolled"] == "x"
    assert shown["550102"]["coverage_rate"] is None
    assert shown["550102"]["compulsory_age"] == 200  # a row of two withheld parts sums nothing
    assert [shown[c]["beyond_distance"] for c in ("550101", "550102", "550103")] == ["<5", "x", 9]
    assert shown["550201"]["out_of_school"] == 10 and shown["550201"]["coverage_rate"] == 0.8


def test_a_small_tambon_is_covered_by_one_whose_row_does_not_add_up() -> None:
    # 3 children in 550101 (all enrolled); 550103's pair is withheld beside it, and so is its
    # age: with its enrolled and out-of-school withheld, its row cannot sum the age back.
    rows = [_tambon("550101", 3, 3), _tambon("550102", 200, 190), _tambon("550103", 90, 85)]
    shown = {row["subdistrict_code"]: row for row in public_tambon_counts(rows)}
    assert shown["550101"]["compulsory_age"] == "<5"
    assert shown["550103"]["compulsory_age"] == "x"
    assert shown["550102"]["compulsory_age"] == 200


tambon_rows = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 12)),
    min_size=1,
    max_size=6,
).map(
    lambda figures: [
        _tambon(f"5501{i:02d}", enrolled + out, enrolled, beyond_distance=far)
        for i, (enrolled, out, far) in enumerate(figures, start=1)
    ]
)


@given(tambon_rows)
def test_no_hidden_count_is_its_district_total_less_the_shown(rows: list[dict[str, Any]]) -> None:
    shown = public_tambon_counts(rows)
    for name in COVERAGE_COUNTS:
        hidden = [row for row in shown if isinstance(row[name], str)]
        visible = [row[name] for row in shown if not isinstance(row[name], str)]
        # One hidden count beside shown non-zero ones would be the total less them.
        assert len(hidden) != 1 or not any(visible), name
    for row in shown:
        parts = [row["compulsory_enrolled"], row["out_of_school"]]
        # Nor is a hidden part its row's age less the other part, nor a hidden age their sum.
        if isinstance(row["compulsory_age"], str):
            assert any(isinstance(part, str) for part in parts)
        else:
            assert sum(isinstance(part, str) for part in parts) != 1


def test_a_province_total_less_its_districts_does_not_give_back_the_hidden_one() -> None:
    # The same rule one level up: 3 out of school in district 5501, 10 and 20 in the others of
    # province 55; the province's total less 10 and 20 would be the hidden 3.
    rows = [
        {"district": code}
        | _counts(compulsory_age=age, compulsory_enrolled=age - out, out_of_school=out)
        for code, age, out in (
            ("5501", 900, 3),
            ("5502", 2000, 10),
            ("5503", 3000, 20),
            ("5601", 80, 9),
        )
    ]
    withheld = area_complements(rows, "district")
    assert withheld == {"5502": {"compulsory_enrolled", "out_of_school", "coverage_rate"}}
