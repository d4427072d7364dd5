"""The district report on compulsory-education coverage: its figures, gathered once, for the
HTML, XLSX and CSV renderers (app/reports.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.dates import format_thai_date
from census.privacy import suppress_small_count
from gis import coverage
from gis.service_areas.propose import max_distance_m
from gis.service_areas.quality import quality_report


def coverage_report(
    session: Session,
    round_year: int,
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
) -> dict[str, Any]:
    """Every table of the report, aggregate only (it is public)."""
    tambons = coverage.subdistrict_coverage(
        session, round_year, province=province, district=district, esao=esao
    )
    names: dict[str, str] = dict(
        session.execute(text("SELECT code, name_th FROM subdistrict")).all()
    )
    district_names: dict[str, str] = dict(
        session.execute(text("SELECT code, name_th FROM district")).all()
    )
    for row in tambons:
        row["name_th"] = names.get(row["subdistrict_code"], "")
    raw = coverage.subdistrict_coverage(
        session, round_year, province=province, district=district, esao=esao, suppress=False
    )
    totals = {
        k: sum(r[k] for r in raw)
        for k in (
            "compulsory_age",
            "compulsory_enrolled",
            "out_of_school",
            "beyond_distance",
            "pre_primary_age",
            "pre_primary_enrolled",
            "due_prathom1_next_year",
        )
    }
    totals["coverage_rate"] = coverage.rate(totals["compulsory_enrolled"], totals["compulsory_age"])
    district_rows = [
        row | {"name_th": district_names.get(row["district"], "")}
        for row in coverage.area_coverage(
            session, round_year, by="district", province=province, district=district, esao=esao
        )
    ]
    schools = []
    for school in coverage.school_coverage(
        session, round_year, province=province, district=district, esao=esao
    ):
        grades = school["grades"]
        p1 = school.get("prathom1_next_year", {})
        schools.append(
            {
                "code": school["code"],
                "name_th": school["name_th"],
                "demand": suppress_small_count(sum(g["demand"] for g in grades)),
                "enrolled": sum(g["enrolled"] for g in grades),
                "capacity": sum(g["capacity"] for g in grades),
                "spare_seats": sum(g["spare_seats"] for g in grades),
                "p1_next_year": suppress_small_count(p1.get("children", 0)),
                "p1_capacity": p1.get("capacity", 0),
            }
        )
    where, params = coverage._area_filter("c", province, district, esao)
    out_by_age = (
        session.execute(
            text(
                f"""
        SELECT extract(year FROM age(CAST(:cutoff AS date), ch.birth_date))::int AS age,
               ch.sex, coalesce(ch.not_enrolled_reason, '-') AS reason, count(*) AS children
        FROM child_coverage c JOIN child ch ON ch.id = c.child_id
        WHERE c.round_year = :round_year AND c.out_of_school AND {where}
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
            ),
            params | coverage.coverage_params(round_year),
        )
        .mappings()
        .all()
    )
    province_code = (
        province
        or (district or "")[:2]
        or session.execute(
            text("SELECT province_code FROM service_area_office WHERE code = :e"), {"e": esao}
        ).scalar()
    )
    quality = quality_report(session, province_code=province_code or "55", academic_year=round_year)
    norms = max_distance_m()
    return {
        "round": round_year,
        "area": {"province": province, "district": district, "esao": esao},
        "produced_on": format_thai_date(dt.date.today(), short=False),
        "totals": totals,
        "districts": district_rows,
        "subdistricts": tambons,
        "schools": schools,
        "out_of_school": [
            dict(r) | {"children": suppress_small_count(r["children"])} for r in out_by_age
        ],
        "quality": {
            "villages": quality["villages"],
            "villages_in_no_area": len(quality["villages_in_no_area"]),
            "villages_in_several_areas": len(quality["villages_in_several_areas"]),
            "areas_crossing_office_border": len(quality["areas_crossing_office_border"]),
        },
        "rules": {
            "prathom1": f"ป.1 ปีการศึกษา {round_year} รับเด็กเกิด พ.ศ. {round_year - 7}",
            "compulsory": f"การศึกษาภาคบังคับ: เด็กเกิด พ.ศ. {round_year - 16}-{round_year - 7} "
            "ที่ยังไม่จบ ม.3",
            "distance": f"ระยะทางเกณฑ์: อนุบาลและประถม {norms['primary'] / 1000:.0f} กม., "
            f"มัธยม {norms['lower_secondary'] / 1000:.0f} กม.",
        },
        "sources": [
            "ขอบเขตการปกครอง: RTSD/OCHA HDX COD-AB (rtsd_20220121)",
            "ประชากร: กรมการปกครอง 31 ธ.ค. 2564",
            "หมู่บ้าน: ชั้นข้อมูลหมู่บ้าน 2555",
            "โรงเรียน: รายชื่อโรงเรียนจากวิกิพีเดีย; ข้อมูลนักเรียนและสำมะโนในตัวอย่างนี้เป็นข้อมูลสังเคราะห์",
        ],
    }
