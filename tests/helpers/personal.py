"""What must never appear in a public page or file: a child's name, a 13-digit ID, a home."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

THIRTEEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{13}(?![0-9])")


@dataclass(frozen=True)
class PersonalMarkers:
    names: frozenset[str]  # "first last" of every child and every guardian
    homes: frozenset[str]  # every GPS home's "lon,lat" as five decimals print them

    def found_in(self, page: str) -> list[str]:
        """The personal things in ``page`` (empty: none)."""
        found = THIRTEEN_DIGITS.findall(page)
        found += [name for name in self.names if name in page]
        compact = page.replace(" ", "")
        found += [home for home in self.homes if home in compact]
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
    assert names and homes  # the scan has something to look for
    return PersonalMarkers(frozenset(names), frozenset(homes))
