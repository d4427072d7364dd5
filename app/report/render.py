"""Rendering reports: the coverage report as HTML (served), PDF (WeasyPrint, Sarabun embedded),
XLSX (a sheet per table) and CSV (UTF-8 with BOM, so Excel shows the Thai); the call list
(form พฐ.03) as PDF and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from app.report.figures import TOTAL_LABELS_TH, coverage_report
from app.report.maps import district_maps
from app.report.pdf import FONT_DIR, html_to_pdf
from app.web.templating import templates
from census.dates import format_thai_date, to_thai_digits
from census.rules import STATUS_LABELS_TH, EnrolmentStatus
from kernel.cells import append_row, csv_row
from kernel.vocabulary import DATA_ROUND_STATE_LABELS_TH, SEX_LABELS_TH

FONT_REGULAR = FONT_DIR / "Sarabun-Regular.ttf"
FONT_URL = "/static/vendor/sarabun"

Kind = Literal["text", "int", "rate", "decimal"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "int"


@dataclass(frozen=True)
class Table:
    title: str
    key: str
    columns: tuple[Column, ...]


C = Column
COVERAGE_COLUMNS = (
    C("compulsory_age", "เด็กวัยเรียนภาคบังคับ"),
    C("compulsory_enrolled", "กำลังเรียน"),
    C("out_of_school", "นอกระบบ"),
    C("beyond_distance", "ไกลเกินเกณฑ์"),
    C("coverage_rate", "อัตราการเข้าเรียน", "rate"),
)
DISTRICTS = Table(
    "อำเภอ",
    "districts",
    (
        C("district", "รหัสอำเภอ", "text"),
        C("name_th", "อำเภอ", "text"),
        *COVERAGE_COLUMNS,
        C("due_prathom1_next_year", "เข้า ป.1 ปีหน้า"),
    ),
)
SUBDISTRICTS = Table(
    "ตำบล",
    "subdistricts",
    (
        C("subdistrict_code", "รหัสตำบล", "text"),
        C("name_th", "ตำบล", "text"),
        *COVERAGE_COLUMNS,
        C("pre_primary_age", "เด็กวัยอนุบาล"),
        C("pre_primary_rate", "อัตราเข้าอนุบาล", "rate"),
        C("due_prathom1_next_year", "เข้า ป.1 ปีหน้า"),
    ),
)
SCHOOLS = Table(
    "โรงเรียน",
    "schools",
    (
        C("code", "รหัสโรงเรียน", "text"),
        C("name_th", "โรงเรียน", "text"),
        C("demand", "เด็กในเขตบริการ"),
        C("enrolled", "นักเรียน"),
        C("capacity", "ความจุ"),
        C("spare_seats", "ที่นั่งว่าง"),
        C("p1_next_year", "เด็กเข้า ป.1 ปีหน้า"),
        C("p1_capacity", "ความจุ ป.1"),
        C("learning_devices", "คอมพิวเตอร์เพื่อการเรียน"),
        C("pupils_per_device", "นักเรียนต่อเครื่อง", "decimal"),
        C("broken_devices", "อุปกรณ์ชำรุด"),
        C("mbps", "อินเทอร์เน็ต (Mbps)", "decimal"),
        C("buildings", "อาคาร"),
        C("buildings_needing_repair", "อาคารต้องซ่อม (สภาพ 1-2)"),
        C("building_condition", "สภาพอาคารเฉลี่ย (1-5)", "decimal"),
    ),
)
OUT_OF_SCHOOL = Table(
    "เด็กนอกระบบ",
    "out_of_school",
    (
        C("age", "อายุ (ปี)"),
        C("sex", "เพศ", "text"),
        C("reason", "สาเหตุ", "text"),
        C("children", "จำนวน"),
    ),
)
OUT_BY_AGE = Table(
    "เด็กนอกระบบ ตามอายุ",
    "out_of_school_by_age",
    (
        C("age", "อายุ (ปี)"),
        C("male", "ชาย"),
        C("female", "หญิง"),
        C("children", "รวม"),
    ),
)
OUT_BY_REASON = Table(
    "เด็กนอกระบบ ตามสาเหตุ",
    "out_of_school_by_reason",
    (
        C("reason", "สาเหตุ", "text"),
        C("male", "ชาย"),
        C("female", "หญิง"),
        C("children", "รวม"),
    ),
)
REGISTERS = Table(
    "ทะเบียนราษฎรกับข้อมูลนักเรียน",
    "registers",
    (
        C("subdistrict_code", "รหัสตำบล", "text"),
        C("name_th", "ตำบล", "text"),
        C("registered", "เด็กวัยเรียนภาคบังคับในทะเบียนราษฎร"),
        C("enrolled", "กำลังเรียน"),
        C("out_of_school", "นอกระบบ (รวม)"),
        C("out_of_school_verified", "นอกระบบ ยืนยันจากการลงพื้นที่"),
        C("no_record_unverified", "ไม่พบข้อมูลนักเรียน ยังไม่ได้ตรวจสอบ"),
        C("moved_away", "ย้ายออก (ลงพื้นที่)"),
        C("deceased", "เสียชีวิต (ลงพื้นที่)"),
        C("verified", "ตรวจสอบภาคสนามแล้ว"),
    ),
)
QUALITY = Table(
    "คุณภาพเขตบริการ",
    "quality_districts",
    (
        C("district", "รหัสอำเภอ", "text"),
        C("name_th", "อำเภอ", "text"),
        C("villages_in_no_area", "หมู่บ้านนอกเขตบริการ"),
        C("villages_in_several_areas", "หมู่บ้านในหลายเขตบริการ"),
    ),
)
TABLES = (DISTRICTS, SUBDISTRICTS, SCHOOLS, OUT_OF_SCHOOL, REGISTERS, QUALITY)
CALL_LIST_COLUMNS = (
    C("number", "ลำดับ"),
    C("name", "ชื่อ - สกุล", "text"),
    C("sex", "เพศ", "text"),
    C("birth_date", "วันเกิด", "text"),
    C("guardian", "ผู้ปกครอง", "text"),
    C("relationship", "เกี่ยวข้องเป็น", "text"),
    C("address", "ที่อยู่", "text"),
    C("source", "ที่มา", "text"),
)
# Each column's share of the page width (per cent), in the columns' order: a column added
# without its width would run past the table's edge (the source column once did).
CALL_LIST_WIDTHS = (6, 21, 5, 13, 19, 9, 17, 10)
# Where a child of the call list comes from: the census survey, or the civil registration
# (a registered child the census did not list).
CALL_LIST_SOURCES_TH = {"census": "สำมะโน", "registers": "ทะเบียนราษฎร"}


def _rows(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return report["quality"]["districts"] if key == "quality_districts" else report[key]


# --- numbers as people read them -------------------------------------------------------------


def formatter(thai_digits: bool) -> Callable[[Any, Kind], str]:
    """``fmt(value, kind)``: thousands separators, rates as per cent, "-" for nothing, and
    Thai digits when asked; "<5" and other text pass through."""

    def fmt(value: Any, kind: Kind = "int") -> str:
        if value is None:
            shown = "-"
        elif isinstance(value, str) or kind == "text":
            shown = str(value)
        elif kind == "rate":
            shown = f"{value * 100:.1f}%"
        elif kind == "decimal":
            shown = f"{value:,.1f}"
        else:
            shown = f"{value:,}"
        return to_thai_digits(shown) if thai_digits else shown

    return fmt


def bars(
    rows: Iterable[dict[str, Any]],
    label: str,
    value: str,
    kind: Kind,
    top: float | None = None,
    bottom: float = 0.0,
) -> list[dict[str, Any]]:
    """Rows of a horizontal bar chart drawn in HTML (so the PDF shapes its Thai like the text):
    label, value (printed beside the bar) and bar width in per cent of the axis from ``bottom``
    to ``top`` (the largest value if not given). Hidden small counts ("<5") draw no bar."""
    items = [(row[label], row[value]) for row in rows]
    numbers = [v for _, v in items if isinstance(v, int | float)]
    scale = (top or max(numbers, default=0) or 1) - bottom or 1
    return [
        {
            "label": name,
            "value": v,
            "kind": kind,
            "width": (
                round(100 * max(0.0, v - bottom) / scale, 1) if isinstance(v, int | float) else 0
            ),
        }
        for name, v in items
    ]


def rate_axis_floor(rates: Iterable[float | None], step: float = 0.05) -> float:
    """Where a chart of rates starts so their differences show: the lowest rate less a step,
    rounded down to a multiple of the step (0 when a rate is that low anyway)."""
    known = [r for r in rates if isinstance(r, int | float)]
    if not known:
        return 0.0
    floor = math.floor((min(known) - step) / step) * step
    return max(0.0, round(floor, 4))


# --- the coverage report ---------------------------------------------------------------------


def to_html(
    report: dict[str, Any],
    *,
    maps: dict[str, str] | None = None,
    thai_digits: bool = False,
    font_url: str = FONT_URL,
    downloads: dict[str, str] | None = None,
    home_url: str = "/",
) -> str:
    """The report as one HTML page; ``maps`` holds an SVG map per district code, ``downloads``
    the links to the other formats (shown on screen, not in print) beside ``home_url``."""
    districts = report["districts"]
    rate_floor = rate_axis_floor(row["coverage_rate"] for row in districts)
    tambons_by_district: dict[str, list[dict[str, Any]]] = {}
    for row in report["subdistricts"]:
        tambons_by_district.setdefault(row["subdistrict_code"][:4], []).append(row)
    return templates.get_template("coverage_report.html").render(
        report=report,
        fmt=formatter(thai_digits),
        thai_digits=thai_digits,
        font_url=font_url,
        home_url=home_url,
        total_labels=TOTAL_LABELS_TH,
        district_table=DISTRICTS,
        tambon_table=SUBDISTRICTS,
        school_table=SCHOOLS,
        out_by_age_table=OUT_BY_AGE,
        out_by_reason_table=OUT_BY_REASON,
        quality_table=QUALITY,
        register_table=REGISTERS,
        tambons_by_district=tambons_by_district,
        maps=maps or {},
        downloads=downloads or {},
        out_chart=bars(
            sorted(districts, key=_out_of_school_order),
            "name_th",
            "out_of_school",
            "int",
        ),
        rate_chart=bars(districts, "name_th", "coverage_rate", "rate", top=1.0, bottom=rate_floor),
        rate_floor=rate_floor,
        age_chart=bars(
            [row | {"label": f"{row['age']} ปี"} for row in report["out_of_school_by_age"]],
            "label",
            "children",
            "int",
        ),
    )


def _out_of_school_order(row: dict[str, Any]) -> tuple[int, str]:
    """Most out-of-school children first; hidden small counts after every shown one."""
    value = row["out_of_school"]
    return (-value if isinstance(value, int) else 0, row["name_th"])


def to_pdf(
    report: dict[str, Any], *, maps: dict[str, str] | None = None, thai_digits: bool = False
) -> bytes:
    html = to_html(report, maps=maps, thai_digits=thai_digits, font_url=FONT_DIR.as_uri())
    return html_to_pdf(html)


def add_sheet(book: Workbook, title: str, columns: Iterable[Column], rows: Iterable[Any]) -> None:
    """A sheet with a bold, frozen header row; numbers stay numbers, rates as per cent."""
    sheet: Worksheet = book.create_sheet(title)
    columns = list(columns)
    append_row(sheet, [column.header for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_row(sheet, [row.get(column.key) for column in columns])
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        if column.kind == "rate":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.0%"
        sheet.column_dimensions[letter].width = 34 if column.key == "name_th" else 14
    sheet.freeze_panes = "A2"


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_xlsx(report: dict[str, Any]) -> bytes:
    """A summary sheet, then one sheet per table."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "สรุป"
    summary.append([f"รายงานการจัดการศึกษาภาคบังคับ ปีการศึกษา {report['round']}"])
    append_row(summary, [report["area_name_th"]])
    summary.append([])
    for key, label in TOTAL_LABELS_TH.items():
        summary.append([label, report["totals"][key]])
        if key.endswith("rate"):
            summary.cell(row=summary.max_row, column=2).number_format = "0.0%"
    summary.append(["จัดทำเมื่อ", report["produced_on"]])
    summary.column_dimensions["A"].width = 44
    for table in TABLES:
        add_sheet(book, table.title, table.columns, _rows(report, table.key))
    return workbook_bytes(book)


