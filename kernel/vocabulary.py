"""The words every package shares: grades and levels with their Thai labels, SQL forms of
them, and the UTM zone that measures a place in metres."""

from __future__ import annotations

from typing import Any

# In teaching order. Anuban (อนุบาล) 1-3, Prathom (ประถมศึกษา) 1-6, Mathayom (มัธยมศึกษา) 1-6.
GRADES: tuple[str, ...] = (
    "K1",
    "K2",
    "K3",
    "P1",
    "P2",
    "P3",
    "P4",
    "P5",
    "P6",
    "M1",
    "M2",
    "M3",
    "M4",
    "M5",
    "M6",
)
GRADE_INDEX = {grade: i for i, grade in enumerate(GRADES)}
GRADE_LABELS_TH = {
    **{f"K{i}": f"อนุบาล {i}" for i in range(1, 4)},
    **{f"P{i}": f"ประถมศึกษาปีที่ {i}" for i in range(1, 7)},
    **{f"M{i}": f"มัธยมศึกษาปีที่ {i}" for i in range(1, 7)},
}
GRADE_SHORT_LABELS_TH = {
    **{f"K{i}": f"อ.{i}" for i in range(1, 4)},
    **{f"P{i}": f"ป.{i}" for i in range(1, 7)},
    **{f"M{i}": f"ม.{i}" for i in range(1, 7)},
}
LEVELS: dict[str, tuple[str, ...]] = {
    "pre_primary": GRADES[0:3],
    "primary": GRADES[3:9],
    "lower_secondary": GRADES[9:12],
    "upper_secondary": GRADES[12:15],
}
LEVEL_LABELS_TH = {
    "pre_primary": "ก่อนประถมศึกษา (อนุบาล)",
    "primary": "ประถมศึกษา",
    "lower_secondary": "มัธยมศึกษาตอนต้น",
    "upper_secondary": "มัธยมศึกษาตอนปลาย",
}

