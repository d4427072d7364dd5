"""Data rounds (issue 19): the office asks its schools for a kind of record counted on a day
by a deadline; each school fills its figures (drafts, each save based on the version it read),
submits them through the rules, and the office returns them with comments or accepts them;
accepted figures become the school's records. Completeness and timeliness per district and
office count what each school did and when.

Every function takes a session and the acting principal's name; who may act is asked of
``kernel.policy`` by the callers (the routers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, true
from sqlalchemy.orm import Session

from gis.schools.importer import read_school_records
from gis.schools.models import (
    DATA_ROUND_KINDS,
    Building,
    DataRound,
    DataRoundEvent,
    DataRoundSchool,
    DurableGood,
    IctDevice,
    InternetLink,
    School,
    SchoolGradeYear,
    SchoolPersonnel,
)
from gis.schools.round_rules import last_count_year_sql, violations
from gis.schools.service import put_grade_year
from kernel.errors import ConflictError, InvalidFieldsError, InvalidInputError, NotFoundError
from kernel.ratios import ratio
from kernel.vocabulary import (
    BUILDING_KIND_LABELS_TH,
    DEVICE_KIND_LABELS_TH,
    DEVICE_PURPOSE_LABELS_TH,
    DURABLE_GOOD_CATEGORIES,
    GRADE_SHORT_LABELS_TH,
    GRADES,
    INTERNET_LINK_LABELS_TH,
    PERSONNEL_POSITION_LABELS_TH,
)

DEVICE_PURPOSES = tuple(DEVICE_PURPOSE_LABELS_TH)


def device_item(kind: str, purpose: str) -> str:
    """A round's item for devices of a kind and purpose, e.g. ``computer-learning``."""
    return f"{kind}-{purpose}"


def item_labels_th(kind: str) -> list[tuple[str, str]]:
    """A kind's items (other than the grades, which depend on the school) with Thai labels."""
    if kind == "personnel":
        return list(PERSONNEL_POSITION_LABELS_TH.items())
    if kind == "ict_devices":
        return [
            (device_item(k, p), f"{label} ({DEVICE_PURPOSE_LABELS_TH[p]})")
            for k, label in DEVICE_KIND_LABELS_TH.items()
            for p in DEVICE_PURPOSES
        ]
    if kind == "internet_links":
        return list(INTERNET_LINK_LABELS_TH.items())
    if kind == "durable_goods":
        return [(category, category) for category in DURABLE_GOOD_CATEGORIES]
    raise InvalidInputError("kind", f"{kind} items depend on the school")


# What a school fills per kind: items and their fields.
ITEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "enrolment": {
        **dict.fromkeys(GRADES, ("male", "female", "classrooms")),
        "total": ("pupils",),  # the total the school states: checked against the grades' sum
    },
    "personnel": dict.fromkeys(PERSONNEL_POSITION_LABELS_TH, ("count",)),
    # Devices by kind and purpose (learning, administration): how many, how many work, and
    # (where the school knows) how many hours a week they are used.
    "ict_devices": {
        device_item(kind, purpose): ("count", "working", "hours_per_week")
        for kind in DEVICE_KIND_LABELS_TH
        for purpose in DEVICE_PURPOSES
    },
    # The school's links by type, at their speed in Mbps.
    "internet_links": dict.fromkeys(INTERNET_LINK_LABELS_TH, ("mbps",)),
    # Goods by category: how many, and their condition from 1 (poor) to 5 (good).
    "durable_goods": dict.fromkeys(DURABLE_GOOD_CATEGORIES, ("count", "condition")),
}
EDITABLE = ("not_started", "draft", "returned")
BUILDING_FIELDS = ("year_built", "floors", "rooms", "condition")
# New buildings a school may report in one round, per kind (items ``new-<kind>-<n>``).
NEW_BUILDINGS_PER_KIND = 2


def building_item(building_id: int) -> str:
    return f"building-{building_id}"


def new_building_items() -> list[tuple[str, str]]:
    """The rows where a school reports buildings finished since the last round; on acceptance
    each becomes a building in the registry (and its item ``building-<id>``)."""
    return [
        (f"new-{kind}-{n}", f"{label} หลังใหม่ ({n})")
        for kind, label in BUILDING_KIND_LABELS_TH.items()
        for n in range(1, NEW_BUILDINGS_PER_KIND + 1)
    ]


