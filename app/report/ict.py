"""ICT needs and the procurement plan as files (issue 20): XLSX with a sheet per table, and the
plan as a Thai PDF to attach to the office's request for budget."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook

from app.report.pdf import FONT_DIR, html_to_pdf
from app.report.render import C, add_sheet, formatter, workbook_bytes
from app.web.templating import templates
from census.dates import format_thai_date
from gis.ict.models import PURCHASE_NEEDS
from kernel.vocabulary import ICT_NEED_LABELS_TH, PLAN_RANKED_BY_LABELS_TH

PLAN_COLUMNS = (
    C("rank", "ลำดับ"),
    C("ranked_by_th", "เกณฑ์ที่จัดลำดับ", "text"),
    C("school_code", "รหัสโรงเรียน", "text"),
    C("school_name_th", "โรงเรียน", "text"),
    C("district_name_th", "อำเภอ", "text"),
    C("need_th", "ประเภท", "text"),
    C("pupils", "นักเรียน"),
    C("shortfall", "ขาด"),
    C("item_name_th", "รายการ", "text"),
    C("units", "จำนวน"),
    C("unit_price_baht", "ราคาต่อหน่วย (บาท)", "decimal"),
    C("cost_baht", "รวม (บาท)", "decimal"),
    C("funded_units", "จัดซื้อได้ในวงเงิน"),
    C("funded_baht", "ใช้เงิน (บาท)", "decimal"),
)
PRICE_COLUMNS = (
    C("need_th", "ใช้สำหรับ", "text"),
    C("code", "รหัส", "text"),
    C("name_th", "รายการ", "text"),
    C("unit_th", "หน่วย", "text"),
    C("unit_price_baht", "ราคาต่อหน่วย (บาท)", "decimal"),
    C("spec_th", "คุณลักษณะพื้นฐาน", "text"),
)
NEED_COLUMNS = tuple(
    C(f"{need}_{field}", f"{ICT_NEED_LABELS_TH[need]}: {label}")
    for need in PURCHASE_NEEDS
    for field, label in (
        ("required", "ตามเกณฑ์"),
        ("working", "ใช้งานได้"),
        ("broken", "ชำรุด"),
        ("over_age", "เกินอายุใช้งาน"),
        ("usable", "นับตามเกณฑ์ได้"),
        ("shortfall", "ขาด"),
    )
)
SCHOOL_COLUMNS = (
    C("code", "รหัสโรงเรียน", "text"),
    C("name_th", "โรงเรียน", "text"),
    C("district_name_th", "อำเภอ", "text"),
    C("pupils", "นักเรียน"),
    C("teachers", "ครู"),
    *NEED_COLUMNS,
    C("mbps", "อินเทอร์เน็ต (Mbps)", "decimal"),
    C("required_mbps", "ตามเกณฑ์ (Mbps)", "decimal"),
)
AREA_COLUMNS = (
    C("code", "รหัส", "text"),
    C("name_th", "พื้นที่", "text"),
    C("schools", "โรงเรียน"),
    C("pupils", "นักเรียน"),
    *NEED_COLUMNS,
    C("schools_without_link", "โรงเรียนไม่มีอินเทอร์เน็ต"),
    C("schools_below_norm", "ความเร็วต่ำกว่าเกณฑ์"),
)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if not isinstance(v, dict)}
    for need, figures in row["needs"].items():
        flat |= {f"{need}_{field}": value for field, value in figures.items()}
    return flat | row["internet"]


def needs_xlsx(schools: list[dict[str, Any]], areas: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    add_sheet(book, "รายอำเภอ", AREA_COLUMNS, [_flat(area) for area in areas])
    add_sheet(book, "รายโรงเรียน", SCHOOL_COLUMNS, [_flat(school) for school in schools])
    return workbook_bytes(book)


def _plan_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        line
        | {
            "ranked_by_th": PLAN_RANKED_BY_LABELS_TH[line["ranked_by"]],
            "need_th": ICT_NEED_LABELS_TH[line["need"]],
        }
        for line in plan["lines"]
    ]


def _price_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        item | {"need_th": ICT_NEED_LABELS_TH[item["need"]]} for item in plan["price_list"]["items"]
    ]


def _summary(plan: dict[str, Any]) -> list[tuple[str, Any]]:
    first, last = plan["fiscal_year_starts"], plan["fiscal_year_ends"]
    return [
        (
            "ปีงบประมาณ",
            f"{plan['fiscal_year']} ({format_thai_date(first)} - {format_thai_date(last)})",
        ),
        ("วงเงิน (บาท)", plan["budget_baht"] if plan["budget_baht"] is not None else "ไม่จำกัด"),
        ("ความต้องการทั้งหมด (บาท)", plan["total_baht"]),
        ("จัดซื้อได้ในวงเงิน (บาท)", plan["funded_baht"]),
        ("คงเหลือ (บาท)", plan["left_baht"]),
        ("เกณฑ์การจัดลำดับ", RULES_TH[plan["rule"]].format(units=plan["minimum_units"])),
        ("บัญชีราคา", plan["price_list"]["name_th"]),
    ]


RULES_TH = {
    "minimum_then_need": (
        "ขั้นแรก ทุกโรงเรียนที่ขาดได้รับก่อนโรงเรียนละไม่เกิน {units} หน่วยต่อประเภท "
        "(ขาดมากต่อนักเรียนก่อน) แล้วจึงจัดส่วนที่เหลือตามความขาดแคลนต่อนักเรียน"
    ),
    "need": "ตามความขาดแคลนต่อนักเรียน มากไปน้อย",
}


def plan_xlsx(plan: dict[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "สรุป"
    for label, value in _summary(plan):
        summary.append([label, value])
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 90
    add_sheet(book, "แผนจัดซื้อ", PLAN_COLUMNS, _plan_rows(plan))
    add_sheet(book, "บัญชีราคา", PRICE_COLUMNS, _price_rows(plan))
    return workbook_bytes(book)


def plan_pdf(plan: dict[str, Any], area_th: str) -> bytes:
    html = templates.get_template("ict_plan.html").render(
        plan=plan,
        area_th=area_th,
        summary=_summary(plan),
        lines=_plan_rows(plan),
        prices=_price_rows(plan),
        columns=PLAN_COLUMNS,
        price_columns=PRICE_COLUMNS,
        fmt=formatter(False),
        font_url=FONT_DIR.as_uri(),
        produced_on=format_thai_date(dt.date.today(), short=False),
    )
    return html_to_pdf(html)
