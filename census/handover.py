"""Hand-over lists between offices: the children a visit found to have moved into another
office's area (the latest finding ``moved_away``, to a tambon that office serves for the
child's stage) go to that office as a file it imports.

The file is a civil-registration extract in the documented layout (``census.register_synth``'s
headers) with the destination tambon as the registered address, plus where the child came from;
the receiving office imports it with ``edumap civil-register import FILE --agency handover``
(each hand-over adds children; none supersedes another), and the children enter its matching
and its verification list like any registered child. The full ID travels (decrypted for this
export only, audited by the caller): the receiving office matches on it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.follow_up import LATEST_FINDING_SQL
from census.privacy import decrypt_national_id
from kernel.cells import csv_row
from kernel.config import Settings

HANDOVER_HEADERS = [
    "เลขประจำตัวประชาชน",
    "คำนำหน้า",
    "ชื่อ",
    "นามสกุล",
    "เพศ",
    "วันเดือนปีเกิด",
    "บ้านเลขที่",
    "หมู่ที่",
    "รหัสตำบล",
    "ส่งต่อถึง",
    "ส่งต่อจาก",
    "ตำบลเดิม",
    "วันที่พบว่าย้าย",
    "หมายเหตุ",
]

# Children found moved to a tambon outside ``:districts`` (the sending office's; NULL: any),
# with the office that serves the destination for the child's stage (the secondary office for
# Mathayom 4-6, the primary office otherwise).
_MOVED_SQL = f"""
SELECT r.national_id_encrypted, r.title, r.first_name, r.last_name, r.sex, r.birth_date,
       r.subdistrict_code AS from_tambon, v.moved_to_subdistrict, v.acted_on,
       (SELECT o.code FROM service_area_office o
        JOIN service_area_office_district d ON d.office_code = o.code
        WHERE d.district_code = left(v.moved_to_subdistrict, 4)
        ORDER BY (o.kind::text = CASE WHEN m.expected_grade IN ('M4', 'M5', 'M6')
                                      THEN 'secondary' ELSE 'primary' END) DESC, o.code
        LIMIT 1) AS to_office
FROM register_match m
JOIN register_record r ON r.id = m.civil_record_id
{LATEST_FINDING_SQL}
WHERE m.round_year = :y AND v.finding = 'moved_away'
  AND (CAST(:districts AS text[]) IS NULL OR left(r.subdistrict_code, 4) = ANY(:districts))
  AND (CAST(:districts AS text[]) IS NULL
       OR NOT left(v.moved_to_subdistrict, 4) = ANY(:districts))
ORDER BY to_office, v.moved_to_subdistrict, r.last_name, r.first_name
"""


def handover_rows(
    session: Session,
    settings: Settings,
    round_year: int,
    *,
    districts: list[str] | None,
    from_office: str | None,
    to_office: str | None = None,
) -> list[dict[str, Any]]:
    """The hand-over rows (``HANDOVER_HEADERS``) of the children who moved out of
    ``districts``, for ``to_office`` if given (else every receiving office)."""
    rows = session.execute(text(_MOVED_SQL), {"y": round_year, "districts": districts}).mappings()
    found = []
    for row in rows:
        if to_office is not None and row["to_office"] != to_office:
            continue
        encrypted = row["national_id_encrypted"]
        found.append(
            {
                "เลขประจำตัวประชาชน": decrypt_national_id(settings, encrypted) if encrypted else "",
                "คำนำหน้า": row["title"] or "",
                "ชื่อ": row["first_name"],
                "นามสกุล": row["last_name"],
                "เพศ": "ชาย" if row["sex"] == "M" else "หญิง",
                "วันเดือนปีเกิด": _be(row["birth_date"]),
                # the registered house there is not known yet: the surveyor there finds it
                "บ้านเลขที่": "",
                "หมู่ที่": "",
                "รหัสตำบล": row["moved_to_subdistrict"],
                "ส่งต่อถึง": row["to_office"] or "",
                "ส่งต่อจาก": from_office or "",
                "ตำบลเดิม": row["from_tambon"],
                "วันที่พบว่าย้าย": _be(row["acted_on"]),
                "หมายเหตุ": "ย้ายเข้าพื้นที่ ตามการตรวจสอบภาคสนามของสำนักงานต้นทาง",
            }
        )
    return found


def _be(day: dt.date) -> str:
    """A date as offices write it, 15/03/2562 (B.E.)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


def handover_csv(rows: list[dict[str, Any]]) -> bytes:
    """The hand-over file: CSV, UTF-8 with a BOM (as Excel opens it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HANDOVER_HEADERS)
    for row in rows:  # a name a spreadsheet would run is written as text
        writer.writerow(csv_row(row[header] for header in HANDOVER_HEADERS))
    return buffer.getvalue().encode("utf-8-sig")
