"""Linked counts (issue 21): a tambon's compulsory-age children less those enrolled is its
out-of-school count, so where either is 1-4 the public sees neither, nor the rate."""

from __future__ import annotations

from gis.coverage import COVERAGE_COUNTS, public_counts


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
