"""Synthetic register extracts (labelled synthetic) consistent with the synthetic census: the
civil registration of its children and the schools' records of its pupils, with known faults
planted, and a manifest of the planted truth: every child's expected matching status, worked
out here from the census rules (Python) and the offices' tables, never by the matcher, so the
matcher's counts can be checked against it exactly.

Faults (how many of each is a parameter):
- ``mistyped_id``: a pupil's ID in the school's records differs by one digit (its check digit
  recomputed, so the import takes it): that pupil is not registered, and the registered child
  has no record;
- ``moved_in``: pupils whose registration is in another province (IDs the register lacks);
- ``counted_twice``: a pupil in the records of two schools on the same counting day;
- ``birth_date_differs``: a pupil whose recorded birth date is a year off the register's;
- ``grade_two_below``: a pupil recorded two grades below the age rule's;
- ``g_code``: pupils without an ID, recorded with a G-code (children of migrant families,
  named as such: no registered child is like them);
- ``name_variant``: a registered pupil recorded without an ID (a G-code) and with the name
  spelt another common way (a tone mark dropped, ณ for น, ศ for ส, a space, the title written
  into the name): matched by birth date and name, the child keeps the status it would have;
- ``moved_away``: registered children whose pupil record is gone (they study elsewhere now).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.dates import parse_thai_date
from census.identity import with_check_digit
from census.rules import EnrolmentStatus, assess, default_rules, expected_grade
from kernel.vocabulary import GRADE_SHORT_LABELS_TH, GRADES

CIVIL_HEADERS = [
    "เลขประจำตัวประชาชน",
    "คำนำหน้า",
    "ชื่อ",
    "นามสกุล",
    "เพศ",
    "วันเดือนปีเกิด",
    "รหัสบ้าน",
    "บ้านเลขที่",
    "หมู่ที่",
    "ตำบล",
    "อำเภอ",
    "จังหวัด",
]
SCHOOL_HEADERS = [
    "รหัสโรงเรียน",
    "เลขประจำตัวประชาชน",
    "รหัส G",
    "คำนำหน้า",
    "ชื่อ",
    "นามสกุล",
    "เพศ",
    "วันเกิด",
    "ชั้น",
    "ห้อง",
]
FAULTS = (
    "mistyped_id",
    "moved_in",
    "counted_twice",
    "birth_date_differs",
    "grade_two_below",
    "g_code",
    "name_variant",
    "moved_away",
)
# Names of children of migrant families (Shan, Burmese, Lao) as Thai schools write them.
MIGRANT_FIRST_NAMES = ("จายแสง", "นางหอม", "หม่องเอ", "มะเว", "ซออู", "จายคำ", "นันทะวดี", "อ่องมิน")
MIGRANT_LAST_NAMES = ("ลุงเมือง", "อ่องวิน", "ทุนละ", "มินซอ", "จายลู่", "หม่องทุน")


@dataclass
class RegisterWorld:
    civil: list[dict[str, Any]] = field(default_factory=list)
    school: list[dict[str, Any]] = field(default_factory=list)
    expected: Counter[str] = field(default_factory=Counter)
    planted: dict[str, int] = field(default_factory=dict)
    # the file rows (header on row 1) of each planted name variant: civil row, school row
    name_variants: list[tuple[int, int]] = field(default_factory=list)


def _offices(
    session: Session,
) -> tuple[dict[str, tuple[str | None, str]], dict[str, dict[str, list[str]]]]:
    """Each school's office and district, and the offices (by kind) serving each district."""
    school_office = {
        code: (office, district)
        for code, office, district in session.execute(
            text("SELECT code, office_code, left(subdistrict_code, 4) FROM school")
        )
    }
    serving: dict[str, dict[str, list[str]]] = {}
    for district, office, kind in session.execute(
        text(
            "SELECT d.district_code, d.office_code, o.kind FROM service_area_office_district d "
            "JOIN service_area_office o ON o.code = d.office_code"
        )
    ):
        serving.setdefault(district, {}).setdefault(kind, []).append(office)
    return school_office, serving


