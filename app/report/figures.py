"""The district report on compulsory-education coverage: its figures, gathered once, for the
HTML, XLSX and CSV renderers (app/reports.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census import matching
from census.dates import format_thai_date
from gis import coverage
from gis.geography import area_name_th
from gis.schools.resources import school_resources
from gis.service_areas.propose import max_distance_m
from gis.service_areas.quality import quality_report
from kernel.areas import area_filter
from kernel.disclosure import suppress_small_count, suppress_table
from kernel.vocabulary import SEX_LABELS_TH

COUNT_KEYS = tuple(coverage.COVERAGE_COUNTS)
# The headline figures, in the order and words of the report's summary.
TOTAL_LABELS_TH = {
    "compulsory_age": "เด็กวัยการศึกษาภาคบังคับ (คน)",
    "compulsory_enrolled": "กำลังเรียน (คน)",
    "coverage_rate": "อัตราการเข้าเรียนภาคบังคับ",
    "out_of_school": "เด็กนอกระบบการศึกษา (คน)",
    "beyond_distance": "บ้านไกลโรงเรียนเกินเกณฑ์ (คน)",
    "pre_primary_age": "เด็กวัยอนุบาล (คน)",
    "pre_primary_enrolled": "เด็กวัยอนุบาลที่เข้าเรียน (คน)",
    "pre_primary_rate": "อัตราการเข้าเรียนอนุบาล",
    "due_prathom1_next_year": "เด็กที่ต้องเข้า ป.1 ปีการศึกษาหน้า (คน)",
}


def _by_sex(rows: Sequence[Any], key: str) -> list[dict[str, Any]]:
    """Out-of-school children per ``key`` (age or reason): boys, girls and both, in the order
    of ``key``; each count of 1-4 hidden, and beside it whatever would give it back from a
    row's or a column's total (``kernel.disclosure.suppress_table``)."""
    groups: dict[Any, dict[str, int]] = {}
    for row in rows:
        group = groups.setdefault(row[key], {"M": 0, "F": 0})
        group[row["sex"]] = group.get(row["sex"], 0) + row["children"]
    ordered = sorted(groups.items())
    counts = [{"male": c["M"], "female": c["F"], "children": c["M"] + c["F"]} for _, c in ordered]
    shown = suppress_table(counts, ("male", "female"), "children")
    return [{key: value} | row for (value, _), row in zip(ordered, shown, strict=True)]


def _quality_in(
    quality: dict[str, Any], districts: list[dict[str, Any]], schools: list[dict[str, Any]]
) -> dict[str, Any]:
    """The province's service-area quality narrowed to the report's districts, per district."""
    rows = []
    for row in districts:
        code = row["district"]
        rows.append(
            {
                "district": code,
                "name_th": row["name_th"],
                "villages_in_no_area": sum(
                    v["subdistrict_code"].startswith(code) for v in quality["villages_in_no_area"]
                ),
                "villages_in_several_areas": sum(
                    v["subdistrict_code"].startswith(code)
                    for v in quality["villages_in_several_areas"]
                ),
            }
        )
    in_report = {school["code"] for school in schools}
    crossing = [c for c in quality["areas_crossing_office_border"] if c["school_code"] in in_report]
    return {
        "districts": rows,
        "villages_in_no_area": sum(r["villages_in_no_area"] for r in rows),
        "villages_in_several_areas": sum(r["villages_in_several_areas"] for r in rows),
        "areas_crossing_office_border": len(crossing),
    }


def coverage_report(
    session: Session,
    round_year: int,
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
) -> dict[str, Any]:
    """Every table of the report, aggregate only (it is public)."""
    area_name = area_name_th(session, province=province, district=district, esao=esao)
    raw_tambons = coverage.subdistrict_coverage(
        session, round_year, province=province, district=district, esao=esao, suppress=False
    )
    names: dict[str, str] = dict(
        session.execute(text("SELECT code, name_th FROM subdistrict")).all()
    )
    district_names: dict[str, str] = dict(
        session.execute(text("SELECT code, name_th FROM district")).all()
    )
    tambons = [
        row | {"name_th": names.get(row["subdistrict_code"], "")}
        for row in coverage.public_tambon_counts(raw_tambons)
    ]
    totals = {k: sum(r[k] for r in raw_tambons) for k in COUNT_KEYS}
    totals["coverage_rate"] = coverage.rate(totals["compulsory_enrolled"], totals["compulsory_age"])
    totals["pre_primary_rate"] = coverage.rate(
        totals["pre_primary_enrolled"], totals["pre_primary_age"]
    )
    district_rows = [
        row | {"name_th": district_names.get(row["district"], "")}
        for row in coverage.area_coverage(
            session, round_year, by="district", province=province, district=district, esao=esao
        )
    ]
    school_rows = coverage.school_coverage(
        session, round_year, province=province, district=district, esao=esao
    )
    resources = school_resources(session, [school["code"] for school in school_rows])
    schools = []
    for school in school_rows:
        grades = school["grades"]
        p1 = school.get("prathom1_next_year", {})
        enrolled = sum(g["enrolled"] for g in grades)
        assets = resources[school["code"]]
        schools.append(
            {
                "code": school["code"],
                "name_th": school["name_th"],
                "district": assets["district"],
                "demand": suppress_small_count(sum(g["demand"] for g in grades)),
                "enrolled": enrolled,
                "capacity": sum(g["capacity"] for g in grades),
                "spare_seats": sum(g["spare_seats"] for g in grades),
                "p1_next_year": suppress_small_count(p1.get("children", 0)),
                "p1_capacity": p1.get("capacity", 0),
                "learning_devices": assets["learning_devices"],
                "pupils_per_device": (
                    round(enrolled / assets["learning_devices"], 1)
                    if assets["learning_devices"]
                    else None
                ),
                "broken_devices": assets["broken_devices"],
                "mbps": assets["mbps"],
                "buildings": assets["buildings"],
                "buildings_needing_repair": assets["buildings_needing_repair"],
                "building_condition": assets["building_condition"],
            }
        )
    where, params = area_filter("c", province, district, esao)
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
    known = matching.known_by_tambon(
        session, round_year, [row["subdistrict_code"] for row in raw_tambons]
    )
    registers: list[dict[str, int | str]] = []
    for code, counts in sorted(known.items()):
        row: dict[str, int | str] = {"subdistrict_code": code, "name_th": names.get(code, "")}
        row.update({key: suppress_small_count(count) for key, count in counts.items()})
        registers.append(row)
    norms = max_distance_m()
    return {
        "round": round_year,
        "area": {"province": province, "district": district, "esao": esao},
        "area_name_th": area_name,
        "produced_on": format_thai_date(dt.date.today(), short=False),
        "totals": totals,
        "districts": district_rows,
        "subdistricts": tambons,
        "schools": schools,
        "out_of_school": [
            dict(r)
            | {
                "sex": SEX_LABELS_TH.get(r["sex"], r["sex"]),
                "children": suppress_small_count(r["children"]),
            }
            for r in out_by_age
        ],
        "out_of_school_by_age": _by_sex(out_by_age, "age"),
        "out_of_school_by_reason": _by_sex(out_by_age, "reason"),
        "quality": _quality_in(quality, district_rows, schools),
        # The registers matched, with what visits found (empty when the round has none).
        "registers": registers,
        "register_totals": {
            key: sum(counts[key] for counts in known.values()) for key in matching.KNOWN_KEYS
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
