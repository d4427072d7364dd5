"""Reading CSV and XLSX files row by row: UTF-8 (with or without BOM) or TIS-620/cp874,
Thai or English headers mapped to field names through aliases. Streams; never loads the file."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from kernel.archives import ArchiveRefusedError, check_archive
from kernel.cells import uncsv_cell
from kernel.config import get_settings

SAMPLE_BYTES = 256 * 1024


class TableError(ValueError):
    """The file itself cannot be read (format, encoding, headers, a row no reader can parse);
    names the file and, when known, the row."""

    def __init__(self, message: str, row: int | None = None) -> None:
        self.row = row
        super().__init__(message)


# More columns than any census or school form has: a file of a million columns is refused
# before its header is mapped (EDUMAP_IMPORT_MAX_COLUMNS).
DEFAULT_MAX_COLUMNS = 500
# How many unknown headers a report names before it says "and N more".
UNKNOWN_HEADERS_SHOWN = 20
# Office sheets often carry a title row or two above the header: it is looked for this far.
HEADER_SEARCH_ROWS = 6


def detect_text_encoding(sample: bytes) -> str:
    """'utf-8-sig' with a BOM, 'utf-8' if the sample decodes, else 'cp874' (Thai Windows)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut off at the end of the sample is still UTF-8.
        if exc.start < len(sample) - 4:
            return "cp874"
    return "utf-8"


def normalise_header(header: str) -> str:
    return " ".join(str(header or "").replace("\ufeff", "").strip().lower().split())


@dataclass(frozen=True)
class Table:
    """An opened table: which field each column holds, and a row iterator."""

    path: Path
    encoding: str | None
    columns: dict[str, int]  # field -> column index
    unknown_headers: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    header_row: int = 1
    sheet: str | None = None


def _recognised(headers: list[Any], aliases: Mapping[str, tuple[str, ...]]) -> int:
    """How many of a row's cells name a field (to tell the header from a title above it)."""
    lookup = {normalise_header(a) for names in aliases.values() for a in names}
    lookup |= {normalise_header(field) for field in aliases}
    return sum(1 for header in headers if normalise_header(header) in lookup)


def _header_index(first_rows: list[list[Any]], aliases: Mapping[str, tuple[str, ...]]) -> int:
    """Which of the first rows is the header: the one naming most fields (the first of equals;
    the first row when none names any)."""
    counts = [_recognised(row, aliases) for row in first_rows]
    best = max(counts, default=0)
    return counts.index(best) if best else 0


def unknown_headers_note(unknown: list[str]) -> str:
    """The report's note on ignored columns, at most ``UNKNOWN_HEADERS_SHOWN`` of them named."""
    shown = ", ".join(name[:60] for name in unknown[:UNKNOWN_HEADERS_SHOWN])
    more = len(unknown) - UNKNOWN_HEADERS_SHOWN
    return f"columns ignored: {shown}" + (f" and {more:,} more" if more > 0 else "")