def school_items(session: Session, kind: str, school: School) -> list[tuple[str, str]]:
    """What the school fills in a round of ``kind``, with Thai labels: its grades, its
    buildings, or the kind's fixed items."""
    if kind == "enrolment":
        return [
            (grade, GRADE_SHORT_LABELS_TH[grade])
            for grade in sorted(school.grades, key=GRADES.index)
        ]
    if kind == "buildings":
        return [
            (
                building_item(b.id),
                " ".join(
                    part
                    for part in (
                        b.kind,
                        b.design_name,
                        f"(สร้าง {b.year_built})" if b.year_built else "",
                    )
                    if part
                ),
            )
            for b in session.scalars(
                select(Building).where(Building.school_id == school.id).order_by(Building.id)
            )
        ] + new_building_items()
    return item_labels_th(kind)


def _fields_of(session: Session, kind: str, school: School) -> dict[str, tuple[str, ...]]:
    if kind == "buildings":
        return {item: BUILDING_FIELDS for item, _ in school_items(session, kind, school)}
    return ITEMS[kind]


MAX_VALUE = 100_000


def get_round(session: Session, round_id: int) -> DataRound:
    found = session.get(DataRound, round_id)
    if found is None:
        raise NotFoundError(f"no data round {round_id}")
    return found


def create_round(
    session: Session,
    *,
    kind: str,
    title_th: str,
    academic_year: int,
    counting_day: dt.date,
    opens_on: dt.date,
    deadline: dt.date,
    office_code: str | None,
    actor: str,
) -> DataRound:
    """A round asking every school of the office (every school, with no office)."""
    if kind not in DATA_ROUND_KINDS:
        raise InvalidInputError("kind", f"one of {', '.join(DATA_ROUND_KINDS)}")
    if opens_on > deadline:
        raise InvalidInputError("deadline", "the deadline comes before the round opens")
    found = DataRound(
        kind=kind,
        title_th=title_th,
        academic_year=academic_year,
        counting_day=counting_day,
        opens_on=opens_on,
        deadline=deadline,
        office_code=office_code,
        created_by=actor,
    )
    session.add(found)
    session.flush()
    asked = session.execute(
        text(
            "INSERT INTO data_round_school (round_id, school_id) SELECT :r, id FROM school "
            "WHERE CAST(:office AS text) IS NULL OR office_code = :office RETURNING school_id"
        ),
        {"r": found.id, "office": office_code},
    ).all()
    if not asked:
        raise InvalidInputError("office_code", f"office {office_code} has no schools to ask")
    if kind == "enrolment":
        _prefill_from_school_records(session, found)
    return found


# Pupils by school, grade and sex (rooms as classrooms) of the current school-records (DMC)
# extracts counted on the round's day, for the round's schools.
_RECORDS_VALUES_SQL = """
    WITH counted AS (
        SELECT rs.school_id, r.grade,
            count(*) FILTER (WHERE r.sex = 'M')::int AS male,
            count(*) FILTER (WHERE r.sex = 'F')::int AS female,
            count(DISTINCT coalesce(r.room, ''))::int AS classrooms
        FROM register_record r
        JOIN register_extract e ON e.id = r.extract_id
        JOIN school s ON s.code = r.school_code
        JOIN data_round_school rs ON rs.school_id = s.id AND rs.round_id = :r
        WHERE e.kind = 'school' AND e.superseded_by IS NULL AND e.round_year = :y
          AND e.as_of = :d AND r.grade IS NOT NULL
        GROUP BY rs.school_id, r.grade
    )
    INSERT INTO data_round_value (round_id, school_id, item, field, value)
    SELECT :r, c.school_id, c.grade, f.field, f.value FROM counted c
    CROSS JOIN LATERAL (VALUES ('male', c.male), ('female', c.female),
                               ('classrooms', c.classrooms)) AS f(field, value)
    RETURNING school_id
"""


