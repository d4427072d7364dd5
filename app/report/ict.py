"""ICT needs and the procurement plan as files (issue 20): XLSX with a sheet per table, and the
plan as a Thai PDF to attach to the office's request for budget."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.report.maps import connectivity_maps
from app.report.pdf import FONT_DIR, html_to_pdf
from app.report.render import FONT_REGULAR, C, add_sheet, formatter, workbook_bytes
from app.web.templating import templates
from census.dates import format_thai_date
from gis.ict import links, needs, plan, repairs
from gis.ict.models import PURCHASE_NEEDS
from gis.ict.norms import ict_norms
from kernel.ratios import ratio
from kernel.vocabulary import (
    CONNECTIVITY_LABELS_TH,
    ICT_NEED_LABELS_TH,
    LEVEL_LABELS_TH,
    PLAN_RANKED_BY_LABELS_TH,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


# --- the ICT report -----------------------------------------------------------------------

REPORT_COLUMNS = (
    C("name_th", "อำเภอ", "text"),
    C("schools", "โรงเรียน"),
    C("pupils", "นักเรียน"),
    C("learning_required", "อุปกรณ์เรียนตามเกณฑ์"),
    C("learning_usable", "อุปกรณ์เรียนที่นับได้"),
    C("learning_shortfall", "อุปกรณ์เรียนที่ขาด"),
    C("pupils_per_learning_device", "นักเรียนต่ออุปกรณ์ 1 เครื่อง", "decimal"),
    C("administration_shortfall", "คอมพิวเตอร์บริหารที่ขาด"),
    C("printer_shortfall", "เครื่องพิมพ์ที่ขาด"),
    C("devices", "อุปกรณ์ทั้งหมด"),
    C("broken_share", "ชำรุด", "rate"),
    C("over_age_share", "เกินอายุใช้งาน", "rate"),
    C("hours_per_week", "ชั่วโมงใช้งานต่อสัปดาห์ (อุปกรณ์เรียน)", "decimal"),
    C("schools_reporting_use", "โรงเรียนที่รายงานการใช้งาน"),
    C("repairs", "แจ้งซ่อม"),
    C("median_hours_to_repair", "ชั่วโมงถึงซ่อมเสร็จ (มัธยฐาน)", "decimal"),
    C("repair_cost_baht", "ค่าซ่อมในปีงบประมาณ (บาท)", "decimal"),
    C("no_link", "ไม่มีอินเทอร์เน็ต"),
    C("slow", "ช้ากว่าเกณฑ์"),
    C("healthy", "ตามเกณฑ์"),
)


def ict_report(
    session: Session, *, esao: str | None = None, district: str | None = None
) -> dict[str, Any]:
    """The ICT report's figures per district of an office (or one district): sufficiency
    (learning devices per pupil against the norm, shortfalls), value (broken, past their life,
    repairs and their cost in the fiscal year), connectivity (no link, slow, healthy), and the
    total row. Public: sums per district (each school's figures are the needs API's, for
    the school and its office). The needs come from ``gis.ict.needs``, as the API's do."""
    districts = [district] if district else None
    fiscal_year = plan.fiscal_year_of(dt.date.today())
    first, last = plan.fiscal_year_span(fiscal_year)
    schools = needs.school_needs(session, districts=districts, office_code=esao)
    # Most short first, each need's figures summed (as the needs API sums them).
    areas = {area["code"]: area for area in needs.area_needs(schools, "district")}
    links_by_school = {
        row["code"]: row for row in links.connectivity(session, districts, office_code=esao)
    }
    link_states = Counter(
        (school["district_code"], links_by_school[school["code"]]["status"]) for school in schools
    )
    times = {row["code"]: row for row in repairs.repair_times(session, list(areas) or None)}
    costs: dict[str, float] = dict(
        session.execute(
            text(
                "SELECT left(s.subdistrict_code, 4), sum(m.cost_baht)::float "
                "FROM device_maintenance m JOIN ict_device d ON d.id = m.device_id "
                "JOIN school s ON s.id = d.school_id "
                "WHERE m.date BETWEEN :first AND :last AND left(s.subdistrict_code, 4) = ANY(:d) "
                "GROUP BY 1"
            ),
            {"first": first, "last": last, "d": list(areas)},
        ).all()
    )
    # Use: hours a week of learning devices, weighted by the working ones, where reported.
    use = {
        code: (hours, reporting)
        for code, hours, reporting in session.execute(
            text(
                "SELECT left(s.subdistrict_code, 4), "
                "round(sum(d.hours_per_week * d.working)::numeric / nullif(sum(d.working) "
                "FILTER (WHERE d.hours_per_week IS NOT NULL), 0), 1)::float, "
                "count(DISTINCT s.id) FILTER (WHERE d.hours_per_week IS NOT NULL)::int "
                "FROM ict_device d JOIN school s ON s.id = d.school_id "
                "WHERE d.purpose = 'learning' AND left(s.subdistrict_code, 4) = ANY(:d) "
                "GROUP BY 1"
            ),
            {"d": list(areas)},
        )
    }
    rows = []
    for code, area in areas.items():
        devices, broken, over_age = (
            sum(figures[field] for figures in area["needs"].values())
            for field in ("count", "broken", "over_age")
        )
        learning = area["needs"]["learning"]
        rows.append(
            {
                "code": code,
                "name_th": area["name_th"],
                "schools": area["schools"],
                "pupils": area["pupils"],
                "learning_required": learning["required"],
                "learning_usable": learning["usable"],
                "learning_shortfall": learning["shortfall"],
                "pupils_per_learning_device": (
                    round(area["pupils"] / learning["usable"], 1) if learning["usable"] else None
                ),
                "administration_shortfall": area["needs"]["administration"]["shortfall"],
                "printer_shortfall": area["needs"]["printer"]["shortfall"],
                "devices": devices,
                "broken": broken,
                "over_age": over_age,
                "broken_share": ratio(broken, devices, 4),
                "over_age_share": ratio(over_age, devices, 4),
                "hours_per_week": use.get(code, (None, 0))[0],
                "schools_reporting_use": use.get(code, (None, 0))[1],
                "repairs": times.get(code, {}).get("reported", 0),
                "median_hours_to_repair": times.get(code, {}).get("median_hours_to_repair"),
                "repair_cost_baht": costs.get(code, 0.0),
                **{key: link_states[(code, key)] for key in CONNECTIVITY_LABELS_TH},
            }
        )
    summed = (
        "schools",
        "pupils",
        "learning_required",
        "learning_usable",
        "learning_shortfall",
        "administration_shortfall",
        "printer_shortfall",
        "devices",
        "broken",
        "over_age",
        "schools_reporting_use",
        "repairs",
        "repair_cost_baht",
        *CONNECTIVITY_LABELS_TH,
    )
    total: dict[str, Any] = {"code": "", "name_th": "รวม"} | {
        key: sum(row[key] for row in rows) for key in summed
    }
    total["broken_share"] = ratio(total["broken"], total["devices"], 4)
    total["over_age_share"] = ratio(total["over_age"], total["devices"], 4)
    total["median_hours_to_repair"] = None  # a median of medians says nothing
    total["hours_per_week"] = None  # nor would a mean of means
    total["pupils_per_learning_device"] = (
        round(total["pupils"] / total["learning_usable"], 1) if total["learning_usable"] else None
    )
    return {
        "esao": esao,
        "district": district,
        "fiscal_year": fiscal_year,
        "districts": rows,
        "total": total,
        "status": {code: row["status"] for code, row in links_by_school.items()},
        "norm_sources_th": ict_norms().sources_th,
        "learning_norm_th": ", ".join(
            f"{LEVEL_LABELS_TH[level]} {n} คนต่อเครื่อง"
            for level, n in ict_norms().pupils_per_learning_device.items()
            if n
        ),
    }


def ict_report_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    add_sheet(book, "รายอำเภอ", REPORT_COLUMNS, [*report["districts"], report["total"]])
    return workbook_bytes(book)


def ict_report_pdf(session: Session, report: dict[str, Any], area_th: str) -> bytes:
    maps = connectivity_maps(
        session,
        [row["code"] for row in report["districts"]],
        report["status"],
        CONNECTIVITY_LABELS_TH,
        FONT_REGULAR,
    )
    html = templates.get_template("ict_report.html").render(
        report=report,
        area_th=area_th,
        columns=REPORT_COLUMNS,
        rows=[*report["districts"], report["total"]],
        maps=maps,
        fmt=formatter(False),
        font_url=FONT_DIR.as_uri(),
        produced_on=format_thai_date(dt.date.today(), short=False),
    )
    return html_to_pdf(html)
