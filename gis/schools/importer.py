"""Loading school lists and school records into the registry (each load one transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.loading import LoadError, LoadReport, record_load, sha256_of
from gis.schools.geolocate import exact_baseline, method_shares, place_schools
from gis.schools.grades import parse_level_text
from kernel.bulk import copy_rows
from kernel.names import admin_key
from kernel.tabular import TableError, open_table, unknown_headers_note
from kernel.vocabulary import GRADES

LIST_FIELDS = ["name", "subDistrict", "district", "province", "level"]
SYNTHETIC_CODE_PREFIX = "99"


def tambon_lookup(session: Session, province_code: str) -> pd.DataFrame:
    """Tambons of a province with name keys, a point inside and an equivalent radius (m)."""
    rows = session.execute(
        text(
            """
            SELECT s.code, s.name_th, d.name_th AS district_name_th,
                   ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat,
                   sqrt(ST_Area(s.geom::geography) / pi()) AS radius_m
            FROM subdistrict s JOIN district d ON d.code = s.district_code
            WHERE s.province_code = :province
            """
        ),
        {"province": province_code},
    ).mappings()
    frame = pd.DataFrame(list(rows))
    frame["tambon_key"] = frame["name_th"].map(admin_key)
    frame["district_key"] = frame["district_name_th"].map(admin_key)
    return frame


def villages_of(session: Session, province_code: str) -> pd.DataFrame:
    rows = session.execute(
        text(
            "SELECT id, name_th, subdistrict_code, ST_X(geom) AS lon, ST_Y(geom) AS lat "
            "FROM village WHERE subdistrict_code LIKE :prefix"
        ),
        {"prefix": f"{province_code}%"},
    ).mappings()
    return pd.DataFrame(list(rows), columns=["id", "name_th", "subdistrict_code", "lon", "lat"])


def resolve_subdistricts(frame: pd.DataFrame, tambons: pd.DataFrame) -> list[str | None]:
    """Tambon codes from (district, tambon) names: exact keys, then the tambon name alone if
    unique in the province, then a close spelling within the district."""
    exact = {(r.district_key, r.tambon_key): r.code for r in tambons.itertuples()}
    by_name = tambons.groupby("tambon_key")["code"].agg(list).to_dict()
    by_district = tambons.groupby("district_key")
    codes: list[str | None] = []
    for row in frame.itertuples(index=False):
        district, tambon = admin_key(row.district), admin_key(row.subDistrict)
        code = exact.get((district, tambon))
        if code is None and len(by_name.get(tambon, [])) == 1:
            code = by_name[tambon][0]
        if code is None and district in by_district.groups:
            candidates = by_district.get_group(district)
            best = process.extractOne(
                tambon, list(candidates["tambon_key"]), scorer=fuzz.ratio, score_cutoff=85
            )
            code = candidates.iloc[best[2]]["code"] if best else None
        codes.append(code)
    return codes


def _affiliation(name: str, grades: tuple[str, ...]) -> str:
    if "เทศบาล" in name or "อบจ" in name:
        return "municipality"
    if "ตชด" in name or "ตำรวจตระเวนชายแดน" in name:
        return "border_patrol"
    if grades and all(g.startswith("M") for g in grades):
        return "obec_secondary"
    return "obec_primary"


def load_school_list(session: Session, path: Path, province_code: str) -> LoadReport:
    """Load a province's school list (name, tambon, district, level), place each school and
    give it a synthetic 10-digit code. A surveyed location is never overwritten by a guess."""
    report = LoadReport(
        kind=f"schools:list:{province_code}", source=str(path), sha256=sha256_of(path)
    )
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LoadError(path, f"cannot be read as CSV: {exc}") from exc
    missing = [c for c in LIST_FIELDS if c not in frame.columns]
    if missing:
        raise LoadError(path, f"missing column(s) {', '.join(missing)}")
    province_name = session.execute(
        text("SELECT name_th FROM province WHERE code = :c"), {"c": province_code}
    ).scalar()
    if province_name is None:
        raise LoadError(path, f"province {province_code} is not loaded")
    elsewhere = frame["province"].map(admin_key) != admin_key(province_name)
    if elsewhere.any():
        report.notes.append(f"{int(elsewhere.sum())} rows of other provinces skipped")
    frame = frame[~elsewhere].reset_index(drop=True)
    frame["line"] = frame.index + 2

    tambons = tambon_lookup(session, province_code)
    frame["subdistrict_code"] = resolve_subdistricts(frame, tambons)
    unresolved = frame[frame["subdistrict_code"].isna()]
    for row in unresolved.itertuples():
        report.notes.append(
            f"row {row.line} {row.name}: tambon {row.subDistrict!r} of {row.district!r} "
            "not found; school not loaded"
        )
    frame = frame[frame["subdistrict_code"].notna()].reset_index(drop=True)

    parsed = [parse_level_text(t) for t in frame["level"]]
    for row, levels in zip(frame.itertuples(), parsed, strict=True):
        if levels.problem:
            report.notes.append(f"row {row.line} {row.name}: {levels.problem}")

    villages = villages_of(session, province_code)
    placements = place_schools(frame, villages, tambons)
    frame = frame.assign(grades=[p.grades for p in parsed])
    frame = frame.sort_values(["subdistrict_code", "name"], kind="stable")
    frame["sequence"] = frame.groupby(frame["subdistrict_code"].str[:4]).cumcount() + 1
    offices = _offices_by_district(session, province_code)

    rows: list[tuple[Any, ...]] = []
    for row in frame.itertuples():
        placement = placements[row.Index]
        assert placement is not None
        district = row.subdistrict_code[:4]
        affiliation = _affiliation(row.name, row.grades)
        office = None
        if affiliation.startswith("obec"):
            office = offices.get(
                (district, "secondary" if affiliation == "obec_secondary" else "primary")
            )
        rows.append(
            (
                f"{SYNTHETIC_CODE_PREFIX}{district}{row.sequence:04d}",
                row.name.strip(),
                list(row.grades),
                row.level or None,
                affiliation,
                row.subdistrict_code,
                office,
                placement.lon,
                placement.lat,
                placement.method,
                round(placement.accuracy_m, 1),
                placement.village_id,
                Path(path).name,
            )
        )
    conn = session.connection()
    conn.execute(
        text(
            "CREATE TEMP TABLE staging_school (code text, name_th text, grades text[], "
            "level_text text, affiliation text, subdistrict_code text, office_code text, "
            "lon float8, lat float8, location_source text, accuracy_m float8, village_id int, "
            "source text) ON COMMIT DROP"
        )
    )
    copy_rows(
        conn,
        "staging_school",
        [
            "code",
            "name_th",
            "grades",
            "level_text",
            "affiliation",
            "subdistrict_code",
            "office_code",
            "lon",
            "lat",
            "location_source",
            "accuracy_m",
            "village_id",
            "source",
        ],
        rows,
    )
    upserted = (
        conn.execute(
            text(
                """
        INSERT INTO school AS t (code, code_synthetic, name_th, grades, level_text, affiliation,
            subdistrict_code, office_code, location, location_source, location_accuracy_m,
            location_village_id, source)
        SELECT code, true, name_th, grades, level_text, affiliation, subdistrict_code, office_code,
               ST_SetSRID(ST_MakePoint(lon, lat), 4326), location_source, accuracy_m,
               village_id, source
        FROM staging_school
        ON CONFLICT (code) DO UPDATE SET name_th = EXCLUDED.name_th, grades = EXCLUDED.grades,
            level_text = EXCLUDED.level_text, affiliation = EXCLUDED.affiliation,
            subdistrict_code = EXCLUDED.subdistrict_code, office_code = EXCLUDED.office_code,
            source = EXCLUDED.source, updated_at = now(),
            location = CASE WHEN t.location_source = 'surveyed' THEN t.location
                            ELSE EXCLUDED.location END,
            location_source = CASE WHEN t.location_source = 'surveyed' THEN t.location_source
                                   ELSE EXCLUDED.location_source END,
            location_accuracy_m = CASE WHEN t.location_source = 'surveyed'
                                       THEN t.location_accuracy_m
                                       ELSE EXCLUDED.location_accuracy_m END,
            location_village_id = CASE WHEN t.location_source = 'surveyed'
                                       THEN t.location_village_id
                                       ELSE EXCLUDED.location_village_id END
        RETURNING (xmax = 0)
        """
            )
        )
        .scalars()
        .all()
    )
    conn.execute(text("DROP TABLE staging_school"))
    shares = method_shares(placements)
    report.counts = {
        "rows": len(frame) + len(unresolved),
        "loaded": len(upserted),
        "inserted": sum(1 for u in upserted if u),
        "tambon_not_found": len(unresolved),
        "exact_name_baseline": exact_baseline(frame, villages),
        **shares,
    }
    record_load(session, report)
    return report


def _offices_by_district(session: Session, province_code: str) -> dict[tuple[str, str], str]:
    rows = session.execute(
        text(
            "SELECT d.district_code, o.kind::text, o.code FROM service_area_office o "
            "JOIN service_area_office_district d ON d.office_code = o.code "
            "WHERE o.province_code = :p"
        ),
        {"p": province_code},
    ).all()
    return {(district, kind): code for district, kind, code in rows}


# --- school records an office keeps (enrolment and classrooms by grade) ---------------------

RECORD_ALIASES: dict[str, tuple[str, ...]] = {
    "school_code": ("รหัสโรงเรียน", "รหัส", "code", "school code", "obec code"),
    "academic_year": ("ปีการศึกษา", "year", "academic year"),
    "grade": ("ชั้น", "ระดับชั้น", "class"),
    "male": ("ชาย", "นักเรียนชาย", "boys", "enrolled_male"),
    "female": ("หญิง", "นักเรียนหญิง", "girls", "enrolled_female"),
    "classrooms": ("ห้องเรียน", "จำนวนห้องเรียน", "ห้อง", "rooms"),
}
REQUIRED_RECORD_FIELDS = ("school_code", "academic_year", "grade", "male", "female", "classrooms")
_GRADE_WORDS = {
    "อ.": "K",
    "อนุบาล": "K",
    "k": "K",
    "ป.": "P",
    "ประถมศึกษาปีที่": "P",
    "p": "P",
    "ม.": "M",
    "มัธยมศึกษาปีที่": "M",
    "m": "M",
}


def parse_grade(value: Any) -> str | None:
    """'ป.1', 'ประถมศึกษาปีที่ 1', 'P1', 'อ.2' ... -> P1, K2; None if not a grade."""
    text_value = str(value or "").strip().replace(" ", "")
    for word, prefix in sorted(_GRADE_WORDS.items(), key=lambda w: -len(w[0])):
        if text_value.lower().startswith(word):
            number = text_value[len(word) :]
            grade = f"{prefix}{number}"
            return grade if grade in GRADES else None
    return None


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _rows_or_load_error(
    path: Path, rows: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The table's rows; a row no reader can parse fails the load, naming the row."""
    try:
        yield from rows
    except TableError as exc:
        raise LoadError(path, str(exc).removeprefix(f"{path.name}: ")) from exc