def _prefill_from_school_records(session: Session, found: DataRound) -> None:
    """Where a school-records (DMC) extract is loaded for the counting day, each school's
    figures start as that count: a draft from ``school_records`` that the school confirms
    (submits) or corrects."""
    filled = set(
        session.scalars(
            text(_RECORDS_VALUES_SQL),
            {"r": found.id, "y": found.academic_year, "d": found.counting_day},
        )
    )
    for part in session.scalars(
        select(DataRoundSchool).where(
            DataRoundSchool.round_id == found.id, DataRoundSchool.school_id.in_(filled)
        )
    ):
        part.source = "school_records"
        _move(session, part, "draft", "system", note="เติมจากข้อมูลนักเรียนรายบุคคล (DMC)")


def list_rounds(session: Session, office_code: str | None) -> list[dict[str, Any]]:
    """The rounds (those asking an office's schools, or all), newest first, with their
    schools counted by state."""
    rounds = session.scalars(
        select(DataRound)
        .where(
            true()
            if office_code is None
            else (DataRound.office_code == office_code) | DataRound.office_code.is_(None)
        )
        .order_by(DataRound.created_at.desc(), DataRound.id.desc())
    ).all()
    states: dict[int, dict[str, int]] = {}
    for round_id, state, count in session.execute(
        text(
            "SELECT round_id, state, count(*) FROM data_round_school "
            "WHERE round_id = ANY(:ids) GROUP BY 1, 2"
        ),
        {"ids": [r.id for r in rounds]},
    ):
        states.setdefault(round_id, {})[state] = count
    return [
        round_json(r)
        | {"schools": sum(states.get(r.id, {}).values()), "states": states.get(r.id, {})}
        for r in rounds
    ]


def rounds_of_school(session: Session, school_code: str) -> list[dict[str, Any]]:
    """The rounds asking one school, newest first, with its state in each."""
    rows = session.execute(
        select(DataRound, DataRoundSchool.state, DataRoundSchool.version)
        .join(DataRoundSchool, DataRoundSchool.round_id == DataRound.id)
        .join(School, School.id == DataRoundSchool.school_id)
        .where(School.code == school_code)
        .order_by(DataRound.created_at.desc(), DataRound.id.desc())
    ).all()
    return [round_json(r) | {"state": state, "version": version} for r, state, version in rows]


ROUND_FIELDS = (
    "id",
    "kind",
    "title_th",
    "academic_year",
    "counting_day",
    "opens_on",
    "deadline",
    "office_code",
)


def round_json(found: DataRound) -> dict[str, Any]:
    return {name: getattr(found, name) for name in ROUND_FIELDS}


def _part(session: Session, round_id: int, school_code: str) -> tuple[DataRoundSchool, School]:
    found = session.execute(
        select(DataRoundSchool, School)
        .join(School, School.id == DataRoundSchool.school_id)
        .where(DataRoundSchool.round_id == round_id, School.code == school_code)
    ).one_or_none()
    if found is None:
        raise NotFoundError(f"round {round_id} does not ask school {school_code}")
    return found[0], found[1]


def _values(session: Session, round_id: int, school_id: int) -> dict[str, dict[str, int]]:
    values: dict[str, dict[str, int]] = {}
    for item, field, value in session.execute(
        text(
            "SELECT item, field, value FROM data_round_value "
            "WHERE round_id = :r AND school_id = :s ORDER BY item, field"
        ),
        {"r": round_id, "s": school_id},
    ):
        values.setdefault(item, {})[field] = value
    return values


