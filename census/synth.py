"""A seeded synthetic school-age census, calibrated on real figures, for demos, tests and
benchmarks. Nothing here is real: names are drawn from short lists of common Thai names,
IDs are valid but invented, and every household sits near a real village point.

Calibration: children per tambon and single year of age = DOPA 2021 tambon population x the
national DOPA 2017 share of that age; out-of-school rates by age from MICS 2012 (ages 10-17)
and the pre-primary enrolment ratio (NSO, AY2566); enrolled children attend a school teaching
their grade near home (the nearest, or one a little farther). The demo's synthetic school
enrolment is then counted from these children (app/demo_data.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

import shapely
from shapely import STRtree
from shapely.prepared import prep

from census.dates import BE_OFFSET
from census.identity import with_check_digit
from census.rules import EnrolmentStatus, cutoff_date, default_rules, expected_grade
from kernel.vocabulary import GRADES

MIN_AGE, MAX_AGE = 3, 17
# Out-of-school probability by age on the cutoff (MICS 2012, girls, interpolated; 3-5 from
# the pre-primary gross enrolment of 82.9% in AY2566).
OUT_OF_SCHOOL = {
    3: 0.25,
    4: 0.15,
    5: 0.10,
    6: 0.012,
    7: 0.01,
    8: 0.01,
    9: 0.011,
    10: 0.012,
    11: 0.014,
    12: 0.016,
    13: 0.019,
    14: 0.068,
    15: 0.127,
    16: 0.187,
    17: 0.252,
}
CHILDREN_PER_HOUSEHOLD = ((1, 0.55), (2, 0.35), (3, 0.10))
ENROLLED_OUTSIDE_AREA = 0.03
JITTER_M = 250.0
# Schools up to about 1.5 km farther than the nearest are also a family's choice (degrees).
CHOICE_MARGIN_DEG = 0.0135
HEADERS_TH = [
    "รหัสบ้าน",
    "บ้านเลขที่",
    "หมู่ที่",
    "ตำบล",
    "อำเภอ",
    "จังหวัด",
    "เลขประจำตัวประชาชน",
    "คำนำหน้า",
    "ชื่อ",
    "นามสกุล",
    "เพศ",
    "วันเดือนปีเกิด",
    "สัญชาติ",
    "ชื่อบิดา",
    "ชื่อมารดา",
    "วันที่ย้ายเข้า",
    "สถานะ",
    "รหัสโรงเรียน",
    "ชั้น",
    "สาเหตุที่ไม่ได้เรียน",
    "ละติจูด",
    "ลองจิจูด",
]
FIRST_NAMES_M = [
    "สมชาย",
    "ธนากร",
    "ภูมิ",
    "ณัฐวุฒิ",
    "กิตติพงษ์",
    "อนุชา",
    "ศุภชัย",
    "ธีรภัทร",
    "ปกรณ์",
    "วีรยุทธ",
    "ชยพล",
    "พงศกร",
    "อภิวัฒน์",
    "ณัฐพล",
    "ธนวัฒน์",
    "สิทธิชัย",
]
FIRST_NAMES_F = [
    "สมหญิง",
    "พิมพ์ชนก",
    "ณัฐธิดา",
    "กัญญารัตน์",
    "สุภาพร",
    "ปิยะดา",
    "ศิริพร",
    "อรอุมา",
    "ชนิดา",
    "ธิดารัตน์",
    "พรทิพย์",
    "วรรณวิสา",
    "จิราพร",
    "ปวีณา",
]
LAST_NAMES = [
    "ใจดี",
    "แก้วมณี",
    "ศรีสุข",
    "บุญมา",
    "คำแสน",
    "ทองดี",
    "อินต๊ะ",
    "สุวรรณ",
    "ปัญญาวงค์",
    "จันทร์เป็ง",
    "ไชยวงศ์",
    "ธรรมวงศ์",
    "มูลคำ",
    "ยาวิชัย",
    "สมบูรณ์",
    "วงศ์ใหญ่",
    "ขันแก้ว",
    "อุปละ",
    "ศรีวิชัย",
    "นันทะ",
]
REASONS = ["ย้ายตามผู้ปกครอง", "ฐานะยากจน", "ช่วยครอบครัวทำงาน", "ปัญหาสุขภาพ", "เดินทางไม่สะดวก"]


@dataclass(frozen=True, order=True)
class Fault:
    """A fault the dirty export put into a row, and the field the importer must name."""

    row: int
    field: str
    kind: str


def _age_shares(path: Path) -> dict[int, float]:
    with path.open(encoding="utf-8") as handle:
        return {
            int(r["age"]): float(r["share_of_total_pop_pct"]) / 100 for r in csv.DictReader(handle)
        }


def _format_be(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year + BE_OFFSET}"


def synthesize_rows(
    session: Session,
    *,
    province_code: str,
    round_year: int,
    seed: int,
    data_dir: Path,
    scale: float = 1.0,
) -> Iterator[dict[str, Any]]:
    """Census rows (Thai headers) for every tambon of a province, household by household.

    ``scale`` shrinks or grows the child counts (1.0 follows the DOPA population).
    """
    rng = np.random.default_rng(seed)
    rules = default_rules()
    cutoff = cutoff_date(round_year, rules)
    shares = _age_shares(data_dir / "demography" / "dopa2017_age_0_18.csv")
    tambons = session.execute(
        text(
            """
        SELECT s.code, s.name_th, d.name_th, p.name_th, ST_AsBinary(s.geom), pop.total
        FROM subdistrict s JOIN district d ON d.code = s.district_code
        JOIN province p ON p.code = s.province_code
        JOIN population pop ON pop.subdistrict_code = s.code
        WHERE s.province_code = :p ORDER BY s.code
        """
        ),
        {"p": province_code},
    ).all()
    villages: dict[str, list[tuple[float, float, int | None]]] = {}
    for code, lon, lat, moo in session.execute(
        text(
            "SELECT subdistrict_code, ST_X(geom), ST_Y(geom), moo FROM village "
            "WHERE subdistrict_code LIKE :p ORDER BY id"
        ),
        {"p": f"{province_code}%"},
    ):
        villages.setdefault(code, []).append((lon, lat, moo))
    schools_by_grade = _school_index(session, province_code)
    used_ids: set[str] = set()
    house_serial = 0
    for code, tambon, district, province, wkb, population in tambons:
        polygon = shapely.from_wkb(bytes(wkb))
        inside = prep(polygon)
        points = villages.get(code) or [(*shapely.point_on_surface(polygon).coords[0], None)]
        ages: list[int] = []
        for age in range(MIN_AGE, MAX_AGE + 1):
            ages += [age] * int(rng.poisson(population * shares[age] * scale))
        rng.shuffle(ages)
        while ages:
            size = int(
                rng.choice(
                    [s for s, _ in CHILDREN_PER_HOUSEHOLD], p=[p for _, p in CHILDREN_PER_HOUSEHOLD]
                )
            )
            members, ages = ages[:size], ages[size:]
            house_serial += 1
            lon, lat, moo = points[int(rng.integers(0, len(points)))]
            lon, lat = _jitter(rng, inside, lon, lat)
            moo = moo or int(rng.integers(1, 16))
            house_code = f"{code[:4]}{house_serial:06d}{int(rng.integers(0, 10))}"
            house_number = f"{int(rng.integers(1, 300))}" + (
                f"/{int(rng.integers(1, 9))}" if rng.random() < 0.2 else ""
            )
            last_name = str(rng.choice(LAST_NAMES))
            father = f"นาย{rng.choice(FIRST_NAMES_M)} {last_name}"
            mother = f"นาง{rng.choice(FIRST_NAMES_F)} {last_name}"
            for age in members:
                birth = cutoff - dt.timedelta(days=int(365.25 * age + rng.integers(0, 365)))
                male = rng.random() < 0.51
                national_id = _new_id(rng, code[:4], used_ids)
                grade = expected_grade(birth, round_year, rules)
                status, school, reason = _status(rng, age, grade, schools_by_grade, lon, lat)
                yield {
                    "รหัสบ้าน": house_code,
                    "บ้านเลขที่": house_number,
                    "หมู่ที่": moo,
                    "ตำบล": tambon,
                    "อำเภอ": district,
                    "จังหวัด": province,
                    "เลขประจำตัวประชาชน": national_id,
                    "คำนำหน้า": ("ด.ช." if male else "ด.ญ.")
                    if age < 15
                    else ("นาย" if male else "น.ส."),
                    "ชื่อ": str(rng.choice(FIRST_NAMES_M if male else FIRST_NAMES_F)),
                    "นามสกุล": last_name,
                    "เพศ": "ชาย" if male else "หญิง",
                    "วันเดือนปีเกิด": _format_be(birth),
                    "สัญชาติ": "ไทย",
                    "ชื่อบิดา": father,
                    "ชื่อมารดา": mother,
                    "วันที่ย้ายเข้า": _format_be(birth + dt.timedelta(days=30)),
                    "สถานะ": status,
                    "รหัสโรงเรียน": school or "",
                    "ชั้น": grade if status == EnrolmentStatus.enrolled.value else "",
                    "สาเหตุที่ไม่ได้เรียน": reason or "",
                    "ละติจูด": round(lat, 6),
                    "ลองจิจูด": round(lon, 6),
                }


def _jitter(rng: np.random.Generator, inside: Any, lon: float, lat: float) -> tuple[float, float]:
    """A point near the village, kept inside its tambon (metres to degrees near 19°N)."""
    for _ in range(8):
        dx, dy = rng.normal(0, JITTER_M, 2)
        candidate = (lon + dx / (111_320 * math.cos(math.radians(lat))), lat + dy / 110_540)
        if inside.contains(shapely.Point(candidate)):
            return candidate
    return lon, lat


def _new_id(rng: np.random.Generator, district: str, used: set[str]) -> str:
    while True:
        national_id = with_check_digit(f"1{district}{int(rng.integers(0, 10**7)):07d}")
        if national_id not in used:
            used.add(national_id)
            return national_id


def _school_index(session: Session, province_code: str) -> dict[str, tuple[STRtree, list[str]]]:
    index: dict[str, tuple[STRtree, list[str]]] = {}
    rows = session.execute(
        text(
            "SELECT code, grades, ST_X(location), ST_Y(location) FROM school "
            "WHERE subdistrict_code LIKE :p ORDER BY code"
        ),
        {"p": f"{province_code}%"},
    ).all()
    for grade in GRADES:
        teaching = [(c, lon, lat) for c, grades, lon, lat in rows if grade in grades]
        if teaching:
            index[grade] = (
                STRtree([shapely.Point(lon, lat) for _, lon, lat in teaching]),
                [c for c, _, _ in teaching],
            )
    return index


def _status(
    rng: np.random.Generator,
    age: int,
    grade: str | None,
    schools: dict[str, tuple[STRtree, list[str]]],
    lon: float,
    lat: float,
) -> tuple[str, str | None, str | None]:
    out = rng.random() < OUT_OF_SCHOOL.get(age, 0.3)
    if grade in ("M4", "M5", "M6") and out:
        # Left after Mathayom 3: most finished it; some dropped out before.
        if rng.random() < 0.8:
            return EnrolmentStatus.completed_m3.value, None, None
        return EnrolmentStatus.not_enrolled.value, None, str(rng.choice(REASONS))
    if out or grade is None or grade not in schools:
        return EnrolmentStatus.not_enrolled.value, None, str(rng.choice(REASONS))
    if rng.random() < ENROLLED_OUTSIDE_AREA:
        return EnrolmentStatus.enrolled_outside_area.value, None, None
    return EnrolmentStatus.enrolled.value, _choose_school(rng, schools[grade], lon, lat), None


def _choose_school(
    rng: np.random.Generator, index: tuple[STRtree, list[str]], lon: float, lat: float
) -> str:
    """A school teaching the grade near home: the nearest, or one of those little farther,
    weighted by nearness. Town schools often share a placement point (a tambon centre), and a
    strict nearest would send every child to one of them and none to the others."""
    tree, codes = index
    home = shapely.Point(lon, lat)
    nearest = int(tree.nearest(home))
    reach = shapely.distance(home, tree.geometries[nearest]) + CHOICE_MARGIN_DEG
    candidates = tree.query(home, predicate="dwithin", distance=reach)
    if len(candidates) <= 1:
        return codes[nearest]
    distances = shapely.distance(home, tree.geometries[candidates])
    weights = 1.0 / (distances + CHOICE_MARGIN_DEG / 4)
    return codes[int(rng.choice(candidates, p=weights / weights.sum()))]


def first_households(
    rows: Iterable[dict[str, Any]], households: int | None
) -> list[dict[str, Any]]:
    """The rows of the first ``households`` households (all rows when None); a household's
    rows come together, keyed by their house code."""
    kept: list[dict[str, Any]] = []
    houses: set[str] = set()
    for row in rows:
        houses.add(row["รหัสบ้าน"])
        if households is not None and len(houses) > households:
            break
        kept.append(row)
    return kept


def make_dirty(
    rows: list[dict[str, Any]], rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[Fault]]:
    """Put the faults offices meet into a copy of clean rows; return rows and the manifest.

    Row numbers in the manifest are file rows (the header is row 1). Some dates are also
    written in C.E. and some moo as 'หมู่ 3': those are valid and must import.
    """
    dirty = [dict(r) for r in rows]
    faults: list[tuple[int, str, str]] = []
    positions = rng.permutation(len(dirty))
    kinds = [
        "check_digit",
        "missing_moo",
        "impossible_date",
        "bad_sex",
        "future_date",
        "ce_date",
        "moo_words",
    ]
    chosen = {kind: int(positions[i]) for i, kind in enumerate(kinds)}
    for kind, index in chosen.items():
        row = dirty[index]
        if kind == "check_digit":
            last = int(row["เลขประจำตัวประชาชน"][-1])
            row["เลขประจำตัวประชาชน"] = row["เลขประจำตัวประชาชน"][:-1] + str((last + 1) % 10)
            faults.append((index, "national_id", kind))
        elif kind == "missing_moo":
            row["หมู่ที่"], row["รหัสบ้าน"] = "", ""
            faults.append((index, "moo", kind))
        elif kind == "impossible_date":
            row["วันเดือนปีเกิด"] = "30/02/" + row["วันเดือนปีเกิด"][-4:]
            faults.append((index, "birth_date", kind))
        elif kind == "bad_sex":
            row["เพศ"] = "X"
            faults.append((index, "sex", kind))
        elif kind == "future_date":
            day, month, year = row["วันเดือนปีเกิด"].split("/")
            row["วันเดือนปีเกิด"] = f"{day}/{month}/{int(year) + BE_OFFSET}"  # B.E. added twice
            faults.append((index, "birth_date", kind))
        elif kind == "ce_date":
            day, month, year = row["วันเดือนปีเกิด"].split("/")
            row["วันเดือนปีเกิด"] = f"{day}/{month}/{int(year) - BE_OFFSET}"
        elif kind == "moo_words":
            row["หมู่ที่"] = f"หมู่ {row['หมู่ที่']}" if row["หมู่ที่"] else ""
    # The same child entered twice: a copy right after the original.
    duplicate_of = int(positions[len(kinds)])
    dirty.insert(duplicate_of + 1, dict(dirty[duplicate_of]))
    shifted = [(i + 1 if i > duplicate_of else i, f, k) for i, f, k in faults]
    shifted.append((duplicate_of + 1, "national_id", "duplicate"))
    return dirty, sorted(Fault(i + 2, f, k) for i, f, k in shifted)


def write_rows(rows: list[dict[str, Any]], path: Path, encoding: str = "utf-8-sig") -> None:
    """Rows with Thai headers as CSV (in ``encoding``) or XLSX, by the file's suffix."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("สำมะโน")
        sheet.append(HEADERS_TH)
        for row in rows:
            sheet.append([row.get(h, "") for h in HEADERS_TH])
        book.save(path)
        return
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, HEADERS_TH)
        writer.writeheader()
        writer.writerows(rows)
