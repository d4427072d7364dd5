"""The census form: one child's row cleaned and checked, field by field, for every channel
(file imports and REST submissions share these rules)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from census.dates import THAI_DIGITS, DateProblem, ParsedDate, parse_thai_date
from census.identity import clean_national_id, excel_mangled_id, national_id_problem
from census.privacy import encrypt_national_id, mask_national_id, national_id_hash
from census.rules import GRADES, EnrolmentStatus, default_rules, full_years
from kernel.config import Settings

HOUSEHOLD_NAMESPACE = uuid.UUID("6f1f2c1e-6a53-4a8e-9d0e-2d3c5e7a9b10")

SEX_VALUES = {
    "ชาย": "M",
    "ช": "M",
    "m": "M",
    "male": "M",
    "1": "M",
    "ด.ช.": "M",
    "หญิง": "F",
    "ญ": "F",
    "f": "F",
    "female": "F",
    "2": "F",
    "ด.ญ.": "F",
}
TITLE_SEX = {
    "ด.ช.": "M",
    "เด็กชาย": "M",
    "นาย": "M",
    "ด.ญ.": "F",
    "เด็กหญิง": "F",
    "นางสาว": "F",
    "น.ส.": "F",
}
STATUS_VALUES = {
    "enrolled": EnrolmentStatus.enrolled,
    "กำลังเรียน": EnrolmentStatus.enrolled,
    "เรียน": EnrolmentStatus.enrolled,
    "กำลังศึกษา": EnrolmentStatus.enrolled,
    "enrolled_outside_area": EnrolmentStatus.enrolled_outside_area,
    "เรียนนอกเขต": EnrolmentStatus.enrolled_outside_area,
    "นอกเขต": EnrolmentStatus.enrolled_outside_area,
    "not_enrolled": EnrolmentStatus.not_enrolled,
    "ไม่ได้เรียน": EnrolmentStatus.not_enrolled,
    "ออกกลางคัน": EnrolmentStatus.not_enrolled,
    "ไม่เรียน": EnrolmentStatus.not_enrolled,
    "completed_m3": EnrolmentStatus.completed_m3,
    "จบม.3": EnrolmentStatus.completed_m3,
    "จบม.๓": EnrolmentStatus.completed_m3,
    "จบการศึกษาภาคบังคับ": EnrolmentStatus.completed_m3,
}
TRUE_WORDS = {"1", "y", "yes", "true", "มี", "ใช่", "พิการ"}
FALSE_WORDS = {"0", "n", "no", "false", "ไม่มี", "ไม่ใช่", "ไม่พิการ", "-"}
REQUIRED = "ต้องกรอก (required)"
UNKNOWN_STATUS_REASON = "ไม่ทราบสถานะ (รอตรวจสอบกับข้อมูลนักเรียน)"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    value: Any
    message: str


@dataclass
class ChildRecord:
    """A checked child, ready to store (the national ID already encrypted and hashed)."""

    person_key: str
    id_kind: str
    national_id_encrypted: bytes | None
    national_id_hash: str | None
    national_id_masked: str | None
    g_code: str | None
    no_id_reason: str | None
    title: str | None
    first_name: str
    last_name: str
    sex: str
    birth_date: dt.date
    birth_date_era: str
    nationality: str | None
    guardian_name: str | None
    guardian_relationship: str | None
    disability: bool
    move_in_date: dt.date | None
    enrolment_status: str
    school_code: str | None
    grade: str | None
    not_enrolled_reason: str | None


@dataclass
class Problems:
    items: list[FieldProblem] = field(default_factory=list)

    def add(self, name: str, value: Any, message: str) -> None:
        self.items.append(FieldProblem(name, value, message))


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text_value = str(value).strip()
    return text_value or None


def _date(problems: Problems, name: str, value: Any, required: bool) -> ParsedDate | None:
    if value in (None, ""):
        if required:
            problems.add(name, value, REQUIRED)
        return None
    try:
        return parse_thai_date(value)
    except DateProblem as exc:
        problems.add(name, value, str(exc))
        return None


def read_identity(raw: Mapping[str, Any], problems: Problems) -> tuple[str | None, str | None]:
    """A row's 13-digit ID (digits only) and G-code, each problem with them added: an ID a
    spreadsheet turned into scientific notation, a wrong length or check digit, a malformed
    G-code. Census forms and register extracts read IDs alike."""
    national_id = clean_national_id(raw.get("national_id")) or None
    g_code = text_or_none(raw.get("g_code"))
    if mangled := excel_mangled_id(raw.get("national_id")):
        problems.add("national_id", str(raw.get("national_id")), mangled)
    elif national_id and (problem := national_id_problem(national_id)):
        problems.add("national_id", mask_national_id(national_id), problem)
    if g_code and not re.fullmatch(r"[Gg]\d{9,12}", g_code):
        problems.add(
            "g_code",
            g_code,
            "รหัส G คือ G ตามด้วยตัวเลข 9-12 หลัก (a G-code is G followed by 9-12 digits)",
        )
    return national_id, g_code


def clean_child(
    raw: Mapping[str, Any],
    settings: Settings,
    academic_year: int,
    school_codes: set[str] | frozenset[str] | None = None,
) -> tuple[ChildRecord | None, list[FieldProblem]]:
    """Check one child's fields. Returns the record, or None with every problem found."""
    problems = Problems()
    national_id, g_code = read_identity(raw, problems)
    no_id_reason = text_or_none(raw.get("no_id_reason"))
    id_kind = "national_id" if national_id else "g_code" if g_code else "none"
    if id_kind == "none" and not no_id_reason:
        problems.add(
            "national_id",
            None,
            "กรอกเลขประจำตัว 13 หลัก รหัส G หรือเหตุที่ไม่มีเลข "
            "(give the 13-digit ID, a G-code, or why there is none)",
        )

    title = text_or_none(raw.get("title"))
    first_name = text_or_none(raw.get("first_name"))
    last_name = text_or_none(raw.get("last_name"))
    if not first_name:
        problems.add("first_name", raw.get("first_name"), REQUIRED)
    if not last_name:
        problems.add("last_name", raw.get("last_name"), REQUIRED)

    sex_raw = text_or_none(raw.get("sex"))
    sex = SEX_VALUES.get((sex_raw or "").lower().replace(" ", "")) if sex_raw else None
    if sex is None and not sex_raw and title:
        sex = TITLE_SEX.get(title)
    if sex is None:
        problems.add("sex", sex_raw, "ใช้ ชาย/หญิง, ช/ญ, M/F หรือ 1/2 (use one of these)")

    birth = _date(problems, "birth_date", raw.get("birth_date"), required=True)
    rules = default_rules()
    if birth is not None:
        today = dt.date.today()
        if birth.value > today:
            problems.add(
                "birth_date",
                raw.get("birth_date"),
                "เป็นวันในอนาคต ปี พ.ศ./ค.ศ. สลับกันหรือไม่ (is in the future: B.E./C.E. mix-up?)",
            )
        else:
            cutoff = dt.date(academic_year - 543, rules.cutoff_month, rules.cutoff_day)
            age = full_years(birth.value, cutoff)
            if not rules.min_age <= age <= rules.max_age:
                problems.add(
                    "birth_date",
                    raw.get("birth_date"),
                    f"อายุ {age} ปี ณ วันตัดยอดของรอบ อยู่นอกช่วง "
                    f"{rules.min_age}-{rules.max_age} ปี ปี พ.ศ./ค.ศ. สลับกันหรือไม่ "
                    f"(age {age} on the round's cutoff is outside "
                    f"{rules.min_age}-{rules.max_age}: B.E./C.E. mix-up?)",
                )
    move_in = _date(problems, "move_in_date", raw.get("move_in_date"), required=False)

    disability_raw = text_or_none(raw.get("disability"))
    disability = False
    if disability_raw is not None:
        lowered = disability_raw.lower()
        if lowered in TRUE_WORDS or (lowered not in FALSE_WORDS and "พิการ" in lowered):
            disability = True
        elif lowered not in FALSE_WORDS:
            problems.add("disability", disability_raw, "ใช้ มี/ไม่มี (use มี/ไม่มี or yes/no)")

    guardian = text_or_none(raw.get("guardian_name"))
    relationship = text_or_none(raw.get("guardian_relationship"))
    if guardian is None:
        for key, label in (("father_name", "บิดา"), ("mother_name", "มารดา")):
            if name := text_or_none(raw.get(key)):
                guardian, relationship = name, relationship or label
                break

    school_code = text_or_none(raw.get("school_code"))
    grade_raw = text_or_none(raw.get("grade"))
    grade = parse_grade(grade_raw) if grade_raw else None
    if grade_raw and grade is None:
        problems.add(
            "grade", grade_raw, "ใช้ อ.1-3, ป.1-6 หรือ ม.1-6 (use อ.1-3, ป.1-6, ม.1-6 or K1..M6)"
        )
    if school_code and school_codes is not None and school_code not in school_codes:
        problems.add(
            "school_code",
            school_code,
            "ไม่มีโรงเรียนรหัสนี้ในทะเบียน (no school with this code in the registry)",
        )
    status_raw = text_or_none(raw.get("enrolment_status"))
    reason = text_or_none(raw.get("not_enrolled_reason"))
    if status_raw:
        status = STATUS_VALUES.get(status_raw.lower().replace(" ", ""))
        if status is None:
            problems.add(
                "enrolment_status",
                status_raw,
                "ใช้ กำลังเรียน, เรียนนอกเขต, ไม่ได้เรียน หรือ จบ ม.3 (status not recognised)",
            )
    else:
        status = EnrolmentStatus.enrolled if school_code else EnrolmentStatus.not_enrolled
        if status is EnrolmentStatus.not_enrolled and not reason:
            reason = UNKNOWN_STATUS_REASON
    if status is EnrolmentStatus.enrolled and not school_code:
        problems.add(
            "school_code",
            None,
            "เด็กที่กำลังเรียนต้องมีรหัสโรงเรียน (an enrolled child needs the school's code)",
        )
    if status is EnrolmentStatus.not_enrolled and not reason:
        reason = UNKNOWN_STATUS_REASON

    if problems.items or birth is None or sex is None or not first_name or not last_name:
        return None, problems.items
    assert status is not None
    if national_id:
        key = national_id_hash(settings, national_id)
    elif g_code:
        key = "g:" + g_code.upper()
    else:
        key = hashlib.sha256(f"{first_name}|{last_name}|{birth.value}".encode()).hexdigest()
    return ChildRecord(
        person_key=key,
        id_kind=id_kind,
        national_id_encrypted=encrypt_national_id(settings, national_id) if national_id else None,
        national_id_hash=key if national_id else None,
        national_id_masked=mask_national_id(national_id),
        g_code=g_code.upper() if g_code else None,
        no_id_reason=no_id_reason if id_kind == "none" else None,
        title=title,
        first_name=first_name,
        last_name=last_name,
        sex=sex,
        birth_date=birth.value,
        birth_date_era=birth.era,
        nationality=text_or_none(raw.get("nationality")),
        guardian_name=guardian,
        guardian_relationship=relationship,
        disability=disability,
        move_in_date=move_in.value if move_in else None,
        enrolment_status=status.value,
        school_code=school_code
        if status in (EnrolmentStatus.enrolled, EnrolmentStatus.enrolled_outside_area)
        else None,
        grade=grade,
        not_enrolled_reason=reason if status is EnrolmentStatus.not_enrolled else None,
    ), []