def _other_id(national_id: str, rng: np.random.Generator, taken: set[str]) -> str:
    """The same ID with one of its first twelve digits changed (a typing slip), a valid ID."""
    while True:
        position = int(rng.integers(1, 12))
        digit = str((int(national_id[position]) + int(rng.integers(1, 10))) % 10)
        candidate = with_check_digit(
            national_id[:position] + digit + national_id[position + 1 : 12]
        )
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def build_registers(
    session: Session,
    census_rows: Iterable[dict[str, Any]],
    *,
    round_year: int,
    seed: int,
    faults: dict[str, int],
) -> RegisterWorld:
    """The civil and school extracts of the census rows (those with an ID), the faults planted
    and every child's expected status."""
    unknown = set(faults) - set(FAULTS)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    rules = default_rules()
    school_office, serving = _offices(session)
    tambon_code = {
        (t, d): code
        for code, t, d in session.execute(
            text(
                "SELECT s.code, s.name_th, d.name_th FROM subdistrict s "
                "JOIN district d ON d.code = s.district_code"
            )
        )
    }
    world = RegisterWorld(planted={name: faults.get(name, 0) for name in FAULTS})
    people = []
    for row in census_rows:
        if not row["เลขประจำตัวประชาชน"]:
            continue
        born = parse_thai_date(row["วันเดือนปีเกิด"]).value
        people.append((row, born))
    taken = {row["เลขประจำตัวประชาชน"] for row, _ in people}
    pupils = [
        (i, row, born)
        for i, (row, born) in enumerate(people)
        if row["สถานะ"] == EnrolmentStatus.enrolled.value and row["รหัสโรงเรียน"]
    ]
    order = rng.permutation(len(pupils))
    chosen: dict[str, set[int]] = {}
    cursor = 0
    for name in ("mistyped_id", "counted_twice", "birth_date_differs", "moved_away"):
        picked = [pupils[k][0] for k in order[cursor : cursor + faults.get(name, 0)]]
        cursor += len(picked)
        chosen[name] = set(picked)
    # A name variant is found by birth date and name: only a child no other child shares a
    # birthday and sex with is planted, so the truth does not hang on how close two names are.
    birthdays = Counter((born, row["เพศ"]) for row, born in people)
    alone = [
        pupils[k][0] for k in order[cursor:] if birthdays[(pupils[k][2], pupils[k][1]["เพศ"])] == 1
    ]
    chosen["name_variant"] = variants = set(alone[: faults.get("name_variant", 0)])
    # Two grades below needs a grade two above Anuban 1.
    lowerable = [
        pupils[k][0]
        for k in order[cursor:]
        if GRADES.index(pupils[k][1]["ชั้น"]) >= 2 and pupils[k][0] not in variants
    ]
    chosen["grade_two_below"] = set(lowerable[: faults.get("grade_two_below", 0)])
    schools = sorted({row["รหัสโรงเรียน"] for _, row, _ in pupils})

    for i, (row, born) in enumerate(people):
        tambon = tambon_code[(row["ตำบล"], row["อำเภอ"])]
        world.civil.append(
            {
                "เลขประจำตัวประชาชน": row["เลขประจำตัวประชาชน"],
                "คำนำหน้า": row["คำนำหน้า"],
                "ชื่อ": row["ชื่อ"],
                "นามสกุล": row["นามสกุล"],
                "เพศ": row["เพศ"],
                "วันเดือนปีเกิด": row["วันเดือนปีเกิด"],
                "รหัสบ้าน": row["รหัสบ้าน"],
                "บ้านเลขที่": row["บ้านเลขที่"],
                "หมู่ที่": row["หมู่ที่"],
                "ตำบล": row["ตำบล"],
                "อำเภอ": row["อำเภอ"],
                "จังหวัด": row["จังหวัด"],
            }
        )
        assessed = assess(born, round_year, EnrolmentStatus.not_enrolled, rules)
        in_window = assessed.compulsory_age
        enrolled = row["สถานะ"] == EnrolmentStatus.enrolled.value and bool(row["รหัสโรงเรียน"])
        if not enrolled or i in chosen["moved_away"]:
            world.expected["no_record" if in_window else "outside_window"] += 1
            continue
        record = _pupil(row, row["รหัสโรงเรียน"], row["ชั้น"], rng)
        if i in chosen["mistyped_id"]:
            record["เลขประจำตัวประชาชน"] = _other_id(row["เลขประจำตัวประชาชน"], rng, taken)
            world.expected["pupil_not_registered"] += 1
            world.expected["no_record" if in_window else "outside_window"] += 1
        elif i in chosen["counted_twice"]:
            other = schools[(schools.index(row["รหัสโรงเรียน"]) + 1) % len(schools)]
            world.school.append(_pupil(row, other, row["ชั้น"], rng))
            world.expected["record_conflict"] += 1
        elif i in chosen["birth_date_differs"]:
            record["วันเกิด"] = _be(born - dt.timedelta(days=365))
            world.expected["record_conflict"] += 1
        elif i in chosen["grade_two_below"]:
            record["ชั้น"] = GRADE_SHORT_LABELS_TH[GRADES[GRADES.index(row["ชั้น"]) - 2]]
            world.expected["grade_mismatch"] += 1
        else:
            if i in chosen["name_variant"]:
                record["เลขประจำตัวประชาชน"] = ""
                record["รหัส G"] = f"G{seed % 1000:03d}{i:07d}"
                record["ชื่อ"], record["นามสกุล"] = _spelling_variant(
                    row["คำนำหน้า"], row["ชื่อ"], row["นามสกุล"], rng
                )
                world.name_variants.append((len(world.civil) + 1, len(world.school) + 2))
            stage = assessed.stage
            kinds = (
                ["primary"]
                if stage in ("pre_primary", "primary", "out_of_range")
                else (["secondary", "primary"] if stage == "lower_secondary" else ["secondary"])
            )
            home = {o for kind in kinds for o in serving.get(tambon[:4], {}).get(kind, [])}
            office, school_district = school_office[row["รหัสโรงเรียน"]]
            if office is None:  # a school of another agency: the office of its district
                kind = "secondary" if row["ชั้น"].startswith("M") else "primary"
                office = min(serving.get(school_district, {}).get(kind, []), default=None)
            world.expected["enrolled_in_area" if office in home else "enrolled_elsewhere"] += 1
        world.school.append(record)

    # Pupils from elsewhere borrow a child's name and birthday, never a name variant's (it
    # would then have a second, closer candidate and, rightly, not be linked).
    templates = [person for i, person in enumerate(people) if i not in variants]
    for _ in range(faults.get("moved_in", 0)):
        template, born = templates[int(rng.integers(0, len(templates)))]
        grade = expected_grade(born, round_year, rules) or "P1"
        record = _pupil(template, schools[int(rng.integers(0, len(schools)))], grade, rng)
        record["เลขประจำตัวประชาชน"] = with_check_digit(
            f"1{int(rng.integers(10**10, 10**11)):011d}"[:12]
        )
        while record["เลขประจำตัวประชาชน"] in taken:
            record["เลขประจำตัวประชาชน"] = with_check_digit(
                f"1{int(rng.integers(10**10, 10**11)):011d}"[:12]
            )
        taken.add(record["เลขประจำตัวประชาชน"])
        world.school.append(record)
        world.expected["pupil_not_registered"] += 1
    for n in range(faults.get("g_code", 0)):
        template, born = people[int(rng.integers(0, len(people)))]
        grade = expected_grade(born, round_year, rules) or "P1"
        record = _pupil(template, schools[int(rng.integers(0, len(schools)))], grade, rng)
        record["เลขประจำตัวประชาชน"] = ""
        record["รหัส G"] = f"G{seed % 1000:03d}{9_000_000 + n:07d}"
        record["ชื่อ"] = MIGRANT_FIRST_NAMES[n % len(MIGRANT_FIRST_NAMES)]
        record["นามสกุล"] = MIGRANT_LAST_NAMES[int(rng.integers(0, len(MIGRANT_LAST_NAMES)))]
        world.school.append(record)
        world.expected["pupil_not_registered"] += 1
    return world