def _last_records(session: Session, found: DataRound, school: School) -> dict[str, dict[str, int]]:
    """The school's records before the counting day, as the round's items (shown beside each
    field, so the school sees what it sent last time)."""
    if found.kind == "enrolment":
        last_year = session.execute(
            text(last_count_year_sql(":s", ":y", ":d")),
            {"s": school.id, "y": found.academic_year, "d": found.counting_day},
        ).scalar()
        rows = session.scalars(
            select(SchoolGradeYear).where(
                SchoolGradeYear.school_id == school.id, SchoolGradeYear.academic_year == last_year
            )
        )
        return {
            r.grade: {
                "male": r.enrolled_male,
                "female": r.enrolled_female,
                "classrooms": r.classrooms,
            }
            for r in rows
        }
    if found.kind == "ict_devices":
        devices: dict[str, dict[str, int]] = {}
        for device in session.scalars(select(IctDevice).where(IctDevice.school_id == school.id)):
            item = devices.setdefault(
                device_item(device.kind, device.purpose or "administration"),
                {"count": 0, "working": 0},
            )
            item["count"] += device.count
            item["working"] += device.working
            if device.hours_per_week is not None:
                item["hours_per_week"] = device.hours_per_week
        return devices
    if found.kind == "internet_links":
        links = session.scalars(select(InternetLink).where(InternetLink.school_id == school.id))
        return {link.link_type: {"mbps": round(link.mbps)} for link in links}
    if found.kind == "buildings":
        buildings = session.scalars(select(Building).where(Building.school_id == school.id))
        return {
            building_item(b.id): {"floors": b.floors, "rooms": b.rooms, "condition": b.condition}
            | ({"year_built": b.year_built} if b.year_built else {})
            for b in buildings
        }
    if found.kind == "durable_goods":
        goods = session.scalars(select(DurableGood).where(DurableGood.school_id == school.id))
        return {good.category: {"count": good.count, "condition": good.condition} for good in goods}
    last_year = session.execute(
        text(
            "SELECT max(academic_year) FROM school_personnel WHERE school_id = :s "
            "AND academic_year <= :y"
        ),
        {"s": school.id, "y": found.academic_year},
    ).scalar()
    people = session.scalars(
        select(SchoolPersonnel).where(
            SchoolPersonnel.school_id == school.id, SchoolPersonnel.academic_year == last_year
        )
    )
    return {p.position: {"count": p.count} for p in people}


def school_part(session: Session, round_id: int, school_code: str) -> dict[str, Any]:
    """A school's part of a round: state, version, figures, the last records beside them, the
    rules' results, the latest return's comments, and its history."""
    found = get_round(session, round_id)
    part, school = _part(session, round_id, school_code)
    events = session.scalars(
        select(DataRoundEvent)
        .where(DataRoundEvent.round_id == round_id, DataRoundEvent.school_id == school.id)
        .order_by(DataRoundEvent.id)
    ).all()
    returned = [e for e in events if e.to_state == "returned"]
    return {
        "round": round_json(found),
        "school_code": school.code,
        "school_name_th": school.name_th,
        "grades": sorted(school.grades, key=GRADES.index),
        "items": school_items(session, found.kind, school),
        "state": part.state,
        "version": part.version,
        "source": part.source,
        "first_submitted_at": part.first_submitted_at,
        "submitted_at": part.submitted_at,
        "accepted_at": part.accepted_at,
        "values": _values(session, round_id, school.id),
        "last_records": _last_records(session, found, school),
        "violations": violations(session, round_id, found.kind, school.id),
        "comments": returned[-1].comments if returned else {},
        "return_note": returned[-1].note if returned else "",
        "events": [
            {
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor,
                "at": e.at,
                "note": e.note,
                "comments": e.comments,
            }
            for e in events
        ],
    }


def _check_values(
    kind: str, values: dict[str, dict[str, int]], items: dict[str, tuple[str, ...]]
) -> None:
    errors: dict[str, str] = {}
    for item, fields in values.items():
        if item not in items:
            errors[f"values.{item}"] = f"no item {item} in a {kind} round"
            continue
        for name, value in fields.items():
            if name not in items[item]:
                errors[f"values.{item}.{name}"] = f"{item} has no field {name}"
            elif not isinstance(value, int) or isinstance(value, bool):
                errors[f"values.{item}.{name}"] = "a whole number"
            elif not 0 <= value <= MAX_VALUE:
                errors[f"values.{item}.{name}"] = f"between 0 and {MAX_VALUE:,}"
    if errors:
        raise InvalidFieldsError(sorted(errors.items()))


def _move(
    session: Session,
    part: DataRoundSchool,
    to_state: str,
    actor: str,
    *,
    note: str = "",
    comments: dict[str, str] | None = None,
) -> None:
    now = dt.datetime.now(dt.UTC)
    if to_state != part.state or comments or note:
        session.add(
            DataRoundEvent(
                round_id=part.round_id,
                school_id=part.school_id,
                from_state=part.state,
                to_state=to_state,
                actor=actor,
                note=note,
                comments=comments or {},
            )
        )
    part.state = to_state
    part.version += 1
    part.updated_at = now
    part.updated_by = actor