_GRADE_PREFIXES = (
    ("อนุบาล", "K"),
    ("อ.", "K"),
    ("ประถมศึกษาปีที่", "P"),
    ("ป.", "P"),
    ("มัธยมศึกษาปีที่", "M"),
    ("ม.", "M"),
)


def parse_grade(value: str) -> str | None:
    compact = value.replace(" ", "").upper()
    if compact in GRADES:
        return compact
    for word, prefix in _GRADE_PREFIXES:
        if value.replace(" ", "").startswith(word):
            candidate = prefix + value.replace(" ", "")[len(word) :]
            return candidate if candidate in GRADES else None
    return None


def parse_moo(value: Any) -> int | None:
    """'3', 'หมู่ 3', 'ม.3', '๓' -> 3; None if absent or not a number 1-99."""
    text_value = str(value or "").translate(THAI_DIGITS)
    digits = re.sub(r"^(หมู่ที่|หมู่|ม\.)\s*", "", text_value.strip())
    if digits.endswith(".0"):
        digits = digits[:-2]
    return int(digits) if digits.isdigit() and 1 <= int(digits) <= 99 else None


def household_uuid(round_year: int, key: str) -> uuid.UUID:
    """A stable id for an imported household, so importing the file again adds nothing."""
    return uuid.uuid5(HOUSEHOLD_NAMESPACE, f"{round_year}:{key}")
