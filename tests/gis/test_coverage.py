"""Coverage on a small hand-made world whose answers are known, and on Nan against an
independent computation (shapely and pyproj geodesics)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import shapely
from pyproj import Geod
from shapely import STRtree

from census.models import Child, Household
from census.rules import assess
from census.service import create_round
from gis import coverage
from gis.schools.models import School, SchoolGradeYear
from gis.service_areas.propose import max_distance_m
from gis.service_areas.service import save_service_area

ROUND = 2570  # a round of its own, in Chiang Mai where the demo has no schools
WGS84 = Geod(ellps="WGS84")
A_POINT = (98.9800, 18.7900)
B_POINT = (99.0000, 18.7900)
BOUNDARY_LON = 98.9900  # the two service areas meet here


def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def add_school(
    session: Session,
    code: str,
    point: tuple[float, float],
    grades: list[str],
    enrolled_p1: int,
    rooms_p1: int,
) -> School:
    school = School(
        code=code,
        code_synthetic=False,
        name_th=f"โรงเรียนทดสอบ {code[-1]}",
        grades=grades,
        affiliation="obec_primary",
        subdistrict_code="500101",
        office_code=None,
        location=f"SRID=4326;POINT({point[0]} {point[1]})",
        location_source="surveyed",
        location_accuracy_m=5,
        source="test",
    )
    session.add(school)
    session.flush()
    session.add(
        SchoolGradeYear(
            school_id=school.id,
            academic_year=ROUND,
            grade="P1",
            enrolled_male=enrolled_p1,
            enrolled_female=0,
            classrooms=rooms_p1,
            synthetic=False,
        )
    )
    return school


def add_child(
    session: Session, point: tuple[float, float], born: dt.date, name: str, moo: int = 1
) -> int:
    household = Household(
        uuid=uuid.uuid4(),
        round_year=ROUND,
        house_number=name,
        moo=moo,
        subdistrict_code="500101",
        location=f"SRID=4326;POINT({point[0]} {point[1]})",
        location_source="gps",
        source="rest",
        content_hash="test",
    )
    session.add(household)
    session.flush()
    child = Child(
        household_id=household.id,
        round_year=ROUND,
        person_key=name,
        id_kind="none",
        no_id_reason="test",
        first_name=name,
        last_name="ทดสอบ",
        sex="M",
        birth_date=born,
        guardian_name=f"ผู้ปกครอง {name}",
        disability=False,
        enrolment_status="not_enrolled",
        not_enrolled_reason="test",
    )
    session.add(child)
    session.flush()
    return child.id


P1_AGE = dt.date(2020, 6, 1)  # born B.E. 2563 = Prathom 1 in AY2570
DUE_NEXT_YEAR = dt.date(2021, 6, 1)  # born B.E. 2564 = Prathom 1 in AY2571


@pytest.fixture
def world(db_session: Session) -> dict[str, Any]:
    create_round(db_session, academic_year=ROUND, province_code="50")
    a = add_school(db_session, "9750010001", A_POINT, ["P1", "P2"], enrolled_p1=50, rooms_p1=1)
    b = add_school(db_session, "9750010002", B_POINT, ["P1", "P2"], enrolled_p1=10, rooms_p1=1)
    for school, area in (
        (a, square(98.97, 18.78, BOUNDARY_LON, 18.80)),
        (b, square(BOUNDARY_LON, 18.78, 99.01, 18.80)),
    ):
        save_service_area(
            db_session,
            school,
            level="primary",
            academic_year=ROUND,
            geometry=area,
            method="uploaded",
        )
    ids = {
        "inside_a": add_child(db_session, (98.9750, 18.7900), P1_AGE, "ในเขตเอ", moo=3),
        "on_boundary": add_child(db_session, (BOUNDARY_LON, 18.7950), P1_AGE, "บนเส้น"),
        "midway": add_child(db_session, (98.9900, 18.7900), P1_AGE, "กึ่งกลาง"),
        "far": add_child(db_session, (99.0000, 18.9000), P1_AGE, "ไกล"),
        "due": add_child(db_session, (98.9760, 18.7910), DUE_NEXT_YEAR, "ปีหน้า", moo=3),
    }
    coverage.refresh_coverage(db_session, ROUND)  # what the server's refresher does
    return {"a": a, "b": b, "ids": ids}


def by_child(session: Session, flag: str) -> dict[int, dict[str, Any]]:
    rows = coverage.children_coverage(session, ROUND, flag=flag, province="50", limit=100)
    return {r["id"]: r for r in rows}


def test_point_on_the_boundary_is_in_both_areas(db_session: Session, world: dict[str, Any]) -> None:
    rows = db_session.execute(
        text(f"SELECT id, area_school_ids FROM ({coverage.child_coverage_sql()}) c"),
        coverage.coverage_params(ROUND),
    ).all()
    areas = {row.id: set(row.area_school_ids or []) for row in rows}
    a, b = world["a"].id, world["b"].id
    assert areas[world["ids"]["on_boundary"]] == {a, b}
    assert areas[world["ids"]["inside_a"]] == {a}
    assert areas[world["ids"]["far"]] == set()


def test_nearest_school_with_a_tie_and_its_geodesic_distance(
    db_session: Session, world: dict[str, Any]
) -> None:
    rows = by_child(db_session, "out_of_school")
    midway = rows[world["ids"]["midway"]]
    assert midway["nearest_school_code"] == "9750010001"  # equidistant: the lower code wins
    for key, school_point in (("inside_a", A_POINT), ("far", B_POINT)):
        row = rows[world["ids"][key]]
        _, _, expected = WGS84.inv(row["lon"], row["lat"], *school_point)
        assert float(row["nearest_school_distance_m"]) == pytest.approx(expected, rel=0.001)


def test_beyond_distance(db_session: Session, world: dict[str, Any]) -> None:
    flagged = set(by_child(db_session, "beyond_distance"))
    # 12 km from B (the norm is 3 km); and the Anuban-age child: no school here teaches Anuban.
    assert flagged == {world["ids"]["far"], world["ids"]["due"]}


def test_over_capacity_area(db_session: Session, world: dict[str, Any]) -> None:
    flagged = set(by_child(db_session, "over_capacity_area"))
    # A's Prathom 1 has 50 pupils in one room of 40; B's has 10. The midway child lives on the
    # shared boundary too, so in A's area as well.
    assert flagged == {world["ids"][k] for k in ("inside_a", "on_boundary", "midway")}


@pytest.mark.usefixtures("world")
def test_school_demand_and_next_year_intake(db_session: Session) -> None:
    rows = {s["code"]: s for s in coverage.school_coverage(db_session, ROUND, province="50")}
    a_p1 = next(g for g in rows["9750010001"]["grades"] if g["grade"] == "P1")
    assert (a_p1["demand"], a_p1["enrolled"], a_p1["capacity"], a_p1["spare_seats"]) == (
        3,
        50,
        40,
        -10,
    )
    assert a_p1["over_capacity"] is True
    assert rows["9750010001"]["prathom1_next_year"] == {
        "children": 1,
        "capacity": 40,
        "short_of_seats": 0,
    }
    assert rows["9750010002"]["prathom1_next_year"]["children"] == 0


@pytest.mark.usefixtures("world")
def test_call_list_for_a_hand_built_village(db_session: Session) -> None:
    listed = coverage.call_list(db_session, "9750010001", ROUND)
    assert listed["entry_year"] == ROUND + 1 and listed["children"] == 1
    [village] = listed["villages"]
    assert (village["subdistrict_code"], village["moo"]) == ("500101", 3)
    [child] = village["children"]
    assert (child["first_name"], child["guardian_name"]) == ("ปีหน้า", "ผู้ปกครอง ปีหน้า")
    assert coverage.call_list(db_session, "9750010002", ROUND)["children"] == 0


@pytest.mark.usefixtures("world")
def test_subdistrict_counts(db_session: Session) -> None:
    [row] = coverage.subdistrict_coverage(db_session, ROUND, province="50", suppress=False)
    assert row["subdistrict_code"] == "500101"
    assert (row["compulsory_age"], row["out_of_school"], row["beyond_distance"]) == (4, 4, 1)
    assert row["due_prathom1_next_year"] == 1 and row["coverage_rate"] == 0
    suppressed = coverage.subdistrict_coverage(db_session, ROUND, province="50")
    assert suppressed[0]["compulsory_age"] == "<5"
    # 0 of 4 enrolled would tell that each of the four is out of school: no rate either.
    assert suppressed[0]["coverage_rate"] is None


def test_nan_counts_equal_an_independent_computation(db_session: Session) -> None:
    """Phu Phiang district: the SQL counts against shapely and pyproj on the same rows."""
    district = "5514"
    children = db_session.execute(
        text(
            "SELECT c.birth_date, c.enrolment_status, h.subdistrict_code, ST_X(h.location) AS lon, "
            "ST_Y(h.location) AS lat FROM child c JOIN household h ON h.id = c.household_id "
            "WHERE c.round_year = 2569 AND left(h.subdistrict_code, 4) = :d"
        ),
        {"d": district},
    ).all()
    schools = db_session.execute(
        text("SELECT grades, ST_X(location), ST_Y(location) FROM school")
    ).all()
    norms = max_distance_m()
    by_grade: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for grades, lon, lat in schools:
        for grade in grades:
            by_grade[grade].append((lon, lat))
    trees = {g: STRtree([shapely.Point(p) for p in pts]) for g, pts in by_grade.items()}
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for born, status, tambon, lon, lat in children:
        flags = assess(born, 2569, status)
        counts = expected[tambon]
        counts["compulsory_age"] += flags.compulsory_age
        counts["out_of_school"] += flags.out_of_school
        if flags.expected_grade and flags.compulsory_age:
            limit = norms[flags.stage]
            near = trees[flags.expected_grade].query(shapely.Point(lon, lat).buffer(0.1))
            points = [by_grade[flags.expected_grade][i] for i in near]
            distances = [WGS84.inv(lon, lat, x, y)[2] for x, y in points]
            counts["beyond_distance"] += not any(d <= limit for d in distances)
    got = {
        r["subdistrict_code"]: r
        for r in coverage.subdistrict_coverage(db_session, 2569, district=district, suppress=False)
    }
    assert set(got) == set(expected)
    for tambon, counts in expected.items():
        for key in ("compulsory_age", "out_of_school", "beyond_distance"):
            assert got[tambon][key] == counts[key], (tambon, key)


def _refreshed_after_change(session: Session) -> None:
    """The change is pending (the triggers marked it), then the refresh takes it in."""
    assert coverage.coverage_status(session, ROUND)["pending_changes"] is True
    assert coverage.refresh_coverage(session, ROUND) is True
    assert coverage.coverage_status(session, ROUND)["pending_changes"] is False


def test_stored_coverage_follows_changes(db_session: Session, world: dict[str, Any]) -> None:
    """A new child, a new school, a changed enrolment: each marks the stored coverage (the
    triggers), and the next refresh takes each in; nobody has to remember to refresh it."""
    assert coverage.refresh_coverage(db_session, ROUND) is False  # nothing changed since
    [before] = coverage.subdistrict_coverage(db_session, ROUND, province="50", suppress=False)
    add_child(db_session, (98.9755, 18.7905), P1_AGE, "มาใหม่")
    _refreshed_after_change(db_session)
    [after] = coverage.subdistrict_coverage(db_session, ROUND, province="50", suppress=False)
    assert after["compulsory_age"] == before["compulsory_age"] + 1
    near_far = add_school(db_session, "9750010003", (99.0000, 18.9000), ["P1"], 5, 1)
    assert near_far.id
    _refreshed_after_change(db_session)
    flagged = set(by_child(db_session, "beyond_distance"))
    assert world["ids"]["far"] not in flagged  # a school now stands next to them
    db_session.execute(
        text(
            "UPDATE school_grade_year SET enrolled_male = 1 WHERE school_id = :a AND grade = 'P1'"
        ),
        {"a": world["a"].id},
    )
    _refreshed_after_change(db_session)
    assert by_child(db_session, "over_capacity_area") == {}


def _stored(db_session: Session) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in db_session.execute(
            text(
                "SELECT child_id, household_id, stage, out_of_school, beyond_distance, enrolled, "
                "area_school_ids FROM child_coverage WHERE round_year = :y ORDER BY child_id"
            ),
            {"y": ROUND},
        )
    ]


@pytest.mark.usefixtures("world")
def test_census_changes_refresh_only_their_households(db_session: Session) -> None:
    coverage.refresh_coverage(db_session, ROUND)
    new_child = add_child(db_session, (98.9755, 18.7905), P1_AGE, "เพิ่มทีละคน")
    household = db_session.execute(
        text("SELECT household_id FROM child WHERE id = :c"), {"c": new_child}
    ).scalar()
    marked = (
        db_session.execute(
            text("SELECT household_id FROM coverage_dirty_household WHERE round_year = :y"),
            {"y": ROUND},
        )
        .scalars()
        .all()
    )
    assert marked == [household]  # the household, not the round
    stale = db_session.execute(
        text("SELECT stale FROM coverage_state WHERE round_year = :y"), {"y": ROUND}
    ).scalar()
    changes = db_session.execute(
        text("SELECT count(*) FROM coverage_change WHERE round_year = :y"), {"y": ROUND}
    ).scalar()
    assert stale is False and changes == 0
    assert coverage.refresh_coverage(db_session, ROUND) is True
    incremental = _stored(db_session)
    assert new_child in {row[0] for row in incremental}
    db_session.execute(
        text("UPDATE coverage_state SET stale = true WHERE round_year = :y"), {"y": ROUND}
    )
    coverage.refresh_coverage(db_session, ROUND)
    assert _stored(db_session) == incremental  # the same as recomputing the round
    # Moving the household recomputes its children; a deleted child leaves with its row.
    db_session.execute(
        text(
            "UPDATE household SET location = ST_SetSRID(ST_MakePoint(99.3, 18.95), 4326) "
            "WHERE id = :h"
        ),
        {"h": household},
    )
    coverage.refresh_coverage(db_session, ROUND)
    moved = {row[0]: row for row in _stored(db_session)}[new_child]
    assert moved[4] is True and moved[6] is None  # now far from both schools and areas
    db_session.execute(text("DELETE FROM child WHERE id = :c"), {"c": new_child})
    assert new_child not in {row[0] for row in _stored(db_session)}
    assert coverage.refresh_coverage(db_session, ROUND) is False


def test_a_pass_shared_between_connections_stores_what_one_pass_stores(engine: Engine) -> None:
    """The national pass splits the round's households between connections (one per core);
    over the demo's Nan round it stores exactly what one connection's pass stores."""
    demo_round = 2569
    stale = "UPDATE coverage_state SET stale = true WHERE round_year = :y"
    stored = text(
        f"SELECT {coverage.STORED_COLUMNS} FROM child_coverage WHERE round_year = :y "
        "ORDER BY child_id"
    )

    def rows(session: Session) -> list[tuple[Any, ...]]:
        # The order of the school ids in an array says nothing: compared as sets.
        return [
            tuple(sorted(value) if isinstance(value, list) else value for value in row)
            for row in session.execute(stored, {"y": demo_round})
        ]

    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            session.execute(text(stale), {"y": demo_round})
            assert coverage.refresh_coverage(session, demo_round) is True
            one_pass = rows(session)
            session.execute(text(stale), {"y": demo_round})
            assert coverage.refresh_coverage(
                session, demo_round, workers=2, parallel_min_households=0
            )
            shared = rows(session)
        finally:
            session.close()
            transaction.rollback()
    with engine.begin() as connection:
        # The workers' scratch table, committed on their connections; the pass's own drop was
        # rolled back with the test's transaction. That it is there shows the workers ran.
        scratch = f"coverage_scratch_{demo_round}"
        assert connection.execute(text("SELECT to_regclass(:t)"), {"t": scratch}).scalar()
        connection.execute(text(f"DROP TABLE {scratch}"))
    assert len(one_pass) > 80_000
    assert shared == one_pass