def _expect_version(part: DataRoundSchool, version: int) -> None:
    if version != part.version:
        raise ConflictError(
            f"ข้อมูลของโรงเรียนนี้ถูกบันทึกไปแล้วหลังจากที่คุณเปิด (ฉบับที่ {part.version} "
            f"ไม่ใช่ {version}): เปิดใหม่เพื่อดูข้อมูลล่าสุดก่อนบันทึก"
        )


def save(
    session: Session,
    round_id: int,
    school_code: str,
    values: dict[str, dict[str, int]],
    *,
    version: int,
    actor: str,
    source: str = "page",
) -> int:
    """Replace the school's figures with ``values`` as a draft, if ``version`` is the one
    stored (else a ConflictError: someone saved since); the new version."""
    found = get_round(session, round_id)
    part, school = _part(session, round_id, school_code)
    # Row lock: two saves of one school run one after the other, the later one refused.
    session.execute(
        select(DataRoundSchool)
        .where(DataRoundSchool.round_id == round_id, DataRoundSchool.school_id == school.id)
        .with_for_update()
    )
    session.refresh(part)
    _expect_version(part, version)
    if part.state not in EDITABLE:
        raise ConflictError(f"ส่งข้อมูลแล้ว (สถานะ {part.state}): แก้ไขไม่ได้จนกว่าสำนักงานจะส่งกลับ")
    _check_values(found.kind, values, _fields_of(session, found.kind, school))
    _replace_values(session, part, values, source, actor)
    return part.version


def _replace_values(
    session: Session,
    part: DataRoundSchool,
    values: dict[str, dict[str, int]],
    source: str,
    actor: str,
) -> None:
    session.execute(
        text("DELETE FROM data_round_value WHERE round_id = :r AND school_id = :s"),
        {"r": part.round_id, "s": part.school_id},
    )
    rows = [
        {"r": part.round_id, "s": part.school_id, "i": item, "f": name, "v": value}
        for item, fields in values.items()
        for name, value in fields.items()
    ]
    if rows:
        session.execute(
            text(
                "INSERT INTO data_round_value (round_id, school_id, item, field, value) "
                "VALUES (:r, :s, :i, :f, :v)"
            ),
            rows,
        )
    part.source = source
    _move(session, part, "draft", actor)
    session.flush()


def import_file(
    session: Session,
    round_id: int,
    path: Path,
    *,
    may_fill: Callable[[str], bool],
    actor: str,
    source: str,
) -> dict[str, Any]:
    """A school records file (the office's import layout) into an enrolment round: each
    school in it gets its rows as its figures, a draft (``source``: file from a school,
    office_extract from the office). All or nothing: a row of another year, of a school the
    round does not ask or the uploader may not fill, or of a school that has submitted, and
    nothing is stored; the error names every such row."""
    found = get_round(session, round_id)
    if found.kind != "enrolment":
        raise InvalidInputError("file", "files fill enrolment rounds only")
    read = read_school_records(session, path)
    parts = {
        part.school_id: part
        for part in session.scalars(
            select(DataRoundSchool).where(
                DataRoundSchool.round_id == round_id,
                DataRoundSchool.school_id.in_(read.codes),
            )
        )
    }
    errors = []
    for key, number in sorted(read.rows.items(), key=lambda pair: pair[1]):
        school_id, year, _grade = key
        code = read.codes[school_id]
        if year != found.academic_year:
            errors.append(
                f"แถว {number}: ปีการศึกษา {year} ไม่ใช่ของรอบนี้ ({found.academic_year}) "
                f"(row {number}: year {year} is not the round's)"
            )
        elif school_id not in parts:
            errors.append(f"แถว {number}: รอบนี้ไม่ได้ขอข้อมูลโรงเรียน {code} (row {number})")
        elif not may_fill(code):
            errors.append(f"แถว {number}: ไม่มีสิทธิ์กรอกข้อมูลโรงเรียน {code} (row {number})")
        elif parts[school_id].state not in EDITABLE:
            errors.append(f"แถว {number}: โรงเรียน {code} ส่งข้อมูลแล้ว (row {number}: submitted)")
    if errors:
        raise InvalidInputError(
            "file", f"มี {len(errors)} แถวที่ใช้ไม่ได้ ไม่ได้บันทึกข้อมูลใด: " + "; ".join(errors[:20])
        )
    by_school: dict[int, dict[str, dict[str, int]]] = {}
    for (school_id, _year, grade), (male, female, rooms) in read.good.items():
        by_school.setdefault(school_id, {})[grade] = {
            "male": male,
            "female": female,
            "classrooms": rooms,
        }
    for school_id, values in by_school.items():
        _replace_values(session, parts[school_id], values, source, actor)
    return {"rows": read.rows_read, "schools": sorted(read.codes[s] for s in by_school)}


