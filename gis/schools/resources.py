"""A school's ICT and buildings in a few figures, for map popups and the coverage report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Building condition is scored 1 (poor) to 5 (good); 1-2 means it needs repair.
POOR_CONDITION_MAX = 2

# Select-list columns for a query over ``school s``.
RESOURCES_SQL = f"""
    (SELECT coalesce(sum(working) FILTER (WHERE purpose = 'learning'), 0)
       FROM ict_device d WHERE d.school_id = s.id) AS learning_devices,
    (SELECT coalesce(sum(count - working), 0) FROM ict_device d
       WHERE d.school_id = s.id) AS broken_devices,
    (SELECT max(mbps) FROM internet_link i WHERE i.school_id = s.id) AS mbps,
    (SELECT count(*) FROM building b WHERE b.school_id = s.id) AS buildings,
    (SELECT count(*) FROM building b WHERE b.school_id = s.id
       AND b.condition <= {POOR_CONDITION_MAX}) AS buildings_needing_repair,
    (SELECT round(avg(condition), 1) FROM building b WHERE b.school_id = s.id)
       AS building_condition
"""


def school_resources(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """ICT and building figures of the schools with these codes, by code."""
    rows = session.execute(
        text(
            f"SELECT s.code, left(s.subdistrict_code, 4) AS district, {RESOURCES_SQL} "
            "FROM school s WHERE s.code = ANY(:codes)"
        ),
        {"codes": codes},
    ).mappings()
    return {
        row["code"]: {
            key: float(value) if key in ("mbps", "building_condition") and value else value
            for key, value in row.items()
            if key != "code"
        }
        for row in rows
    }
