"""Bulk census import from CSV/XLSX (house-register extracts and census forms).

Rows stream from the file into temporary tables through COPY; households and children are
then inserted in one statement each, inside one transaction. Default all-or-nothing: any
rejected row and nothing is stored. ``accept_valid`` stores the valid rows and returns the
rejected ones to fix and upload again. Importing the same (or an overlapping) file again adds
nothing: households have stable ids, children are keyed within their household.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from census.forms import FieldProblem, clean_child, household_uuid, parse_moo
from census.locations import OUTSIDE_TAMBON_M_SQL, is_confirmed, too_far_message
from kernel.bulk import copy_rows
from kernel.cells import csv_row
from kernel.config import Settings
from kernel.errors import ConflictError, NotFoundError
from kernel.extent import in_thailand
from kernel.names import admin_key
from kernel.tabular import Table, TableError, detect_text_encoding, open_table, unknown_headers_note

ALIASES: dict[str, tuple[str, ...]] = {
    "national_id": (
        "เลขประจำตัวประชาชน",
        "เลขบัตรประชาชน",
        "เลขประจำตัว",
        "national id",
        "national_id",
        "id card",
        "citizen id",
        "pid",
    ),
    "g_code": ("รหัส g", "เลข g", "g-code", "g code", "gcode"),
    "no_id_reason": ("เหตุที่ไม่มีเลขประจำตัว", "no id reason"),
    "title": ("คำนำหน้า", "คำนำหน้าชื่อ", "title", "prefix"),
    "first_name": ("ชื่อ", "first name", "given name", "name"),
    "last_name": ("นามสกุล", "last name", "surname", "family name"),
    "sex": ("เพศ", "sex", "gender"),
    "birth_date": (
        "วันเกิด",
        "วันเดือนปีเกิด",
        "วัน/เดือน/ปีเกิด",
        "birth date",
        "date of birth",
        "dob",
        "birthdate",
    ),
    "nationality": ("สัญชาติ", "nationality"),
    "house_code": ("รหัสบ้าน", "house code", "house id"),
    "house_number": ("บ้านเลขที่", "เลขที่", "house number", "house no", "house no."),
    "moo": ("หมู่", "หมู่ที่", "moo", "village no", "village number"),
    "subdistrict": ("ตำบล", "แขวง", "subdistrict", "tambon"),
    "district": ("อำเภอ", "เขต", "district", "amphoe"),
    "province": ("จังหวัด", "province", "changwat"),
    "subdistrict_code": ("รหัสตำบล", "subdistrict code", "tambon code"),
    "father_name": ("ชื่อบิดา", "father name", "father"),
    "mother_name": ("ชื่อมารดา", "mother name", "mother"),
    "guardian_name": ("ผู้ปกครอง", "ชื่อผู้ปกครอง", "guardian", "guardian name"),
    "guardian_relationship": ("ความสัมพันธ์", "ความเกี่ยวข้อง", "relationship"),
    "move_in_date": ("วันที่ย้ายเข้า", "move in date", "move-in date", "moved in"),
    "disability": ("ความพิการ", "พิการ", "disability"),
    "school_code": ("รหัสโรงเรียน", "school code"),
    "grade": ("ชั้น", "ระดับชั้น", "grade", "class"),
    "enrolment_status": ("สถานะ", "สถานะการศึกษา", "status", "enrolment status"),
    "not_enrolled_reason": ("สาเหตุที่ไม่ได้เรียน", "reason not enrolled", "reason"),
    "latitude": ("ละติจูด", "lat", "latitude"),
    "longitude": ("ลองจิจูด", "lon", "lng", "long", "longitude"),
    "location_confirmed": ("ยืนยันพิกัด", "location confirmed", "confirmed"),
}
# The Thai column name of each field, for the people reading an import's report.
FIELD_LABELS_TH = {field: names[0] for field, names in ALIASES.items()} | {
    "file": "ไฟล์",
    "header": "หัวตาราง",
}
REPORT_CSV_HEADER = ("แถว", "ช่อง", "field", "ค่าในไฟล์", "ปัญหา")
PROGRESS_EVERY = 5_000
MAX_ERRORS_IN_REPORT = 1_000


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    value: str | None
    message: str


@dataclass
class ImportReport:
    """What an import did; ``errors`` names every rejected row and field."""

    source: str
    round_year: int
    encoding: str | None = None
    rows_read: int = 0
    rows_rejected: int = 0
    households_new: int = 0
    children_new: int = 0
    children_already_stored: int = 0
    stored: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    # Every rejected row number, even past the errors kept for the report.
    rejected_rows: set[int] = field(default_factory=set)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if error.row > 1:
            self.rejected_rows.add(error.row)
        if len(self.errors) < MAX_ERRORS_IN_REPORT:
            self.errors.append(error)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "round": self.round_year,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected,
            "households_new": self.households_new,
            "children_new": self.children_new,
            "children_already_stored": self.children_already_stored,
            "stored": self.stored,
            "error_count": self.error_count,
            "errors": [
                e.__dict__ | {"field_th": FIELD_LABELS_TH.get(e.field, e.field)}
                for e in self.errors
            ],
            "notes": self.notes,
        }

    def write_errors_csv(self, path: Path) -> None:
        """The per-row report as CSV (UTF-8 with BOM, so Excel shows the Thai)."""
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(REPORT_CSV_HEADER)
            for e in self.errors:
                label = FIELD_LABELS_TH.get(e.field, e.field)
                writer.writerow(csv_row([e.row, label, e.field, e.value or "", e.message]))


class Places:
    """Tambon codes from names, village and tambon points: read once per import."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(
            text(
                """
            SELECT s.code, s.name_th, d.name_th, p.name_th
            FROM subdistrict s JOIN district d ON d.code = s.district_code
            JOIN province p ON p.code = s.province_code
            """
            )
        ).all()
        self.by_names: dict[tuple[str, str, str], str] = {}
        self.by_province_tambon: dict[tuple[str, str], list[str]] = {}
        self.codes: set[str] = set()
        for code, tambon, district, province in rows:
            key = (admin_key(province), admin_key(district), admin_key(tambon))
            self.by_names[key] = code
            self.by_province_tambon.setdefault((key[0], key[2]), []).append(code)
            self.codes.add(code)
        self.village: dict[str, tuple[int, float, float]] = {
            code: (vid, lon, lat)
            for code, vid, lon, lat in session.execute(
                text(
                    "SELECT DISTINCT ON (code) code, id, ST_X(geom), ST_Y(geom) FROM village "
                    "WHERE code IS NOT NULL ORDER BY code, id"
                )
            )
        }

    def subdistrict(self, row: dict[str, Any]) -> str | None:
        code = str(row.get("subdistrict_code") or "").strip()
        if code:
            return code if code in self.codes else None
        province = admin_key(str(row.get("province") or ""))
        district = admin_key(str(row.get("district") or ""))
        tambon = admin_key(str(row.get("subdistrict") or ""))
        found = self.by_names.get((province, district, tambon))
        if found is None:
            candidates = self.by_province_tambon.get((province, tambon), [])
            found = candidates[0] if len(candidates) == 1 else None
        return found