def submit(
    session: Session,
    round_id: int,
    school_code: str,
    *,
    version: int,
    explanations: dict[str, str],
    actor: str,
) -> dict[str, Any]:
    """Submit the saved figures: refused while a rule with severity error is broken, or a
    warning has no explanation (keyed by rule id); the school's part as it now is."""
    found = get_round(session, round_id)
    part, school = _part(session, round_id, school_code)
    _expect_version(part, version)
    if part.state not in ("draft", "returned"):
        raise ConflictError(f"nothing to submit: the round's state is {part.state}")
    broken = violations(session, round_id, found.kind, school.id)
    errors = {
        f"rules.{v['rule']}.{v['item']}": v["message_th"]
        for v in broken
        if v["severity"] == "error"
    }
    errors |= {
        f"explanations.{v['rule']}": f"ต้องอธิบาย: {v['message_th']}"
        for v in broken
        if v["severity"] == "warning" and not explanations.get(v["rule"], "").strip()
    }
    if errors:
        raise InvalidFieldsError(sorted(errors.items()))
    now = dt.datetime.now(dt.UTC)
    part.first_submitted_at = part.first_submitted_at or now
    part.submitted_at = now
    warned = {v["rule"] for v in broken}
    kept = {rule: text_ for rule, text_ in explanations.items() if rule in warned}
    _move(session, part, "submitted", actor, comments=kept)
    session.flush()
    return school_part(session, round_id, school_code)


def return_to_school(
    session: Session,
    round_id: int,
    school_code: str,
    *,
    comments: dict[str, str],
    note: str,
    actor: str,
) -> None:
    """Send a submitted school's figures back with the reviewer's comments per field."""
    part, _school = _part(session, round_id, school_code)
    if part.state != "submitted":
        raise ConflictError(f"only submitted figures are returned (state {part.state})")
    if not comments and not note.strip():
        raise InvalidInputError("comments", "say what to correct: a comment per field or a note")
    _move(session, part, "returned", actor, note=note, comments=comments)
    session.flush()


def accept(session: Session, round_id: int, school_code: str, *, actor: str) -> None:
    """Accept a submitted school's figures: they become its records for the year (enrolment
    from the counting day, source ``data_round``; personnel of the year)."""
    found = get_round(session, round_id)
    part, school = _part(session, round_id, school_code)
    if part.state != "submitted":
        raise ConflictError(f"only submitted figures are accepted (state {part.state})")
    ACCEPTED_AS[found.kind](session, found, school, _values(session, round_id, school.id))
    part.accepted_at = dt.datetime.now(dt.UTC)
    _move(session, part, "accepted", actor)
    session.flush()


Figures = dict[str, dict[str, int]]


def _accept_enrolment(session: Session, found: DataRound, school: School, values: Figures) -> None:
    put_grade_year(
        session,
        school.code,
        found.academic_year,
        [
            {
                "grade": grade,
                "enrolled_male": fields.get("male", 0),
                "enrolled_female": fields.get("female", 0),
                "classrooms": fields.get("classrooms", 0),
            }
            for grade, fields in values.items()
            if grade != "total"
        ],
        source="data_round",
        source_detail=f"รอบ {found.id}: {found.title_th}",
        counted_on=found.counting_day,
    )


def _accept_personnel(session: Session, found: DataRound, school: School, values: Figures) -> None:
    session.query(SchoolPersonnel).filter_by(
        school_id=school.id, academic_year=found.academic_year
    ).delete()
    session.add_all(
        SchoolPersonnel(
            school_id=school.id,
            academic_year=found.academic_year,
            position=position,
            count=fields["count"],
        )
        for position, fields in values.items()
        if "count" in fields
    )


