"""Placing schools that have no coordinates: by the village they are named after.

Many Thai schools carry their village's name (โรงเรียนบ้านปางหก in บ้านปางหก). A school takes
the point of the village of the same name in its tambon, then in its district; failing that, a
point inside its tambon. Each placement keeps its method and an accuracy radius in metres.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process

from kernel.names import normalise_thai_name

# Accuracy radii (metres): how far the school may be from the point it was given.
ACCURACY_TAMBON_EXACT_M = 1_000.0
ACCURACY_TAMBON_FUZZY_M = 1_500.0
ACCURACY_DISTRICT_M = 2_500.0
FUZZY_CUTOFF = 88.0
MIN_PREFIX_CHARS = 4


def school_core(name: str) -> str:
    """The part of a school name that names a place: โรงเรียนบ้านปางหก (มิตรภาพ) -> ปางหก."""
    text = normalise_thai_name(name)
    text = re.sub(r"^โรงเรียน", "", text).strip()
    first = text.split(" ")[0] if text else ""
    # ชุมชนบ้านดู่ใต้, มัธยมป่ากลาง: the place follows these words.
    return re.sub(r"^(ชุมชน|มัธยม)?(บ้าน)?", "", first)


def village_core(name: str) -> str:
    """บ้านปางหก -> ปางหก; หมู่บ้าน and spaces dropped."""
    text = normalise_thai_name(name).replace(" ", "")
    return re.sub(r"^(หมู่บ้าน|บ้าน)", "", text)


@dataclass(frozen=True)
class Placement:
    method: str  # village_match | subdistrict_centroid
    scope: str  # tambon | district | tambon_point
    rule: str  # exact | prefix | fuzzy | point_on_surface
    village_id: int | None
    lon: float
    lat: float
    accuracy_m: float
    matched_name: str | None = None


@dataclass(frozen=True)
class _Village:
    id: int
    core: str
    name: str
    lon: float
    lat: float


def _match(core: str, villages: list[_Village]) -> tuple[_Village, str] | None:
    if not core or not villages:
        return None
    exact = [v for v in villages if v.core == core]
    if exact:
        return min(exact, key=lambda v: v.id), "exact"
    prefixed = [v for v in villages if len(v.core) >= MIN_PREFIX_CHARS and core.startswith(v.core)]
    if prefixed:
        return max(prefixed, key=lambda v: (len(v.core), -v.id)), "prefix"
    best = process.extractOne(
        core, [v.core for v in villages], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
    )
    if best is not None:
        return villages[best[2]], "fuzzy"
    return None


def place_schools(
    schools: pd.DataFrame, villages: pd.DataFrame, tambon_points: pd.DataFrame
) -> list[Placement | None]:
    """A placement per school row, in order.

    ``schools``: name, subdistrict_code. ``villages``: id, name_th, subdistrict_code, lon, lat.
    ``tambon_points``: code, lon, lat, radius_m (a point inside each tambon and the radius of
    a circle of its area). A school whose tambon is unknown gets None.
    """
    by_tambon: dict[str, list[_Village]] = defaultdict(list)
    by_district: dict[str, list[_Village]] = defaultdict(list)
    for row in villages.itertuples(index=False):
        village = _Village(int(row.id), village_core(row.name_th), row.name_th, row.lon, row.lat)
        by_tambon[row.subdistrict_code].append(village)
        by_district[row.subdistrict_code[:4]].append(village)
    points = tambon_points.set_index("code")

    placements: list[Placement | None] = []
    for row in schools.itertuples(index=False):
        code = row.subdistrict_code
        if not isinstance(code, str) or code not in points.index:
            placements.append(None)
            continue
        core = school_core(row.name)
        found = _match(core, by_tambon.get(code, []))
        if found:
            village, rule = found
            accuracy = ACCURACY_TAMBON_FUZZY_M if rule == "fuzzy" else ACCURACY_TAMBON_EXACT_M
            placements.append(
                Placement(
                    "village_match",
                    "tambon",
                    rule,
                    village.id,
                    village.lon,
                    village.lat,
                    accuracy,
                    village.name,
                )
            )
            continue
        others = [v for v in by_district.get(code[:4], []) if v not in by_tambon.get(code, [])]
        found = _match(core, others) if core else None
        if found and found[1] != "prefix":  # a prefix across a whole district is too loose
            village, rule = found
            placements.append(
                Placement(
                    "village_match",
                    "district",
                    rule,
                    village.id,
                    village.lon,
                    village.lat,
                    ACCURACY_DISTRICT_M,
                    village.name,
                )
            )
            continue
        point = points.loc[code]
        placements.append(
            Placement(
                "subdistrict_centroid",
                "tambon_point",
                "point_on_surface",
                None,
                float(point.lon),
                float(point.lat),
                float(point.radius_m),
            )
        )
    return placements


def exact_baseline(schools: pd.DataFrame, villages: pd.DataFrame) -> int:
    """How many schools a plain exact match finds: name without โรงเรียน = a village name
    of the same tambon. The yardstick the matcher must beat."""
    names = set(zip(villages["subdistrict_code"], villages["name_th"].str.strip(), strict=True))
    return sum(
        (row.subdistrict_code, re.sub(r"^โรงเรียน", "", row.name.strip())) in names
        for row in schools.itertuples(index=False)
    )


def method_shares(placements: Iterable[Placement | None]) -> dict[str, int]:
    """Counts per method and scope, for reports."""
    counts: dict[str, int] = defaultdict(int)
    for placement in placements:
        key = "unplaced" if placement is None else f"{placement.method}:{placement.scope}"
        counts[key] += 1
    return dict(sorted(counts.items()))
