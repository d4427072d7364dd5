"""School registry services: queries (GeoJSON built by PostGIS), detail, edits with checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.schools.grades import sort_grades
from gis.schools.models import (
    Affiliation,
    Building,
    DeviceMaintenance,
    DurableGood,
    IctDevice,
    InternetLink,
    LocationSource,
    School,
    SchoolGradeYear,
    SchoolPersonnel,
)
from gis.schools.norms import class_size_norms, norm_params, seats_sql, utilisation
from kernel.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from kernel.extent import BBox, bbox_condition
from kernel.policy import may_edit_school
from kernel.principal import Principal
from kernel.vocabulary import ENROLMENT_SOURCE_LABELS_TH, GRADE_INDEX, GRADE_LABELS_TH, LEVELS

# A location this far outside the school's own tambon is refused as a likely typo.
MAX_DISTANCE_FROM_TAMBON_M = 2_000.0
# ... and this far from every province, as outside Thailand.
MAX_DISTANCE_FROM_THAILAND_M = 5_000.0


def get_school(session: Session, code: str) -> School:
    school = session.scalar(select(School).where(School.code == code))
    if school is None:
        raise NotFoundError(f"school {code} is not in the registry")
    return school


def may_edit(session: Session, principal: Principal, school: School) -> bool:
    """Whether the principal may edit the school (kernel.policy decides)."""
    return may_edit_school(session, principal, school.code, school.subdistrict_code[:4])


def require_edit(session: Session, principal: Principal, school: School) -> None:
    if not may_edit(session, principal, school):
        raise PermissionDeniedError(f"you may not edit school {school.code}")


# --- reading ------------------------------------------------------------------------------

_LATEST_YEAR_SQL = f"""
    LEFT JOIN LATERAL (
        SELECT gy.academic_year,
               sum(gy.enrolled_male + gy.enrolled_female) AS enrolled,
               sum({seats_sql("gy.grade", "gy.classrooms")}) AS capacity
        FROM school_grade_year gy
        WHERE gy.school_id = s.id
          AND gy.academic_year = (SELECT max(academic_year) FROM school_grade_year
                                  WHERE school_id = s.id)
        GROUP BY gy.academic_year
    ) latest ON true