# Common ways one name is spelt another way: the letter for the same sound, a tone mark.
_SAME_SOUND = (("น", "ณ"), ("ส", "ศ"), ("ท", "ธ"), ("ไ", "ใ"), ("พ", "ภ"), ("ช", "ฌ"))
_TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"


def _spelling_variant(
    title: str, first: str, last: str, rng: np.random.Generator
) -> tuple[str, str]:
    """The name written another way a school might write it (never the same string)."""
    ways = []
    for plain, other in _SAME_SOUND:
        if plain in first:
            ways.append((first.replace(plain, other, 1), last))
        if plain in last:
            ways.append((first, last.replace(plain, other, 1)))
    for mark in _TONE_MARKS:
        if mark in last:
            ways.append((first, last.replace(mark, "", 1)))
    if len(last) > 2:
        ways.append((first, last[:2] + " " + last[2:]))
    ways.append(((title or "") + first, last))
    ways = [way for way in ways if way != (first, last)]
    return ways[int(rng.integers(0, len(ways)))]


def _be(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year + 543}"


def _pupil(
    row: dict[str, Any], school: str, grade: str, rng: np.random.Generator
) -> dict[str, Any]:
    """A DMC-like row: school, ID, names, sex, birth date, grade as ป.3 and a room."""
    return {
        "รหัสโรงเรียน": school,
        "เลขประจำตัวประชาชน": row["เลขประจำตัวประชาชน"],
        "รหัส G": "",
        "คำนำหน้า": row["คำนำหน้า"],
        "ชื่อ": row["ชื่อ"],
        "นามสกุล": row["นามสกุล"],
        "เพศ": row["เพศ"],
        "วันเกิด": row["วันเดือนปีเกิด"],
        "ชั้น": GRADE_SHORT_LABELS_TH.get(grade, grade),
        "ห้อง": str(int(rng.integers(1, 4))),
    }


def write_registers(world: RegisterWorld, directory: Path, *, seed: int) -> dict[str, Path]:
    """The two extracts as CSV (UTF-8 with BOM, as Excel saves them) and the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "civil": directory / f"civil_register_synthetic_{seed}.csv",
        "school": directory / f"school_records_synthetic_{seed}.csv",
        "manifest": directory / f"registers_synthetic_{seed}.manifest.json",
    }
    for kind, headers, rows in (
        ("civil", CIVIL_HEADERS, world.civil),
        ("school", SCHOOL_HEADERS, world.school),
    ):
        with paths[kind].open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, headers)
            writer.writeheader()
            writer.writerows(rows)
    paths["manifest"].write_text(
        json.dumps(
            {
                "synthetic": True,
                "seed": seed,
                "planted": world.planted,
                "expected_statuses": dict(sorted(world.expected.items())),
                "name_variants": [
                    {"civil_row": civil, "school_row": school}
                    for civil, school in world.name_variants
                ],
                "civil_rows": len(world.civil),
                "school_rows": len(world.school),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return paths