def to_csv(report: dict[str, Any]) -> bytes:
    """The per-tambon table as CSV, UTF-8 with a BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in SUBDISTRICTS.columns])
    for row in report[SUBDISTRICTS.key]:
        writer.writerow(csv_row(row.get(column.key) for column in SUBDISTRICTS.columns))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- the call list (พฐ.03) -------------------------------------------------------------------


def call_list_groups(call_list: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Per village in the list's order: its label and one row per child, numbered within the
    village, in the words of the form."""
    groups = []
    for village in call_list["villages"]:
        label = _village_label(village)
        rows = []
        for number, child in enumerate(village["children"], start=1):
            name = (child["title"] or "", child["first_name"], child["last_name"])
            birth = child["birth_date"]
            rows.append(
                {
                    "village": label,
                    "number": number,
                    "name": " ".join(part for part in name if part),
                    "sex": SEX_LABELS_TH.get(child["sex"], child["sex"]),
                    "birth_date": format_thai_date(birth, short=True) if birth else "",
                    "guardian": child["guardian_name"] or "",
                    "relationship": child["guardian_relationship"] or "",
                    "address": _address(child, village),
                    "source": CALL_LIST_SOURCES_TH.get(child.get("source", ""), ""),
                }
            )
        groups.append((label, rows))
    return groups


