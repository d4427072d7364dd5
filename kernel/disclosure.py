"""Public figures under the PDPA: counts of 1-4 children are shown as "<5"."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TypeVar

Cell = TypeVar("Cell", bound=tuple[object, ...] | str)

SMALL_COUNT_THRESHOLD = 5
SUPPRESSED = "<5"


def suppress_small_count(count: int) -> int | str:
    """Counts of 1-4 children become "<5" in public aggregates; 0 stays 0."""
    return SUPPRESSED if 0 < count < SMALL_COUNT_THRESHOLD else count


# A count hidden so that a small one cannot be worked out from a total (secondary suppression).
WITHHELD = "x"


def suppress_table(
    rows: list[dict[str, int]], parts: tuple[str, ...], total: str
) -> list[dict[str, int | str]]:
    """A public table of counts with its row totals (``total`` = the sum of ``parts`` in each
    row) and column totals published elsewhere: counts of 1-4 become "<5" (primary), and then,
    until nothing changes, wherever a row or a column has exactly one hidden count, the
    smallest other non-zero count beside it is withheld ("x"), so no hidden count is its row
    or column total less what is shown. A row of 9 children with 6 boys no longer gives away
    3 girls."""
    hidden: set[tuple[int, str]] = {
        (i, key)
        for i, row in enumerate(rows)
        for key in (*parts, total)
        if 0 < row[key] < SMALL_COUNT_THRESHOLD
    }
    withheld: set[tuple[int, str]] = set()

    def cover(cells: list[tuple[int, str]]) -> bool:
        cell = complement({cell: rows[cell[0]][cell[1]] for cell in cells}, hidden | withheld)
        if cell is None:
            return False
        withheld.add(cell)
        return True

    changed = True
    while changed:
        changed = False
        for i in range(len(rows)):  # a row: its parts (the total shown beside them)
            changed |= cover([(i, key) for key in parts])
        for key in (*parts, total):  # a column: its cells (the column total shown elsewhere)
            changed |= cover([(i, key) for i in range(len(rows))])
    return [
        {
            key: (SUPPRESSED if (i, key) in hidden else WITHHELD if (i, key) in withheld else value)
            for key, value in row.items()
        }
        for i, row in enumerate(rows)
    ]


def complement(
    group: Mapping[Cell, int], shut: Collection[Cell], prefer: Collection[Cell] = ()
) -> Cell | None:
    """The cell to withhold in a group of counts whose total is published elsewhere, where
    exactly one of them is ``shut`` (hidden or withheld): the smallest other non-zero count
    (among ``prefer`` first, when any of them will do), else None. With two cells shut, the
    total less what is shown gives only their sum."""
    closed = [cell for cell in group if cell in shut]
    if len(closed) != 1:
        return None
    others = [cell for cell, value in group.items() if cell not in shut and value > 0]
    if not others:  # the rest are zeros: the hidden one is the total itself, public anyway
        return None
    preferred = [cell for cell in others if cell in prefer]
    return min(preferred or others, key=lambda cell: (group[cell], cell))
