"""Benchmark: place all 36k schools of the Wikipedia list against the 65k village points.

Run by hand against a database loaded by `edumap demo` (whole-country boundaries and villages):

    .venv/bin/python bench/geolocate_schools.py

Measures, in the same run: the plain exact-name baseline (school name without โรงเรียน equal to
a village name of the same tambon) and edumap's matcher (exact, prefix and fuzzy names in the
tambon, then the district, else a point inside the tambon). Prints time and share per method.
"""

from __future__ import annotations

import io
import time
import zipfile

import pandas as pd
from sqlalchemy import text

from gis.datasets import BundledData
from gis.schools.geolocate import exact_baseline, method_shares, place_schools
from gis.schools.importer import resolve_subdistricts, tambon_lookup, villages_of
from kernel.config import get_settings
from kernel.db import session_scope
from kernel.names import admin_key


def main() -> None:
    data = BundledData(get_settings().data_dir)
    with zipfile.ZipFile(data.schools_all_provinces) as archive:
        raw = archive.read("schools_all_provinces.csv")
    schools = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    with session_scope() as session:
        provinces = dict(session.execute(text("SELECT name_th, code FROM province")).all())
        province_code = {admin_key(name): code for name, code in provinces.items()}
        schools["province_code"] = schools["province"].map(admin_key).map(province_code)
        started = time.perf_counter()
        frames, tambon_sets, village_sets = [], {}, {}
        for code, group in schools.groupby("province_code"):
            tambons = tambon_lookup(session, str(code))
            tambon_sets[code] = tambons
            village_sets[code] = villages_of(session, str(code))
            group = group.copy()
            group["subdistrict_code"] = resolve_subdistricts(group, tambons)
            frames.append(group)
        load_s = time.perf_counter() - started
    resolved = pd.concat(frames)

    started = time.perf_counter()
    baseline = sum(
        exact_baseline(group, village_sets[code])
        for code, group in resolved.groupby("province_code")
    )
    baseline_s = time.perf_counter() - started

    started = time.perf_counter()
    placements = []
    for code, group in resolved.groupby("province_code"):
        placements += place_schools(group, village_sets[code], tambon_sets[code])
    matcher_s = time.perf_counter() - started

    total = len(schools)
    shares = method_shares(placements)
    by_village = sum(n for k, n in shares.items() if k.startswith("village_match"))
    print(
        f"schools in the list: {total:,}; province not matched: "
        f"{int(schools['province_code'].isna().sum()):,}; tambon resolved: "
        f"{int(resolved['subdistrict_code'].notna().sum()):,}"
    )
    print(f"reading tambons and villages from PostGIS, resolving tambon names: {load_s:.2f} s")
    print(
        f"baseline exact match: {baseline:,} schools ({baseline / total:.1%}) in {baseline_s:.2f} s"
    )
    print(
        f"edumap matcher: {by_village:,} by village ({by_village / total:.1%}) "
        f"in {matcher_s:.2f} s ({total / matcher_s:,.0f} schools/s)"
    )
    for key, count in shares.items():
        print(f"  {key:<36} {count:>7,}  {count / total:6.1%}")
    print(
        f"located by village, matcher / baseline: {by_village / baseline:.2f}x; "
        f"time, matcher / baseline: {matcher_s / baseline_s:.1f}x"
    )


if __name__ == "__main__":
    main()