def _village_label(village: dict[str, Any]) -> str:
    moo = f"หมู่ {village['moo']} " if village["moo"] else ""
    # the village list writes most names with their บ้าน already (บ้านขอน), some without
    place = village["village_name"] or ""
    name = f"{place if place.startswith('บ้าน') else 'บ้าน' + place} " if place else ""
    return f"{moo}{name}ต.{village['subdistrict_name']}".strip()


def _address(child: dict[str, Any], village: dict[str, Any]) -> str:
    parts = [
        f"{child['house_number']}" if child["house_number"] else "",
        f"ม.{village['moo']}" if village["moo"] else "",
        f"ต.{village['subdistrict_name']}",
    ]
    return " ".join(part for part in parts if part)


def follow_up_rows(call_list: dict[str, Any]) -> list[dict[str, Any]]:
    """Last round's list and where those children are now, in the words of the form."""
    rows = []
    for number, child in enumerate(call_list["follow_up_of_last_round"], start=1):
        status = child["enrolment_status"]
        rows.append(
            {
                "number": number,
                "name": f"{child['first_name']} {child['last_name']}",
                "status": STATUS_LABELS_TH.get(EnrolmentStatus(status), status)
                if status
                else "ไม่พบในรอบนี้",
                "school": child["school_code"] or "",
                "grade": child["grade"] or "",
            }
        )
    return rows