def _accept_buildings(session: Session, found: DataRound, school: School, values: Figures) -> None:
    """Each building takes the figures reported for it (a year left blank keeps the one
    known). A new building becomes a building of the registry, and the round's rows for it are
    renamed to its id, so accepting the round again after a reopen updates it, not a copy."""
    for building in session.scalars(select(Building).where(Building.school_id == school.id)):
        reported = values.get(building_item(building.id), {})
        building.year_built = reported.get("year_built") or building.year_built
        for field in ("floors", "rooms", "condition"):
            setattr(building, field, reported.get(field, getattr(building, field)))
    for item, reported in values.items():
        if not item.startswith("new-") or not reported:
            continue
        kind = item.removeprefix("new-").rsplit("-", 1)[0]
        added = Building(
            school_id=school.id,
            kind=BUILDING_KIND_LABELS_TH[kind],
            design_name="",
            year_built=reported.get("year_built") or None,
            floors=reported.get("floors", 1),
            rooms=reported.get("rooms", 0),
            condition=reported["condition"],  # the rules refuse a new building without one
            synthetic=False,
        )
        session.add(added)
        session.flush()
        session.execute(
            text(
                "UPDATE data_round_value SET item = :new WHERE round_id = :r AND school_id = :s "
                "AND item = :old"
            ),
            {"new": building_item(added.id), "r": found.id, "s": school.id, "old": item},
        )


def _accept_devices(session: Session, found: DataRound, school: School, values: Figures) -> None:
    """The school's devices of each kind and purpose brought to the round's figures: a kind
    it had none of is added; one batch of it takes the figures; of several batches (each with
    its repairs), the newest takes the difference, refused if that leaves it below zero."""
    del found  # the school's inventory has no year: the round's figures are its latest
    batches: dict[str, list[IctDevice]] = {}
    for device in session.scalars(
        select(IctDevice)
        .where(IctDevice.school_id == school.id)
        .order_by(IctDevice.year_acquired.desc().nulls_last(), IctDevice.id.desc())
    ):
        batches.setdefault(device_item(device.kind, device.purpose or "administration"), []).append(
            device
        )
    for item, fields in values.items():
        kind, _, purpose = item.partition("-")
        count, working = fields.get("count", 0), fields.get("working", 0)
        hours = fields.get("hours_per_week")
        stock = batches.get(item, [])
        for batch in stock:  # every batch of the kind and purpose is used as reported
            batch.hours_per_week = hours if hours is not None else batch.hours_per_week
        if not stock:
            if count:
                session.add(
                    IctDevice(
                        school_id=school.id,
                        kind=kind,
                        purpose=purpose,
                        count=count,
                        working=working,
                        hours_per_week=hours,
                        note="จากรอบการส่งข้อมูล",
                    )
                )
            continue
        newest, older = stock[0], stock[1:]
        newest_count = count - sum(d.count for d in older)
        newest_working = working - sum(d.working for d in older)
        if newest_count < 0 or newest_working < 0 or newest_working > newest_count:
            raise ConflictError(
                f"{item}: โรงเรียนมีอุปกรณ์ชนิดนี้หลายชุด ({len(stock)} ชุด) มากกว่าที่รายงาน "
                "แก้ไขรายการอุปกรณ์ของโรงเรียนก่อนตรวจรับ"
            )
        newest.count, newest.working = newest_count, newest_working


def _accept_links(session: Session, found: DataRound, school: School, values: Figures) -> None:
    """The school's internet links become the round's: one per type with a speed, keeping a
    link's provider where the type was there before."""
    del found  # the school's inventory has no year: the round's figures are its latest
    kept: dict[str, InternetLink] = {}
    for link in session.scalars(
        select(InternetLink).where(InternetLink.school_id == school.id).order_by(InternetLink.id)
    ):
        if values.get(link.link_type, {}).get("mbps") and link.link_type not in kept:
            kept[link.link_type] = link
        else:
            session.delete(link)
    for link_type, fields in values.items():
        mbps = fields.get("mbps", 0)
        if not mbps:
            continue
        if link_type in kept:
            kept[link_type].mbps = float(mbps)
        else:
            session.add(InternetLink(school_id=school.id, link_type=link_type, mbps=float(mbps)))


