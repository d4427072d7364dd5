"""What must never appear in a public page or file: a child's name, a 13-digit ID, a home."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

THIRTEEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{13}(?![0-9])")
# A longitude and latitude in Thailand as GeoJSON, JSON or text write them.
COORDINATES = re.compile(
    r"(9[7-9]\.[0-9]{4,}|10[0-6]\.[0-9]{4,})\s*,\s*([5-9]\.[0-9]{4,}|1[0-9]\.[0-9]{4,}|20\.[0-9]{4,})"
)


@dataclass(frozen=True)
class PersonalMarkers:
    names: frozenset[str]  # "first last" of every child and every guardian
    homes: frozenset[str]  # every GPS home's "lon,lat" as five decimals print them

    def found_in(self, page: str) -> list[str]:
        """The personal things in ``page`` (empty: none)."""
        found = THIRTEEN_DIGITS.findall(page)
        found += [name for name in self.names if name in page]
        for lon, lat in COORDINATES.findall(page):
            point = f"{float(lon):.5f},{float(lat):.5f}"
            if point in self.homes:
                found.append(point)
        return found


def personal_markers(session: Session) -> PersonalMarkers:
    names = {
        f"{first} {last}"
        for first, last in session.execute(text("SELECT first_name, last_name FROM child"))
    }
    names |= {
        name
        for (name,) in session.execute(
            text("SELECT guardian_name FROM child WHERE length(guardian_name) > 6")
        )
    }
    # A GPS home (a home placed at its village's point is the village's public point).
    homes = {
        f"{lon:.5f},{lat:.5f}"
        for lon, lat in session.execute(
            text(
                "SELECT ST_X(location), ST_Y(location) FROM household "
                "WHERE location IS NOT NULL AND location_source = 'gps'"
            )
        )
    }
    # A home surveyed at a school's gate is that school's public point, not a home.
    homes -= {
        f"{lon:.5f},{lat:.5f}"
        for lon, lat in session.execute(text("SELECT ST_X(location), ST_Y(location) FROM school"))
    }
    assert names and homes  # the scan has something to look for
    return PersonalMarkers(frozenset(names), frozenset(homes))