FOLLOW_UP_COLUMNS = (
    C("number", "ลำดับ"),
    C("name", "ชื่อ - สกุล", "text"),
    C("status", "สถานะปีนี้", "text"),
    C("school", "รหัสโรงเรียน", "text"),
    C("grade", "ชั้น", "text"),
)


def call_list_pdf(call_list: dict[str, Any], *, thai_digits: bool = False) -> bytes:
    html = templates.get_template("call_list.html").render(
        call_list=call_list,
        groups=call_list_groups(call_list),
        follow_up=follow_up_rows(call_list),
        follow_up_columns=FOLLOW_UP_COLUMNS,
        columns=CALL_LIST_COLUMNS,
        widths=CALL_LIST_WIDTHS,
        fmt=formatter(thai_digits),
        thai_digits=thai_digits,
        font_url=FONT_DIR.as_uri(),
        produced_on=format_thai_date(dt.date.today(), short=False),
    )
    return html_to_pdf(html)


def call_list_xlsx(call_list: dict[str, Any]) -> bytes:
    """One sheet: the form's columns with the village first, so it sorts and filters."""
    book = Workbook()
    default = book.active
    assert default is not None
    book.remove(default)
    add_sheet(
        book,
        "พฐ.03",
        (C("village", "หมู่บ้าน", "text"), *CALL_LIST_COLUMNS),
        [row for _, rows in call_list_groups(call_list) for row in rows],
    )
    return workbook_bytes(book)


