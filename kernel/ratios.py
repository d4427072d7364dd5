"""Shares as the reports and layers print them: rounded half up from the exact fraction, as
PostgreSQL's ``round(numeric, n)`` does, so a figure computed in SQL (the OGC layers) and one
computed here (the API, the report) agree to the last place. Python's ``round`` of a float
does not: ``round(157 / 160, 4)`` is 0.9812, the fraction is 0.98125."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def ratio(part: int, whole: int, places: int) -> float | None:
    """part / whole to ``places`` decimals, or None when there is no whole."""
    if not whole:
        return None
    exact = Decimal(part) / Decimal(whole)
    return float(exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
