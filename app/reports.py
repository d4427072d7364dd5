"""Rendering the coverage report: HTML (served), XLSX (a sheet per table) and CSV (UTF-8 with
BOM, so Excel shows the Thai)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.web.templating import templates

# (sheet / section title, key in the report, [(column key, Thai header)])
TABLES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("อำเภอ", "districts", [
        ("district", "รหัสอำเภอ"), ("name_th", "อำเภอ"),
        ("compulsory_age", "เด็กวัยเรียนภาคบังคับ"), ("compulsory_enrolled", "กำลังเรียน"),
        ("out_of_school", "นอกระบบ"), ("beyond_distance", "ไกลเกินเกณฑ์"),
        ("coverage_rate", "อัตราการเข้าเรียน")]),
    ("ตำบล", "subdistricts", [
        ("subdistrict_code", "รหัสตำบล"), ("name_th", "ตำบล"),
        ("compulsory_age", "เด็กวัยเรียนภาคบังคับ"), ("compulsory_enrolled", "กำลังเรียน"),
        ("out_of_school", "นอกระบบ"), ("beyond_distance", "ไกลเกินเกณฑ์"),
        ("coverage_rate", "อัตราการเข้าเรียน"), ("pre_primary_age", "เด็กวัยอนุบาล"),
        ("pre_primary_rate", "อัตราเข้าอนุบาล"), ("due_prathom1_next_year", "เข้า ป.1 ปีหน้า")]),
    ("โรงเรียน", "schools", [
        ("code", "รหัสโรงเรียน"), ("name_th", "โรงเรียน"), ("demand", "เด็กในเขตบริการ"),
        ("enrolled", "นักเรียน"), ("capacity", "ความจุ"), ("spare_seats", "ที่นั่งว่าง"),
        ("p1_next_year", "เด็กเข้า ป.1 ปีหน้า"), ("p1_capacity", "ความจุ ป.1")]),
    ("เด็กนอกระบบ", "out_of_school", [
        ("age", "อายุ (ปี)"), ("sex", "เพศ"), ("reason", "สาเหตุ"), ("children", "จำนวน")]),
]  # fmt: skip


def to_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet per table, numbers as numbers, headers frozen."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "สรุป"
    summary.append(["รายงานการจัดการศึกษาภาคบังคับ ปีการศึกษา", report["round"]])
    for key, value in report["totals"].items():
        summary.append([key, value])
    summary.append(["จัดทำเมื่อ", report["produced_on"]])
    for title, key, columns in TABLES:
        sheet = book.create_sheet(title)
        sheet.append([header for _, header in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in report[key]:
            sheet.append([row.get(column) for column, _ in columns])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(report: dict[str, Any]) -> bytes:
    """The per-tambon table as CSV, UTF-8 with a BOM for Excel."""
    _, key, columns = TABLES[1]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in columns])
    for row in report[key]:
        writer.writerow([row.get(column) for column, _ in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_html(report: dict[str, Any]) -> str:
    return templates.get_template("coverage_report.html").render(report=report, tables=TABLES)