@dataclass(frozen=True)
class RecordsFile:
    """A school records file read and checked: per (school id, year, grade) its (male, female,
    classrooms), the row it came from, each school's code; rows read; unknown headers."""

    good: dict[tuple[int, int, str], tuple[int, int, int]]
    rows: dict[tuple[int, int, str], int]
    codes: dict[int, str]
    rows_read: int
    unknown_headers: list[str]


def read_school_records(session: Session, path: Path) -> RecordsFile:
    """A school records file (CSV or XLSX), every row checked: any bad row and a LoadError
    lists every bad row with its field (in Thai and English)."""
    try:
        table = open_table(path, RECORD_ALIASES)
    except TableError as exc:
        raise LoadError(path, str(exc)) from exc
    missing = [f for f in REQUIRED_RECORD_FIELDS if f not in table.columns]
    if missing:
        raise LoadError(path, f"missing column(s) {', '.join(missing)}; see README for the layout")
    schools = {
        code: (school_id, set(grades))
        for code, school_id, grades in session.execute(
            text("SELECT code, id, grades FROM school")
        ).all()
    }
    errors: list[str] = []
    good: dict[tuple[int, int, str], tuple[int, int, int]] = {}
    rows: dict[tuple[int, int, str], int] = {}
    codes: dict[int, str] = {}
    rows_read = 0
    for number, row in _rows_or_load_error(path, table.rows):
        rows_read += 1

        def bad(field: str, message: str, number: int = number) -> None:
            label = RECORD_ALIASES[field][0]
            errors.append(f"แถว {number} ช่อง {label} (row {number}, field {field}): {message}")

        code = str(row.get("school_code") or "").strip()
        school = schools.get(code)
        if school is None:
            bad("school_code", f"ไม่มีโรงเรียนรหัส {code!r} ในทะเบียน (no school with code {code!r})")
            continue
        year = _whole_number(row.get("academic_year"))
        if year is not None and 1957 <= year <= 2157:
            year += 543  # C.E. given; academic years are kept in B.E.
        if year is None or not 2500 <= year <= 2700:
            bad(
                "academic_year",
                f"ต้องเป็นปี พ.ศ. เช่น 2569 แต่ได้ {row.get('academic_year')!r} "
                "(expected a Buddhist Era year)",
            )
            continue
        grade = parse_grade(row.get("grade"))
        if grade is None:
            bad("grade", f"ไม่ใช่ชั้นเรียน ใช้ อ.1-3, ป.1-6, ม.1-6 (not a grade: {row.get('grade')!r})")
            continue
        if grade not in school[1]:
            bad("grade", f"โรงเรียนนี้ไม่ได้สอนชั้น {grade} (school {code} does not teach {grade})")
            continue
        counts = []
        for field in ("male", "female", "classrooms"):
            value = _whole_number(row.get(field))
            if value is None or value < 0:
                bad(
                    field,
                    f"ต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป "
                    f"(expected a whole number 0 or more, got {row.get(field)!r})",
                )
                break
            counts.append(value)
        else:
            key = (school[0], year, grade)
            if key in good:
                bad("grade", f"ซ้ำในไฟล์ ({code} {grade} {year} appears twice in the file)")
                continue
            good[key] = (counts[0], counts[1], counts[2])
            rows[key] = number
            codes[school[0]] = code
    if errors:
        shown = "; ".join(errors[:20]) + (
            f"; and {len(errors) - 20} more" if len(errors) > 20 else ""
        )
        raise LoadError(
            path,
            f"มี {len(errors)} แถวที่ผิด ไม่ได้บันทึกข้อมูลใด "
            f"({len(errors)} bad row(s), nothing stored): {shown}",
        )
    return RecordsFile(good, rows, codes, rows_read, list(table.unknown_headers))


