"""Public figures under the PDPA: counts of 1-4 children are shown as "<5"."""

from __future__ import annotations

SMALL_COUNT_THRESHOLD = 5
SUPPRESSED = "<5"


def suppress_small_count(count: int) -> int | str:
    """Counts of 1-4 children become "<5" in public aggregates; 0 stays 0."""
    return SUPPRESSED if 0 < count < SMALL_COUNT_THRESHOLD else count
