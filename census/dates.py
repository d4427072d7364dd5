"""Dates as Thai offices write them, in the Buddhist Era (B.E.) or the Common Era (C.E.)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

BE_OFFSET = 543
# A four-digit year from here on is taken as B.E. (C.E. 2400 is far in the future).
BE_THRESHOLD = 2400

THAI_MONTHS = {
    "ม.ค.": 1,
    "มกราคม": 1,
    "ก.พ.": 2,
    "กุมภาพันธ์": 2,
    "มี.ค.": 3,
    "มีนาคม": 3,
    "เม.ย.": 4,
    "เมษายน": 4,
    "พ.ค.": 5,
    "พฤษภาคม": 5,
    "มิ.ย.": 6,
    "มิถุนายน": 6,
    "ก.ค.": 7,
    "กรกฎาคม": 7,
    "ส.ค.": 8,
    "สิงหาคม": 8,
    "ก.ย.": 9,
    "กันยายน": 9,
    "ต.ค.": 10,
    "ตุลาคม": 10,
    "พ.ย.": 11,
    "พฤศจิกายน": 11,
    "ธ.ค.": 12,
    "ธันวาคม": 12,
}
THAI_MONTHS_SHORT = {v: k for k, v in THAI_MONTHS.items() if k.endswith(".")}
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
TO_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")
_THAI_TEXT = re.compile(r"^(\d{1,2})\s*([^\d\s]+)\s*(\d{4})$")


class DateProblem(ValueError):
    """The text is not a date edumap can read; the message says what was expected."""


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date
    era: Literal["BE", "CE"]


def _year(year: int) -> tuple[int, Literal["BE", "CE"]]:
    return (year - BE_OFFSET, "BE") if year >= BE_THRESHOLD else (year, "CE")


def parse_thai_date(value: object) -> ParsedDate:
    """Read 15/03/2562, 2562-03-15, 15 มี.ค. 2562, their C.E. forms, or a spreadsheet date.

    A year of 2400 or more is B.E.; the result says which era the input used.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        year, era = _year(value.year)
        try:
            return ParsedDate(value.replace(year=year), era)
        except ValueError as exc:  # 29 Feb of a B.E. year that is no C.E. leap year
            raise DateProblem(f"ไม่มีวันที่ {value} ในปฏิทิน ({value} does not exist)") from exc
    text = str(value or "").strip().translate(THAI_DIGITS)
    if not text:
        raise DateProblem("ไม่ได้กรอกวันที่ (no date given)")
    parts: tuple[int, int, int] | None = None
    if match := _DMY.match(text):
        parts = (int(match[3]), int(match[2]), int(match[1]))
    elif match := _YMD.match(text):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _THAI_TEXT.match(text):
        month = THAI_MONTHS.get(match[2]) or THAI_MONTHS.get(match[2] + ".")
        if month is None:
            raise DateProblem(f"ไม่รู้จักเดือน {match[2]!r} ใน {text!r} (unknown month)")
        parts = (int(match[3]), month, int(match[1]))
    if parts is None:
        raise DateProblem(
            f"{text!r} ไม่ใช่วันที่ เขียนเป็น 15/03/2562, 2562-03-15 หรือ 15 มี.ค. 2562 (not a date)"
        )
    year, era = _year(parts[0])
    try:
        return ParsedDate(dt.date(year, parts[1], parts[2]), era)
    except ValueError as exc:
        raise DateProblem(f"ไม่มีวันที่ {text!r} ในปฏิทิน ({text!r} does not exist: {exc})") from exc


def format_thai_date(value: dt.date, short: bool = True) -> str:
    """15 มี.ค. 2562: Thai month and Buddhist Era year, for people to read."""
    month = (
        THAI_MONTHS_SHORT[value.month]
        if short
        else next(k for k, v in THAI_MONTHS.items() if v == value.month and not k.endswith("."))
    )
    return f"{value.day} {month} {value.year + BE_OFFSET}"


def to_thai_digits(text: str) -> str:
    """Arabic digits written as Thai digits (๐-๙), as some offices print their documents."""
    return text.translate(TO_THAI_DIGITS)