# Every enumerated value a person reads, in Thai (API field values stay English).
ENROLMENT_STATUS_LABELS_TH = {
    "enrolled": "กำลังศึกษาในเขตพื้นที่",
    "enrolled_outside_area": "กำลังศึกษานอกเขตพื้นที่",
    "not_enrolled": "ไม่ได้เข้าเรียน",
    "completed_m3": "จบการศึกษาภาคบังคับ (ม.3)",
}
SEX_LABELS_TH = {"M": "ชาย", "F": "หญิง"}
ENROLMENT_SOURCE_LABELS_TH = {
    "school_records": "ข้อมูลนักเรียนรายบุคคลของสถานศึกษา (DMC)",
    "data_round": "รอบการส่งข้อมูลของโรงเรียน (ตรวจรับแล้ว)",
    "office_import": "ข้อมูลที่สำนักงานนำเข้า",
    "synthetic": "ข้อมูลสังเคราะห์ (สาธิต)",
}
SCHOOL_LOCATION_SOURCE_LABELS_TH = {
    "surveyed": "สำรวจพิกัดจริง",
    "village_match": "ประมาณจากที่ตั้งหมู่บ้าน",
    "subdistrict_centroid": "ประมาณจากกลางตำบล",
}
HOUSEHOLD_LOCATION_SOURCE_LABELS_TH = {
    "gps": "พิกัด GPS",
    "village_point": "ที่ตั้งหมู่บ้าน",
    "tambon": "ภายในตำบล",
}
AFFILIATION_LABELS_TH = {
    "obec_primary": "สพฐ. (สพป.)",
    "obec_secondary": "สพฐ. (สพม.)",
    "municipality": "องค์กรปกครองส่วนท้องถิ่น",
    "private": "เอกชน",
    "border_patrol": "ตชด.",
    "other": "อื่น ๆ",
}
PERSONNEL_POSITION_LABELS_TH = {
    "director": "ผู้อำนวยการ",
    "deputy_director": "รองผู้อำนวยการ",
    "teacher": "ข้าราชการครู",
    "government_employee": "พนักงานราชการ",
    "contract_teacher": "ครูอัตราจ้าง",
    "support_staff": "บุคลากรสนับสนุน",
}
DEVICE_KIND_LABELS_TH = {
    "computer": "คอมพิวเตอร์ตั้งโต๊ะ",
    "notebook": "โน้ตบุ๊ก",
    "tablet": "แท็บเล็ต",
    "printer": "เครื่องพิมพ์",
    "scanner": "เครื่องสแกน",
    "projector": "เครื่องฉายภาพ",
    "server": "เครื่องแม่ข่าย",
    "network": "อุปกรณ์เครือข่าย",
    "other": "อื่น ๆ",
}
# What the ICT norms count and the procurement plan buys (issue 20).
ICT_NEED_LABELS_TH = {
    "learning": "อุปกรณ์เพื่อการเรียนการสอน",
    "administration": "คอมพิวเตอร์เพื่อการบริหาร",
    "printer": "เครื่องพิมพ์",
}
# Which rule ranked a line of the procurement plan.
PLAN_RANKED_BY_LABELS_TH = {
    "minimum": "ขั้นต่ำให้ทุกโรงเรียนที่ขาด",
    "need": "ขาดมากต่อนักเรียนก่อน",
}
# A school's internet link against the norm (issue 20).
CONNECTIVITY_LABELS_TH = {
    "no_link": "ไม่มีอินเทอร์เน็ต",
    "slow": "ช้ากว่าเกณฑ์",
    "healthy": "ตามเกณฑ์",
}
DEVICE_PURPOSE_LABELS_TH = {"learning": "เพื่อการเรียนการสอน", "administration": "เพื่อการบริหาร"}
INTERNET_LINK_LABELS_TH = {
    "fiber": "ไฟเบอร์ออปติก",
    "adsl": "ADSL",
    "4g": "4G",
    "satellite": "ดาวเทียม",
}
# The durable goods a school counts (Thai names are the categories themselves).
DURABLE_GOOD_CATEGORIES = (
    "โต๊ะเก้าอี้นักเรียน",
    "กระดานไวท์บอร์ด",
    "ตู้เก็บเอกสาร",
    "เครื่องปรับอากาศ",
)
# Kinds of building a school adds in a buildings round (the registry keeps the Thai label).
BUILDING_KIND_LABELS_TH = {
    "classroom": "อาคารเรียน",
    "canteen": "โรงอาหาร",
    "toilet": "ส้วม",
    "hall": "หอประชุม",
    "teacher_house": "บ้านพักครู",
    "other": "อาคารอื่น",
}
BUILDING_CONDITION_LABELS_TH = {
    1: "ชำรุดมาก",
    2: "ชำรุด",
    3: "พอใช้",
    4: "ดี",
    5: "ดีมาก",
}
SERVICE_AREA_METHOD_LABELS_TH = {
    "uploaded": "นำเข้าแผนที่",
    "villages": "เลือกหมู่บ้าน",
    "proposed": "เสนออัตโนมัติ",
}
IMPORT_JOB_STATE_LABELS_TH = {
    "queued": "รอคิว",
    "running": "กำลังนำเข้า",
    "done": "นำเข้าแล้ว",
    "rejected": "ไม่ได้บันทึก (มีแถวที่ผิด)",
    "failed": "ผิดพลาด",
}
UNSERVED_LABELS_TH = {
    "out_of_school": "เด็กนอกระบบ",
    "beyond_distance": "เด็กที่บ้านไกลโรงเรียนเกินเกณฑ์",
    "over_capacity_area": "เด็กในเขตบริการที่ที่นั่งเต็ม",
}

# Register matching (census.register_models.MATCH_STATUSES) and what a field visit found
# (FINDINGS), as the verification page shows them.
MATCH_STATUS_LABELS_TH = {
    "record_conflict": "ข้อมูลนักเรียนขัดกัน",
    "pupil_not_registered": "เป็นนักเรียนแต่ไม่พบในทะเบียนราษฎร",
    "no_record": "ไม่พบในข้อมูลนักเรียน",
    "grade_mismatch": "ชั้นเรียนไม่ตรงกับอายุ",
    "enrolled_elsewhere": "เรียนนอกเขต",
    "enrolled_in_area": "เรียนในเขต",
    "outside_window": "อายุนอกเกณฑ์การศึกษาภาคบังคับ",
}
FINDING_LABELS_TH = {
    "enrolled": "เรียนอยู่",
    "out_of_school": "ไม่ได้เรียน",
    "moved_away": "ย้ายออก",
    "deceased": "เสียชีวิต",
    "unknown": "ไม่พบตัว ไม่ทราบ",
}

