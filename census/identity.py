"""Thai 13-digit national ID numbers (เลขประจำตัวประชาชน)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")


def clean_national_id(value: str | int | float | None) -> str:
    """Digits only: '1-1017-00203-45-1' -> '1101700203451' (a whole number a spreadsheet
    stored as a float, 1101700203451.0, reads as its digits)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _DIGITS.sub("", str(value or ""))


_SCIENTIFIC = re.compile(r"^\s*\d(?:[.,]\d+)?\s*[eE]\s*\+?\s*\d+\s*$")


def excel_mangled_id(value: object) -> str | None:
    """What to say when a spreadsheet turned an ID into a number in scientific notation
    (1.10501E+12: the last digits are gone, no reader can bring them back); None otherwise."""
    if isinstance(value, str) and _SCIENTIFIC.match(value):
        return (
            f"Excel แปลงเลขเป็นรูปเลขยกกำลัง ({value.strip()}) ตัวเลขท้ายหายไปแล้ว ให้จัดรูปแบบ"
            "คอลัมน์นี้เป็นข้อความ (Text) แล้วพิมพ์หรือส่งออกใหม่ (Excel turned the ID into "
            "scientific notation and its last digits are lost: format the column as text and "
            "export again)"
        )
    return None


def check_digit(first_twelve: str) -> int:
    """s = sum(d_i * (14 - i)) for i = 1..12; check = (11 - s mod 11) mod 10."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first_twelve))
    return (11 - total % 11) % 10


def national_id_problem(value: str) -> str | None:
    """None for a valid ID; otherwise what is wrong with it, for the person fixing the row."""
    if len(value) != 13 or not value.isdigit():
        return f"ต้องมี 13 หลัก แต่มี {len(value)} หลัก (expected 13 digits, got {len(value)})"
    if value == "0" * 13 or len(set(value)) == 1:
        return "ไม่ใช่เลขจริง: ตัวเลขเหมือนกันทุกหลัก (not a real ID: all digits the same)"
    if value[0] in "09":
        return f"ไม่มีเลขที่ขึ้นต้นด้วย {value[0]} ใช้ได้ 1-8 (first digit {value[0]} is not issued; 1-8 are)"
    if check_digit(value[:12]) != int(value[12]):
        return (
            "หลักสุดท้าย (เลขตรวจสอบ) ไม่ตรง อาจพิมพ์ผิด (check digit does not match: a digit mistyped?)"
        )
    return None


def with_check_digit(first_twelve: str) -> str:
    """Complete 12 digits into a valid ID (for synthetic data and tests)."""
    return first_twelve + str(check_digit(first_twelve))