def open_round(session: Session, round_year: int) -> None:
    state = session.execute(
        text("SELECT state FROM census_round WHERE academic_year = :y"), {"y": round_year}
    ).scalar()
    if state is None:
        raise NotFoundError(f"no census round for academic year {round_year}")
    if state != "open":
        raise ConflictError(f"the census round {round_year} is closed")


_STAGING = """
    CREATE TEMP TABLE staging_child (
        row_number int, household_uuid uuid, house_number text, moo smallint,
        village_code text, village_id int, subdistrict_code text, house_code text,
        lon float8, lat float8, location_source text, accuracy_m float8,
        location_confirmed bool, location_outside_m float8, person_key text, id_kind text,
        national_id_encrypted bytea, national_id_hash text,
        g_code text, no_id_reason text, title text, first_name text, last_name text, sex text,
        birth_date date, nationality text, guardian_name text, guardian_relationship text,
        disability bool, move_in_date date, enrolment_status text, school_code text, grade text,
        not_enrolled_reason text
    ) ON COMMIT DROP;
    CREATE TEMP TABLE staging_key (row_number int, household_uuid uuid, person_key text)
        ON COMMIT DROP;
    CREATE TEMP TABLE staging_tambon_point (code text PRIMARY KEY, point geometry,
        radius_m float8) ON COMMIT DROP
"""
_STAGING_COLUMNS = [
    "row_number",
    "household_uuid",
    "house_number",
    "moo",
    "village_code",
    "village_id",
    "subdistrict_code",
    "house_code",
    "lon",
    "lat",
    "location_source",
    "accuracy_m",
    "location_confirmed",
    "location_outside_m",
    "person_key",
    "id_kind",
    "national_id_encrypted",
    "national_id_hash",
    "g_code",
    "no_id_reason",
    "title",
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "nationality",
    "guardian_name",
    "guardian_relationship",
    "disability",
    "move_in_date",
    "enrolment_status",
    "school_code",
    "grade",
    "not_enrolled_reason",
]


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def import_census_file(
    session: Session,
    settings: Settings,
    path: Path,
    round_year: int,
    *,
    source: str | None = None,
    accept_valid: bool = False,
    progress: Callable[[int], None] | None = None,
    may_write: Callable[[str, int | None], bool] | None = None,
    surveyor_id: int | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Validate every row, then store all (or, with ``accept_valid``, the valid) rows.

    The caller owns the transaction: commit when ``report.stored``; roll back otherwise.
    """
    open_round(session, round_year)
    report = ImportReport(source=path.name, round_year=round_year)
    try:
        table = open_table(path, ALIASES, sheet=sheet)
    except TableError as exc:
        report.add_error(RowError(1, "file", None, str(exc)))
        return report
    report.encoding = table.encoding
    required = ["first_name", "last_name", "birth_date"]
    where = [f for f in ("subdistrict_code", "subdistrict") if f in table.columns]
    missing = [f for f in required if f not in table.columns]
    if not where:
        missing.append("subdistrict (ตำบล) or subdistrict_code")
    if "national_id" not in table.columns and "g_code" not in table.columns:
        missing.append("national_id (เลขประจำตัวประชาชน)")
    if missing:
        report.add_error(
            RowError(1, "header", None, f"ไม่มีคอลัมน์ที่ต้องใช้: {', '.join(missing)} (missing column(s))")
        )
        return report
    if table.unknown_headers:
        report.notes.append(unknown_headers_note(table.unknown_headers))
    if table.header_row > 1:
        report.notes.append(f"header found on row {table.header_row} (rows above it skipped)")
    kind = source or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")

    context = _RowContext(
        places=Places(session),
        schools=frozenset(session.scalars(text("SELECT code FROM school"))),
        settings=settings,
        round_year=round_year,
        may_write=may_write,
    )
    conn = session.connection()
    conn.execute(text(_STAGING))
    params = {"round": round_year, "source": kind, "surveyor": surveyor_id}
    staged = 0
    limit_m = settings.household_max_outside_m
    try:
        # Python checks chunk k+1 while PostgreSQL inserts chunk k (psycopg waits off the GIL).
        with ThreadPoolExecutor(max_workers=1) as inserter:
            pending: Future[tuple[int, int]] | None = None
            for chunk in _chunks(_staged_rows(table, report, context, progress), CHUNK_ROWS):
                if pending is not None:
                    households, children = pending.result()
                    report.households_new += households
                    report.children_new += children
                copy_rows(conn, "staging_child", _STAGING_COLUMNS, chunk)
                staged += len(chunk)
                for row_number, tambon, outside_m in _points_too_far(conn, limit_m):
                    staged -= 1
                    message = too_far_message(outside_m, tambon, limit_m)
                    report.add_error(RowError(row_number, "latitude", None, message))
                store = accept_valid or not report.error_count
                pending = inserter.submit(_insert_chunk, conn, params, store)
            if pending is not None:
                households, children = pending.result()
                report.households_new += households
                report.children_new += children
    except TableError as exc:  # a row no reader can parse ends the file, naming the row
        report.add_error(RowError(exc.row or 1, "file", None, str(exc)))
        report.rows_rejected = len(report.rejected_rows)
        return report  # the caller rolls back whatever chunks were inserted
    # The same child twice in one household of this file: the first was kept, the rest
    # (which ON CONFLICT left out) are rejected.
    # Only the repeats come back: every row's pair would be the whole file in memory (11.7
    # million rows of the country's census took the importer from 180 MB to 3.1 GB).
    repeated = conn.execute(
        text(
            """
        SELECT row_number, first FROM (
            SELECT row_number, first_value(row_number) OVER w AS first FROM staging_key
            WINDOW w AS (PARTITION BY household_uuid, person_key ORDER BY row_number)
        ) k WHERE row_number <> first ORDER BY row_number
        """
        )
    ).all()
    for row_number, first in repeated:
        message = f"เด็กคนเดียวกับแถว {first} ซ้ำในไฟล์นี้ (the same child as row {first}, repeated)"
        report.add_error(RowError(row_number, "national_id", None, message))
    report.rows_rejected = len(report.rejected_rows)
    conn.execute(text("DROP TABLE staging_child, staging_key, staging_tambon_point"))
    if report.error_count and not accept_valid:
        return report  # the caller rolls back whatever chunks were inserted
    report.children_already_stored = staged - len(repeated) - report.children_new
    report.stored = True
    return report


def _points_too_far(conn: Connection, limit_m: float) -> list[tuple[int, str, float]]:
    """The staged chunk's GPS points beyond the limit outside their tambon: unconfirmed ones
    are returned as (row, tambon, metres) and taken out of the chunk; confirmed ones stay,
    their distance kept for the flag."""
    conn.execute(
        text(
            f"""
        UPDATE staging_child s SET location_outside_m = d.outside_m
        FROM (SELECT s2.row_number, {OUTSIDE_TAMBON_M_SQL.format(point="p")} AS outside_m
              FROM staging_child s2 JOIN subdistrict t ON t.code = s2.subdistrict_code,
                   ST_SetSRID(ST_MakePoint(s2.lon, s2.lat), 4326) p
              WHERE s2.location_source = 'gps') d
        WHERE d.row_number = s.row_number AND d.outside_m > :limit + coalesce(s.accuracy_m, 0)
        """
        ),
        {"limit": limit_m},
    )
    return [
        (row, tambon, outside)
        for row, tambon, outside in conn.execute(
            text(
                "DELETE FROM staging_child WHERE location_outside_m IS NOT NULL "
                "AND NOT coalesce(location_confirmed, false) "
                "RETURNING row_number, subdistrict_code, location_outside_m"
            )
        )
    ]


def _insert_chunk(conn: Connection, params: dict[str, Any], store: bool) -> tuple[int, int]:
    """Insert the staged chunk (households, then children) and empty the chunk table."""
    conn.execute(
        text(
            "INSERT INTO staging_key "
            "SELECT row_number, household_uuid, person_key FROM staging_child"
        )
    )
    households = children = 0
    if store:
        conn.execute(
            text(
                """
            INSERT INTO staging_tambon_point
            SELECT code, ST_PointOnSurface(geom), sqrt(ST_Area(geom::geography) / pi())
            FROM subdistrict WHERE code IN (
                SELECT DISTINCT subdistrict_code FROM staging_child
                WHERE location_source = 'tambon')
            ON CONFLICT (code) DO NOTHING
            """
            )
        )
        households = conn.execute(
            text(
                """
            INSERT INTO household (uuid, round_year, house_number, moo, village_code, village_id,
                subdistrict_code, house_code, location, location_source, location_accuracy_m,
                location_outside_m, location_flag, source, content_hash, surveyor_id)
            SELECT DISTINCT ON (household_uuid) household_uuid, :round, house_number, moo,
                village_code, village_id, subdistrict_code, house_code,
                coalesce(ST_SetSRID(ST_MakePoint(lon, lat), 4326), t.point), location_source,
                coalesce(accuracy_m, round(t.radius_m::numeric, 1)), location_outside_m,
                CASE WHEN location_outside_m IS NOT NULL THEN 'confirmed' END, :source,
                encode(sha256(household_uuid::text::bytea), 'hex'), :surveyor
            FROM staging_child
            LEFT JOIN staging_tambon_point t ON t.code = staging_child.subdistrict_code
            ORDER BY household_uuid, row_number
            ON CONFLICT (uuid) DO NOTHING
            """
            ),
            params,
        ).rowcount
        children = conn.execute(
            text(
                """
            INSERT INTO child (household_id, round_year, person_key, id_kind,
                national_id_encrypted, national_id_hash, g_code, no_id_reason, title,
                first_name, last_name, sex, birth_date, nationality, guardian_name,
                guardian_relationship, disability, move_in_date, enrolment_status, school_code,
                grade, not_enrolled_reason)
            SELECT h.id, :round, s.person_key, s.id_kind, s.national_id_encrypted,
                s.national_id_hash, s.g_code, s.no_id_reason, s.title, s.first_name,
                s.last_name, s.sex, s.birth_date, s.nationality, s.guardian_name,
                s.guardian_relationship, s.disability, s.move_in_date, s.enrolment_status,
                s.school_code, s.grade, s.not_enrolled_reason
            FROM staging_child s JOIN household h ON h.uuid = s.household_uuid
            ORDER BY s.row_number
            ON CONFLICT (household_id, person_key) DO NOTHING
            """
            ),
            params,
        ).rowcount
    conn.execute(text("TRUNCATE staging_child"))
    return households, children


@dataclass(frozen=True)
class _RowContext:
    """What checking one row needs, read once per import; no database connection, so rows are
    checked while the connection streams the previous chunk's COPY."""

    places: Places
    schools: frozenset[str]
    settings: Settings
    round_year: int
    may_write: Callable[[str, int | None], bool] | None


def _stage_row(
    context: _RowContext, number: int, row: dict[str, Any]
) -> tuple[Any, ...] | list[RowError]:
    """One file row as a staging tuple, or the list of its errors."""
    child, problems = clean_child(row, context.settings, context.round_year, context.schools)
    problems = list(problems)
    places = context.places
    subdistrict = places.subdistrict(row)
    if subdistrict is None:
        where = row.get("subdistrict_code") or " / ".join(
            str(row.get(k) or "") for k in ("subdistrict", "district", "province")
        )
        problems.append(
            FieldProblem("subdistrict", where, "ไม่พบตำบลนี้ในระบบ (no such tambon is loaded)")
        )
    moo = parse_moo(row.get("moo"))
    if row.get("moo") not in (None, "") and moo is None:
        problems.append(
            FieldProblem("moo", row.get("moo"), "หมู่ต้องเป็นตัวเลข 1-99 (expected a number 1-99)")
        )
    if subdistrict and context.may_write is not None and not context.may_write(subdistrict, moo):
        problems.append(
            FieldProblem(
                "subdistrict",
                subdistrict,
                "อยู่นอกพื้นที่ที่ได้รับมอบหมาย (outside the areas assigned to you)",
            )
        )
    house_code = str(row.get("house_code") or "").replace("-", "").strip() or None
    if house_code and not (len(house_code) == 11 and house_code.isdigit()):
        problems.append(
            FieldProblem("house_code", house_code, "รหัสบ้านต้องมี 11 หลัก (expected 11 digits)")
        )
    house_number = str(row.get("house_number") or "").strip() or None
    if house_code is None and (moo is None or house_number is None):
        missing_field = "moo" if moo is None else "house_number"
        problems.append(
            FieldProblem(
                missing_field,
                row.get(missing_field),
                "ต้องกรอกเมื่อไม่มีรหัสบ้าน: แถวของครัวเรือนเดียวกันใช้บ้านเลขที่ หมู่ และตำบลเดียวกัน "
                "(required when there is no house code)",
            )
        )
    lon, lat = _float(row.get("longitude")), _float(row.get("latitude"))
    if (lon is None) != (lat is None) or (
        lon is not None and lat is not None and not in_thailand(lon, lat)
    ):
        message = (
            "ต้องมีทั้งละติจูดและลองจิจูด ในประเทศไทย (need both latitude and longitude, inside Thailand)"
        )
        problems.append(FieldProblem("latitude", f"{lat}, {lon}", message))
    if problems or child is None or subdistrict is None:
        return [
            RowError(number, p.field, None if p.value is None else str(p.value), p.message)
            for p in problems
        ]
    village_code = f"{subdistrict}{moo:02d}" if moo else None
    village = places.village.get(village_code) if village_code else None
    location: tuple[float | None, float | None, str, float | None]
    if lon is not None and lat is not None:
        location = (lon, lat, "gps", None)
    elif village is not None:
        location = (village[1], village[2], "village_point", 1_000.0)
    else:  # a point inside the tambon, filled in by the INSERT
        location = (None, None, "tambon", None)
    key = f"house:{house_code}" if house_code else f"{subdistrict}:{moo}:{house_number}"
    return (
        number,
        household_uuid(context.round_year, key),
        house_number,
        moo,
        village_code,
        village[0] if village else None,
        subdistrict,
        house_code,
        location[0],
        location[1],
        location[2],
        location[3],
        is_confirmed(row.get("location_confirmed")),
        None,
        child.person_key,
        child.id_kind,
        child.national_id_encrypted,
        child.national_id_hash,
        child.g_code,
        child.no_id_reason,
        child.title,
        child.first_name,
        child.last_name,
        child.sex,
        child.birth_date,
        child.nationality,
        child.guardian_name,
        child.guardian_relationship,
        child.disability,
        child.move_in_date,
        child.enrolment_status,
        child.school_code,
        child.grade,
        child.not_enrolled_reason,
    )


CHUNK_ROWS = 20_000
T = TypeVar("T")


def _chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _staged_rows(
    table: Table,
    report: ImportReport,
    context: _RowContext,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[Any, ...]]:
    """Checked rows for COPY, in file order; errors go to the report."""
    for number, row in table.rows:
        report.rows_read += 1
        if progress and report.rows_read % PROGRESS_EVERY == 0:
            progress(report.rows_read)
        result = _stage_row(context, number, row)
        if isinstance(result, list):
            for error in result:
                report.add_error(error)
        else:
            yield result


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else value


def write_rejects(source: Path, rows: Iterable[int], target: Path) -> int:
    """Copy the rejected rows of a CSV/XLSX (header first) to a UTF-8 CSV to fix and re-upload."""
    wanted = set(rows)
    written = 0
    if source.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(source, read_only=True, data_only=True)
        raw_rows: Iterable[list[Any]] = (
            [*r] for r in book.worksheets[0].iter_rows(values_only=True)
        )
    else:
        with source.open("rb") as handle:
            encoding = detect_text_encoding(handle.read(256 * 1024))
        raw_rows = csv.reader(source.open(encoding=encoding, newline=""))
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for number, values in enumerate(raw_rows, start=1):
            if number == 1 or number in wanted:
                writer.writerow(csv_row(_plain(v) for v in values))
                written += number != 1
    return written