# The vocabularies by name, for templates (``{{ value|th("personnel") }}``) and for the test
# that no page shows a person an identifier that has a Thai label.
DATA_ROUND_STATE_LABELS_TH = {
    "not_started": "ยังไม่เริ่ม",
    "draft": "กำลังกรอก",
    "submitted": "ส่งแล้ว รอตรวจ",
    "returned": "ส่งกลับให้แก้ไข",
    "accepted": "ตรวจรับแล้ว",
}
DATA_ROUND_KIND_LABELS_TH = {
    "enrolment": "จำนวนนักเรียนและห้องเรียนรายชั้น",
    "personnel": "บุคลากรตามตำแหน่ง",
    "ict_devices": "อุปกรณ์คอมพิวเตอร์และเครือข่าย",
    "internet_links": "การเชื่อมต่ออินเทอร์เน็ต",
    "durable_goods": "ครุภัณฑ์",
    "buildings": "อาคารและสภาพอาคาร",
}
OFFICE_KIND_LABELS_TH = {
    "primary": "สำนักงานเขตพื้นที่การศึกษาประถมศึกษา (สพป.)",
    "secondary": "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา (สพม.)",
}

LABELS_TH: dict[str, dict[Any, str]] = {
    "grade": GRADE_SHORT_LABELS_TH,
    "match_status": MATCH_STATUS_LABELS_TH,
    "finding": FINDING_LABELS_TH,
    "grade_long": GRADE_LABELS_TH,
    "level": LEVEL_LABELS_TH,
    "enrolment_status": ENROLMENT_STATUS_LABELS_TH,
    "sex": SEX_LABELS_TH,
    "enrolment_source": ENROLMENT_SOURCE_LABELS_TH,
    "school_location": SCHOOL_LOCATION_SOURCE_LABELS_TH,
    "household_location": HOUSEHOLD_LOCATION_SOURCE_LABELS_TH,
    "affiliation": AFFILIATION_LABELS_TH,
    "personnel": PERSONNEL_POSITION_LABELS_TH,
    "device_kind": DEVICE_KIND_LABELS_TH,
    "device_purpose": DEVICE_PURPOSE_LABELS_TH,
    "building_condition": BUILDING_CONDITION_LABELS_TH,
    "building_kind": BUILDING_KIND_LABELS_TH,
    "ict_need": ICT_NEED_LABELS_TH,
    "connectivity": CONNECTIVITY_LABELS_TH,
    "plan_ranked_by": PLAN_RANKED_BY_LABELS_TH,
    "internet_link": INTERNET_LINK_LABELS_TH,
    "service_area_method": SERVICE_AREA_METHOD_LABELS_TH,
    "import_job_state": IMPORT_JOB_STATE_LABELS_TH,
    "unserved": UNSERVED_LABELS_TH,
    "office_kind": OFFICE_KIND_LABELS_TH,
    "data_round_state": DATA_ROUND_STATE_LABELS_TH,
    "data_round_kind": DATA_ROUND_KIND_LABELS_TH,
}


def label_th(labels: dict[Any, str], value: object) -> str:
    """A value as a person reads it: its Thai label, or the value itself if it has none."""
    if value is None:
        return "-"
    return labels.get(value, str(value))


# The grades as a PostgreSQL array literal, in teaching order (for array_position and the like).
GRADES_SQL_ARRAY = "ARRAY[" + ",".join(f"'{grade}'" for grade in GRADES) + "]"
# A grade, as a regular expression (query and path parameters).
GRADE_PATTERN = r"^(K[1-3]|P[1-6]|M[1-6])$"

# Thailand lies in UTM zones 47N (west of 102°E) and 48N (east of it).
UTM_47N, UTM_48N, UTM_BOUNDARY_LON = 32647, 32648, 102.0


def utm_srid(lon: float) -> int:
    """The EPSG code of the UTM zone that measures a place at longitude ``lon`` in metres."""
    return UTM_47N if lon < UTM_BOUNDARY_LON else UTM_48N


def utm_srid_sql(geometry: str) -> str:
    """The same choice in SQL, by a point inside ``geometry`` (an SQL expression)."""
    return (
        f"CASE WHEN ST_X(ST_PointOnSurface({geometry})) < {UTM_BOUNDARY_LON} "
        f"THEN {UTM_47N} ELSE {UTM_48N} END"
    )
