"""Importing the registers a census starts from: a civil-registration extract (DOPA's house
register, one row a child: ID, names, sex, birth date, registered address) and school-record
extracts (OBEC's DMC student list and the other agencies' lists, one row a pupil: school,
ID or G-code, names, sex, birth date, grade, room) with their counting day.

The same file formats and messages as the census import (CSV or XLSX, UTF-8 or cp874, Thai or
English headers, a title row above the header found, every rejected row named in Thai); all
rows or none, unless ``accept_valid``. The same file again adds nothing; a newer extract of the
same round, kind and agency supersedes the older (matching reads the current ones only).
IDs are kept as the census keeps them: a keyed hash, encrypted, masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.dates import DateProblem, parse_thai_date
from census.forms import SEX_VALUES, Problems, parse_grade, parse_moo, read_identity, text_or_none
from census.importer import ALIASES, ImportReport, Places, RowError, open_round
from census.privacy import encrypt_national_id, mask_national_id, national_id_hash
from census.records_enrolment import enrolment_from_records
from census.register_models import AGENCIES
from kernel.bulk import copy_rows
from kernel.config import Settings
from kernel.errors import InvalidInputError
from kernel.tabular import TableError, open_table, unknown_headers_note

REGISTER_ALIASES = ALIASES | {
    "room": ("ห้อง", "ห้องเรียน", "room", "class room"),
    "school_code": ("รหัสโรงเรียน", "รหัสโรงเรียน 10 หลัก", "รหัส obec", "school code", "school_id"),
}
COLUMNS = (
    "extract_id",
    "row_number",
    "national_id_hash",
    "national_id_encrypted",
    "national_id_masked",
    "g_code",
    "title",
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "house_code",
    "house_number",
    "moo",
    "subdistrict_code",
    "school_code",
    "grade",
    "room",
)
# The civil registration is DOPA's, or a hand-over list from another office; pupil records are
# the schools' agencies'.
CIVIL_AGENCIES = ("dopa", "handover")
SCHOOL_AGENCIES = tuple(a for a in AGENCIES if a not in CIVIL_AGENCIES)
# Extracts that add to the round rather than replace the previous one of their agency.
ADDING_AGENCIES = ("handover",)

# An SMIS code (8 digits, the older Ministry code some school lists still carry) against the
# 10-digit OBEC code the registry keeps: a crosswalk file, one row a school.
CROSSWALK_ALIASES = {
    "smis_code": ("รหัส smis", "smis", "smis code", "รหัส 8 หลัก", "รหัสโรงเรียน 8 หลัก"),
    "school_code": ("รหัส obec", "รหัสโรงเรียน", "รหัสโรงเรียน 10 หลัก", "obec code", "school code"),
}


def read_crosswalk(path: Path) -> dict[str, str]:
    """SMIS code → OBEC code from a crosswalk file (CSV or XLSX); a bad row is refused by its
    number, and so is an SMIS code given two OBEC codes."""
    try:
        table = open_table(path, CROSSWALK_ALIASES)
    except TableError as exc:
        raise InvalidInputError("crosswalk", f"{path.name}: {exc}") from exc
    missing = [f for f in CROSSWALK_ALIASES if f not in table.columns]
    if missing:
        names = ", ".join(f"{CROSSWALK_ALIASES[f][0]} ({f})" for f in missing)
        raise InvalidInputError("crosswalk", f"{path.name}: ไม่มีคอลัมน์ {names} (missing column)")
    codes: dict[str, str] = {}
    for number, row in table.rows:
        smis = text_or_none(row.get("smis_code")) or ""
        obec = text_or_none(row.get("school_code")) or ""
        if not (smis.isdigit() and len(smis) == 8 and obec.isdigit() and len(obec) == 10):
            raise InvalidInputError(
                "crosswalk",
                f"{path.name} แถว {number}: รหัส SMIS 8 หลัก และรหัส OBEC 10 หลัก "
                f"(row {number}: expected an 8-digit SMIS and a 10-digit OBEC code, "
                f"got {smis!r}, {obec!r})",
            )
        if codes.setdefault(smis, obec) != obec:
            raise InvalidInputError(
                "crosswalk",
                f"{path.name} แถว {number}: รหัส SMIS {smis} ซ้ำกับรหัส OBEC อื่น "
                f"(row {number}: SMIS {smis} given two OBEC codes)",
            )
    return codes


# A child of the census window is at most this old; an older birth year is a B.E./C.E. mix-up
# (2019 read as B.E. is 1476 C.E.) or not a child.
MAX_AGE_YEARS = 30


@dataclass(frozen=True)
class Extract:
    """What an import is: a civil-registration or school-records extract of a round, of an
    agency, as of a date (the extract's date, or the school records' counting day)."""

    round_year: int
    kind: str  # civil | school
    agency: str
    as_of: dt.date

    def __post_init__(self) -> None:
        if self.kind not in ("civil", "school"):
            raise InvalidInputError("kind", "civil or school")
        allowed = CIVIL_AGENCIES if self.kind == "civil" else SCHOOL_AGENCIES
        if self.agency not in allowed:
            raise InvalidInputError(
                "agency", f"for {self.kind} records one of {', '.join(allowed)}"
            )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Rows:
    """Checks one row at a time, naming each problem with its row and field."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        extract: Extract,
        crosswalk: dict[str, str] | None,
    ) -> None:
        self.settings = settings
        self.extract = extract
        self.crosswalk = crosswalk
        self.places = Places(session) if extract.kind == "civil" else None
        self.schools = (
            frozenset(session.scalars(text("SELECT code FROM school")))
            if extract.kind == "school"
            else frozenset()
        )
        self.oldest = dt.date(extract.as_of.year - MAX_AGE_YEARS, 1, 1)

    def check(
        self, number: int, row: dict[str, Any], report: ImportReport
    ) -> tuple[Any, ...] | None:
        found = Problems()
        national_id, g_code = read_identity(row, found)
        problems = [(p.field, p.value, p.message) for p in found.items]
        if not national_id and not g_code and not problems:
            problems.append(
                ("national_id", None, "ต้องมีเลขประจำตัวประชาชนหรือรหัส G (an ID or a G-code)")
            )
        first, last = text_or_none(row.get("first_name")), text_or_none(row.get("last_name"))
        for name, value in (("first_name", first), ("last_name", last)):
            if value is None:
                problems.append((name, None, "ต้องกรอก (required)"))
        sex_raw = text_or_none(row.get("sex"))
        sex = SEX_VALUES.get((sex_raw or "").lower())
        if sex is None:
            problems.append(("sex", sex_raw, "ใช้ ชาย/หญิง, ช/ญ, M/F หรือ 1/2 (sex not recognised)"))
        born: dt.date | None = None
        try:
            born = parse_thai_date(row.get("birth_date")).value
        except DateProblem as exc:
            problems.append(("birth_date", text_or_none(row.get("birth_date")), str(exc)))
        if born is not None and not (self.oldest <= born <= self.extract.as_of):
            problems.append(
                (
                    "birth_date",
                    born.isoformat(),
                    f"วันเกิด {born.year + 543} (พ.ศ.) ไม่ใช่ของเด็กในรอบนี้ ปี พ.ศ./ค.ศ. สลับกันหรือไม่ "
                    f"(born {born.isoformat()}: not a child of this round; B.E./C.E. mix-up?)",
                )
            )
        address: tuple[Any, ...] = (None, None, None, None)
        school: tuple[Any, ...] = (None, None, None)
        if self.places is not None:
            tambon = self.places.subdistrict(row)
            if tambon is None:
                problems.append(
                    (
                        "subdistrict",
                        text_or_none(row.get("subdistrict_code") or row.get("subdistrict")),
                        "ไม่พบตำบลนี้ (tambon not found by code or by tambon/district/province)",
                    )
                )
            house_code = text_or_none(row.get("house_code"))
            if house_code and not (house_code.isdigit() and len(house_code) == 11):
                problems.append(("house_code", house_code, "รหัสบ้านมี 11 หลัก (11 digits)"))
            address = (
                house_code,
                text_or_none(row.get("house_number")),
                parse_moo(row.get("moo")),
                tambon,
            )
        else:
            code = text_or_none(row.get("school_code"))
            if code is not None and len(code) == 8 and code.isdigit():
                if self.crosswalk is None:
                    problems.append(
                        (
                            "school_code",
                            code,
                            "รหัส SMIS 8 หลัก: ใช้ไฟล์เทียบรหัส (--crosswalk) หรือรหัส OBEC 10 หลัก "
                            "(an SMIS code: give a crosswalk file, or the 10-digit OBEC code)",
                        )
                    )
                    code = None
                elif code in self.crosswalk:
                    code = self.crosswalk[code]
                else:
                    problems.append(
                        ("school_code", code, "ไม่มีรหัส SMIS นี้ในไฟล์เทียบรหัส (not in the crosswalk)")
                    )
                    code = None
            if code is None:
                if not any(field == "school_code" for field, _, _ in problems):
                    problems.append(("school_code", None, "ต้องกรอก (required)"))
            elif code not in self.schools:
                problems.append(
                    ("school_code", code, "ไม่มีโรงเรียนรหัสนี้ในทะเบียน (no school with this code)")
                )
            grade_raw = text_or_none(row.get("grade"))
            grade = parse_grade(grade_raw) if grade_raw else None
            if grade is None:
                problems.append(
                    ("grade", grade_raw, "ใช้ อ.1-3, ป.1-6 หรือ ม.1-6 (a grade K1-M6 is required)")
                )
            school = (code, grade, text_or_none(row.get("room")))
        for field, value, message in problems:
            report.add_error(
                RowError(number, field, None if value is None else str(value), message)
            )
        if problems:
            return None
        return (
            national_id_hash(self.settings, national_id) if national_id else None,
            encrypt_national_id(self.settings, national_id) if national_id else None,
            mask_national_id(national_id),
            g_code.upper() if g_code else None,
            text_or_none(row.get("title")),
            first,
            last,
            sex,
            born,
            *address,
            *school,
        )