def import_school_records(session: Session, path: Path) -> LoadReport:
    """Enrolment by sex and classrooms per grade and year, from CSV or XLSX.

    All or nothing: any bad row and nothing is stored; the report lists every bad row with its
    field. The same file again changes nothing.
    """
    report = LoadReport(kind="schools:records", source=str(path), sha256=sha256_of(path))
    read = read_school_records(session, path)
    good, rows_read = read.good, read.rows_read
    # One source a school and year: the office's figures replace the synthetic ones wholesale.
    for school_id, year in sorted({(school_id, year) for school_id, year, _ in good}):
        session.execute(
            text(
                "DELETE FROM school_grade_year WHERE school_id = :s AND academic_year = :y "
                "AND source = 'synthetic'"
            ),
            {"s": school_id, "y": year},
        )
    kept = 0  # rows the schools' records already give (their figure stays)
    for (school_id, year, grade), (male, female, rooms) in good.items():
        written = session.execute(
            text(
                """
                INSERT INTO school_grade_year (school_id, academic_year, grade, enrolled_male,
                    enrolled_female, classrooms, synthetic, source, source_detail, counted_on)
                VALUES (:s, :y, :g, :m, :f, :c, false, 'office_import', :file, NULL)
                ON CONFLICT (school_id, academic_year, grade) DO UPDATE SET
                    enrolled_male = EXCLUDED.enrolled_male,
                    enrolled_female = EXCLUDED.enrolled_female,
                    classrooms = EXCLUDED.classrooms, synthetic = false,
                    source = EXCLUDED.source, source_detail = EXCLUDED.source_detail,
                    counted_on = NULL
                -- the schools' own records are the figure's source of truth once loaded
                WHERE school_grade_year.source <> 'school_records'
                """
            ),
            {
                "s": school_id,
                "y": year,
                "g": grade,
                "m": male,
                "f": female,
                "c": rooms,
                "file": path.name,
            },
        )
        kept += written.rowcount == 0  # type: ignore[attr-defined]
    report.counts = {"rows": rows_read, "stored": len(good) - kept}
    if kept:
        report.notes.append(
            f"{kept} grade row(s) kept from the schools' records (school-records extract), "
            "the source of truth once loaded"
        )
    if read.unknown_headers:
        report.notes.append(unknown_headers_note(read.unknown_headers))
    record_load(session, report)
    return report