"""


def schools_geojson(
    session: Session,
    *,
    province: str | None = None,
    esao: str | None = None,
    district: str | None = None,
    subdistrict: str | None = None,
    level: str | None = None,
    bbox: BBox | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> str:
    """Schools as a GeoJSON FeatureCollection string with their latest enrolment and capacity."""
    where = ["true"]
    params: dict[str, Any] = {"limit": limit, "offset": offset, **norm_params()}
    if province:
        where.append("s.subdistrict_code LIKE :province_prefix")
        params["province_prefix"] = f"{province}%"
    if district:
        where.append("left(s.subdistrict_code, 4) = :district")
        params["district"] = district
    if subdistrict:
        where.append("s.subdistrict_code = :subdistrict")
        params["subdistrict"] = subdistrict
    if esao:
        where.append(
            "(s.office_code = :esao OR left(s.subdistrict_code, 4) IN (SELECT district_code "
            "FROM service_area_office_district WHERE office_code = :esao))"
        )
        params["esao"] = esao
    if level:
        where.append("s.grades && CAST(:level_grades AS varchar[])")
        params["level_grades"] = list(LEVELS[level])
    if bbox:
        condition, values = bbox_condition("s.location", bbox)
        where.append(condition)
        params |= values
    where_sql = " AND ".join(where)
    sql = f"""
        WITH page AS (
            SELECT s.code, json_build_object(
                'type', 'Feature', 'id', s.code,
                'geometry', ST_AsGeoJSON(s.location, 6)::json,
                'properties', json_build_object(
                    'code', s.code, 'code_synthetic', s.code_synthetic, 'name_th', s.name_th,
                    'grades', s.grades, 'affiliation', s.affiliation,
                    'subdistrict_code', s.subdistrict_code, 'office_code', s.office_code,
                    'location_source', s.location_source,
                    'location_accuracy_m', s.location_accuracy_m,
                    'academic_year', latest.academic_year, 'enrolled', latest.enrolled,
                    'capacity', latest.capacity,
                    'utilisation', CASE WHEN latest.capacity > 0
                        THEN round(latest.enrolled::numeric / latest.capacity, 3) END
                )
            ) AS feature
            FROM school s {_LATEST_YEAR_SQL}
            WHERE {where_sql}
            ORDER BY s.code LIMIT :limit OFFSET :offset
        )
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'numberMatched', (SELECT count(*) FROM school s WHERE {where_sql}),
            'numberReturned', (SELECT count(*) FROM page),
            'features', COALESCE((SELECT json_agg(feature ORDER BY code) FROM page), '[]'::json)
        )::text
    """
    return session.execute(text(sql), params).scalar_one()


def enrolment_source(rows: Sequence[SchoolGradeYear]) -> dict[str, Any] | None:
    """Where a school's enrolment figure comes from (one source a school and year): the
    schools' records (their files and counting day), the office's import, or synthetic."""
    if not rows:
        return None
    first = rows[0]
    return {
        "source": first.source,
        "label_th": ENROLMENT_SOURCE_LABELS_TH[first.source],
        "detail": first.source_detail,
        "counted_on": first.counted_on,
    }


def school_detail(session: Session, code: str) -> dict[str, Any]:
    """A school with its latest year's enrolment, capacity, utilisation, ICT and assets."""
    school = get_school(session, code)
    norms = class_size_norms()
    lon, lat, subdistrict_name, district_name = session.execute(
        text(
            "SELECT ST_X(s.location), ST_Y(s.location), t.name_th, d.name_th FROM school s "
            "JOIN subdistrict t ON t.code = s.subdistrict_code "
            "JOIN district d ON d.code = t.district_code WHERE s.id = :id"
        ),
        {"id": school.id},
    ).one()
    latest_year = session.scalar(
        select(SchoolGradeYear.academic_year)
        .where(SchoolGradeYear.school_id == school.id)
        .order_by(SchoolGradeYear.academic_year.desc())
        .limit(1)
    )
    grade_rows = session.scalars(
        select(SchoolGradeYear).where(
            SchoolGradeYear.school_id == school.id, SchoolGradeYear.academic_year == latest_year
        )
    ).all()
    grades: list[dict[str, Any]] = []
    for row in sorted(grade_rows, key=lambda r: GRADE_INDEX[r.grade]):
        enrolled = row.enrolled_male + row.enrolled_female
        seats = norms.seats(row.grade, row.classrooms)
        grades.append(
            {
                "grade": row.grade,
                "label_th": GRADE_LABELS_TH[row.grade],
                "enrolled_male": row.enrolled_male,
                "enrolled_female": row.enrolled_female,
                "enrolled": enrolled,
                "classrooms": row.classrooms,
                "capacity": seats,
                "spare_seats": seats - enrolled,
                "utilisation": utilisation(enrolled, seats),
            }
        )
    enrolled_total = sum(g["enrolled"] for g in grades)
    capacity_total = sum(g["capacity"] for g in grades)
    personnel = {
        p.position: p.count
        for p in session.scalars(
            select(SchoolPersonnel).where(
                SchoolPersonnel.school_id == school.id,
                SchoolPersonnel.academic_year == latest_year,
            )
        )
    }
    devices = session.scalars(select(IctDevice).where(IctDevice.school_id == school.id)).all()
    links = session.scalars(select(InternetLink).where(InternetLink.school_id == school.id)).all()
    buildings = session.scalars(select(Building).where(Building.school_id == school.id)).all()
    goods = session.scalars(select(DurableGood).where(DurableGood.school_id == school.id)).all()
    learning = sum(d.working for d in devices if d.purpose == "learning")
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "working": 0})
    for d in devices:
        by_kind[d.kind]["count"] += d.count
        by_kind[d.kind]["working"] += d.working
    return {
        "code": school.code,
        "code_synthetic": school.code_synthetic,
        "name_th": school.name_th,
        "grades": sort_grades(school.grades),
        "affiliation": school.affiliation,
        "subdistrict_code": school.subdistrict_code,
        "subdistrict_name_th": subdistrict_name,
        "district_name_th": district_name,
        "office_code": school.office_code,
        "founded_year": school.founded_year,
        "phone": school.phone,
        "email": school.email,
        "profile_synthetic": school.profile_synthetic,
        "location": {
            "lon": lon,
            "lat": lat,
            "source": school.location_source,
            "accuracy_m": school.location_accuracy_m,
        },
        "academic_year": latest_year,
        "enrolment": {
            "by_grade": grades,
            "total": enrolled_total,
            "capacity": capacity_total,
            "spare_seats": capacity_total - enrolled_total,
            "utilisation": utilisation(enrolled_total, capacity_total),
            "size_band": norms.size_band(enrolled_total),
        },
        "personnel": personnel,
        "ict": {
            "devices": sum(d.count for d in devices),
            "working": sum(d.working for d in devices),
            "broken": sum(d.count - d.working for d in devices),
            "learning_devices_working": learning,
            "devices_per_pupil": round(learning / enrolled_total, 3) if enrolled_total else None,
            "by_kind": dict(by_kind),
            "internet_mbps": max((link.mbps for link in links), default=None),
            "internet_links": [
                {"type": link.link_type, "mbps": link.mbps, "provider": link.provider}
                for link in links
            ],
        },
        "assets": {
            "buildings": [
                {
                    "id": b.id,
                    "kind": b.kind,
                    "design_name": b.design_name,
                    "year_built": b.year_built,
                    "floors": b.floors,
                    "rooms": b.rooms,
                    "condition": b.condition,
                }
                for b in buildings
            ],
            "building_condition_mean": (
                round(sum(b.condition for b in buildings) / len(buildings), 2)
                if buildings
                else None
            ),
            "durable_goods": [
                {"category": g.category, "count": g.count, "condition": g.condition} for g in goods
            ],
        },
        "synthetic_records": any(r.synthetic for r in grade_rows),
        "enrolment_source": enrolment_source(grade_rows),
    }