def _accept_goods(session: Session, found: DataRound, school: School, values: Figures) -> None:
    """The school's goods of each category reported become the round's count and condition
    (a category reported as none goes)."""
    del found  # the school's inventory has no year: the round's figures are its latest
    session.query(DurableGood).filter(
        DurableGood.school_id == school.id, DurableGood.category.in_(list(values))
    ).delete()
    session.add_all(
        DurableGood(
            school_id=school.id,
            category=category,
            count=fields["count"],
            condition=fields["condition"],  # the rules refuse a count without one
        )
        for category, fields in values.items()
        if fields.get("count")
    )


# How each kind's accepted figures become the school's records.
ACCEPTED_AS: dict[str, Callable[[Session, DataRound, School, Figures], None]] = {
    "enrolment": _accept_enrolment,
    "personnel": _accept_personnel,
    "ict_devices": _accept_devices,
    "internet_links": _accept_links,
    "durable_goods": _accept_goods,
    "buildings": _accept_buildings,
}


def reopen(session: Session, round_id: int, school_code: str, *, reason: str, actor: str) -> None:
    """Open an accepted school's figures again (returned to it), the reason kept."""
    part, _school = _part(session, round_id, school_code)
    if part.state != "accepted":
        raise ConflictError(f"only accepted figures are reopened (state {part.state})")
    if not reason.strip():
        raise InvalidInputError("reason", "say why the figures are opened again")
    part.accepted_at = None
    _move(session, part, "returned", actor, note=reason)
    session.flush()


def round_schools(
    session: Session, round_id: int, districts: list[str] | None
) -> list[dict[str, Any]]:
    """The round's schools (within ``districts``, or all), each with its state, dates and
    contact (the office calls the ones still missing)."""
    get_round(session, round_id)
    rows = session.execute(
        text(
            """
        SELECT s.code, s.name_th, t.district_code, d.name_th AS district_name_th, s.office_code,
            s.phone, s.email, rs.state, rs.version, rs.source, rs.first_submitted_at,
            rs.submitted_at, rs.accepted_at
        FROM data_round_school rs JOIN school s ON s.id = rs.school_id
        JOIN subdistrict t ON t.code = s.subdistrict_code
        JOIN district d ON d.code = t.district_code
        WHERE rs.round_id = :r
          AND (CAST(:districts AS text[]) IS NULL OR t.district_code = ANY(:districts))
        ORDER BY s.code
        """
        ),
        {"r": round_id, "districts": districts},
    ).mappings()
    return [dict(row) for row in rows]


def completeness(
    session: Session, round_id: int, by: str, districts: list[str] | None = None
) -> list[dict[str, Any]]:
    """Per district or office: schools asked, submitted (a returned school counts as not
    submitted until it submits again), on time (first submitted by the end of the deadline
    day, Thai time), accepted, and their shares."""
    found = get_round(session, round_id)
    if by == "district":
        key, name = "t.district_code", "d.name_th"
    elif by == "esao":
        key, name = "s.office_code", "o.name_th"
    else:
        raise InvalidInputError("by", "district or esao")
    rows = session.execute(
        text(
            f"""
        SELECT {key} AS code, min({name}) AS name_th, count(*)::int AS asked,
            count(*) FILTER (WHERE rs.state IN ('submitted', 'accepted'))::int AS submitted,
            count(*) FILTER (WHERE rs.first_submitted_at
                < (CAST(:deadline AS date) + 1) AT TIME ZONE 'Asia/Bangkok')::int AS on_time,
            count(*) FILTER (WHERE rs.state = 'accepted')::int AS accepted
        FROM data_round_school rs JOIN school s ON s.id = rs.school_id
        JOIN subdistrict t ON t.code = s.subdistrict_code
        JOIN district d ON d.code = t.district_code
        LEFT JOIN service_area_office o ON o.code = s.office_code
        WHERE rs.round_id = :r
          AND (CAST(:districts AS text[]) IS NULL OR t.district_code = ANY(:districts))
        GROUP BY 1 ORDER BY 1
        """
        ),
        {"r": round_id, "deadline": found.deadline, "districts": districts},
    ).mappings()
    result = []
    for row in rows:
        figures = dict(row)
        for share in ("submitted", "on_time", "accepted"):
            figures[f"{share}_share"] = ratio(figures[share], figures["asked"], 4)
        result.append(figures)
    return result