def _map_headers(
    path: Path, headers: list[Any], aliases: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    limit = max_columns()
    if len(headers) > limit:
        raise TableError(
            f"{path.name}: แถวหัวตารางมี {len(headers):,} คอลัมน์ เกิน {limit:,} "
            f"(the header row has {len(headers):,} columns, more than {limit:,})",
            row=1,
        )
    lookup = {normalise_header(a): field for field, names in aliases.items() for a in names}
    lookup |= {normalise_header(field): field for field in aliases}
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        field = lookup.get(key)
        if field is None:
            unknown.append(str(header))
        elif field in columns:
            raise TableError(f"{path.name}: two columns mean {field!r} ({header!r})")
        else:
            columns[field] = index
    return columns, unknown


def max_columns() -> int:
    return get_settings().import_max_columns


def _unreadable(path: Path, row: int, exc: Exception) -> TableError:
    """A row no reader can parse, in Thai first, naming the row."""
    if isinstance(exc, UnicodeDecodeError):
        reason = (
            "มีไบต์ที่ไม่ใช่ทั้ง UTF-8 และ TIS-620 ให้บันทึกไฟล์เป็น UTF-8 ใหม่ "
            "(bytes that are neither UTF-8 nor TIS-620/cp874: save the file as UTF-8)"
        )
    elif "field larger than field limit" in str(exc):
        reason = (
            f"มีช่องยาวเกิน {csv.field_size_limit():,} ตัวอักษร "
            f"(a cell longer than {csv.field_size_limit():,} characters)"
        )
    else:
        reason = f"อ่านแถวนี้ไม่ได้ (cannot be read: {str(exc)[:200]})"
    return TableError(f"{path.name}: แถว {row}: {reason}", row=row)


def _checked(path: Path, number: int, values: list[Any], headers: list[Any]) -> None:
    """Refuse NUL characters, which no stored text may hold, naming the row and column."""
    for index, value in enumerate(values):
        if isinstance(value, str) and "\x00" in value:
            column = headers[index] if index < len(headers) else index + 1
            raise TableError(
                f"{path.name}: แถว {number} ช่อง {column}: มีอักขระ NUL (0x00) "
                f"(row {number}, column {column}: contains a NUL character)",
                row=number,
            )


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = uncsv_cell(value.strip())
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def open_table(
    path: Path, aliases: Mapping[str, tuple[str, ...]], *, sheet: str | None = None
) -> Table:
    """Open a .csv or .xlsx. The header is the row among the first few naming most fields (a
    title row or two above it is common in office sheets); row numbers are as in the file. Of
    a workbook, the sheet named, else the first sheet whose header names most fields."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, aliases, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return _open_csv(path, aliases)
    raise TableError(f"{path.name}: expected a .csv or .xlsx file")


def _decoded_lines(handle: BinaryIO, encoding: str) -> Iterator[str]:
    """The file's lines decoded one by one, so bytes that do not decode are found on their
    line (a text wrapper decodes ahead in blocks and would blame the header)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    for line in handle:
        yield decoder.decode(line)
    yield decoder.decode(b"", final=True)


def _open_csv(path: Path, aliases: Mapping[str, tuple[str, ...]]) -> Table:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    encoding = detect_text_encoding(sample)
    handle = path.open("rb")
    try:
        dialect = csv.Sniffer().sniff(sample[:8192].decode(encoding, "ignore"), ",;\t|")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(_decoded_lines(handle, encoding), dialect)
    first_rows: list[list[str]] = []
    # A row no reader can parse while the header is looked for: the header search stops
    # there, and the row is reported, by its number, when the rows are read.
    unreadable: TableError | None = None
    try:
        for _ in range(HEADER_SEARCH_ROWS):
            first_rows.append(next(reader))
    except StopIteration:
        pass
    except (csv.Error, UnicodeDecodeError) as exc:
        if not first_rows:
            handle.close()
            raise _unreadable(path, 1, exc) from exc
        unreadable = _unreadable(path, len(first_rows) + 1, exc)
    if not first_rows:
        handle.close()
        raise TableError(f"{path.name}: the file is empty")
    header_at = _header_index(first_rows, aliases)
    headers = first_rows[header_at]
    # Rows read past the header while looking for it come first, with their own numbers.
    read_ahead = list(enumerate(first_rows[header_at + 1 :], start=header_at + 2))
    try:
        columns, unknown = _map_headers(path, headers, aliases)
        _checked(path, header_at + 1, headers, headers)
    except TableError:
        handle.close()
        raise

    def parsed() -> Iterator[tuple[int, list[str]]]:
        yield from read_ahead
        if unreadable is not None:
            raise unreadable
        number = header_at + 1 + len(read_ahead)
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(path, number, exc) from exc
            yield number, values

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with handle:
            for number, values in parsed():
                if not any(v.strip() for v in values):
                    continue
                _checked(path, number, values, headers)
                yield (
                    number,
                    {
                        field: _cell(values[i]) if i < len(values) else None
                        for field, i in columns.items()
                    },
                )

    return Table(path, encoding, columns, unknown, rows(), header_row=header_at + 1)


def _open_xlsx(path: Path, aliases: Mapping[str, tuple[str, ...]], sheet_name: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        check_archive(path)
    except ArchiveRefusedError as exc:
        raise TableError(str(exc)) from exc
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise TableError(f"{path.name}: not a readable .xlsx file ({exc})") from exc
    if sheet_name is not None:
        if sheet_name not in workbook.sheetnames:
            workbook.close()
            raise TableError(
                f"{path.name}: ไม่มีแผ่นงานชื่อ {sheet_name!r} มีแต่ {', '.join(workbook.sheetnames)} "
                f"(no sheet {sheet_name!r})"
            )
        candidates = [workbook[sheet_name]]
    else:
        candidates = list(workbook.worksheets)
    # The first sheet whose header names most fields (a cover sheet or notes come before it).
    chosen = None
    for candidate in candidates:
        first_rows = [
            list(r)
            for r in itertools.islice(candidate.iter_rows(values_only=True), HEADER_SEARCH_ROWS)
        ]
        header_at = _header_index(first_rows, aliases)
        score = _recognised(first_rows[header_at], aliases) if first_rows else 0
        if chosen is None or score > chosen[0]:
            chosen = (score, candidate, header_at)
    if chosen is None:
        workbook.close()
        raise TableError(f"{path.name}: the workbook has no sheet")
    _, sheet, header_at = chosen
    iterator = sheet.iter_rows(values_only=True)
    for _ in range(header_at):
        next(iterator, None)
    try:
        headers = list(next(iterator))
    except StopIteration:
        workbook.close()
        raise TableError(f"{path.name}: the sheet {sheet.title!r} is empty") from None
    columns, unknown = _map_headers(path, headers, aliases)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, values in enumerate(iterator, start=header_at + 2):
                if not any(v not in (None, "") for v in values):
                    continue
                _checked(path, number, list(values), headers)
                yield (
                    number,
                    {
                        field: _cell(values[i]) if i < len(values) else None
                        for field, i in columns.items()
                    },
                )
        finally:
            workbook.close()

    return Table(path, None, columns, unknown, rows(), header_row=header_at + 1, sheet=sheet.title)
