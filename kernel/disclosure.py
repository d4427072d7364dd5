"""Public figures under the PDPA: counts of 1-4 children are shown as "<5"."""

from __future__ import annotations

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
        shut = [cell for cell in cells if cell in hidden or cell in withheld]
        if len(shut) != 1:
            return False
        others = [cell for cell in cells if cell not in shut and rows[cell[0]][cell[1]] > 0]
        if not others:  # the rest are zeros: the hidden one is the total itself
            return False
        withheld.add(min(others, key=lambda cell: (rows[cell[0]][cell[1]], cell)))
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
