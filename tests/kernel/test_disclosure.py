"""Secondary suppression (issue 21): a hidden small count is never its row's or column's
total less what is shown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.disclosure import SUPPRESSED, WITHHELD, suppress_table

PARTS = ("male", "female")


def _table(pairs: list[tuple[int, int]]) -> list[dict[str, int]]:
    return [{"male": m, "female": f, "children": m + f} for m, f in pairs]


def test_an_age_row_of_9_with_6_boys_no_longer_gives_away_3_girls() -> None:
    shown = suppress_table(_table([(6, 3), (10, 12), (7, 8)]), PARTS, "children")
    assert shown[0] == {"male": WITHHELD, "female": SUPPRESSED, "children": 9}
    # The boys' column total would give 6 back from 10 and 7: one more is withheld there, and
    # likewise in the girls' column.
    assert shown[1] == {"male": 10, "female": 12, "children": 22}
    assert shown[2] == {"male": WITHHELD, "female": WITHHELD, "children": 15}


def test_nothing_small_nothing_hidden_and_zeros_stay() -> None:
    rows = _table([(6, 7), (0, 9), (0, 0)])
    assert suppress_table(rows, PARTS, "children") == rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=8))
def test_no_row_or_column_has_a_single_hidden_count_beside_shown_ones(
    pairs: list[tuple[int, int]],
) -> None:
    rows = _table(pairs)
    shown = suppress_table(rows, PARTS, "children")
    hidden = {(i, k) for i, row in enumerate(shown) for k, v in row.items() if isinstance(v, str)}
    for i, row in enumerate(rows):
        assert all((i, k) in hidden for k in row if 0 < row[k] < 5)  # every small one hidden
        shut = [k for k in PARTS if (i, k) in hidden]
        # One hidden part beside a shown non-zero one would be the total less it.
        assert len(shut) != 1 or all(row[k] == 0 for k in PARTS if k not in shut)
    for key in (*PARTS, "children"):
        shut = [i for i in range(len(rows)) if (i, key) in hidden]
        others = [i for i in range(len(rows)) if i not in shut and rows[i][key] > 0]
        assert len(shut) != 1 or not others, (key, shown)
