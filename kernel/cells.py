"""Cells of the spreadsheets and CSV files edumap writes: a text that a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first) is written as text.

A school or child name such as ``=HYPERLINK(...)`` typed by one user must not become a live
formula in the workbook another user opens (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# OWASP's advice for CSV: a leading apostrophe, which spreadsheets show as text.
CSV_TEXT_PREFIX = "'"


def csv_cell(value: Any) -> Any:
    """A CSV cell; texts starting with a formula trigger get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return CSV_TEXT_PREFIX + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def uncsv_cell(value: str) -> str:
    """A cell read back from a CSV edumap wrote: the apostrophe it added goes again."""
    if value.startswith(CSV_TEXT_PREFIX) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row whose texts stay texts (openpyxl makes any ``=...`` string a formula)."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def rows_csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """A CSV file of ``rows`` (dicts) under ``columns``, UTF-8 with BOM so Excel reads Thai,
    formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(csv_row(row.get(column) for column in columns) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_xlsx(sheets: dict[str, tuple[list[str], Iterable[dict[str, Any]]]]) -> bytes:
    """A workbook, a sheet per name with its columns and rows, formula-safe."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(columns)
        for row in rows:
            append_row(sheet, (row.get(column) for column in columns))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