def import_register_file(
    session: Session,
    settings: Settings,
    path: Path,
    extract: Extract,
    *,
    accept_valid: bool = False,
    imported_by: int | None = None,
    sheet: str | None = None,
    crosswalk: dict[str, str] | None = None,
    set_enrolment: bool = False,
) -> ImportReport:
    """Check every row, then store the extract (all rows, or with ``accept_valid`` the valid
    ones). School codes of 8 digits (SMIS) are read through ``crosswalk`` (``read_crosswalk``);
    with ``set_enrolment`` the schools' enrolment for the year is then counted from the current
    school records (``census.records_enrolment``).
    The caller owns the transaction: commit when ``report.stored``."""
    open_round(session, extract.round_year)
    report = ImportReport(source=path.name, round_year=extract.round_year)
    digest = _sha256(path)
    existing = session.execute(
        text(
            "SELECT id FROM register_extract WHERE round_year = :r AND kind = :k AND agency = :a "
            "AND content_sha256 = :h"
        ),
        {"r": extract.round_year, "k": extract.kind, "a": extract.agency, "h": digest},
    ).scalar()
    if existing is not None:
        report.notes.append(f"this file was imported already (extract {existing}): nothing added")
        report.stored = True
        return report
    try:
        table = open_table(path, REGISTER_ALIASES, sheet=sheet)
    except TableError as exc:
        report.add_error(RowError(1, "file", None, str(exc)))
        return report
    report.encoding = table.encoding
    needed = ["first_name", "last_name", "sex", "birth_date"]
    if extract.kind == "school":
        needed += ["school_code", "grade"]
    elif "subdistrict_code" not in table.columns:
        needed.append("subdistrict")  # by names (ตำบล, อำเภอ, จังหวัด) when no code
    missing = [f for f in needed if f not in table.columns]
    if "national_id" not in table.columns and "g_code" not in table.columns:
        missing.append("national_id")
    if missing:
        names = ", ".join(f"{REGISTER_ALIASES[f][0]} ({f})" for f in missing)
        report.add_error(
            RowError(1, "header", None, f"ไม่มีคอลัมน์ที่ต้องใช้: {names} (missing column(s))")
        )
        return report
    if table.unknown_headers:
        report.notes.append(unknown_headers_note(table.unknown_headers))
    if table.header_row > 1:
        report.notes.append(f"header found on row {table.header_row} (rows above it skipped)")

    extract_id = session.execute(
        text(
            "INSERT INTO register_extract (round_year, kind, agency, as_of, source_name, "
            "content_sha256, rows, imported_by) VALUES (:r, :k, :a, :d, :n, :h, 0, :u) "
            "RETURNING id"
        ),
        {
            "r": extract.round_year,
            "k": extract.kind,
            "a": extract.agency,
            "d": extract.as_of,
            "n": path.name,
            "h": digest,
            "u": imported_by,
        },
    ).scalar_one()
    checker = _Rows(session, settings, extract, crosswalk)

    def valid_rows() -> Any:
        try:
            for number, row in table.rows:
                report.rows_read += 1
                checked = checker.check(number, row, report)
                if checked is not None:
                    yield (extract_id, number, *checked)
        except TableError as exc:  # a row no reader can parse ends the file, naming the row
            report.add_error(RowError(exc.row or 1, "file", None, str(exc)))

    stored = copy_rows(session.connection(), "register_record", COLUMNS, valid_rows())
    report.rows_rejected = len(report.rejected_rows)
    if report.error_count and not accept_valid:
        return report  # the caller rolls back the extract and its rows
    report.children_new = stored
    session.execute(
        text("UPDATE register_extract SET rows = :n WHERE id = :id"),
        {"n": stored, "id": extract_id},
    )
    if extract.agency not in ADDING_AGENCIES:
        _supersede(session, extract)
    # Matching joins tens of thousands of fresh rows: with the statistics of the table before
    # the import the planner picks nested loops (minutes instead of seconds on Nan).
    session.execute(text("ANALYZE register_extract, register_record"))
    if set_enrolment and extract.kind == "school":
        schools = enrolment_from_records(session, extract.round_year)
        report.notes.append(
            f"enrolment of {schools} school(s) for {extract.round_year} set from the current "
            "school records (their source of truth)"
        )
    report.stored = True
    return report


def _supersede(session: Session, extract: Extract) -> None:
    """The newest extract (by its date, then by import) of a round, kind and agency is the
    current one; every other is marked superseded by it."""
    session.execute(
        text(
            """
        WITH newest AS (
            SELECT id FROM register_extract
            WHERE round_year = :r AND kind = :k AND agency = :a
            ORDER BY as_of DESC, id DESC LIMIT 1
        )
        UPDATE register_extract e SET superseded_by = CASE WHEN e.id = n.id THEN NULL ELSE n.id END
        FROM newest n
        WHERE e.round_year = :r AND e.kind = :k AND e.agency = :a
        """
        ),
        {"r": extract.round_year, "k": extract.kind, "a": extract.agency},
    )
