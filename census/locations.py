"""Where a household's point may be: one rule for every channel (REST, file imports, and later
the phones' offline forms).

A GPS point farther than ``EDUMAP_HOUSEHOLD_MAX_OUTSIDE_M`` (default 2 km) beyond its stated
accuracy outside the household's tambon is a typing or GPS slip more often than a real house:
REST and file imports refuse it, naming the distance, unless the client confirms the point; a
confirmed point is stored with its distance and flagged, and the quality report lists it. An
offline form is never refused (that would lose field work): it is stored and flagged.
"""

from __future__ import annotations

# Metres a point lies outside a tambon ``t``; 0 inside. Geography distance only for the few
# points outside, since the cast of a tambon polygon costs more than the point-in-polygon test.
OUTSIDE_TAMBON_M_SQL = """
    CASE WHEN ST_Intersects(t.geom, {point}) THEN 0.0
         ELSE ST_Distance(t.geom::geography, {point}::geography) END
"""
CONFIRMED_WORDS = frozenset({"1", "y", "yes", "true", "ใช่", "ยืนยัน", "confirmed", "✓"})


def too_far(outside_m: float, accuracy_m: float | None, limit_m: float) -> bool:
    return outside_m > limit_m + (accuracy_m or 0.0)


def too_far_message(outside_m: float, subdistrict: str, limit_m: float) -> str:
    return (
        f"พิกัดอยู่นอกตำบล {subdistrict} {outside_m / 1000:,.1f} กม. เกินเกณฑ์ "
        f"{limit_m / 1000:,.1f} กม.: ตรวจพิกัด หรือยืนยันว่าถูกต้อง "
        f"(the point is {outside_m:,.0f} m outside tambon {subdistrict}, more than "
        f"{limit_m:,.0f} m: check it, or confirm it to store it flagged)"
    )


def is_confirmed(value: object) -> bool:
    """A file cell or form answer that confirms a point (ใช่, yes, 1, true...)."""
    return str(value or "").strip().lower() in CONFIRMED_WORDS