# --- writing ------------------------------------------------------------------------------


def _check_grades(grades: list[str]) -> list[str]:
    unknown = [g for g in grades if g not in GRADE_INDEX]
    if unknown or not grades:
        raise InvalidInputError("grades", f"unknown grades {unknown}; use K1-K3, P1-P6, M1-M6")
    return sort_grades(grades)


def _check_location(session: Session, subdistrict_code: str, lon: float, lat: float) -> None:
    """Refuse points outside Thailand, or farther than the limit from the school's tambon."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInputError("location", "longitude/latitude out of range")
    point = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
    to_thailand = session.execute(
        text(
            f"SELECT min(ST_Distance(n.geom::geography, {point}::geography)) FROM ("
            f"SELECT geom FROM province ORDER BY geom <-> {point} LIMIT 3) n"
        ),
        {"lon": lon, "lat": lat},
    ).scalar()
    if to_thailand is None or to_thailand > MAX_DISTANCE_FROM_THAILAND_M:
        raise InvalidInputError("location", f"({lon}, {lat}) is outside Thailand")
    to_tambon = session.execute(
        text(
            f"SELECT ST_Distance(geom::geography, {point}::geography) FROM subdistrict "
            "WHERE code = :code"
        ),
        {"lon": lon, "lat": lat, "code": subdistrict_code},
    ).scalar()
    if to_tambon is None:
        raise InvalidInputError("subdistrict_code", f"no subdistrict {subdistrict_code!r} loaded")
    if to_tambon > MAX_DISTANCE_FROM_TAMBON_M:
        raise InvalidInputError(
            "location",
            f"{to_tambon / 1000:.1f} km outside tambon {subdistrict_code}; more than "
            f"{MAX_DISTANCE_FROM_TAMBON_M / 1000:.0f} km is refused (wrong tambon or a typo?)",
        )


def _office_for(session: Session, subdistrict_code: str, grades: list[str]) -> str | None:
    kind = "secondary" if all(g.startswith("M") for g in grades) else "primary"
    return session.execute(
        text(
            "SELECT o.code FROM service_area_office o JOIN service_area_office_district d "
            "ON d.office_code = o.code WHERE d.district_code = :d AND o.kind = :k LIMIT 1"
        ),
        {"d": subdistrict_code[:4], "k": kind},
    ).scalar()


def create_school(session: Session, data: dict[str, Any]) -> School:
    """A new school with a surveyed location (the API's POST)."""
    if session.scalar(select(School.id).where(School.code == data["code"])):
        raise ConflictError(f"school {data['code']} already exists")
    grades = _check_grades(data["grades"])
    if data["affiliation"] not in {a.value for a in Affiliation}:
        raise InvalidInputError("affiliation", f"unknown affiliation {data['affiliation']!r}")
    _check_location(session, data["subdistrict_code"], data["lon"], data["lat"])
    school = School(
        code=data["code"],
        code_synthetic=False,
        name_th=data["name_th"].strip(),
        grades=grades,
        level_text=None,
        affiliation=data["affiliation"],
        subdistrict_code=data["subdistrict_code"],
        office_code=data.get("office_code")
        or _office_for(session, data["subdistrict_code"], grades),
        location=f"SRID=4326;POINT({data['lon']} {data['lat']})",
        location_source=LocationSource.surveyed.value,
        location_accuracy_m=data.get("location_accuracy_m") or 10.0,
        source="api",
    )
    session.add(school)
    session.flush()
    return school


def update_school(session: Session, code: str, changes: dict[str, Any]) -> School:
    """Apply a partial update; a new location becomes 'surveyed'."""
    school = get_school(session, code)
    if "grades" in changes:
        school.grades = _check_grades(changes["grades"])
    if "name_th" in changes:
        school.name_th = changes["name_th"].strip()
    if "founded_year" in changes:
        school.founded_year = changes["founded_year"]
    for field in ("phone", "email"):
        if field in changes:
            setattr(school, field, changes[field].strip())
    if changes.keys() & {"founded_year", "phone", "email"}:
        school.profile_synthetic = False  # the office's own figures now
    if "affiliation" in changes:
        if changes["affiliation"] not in {a.value for a in Affiliation}:
            raise InvalidInputError(
                "affiliation", f"unknown affiliation {changes['affiliation']!r}"
            )
        school.affiliation = changes["affiliation"]
    subdistrict = changes.get("subdistrict_code", school.subdistrict_code)
    if "lon" in changes or "lat" in changes or "subdistrict_code" in changes:
        if ("lon" in changes) != ("lat" in changes):
            raise InvalidInputError("location", "give both lon and lat")
        lon, lat = (
            (changes["lon"], changes["lat"])
            if "lon" in changes
            else session.execute(
                text("SELECT ST_X(location), ST_Y(location) FROM school WHERE id = :id"),
                {"id": school.id},
            ).one()
        )
        _check_location(session, subdistrict, lon, lat)
        school.subdistrict_code = subdistrict
        if "lon" in changes:
            school.location = f"SRID=4326;POINT({lon} {lat})"  # type: ignore[assignment]
            school.location_source = LocationSource.surveyed.value
            school.location_accuracy_m = changes.get("location_accuracy_m") or 10.0
            school.location_village_id = None
    session.flush()
    return school


def put_grade_year(
    session: Session,
    code: str,
    academic_year: int,
    rows: list[dict[str, Any]],
    *,
    source: str = "office_import",
    source_detail: str | None = None,
    counted_on: dt.date | None = None,
) -> list[SchoolGradeYear]:
    """Replace a year's enrolment and classrooms (real data: ``synthetic`` false), saying where
    they come from (the office, or a data round with its counting day)."""
    school = get_school(session, code)
    taught = set(school.grades)
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if row["grade"] not in taught:
            raise InvalidInputError(
                f"grades.{index}.grade", f"school {code} does not teach {row['grade']}"
            )
        if row["grade"] in seen:
            raise InvalidInputError(f"grades.{index}.grade", f"{row['grade']} given twice")
        seen.add(row["grade"])
    session.query(SchoolGradeYear).filter_by(
        school_id=school.id, academic_year=academic_year
    ).delete()
    stored = [
        SchoolGradeYear(
            school_id=school.id,
            academic_year=academic_year,
            grade=row["grade"],
            enrolled_male=row["enrolled_male"],
            enrolled_female=row["enrolled_female"],
            classrooms=row["classrooms"],
            synthetic=False,
            source=source,
            source_detail=source_detail,
            counted_on=counted_on,
        )
        for row in rows
    ]
    session.add_all(stored)
    session.flush()
    return stored


def grade_year_rows(session: Session, code: str, academic_year: int) -> list[dict[str, Any]]:
    """A year's rows with capacity from the class-size norms; NotFoundError if none."""
    school = get_school(session, code)
    norms = class_size_norms()
    rows = session.scalars(
        select(SchoolGradeYear).where(
            SchoolGradeYear.school_id == school.id, SchoolGradeYear.academic_year == academic_year
        )
    ).all()
    if not rows:
        raise NotFoundError(f"school {code} has no records for {academic_year}")
    return [
        {
            "grade": r.grade,
            "enrolled_male": r.enrolled_male,
            "enrolled_female": r.enrolled_female,
            "classrooms": r.classrooms,
            "capacity": norms.seats(r.grade, r.classrooms),
            "synthetic": r.synthetic,
        }
        for r in sorted(rows, key=lambda r: GRADE_INDEX[r.grade])
    ]


def add_device(session: Session, code: str, data: dict[str, Any]) -> IctDevice:
    school = get_school(session, code)
    if data["working"] > data["count"]:
        raise InvalidInputError("working", "more working devices than devices")
    device = IctDevice(school_id=school.id, synthetic=False, **data)
    session.add(device)
    session.flush()
    return device


def list_devices(session: Session, code: str) -> list[IctDevice]:
    school = get_school(session, code)
    return list(session.scalars(select(IctDevice).where(IctDevice.school_id == school.id)))


def add_maintenance(
    session: Session, code: str, device_id: int, data: dict[str, Any]
) -> DeviceMaintenance:
    school = get_school(session, code)
    device = session.get(IctDevice, device_id)
    if device is None or device.school_id != school.id:
        raise NotFoundError(f"school {code} has no device {device_id}")
    if data["date"] > dt.date.today():
        raise InvalidInputError("date", "is in the future")
    record = DeviceMaintenance(
        device_id=device_id,
        date=data["date"],
        problem=data["problem"],
        action=data["action"],
        cost_baht=Decimal(str(data["cost_baht"])),
    )
    session.add(record)
    session.flush()
    return record


def add_building(session: Session, code: str, data: dict[str, Any]) -> Building:
    school = get_school(session, code)
    building = Building(school_id=school.id, synthetic=False, **data)
    session.add(building)
    session.flush()
    return building


def list_buildings(session: Session, code: str) -> list[Building]:
    school = get_school(session, code)
    return list(session.scalars(select(Building).where(Building.school_id == school.id)))