# --- one entry point for the API and the CLI -------------------------------------------------

FORMATS = ("html", "pdf", "xlsx", "csv")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def coverage_report_file(
    session: Session,
    round_year: int,
    output_format: str,
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    thai_digits: bool = False,
    downloads: dict[str, str] | None = None,
) -> bytes:
    """The coverage report of an area in one of ``FORMATS``; maps only where they are drawn
    (HTML and PDF); ``downloads`` links the other formats from the HTML page."""
    return coverage_report_files(
        session,
        round_year,
        (output_format,),
        province=province,
        district=district,
        esao=esao,
        thai_digits=thai_digits,
        downloads=downloads,
    )[output_format]


def coverage_report_files(
    session: Session,
    round_year: int,
    output_formats: tuple[str, ...],
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    thai_digits: bool = False,
    downloads: dict[str, str] | None = None,
    html_links: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """The report in several formats from one gathering of its figures (and one drawing of
    its maps): format -> bytes. ``html_links`` may give the HTML page's ``font_url`` and
    ``home_url`` (an offline copy's are relative)."""
    report = coverage_report(session, round_year, province=province, district=district, esao=esao)
    files: dict[str, bytes] = {}
    maps = (
        district_maps(session, report, FONT_REGULAR)
        if {"pdf", "html"} & set(output_formats)
        else None
    )
    for output_format in output_formats:
        if output_format == "xlsx":
            files[output_format] = to_xlsx(report)
        elif output_format == "csv":
            files[output_format] = to_csv(report)
        elif output_format == "pdf":
            files[output_format] = to_pdf(report, maps=maps, thai_digits=thai_digits)
        else:
            html = to_html(
                report,
                maps=maps,
                thai_digits=thai_digits,
                downloads=downloads,
                **(html_links or {}),
            )
            files[output_format] = html.encode("utf-8")
    return files


# --- a data round's missing schools, to send -----------------------------------------------

MISSING_COLUMNS = (
    C("code", "รหัสโรงเรียน", "text"),
    C("name_th", "โรงเรียน", "text"),
    C("district_name_th", "อำเภอ", "text"),
    C("state_th", "สถานะ", "text"),
    C("phone", "โทรศัพท์", "text"),
    C("email", "อีเมล", "text"),
)
COMPLETENESS_COLUMNS = (
    C("name_th", "อำเภอ", "text"),
    C("asked", "โรงเรียน"),
    C("submitted", "ส่งแล้ว"),
    C("submitted_share", "ร้อยละ", "rate"),
    C("on_time", "ทันกำหนด"),
    C("accepted", "ตรวจรับแล้ว"),
)


def data_round_missing_pdf(
    data_round: dict[str, Any],
    missing: list[dict[str, Any]],
    areas: list[dict[str, Any]],
) -> bytes:
    """The schools of a round that have not submitted, by district, with the completeness
    per district: the letter the office sends."""
    html = templates.get_template("data_round_missing.html").render(
        data_round=data_round,
        missing=[row | {"state_th": DATA_ROUND_STATE_LABELS_TH[row["state"]]} for row in missing],
        areas=areas,
        columns=MISSING_COLUMNS,
        area_columns=COMPLETENESS_COLUMNS,
        fmt=formatter(False),
        font_url=FONT_DIR.as_uri(),
        counting_day=format_thai_date(data_round["counting_day"], short=False),
        deadline=format_thai_date(data_round["deadline"], short=False),
        produced_on=format_thai_date(dt.date.today(), short=False),
    )
    return html_to_pdf(html)
