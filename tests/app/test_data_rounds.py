"""Data rounds over HTTP (issue 19): a round asks every school; the matrix school fills,
saves, submits through the rules, is returned with comments, submits again and is accepted,
its figures becoming its records; completeness is exact at each step; two tabs never
overwrite each other; a school touches only its own figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.registers import Extract, import_register_file
from gis.schools import rounds
from gis.schools.round_rules import violations
from kernel.config import get_settings
from tests.helpers.payloads import june_round
from tests.helpers.pdf_text import pdf_text, squash
from tests.helpers.world import MATRIX_SCHOOL, Account

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

ROUND = {
    "kind": "enrolment",
    "title_th": "จำนวนนักเรียน ณ 10 มิถุนายน 2569",
    "academic_year": 2569,
    "counting_day": "2026-06-10",
    "opens_on": "2026-06-01",
    "deadline": "2099-06-30",
}


def _with_total(grades: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    grades = {grade: fields for grade, fields in grades.items() if grade != "total"}
    pupils = sum(fields["male"] + fields["female"] for fields in grades.values())
    return grades | {"total": {"pupils": pupils}}


def _part(client: TestClient, round_id: int, account: Account) -> Any:
    found = client.get(
        f"/api/v1/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}", headers=account.headers
    )
    assert found.status_code == 200, found.text
    return found.json()


def _completeness(client: TestClient, round_id: int, account: Account) -> dict[str, int]:
    areas = client.get(
        f"/api/v1/data-rounds/{round_id}/completeness", headers=account.headers
    ).json()["areas"]
    return {
        key: sum(area[key] for area in areas)
        for key in ("asked", "submitted", "on_time", "accepted")
    }


def test_a_school_fills_submits_is_returned_and_accepted(
    client: TestClient, db_session: Session, accounts: dict[str, Account], tmp_path: Path
) -> None:
    admin, planner, school = accounts["admin"], accounts["planner"], accounts["school"]
    made = client.post("/api/v1/data-rounds", json=ROUND, headers=admin.headers)
    assert made.status_code == 201, made.text
    round_id = made.json()["id"]
    schools = db_session.execute(text("SELECT count(*) FROM school")).scalar_one()
    assert _completeness(client, round_id, admin) == {
        "asked": schools,
        "submitted": 0,
        "on_time": 0,
        "accepted": 0,
    }
    # The school sees the round and its part: nothing yet, its last records beside.
    listed = client.get("/api/v1/data-rounds", headers=school.headers).json()
    assert [(r["id"], r["state"]) for r in listed] == [(round_id, "not_started")]
    part = _part(client, round_id, school)
    assert part["state"] == "not_started" and part["version"] == 0 and part["values"] == {}
    last = part["last_records"]  # the matrix school's 2569 records, K1-P6
    assert sorted(last) == sorted(part["grades"]) and last["P1"]["classrooms"] >= 1
    good = _with_total(last | {"P1": last["P1"] | {"male": last["P1"]["male"] + 1}})

    url = f"/api/v1/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}"
    # Errors block: a grade it does not teach, pupils with no classroom, a wrong total.
    bad = {
        "P1": {"male": 5, "female": 5, "classrooms": 0},
        "M1": {"male": 3, "female": 0, "classrooms": 1},
        "total": {"pupils": 99},
    }
    saved = client.put(url, json={"version": 0, "values": bad}, headers=school.headers)
    assert saved.json() == {"version": 1, "state": "draft"}
    refused = client.post(
        f"{url}/submit", json={"version": 1, "explanations": {}}, headers=school.headers
    )
    assert refused.status_code == 422
    fields = {problem["field"] for problem in refused.json()["errors"]}
    assert {
        "rules.grade_not_taught.M1",
        "rules.pupils_without_classrooms.P1",
        "rules.total_disagrees.total",
    } <= fields
    assert "ไม่ได้เปิดสอน" in refused.text

    # Two tabs read version 1; the first saves, the second is refused and loses nothing.
    first = client.put(url, json={"version": 1, "values": good}, headers=school.headers)
    assert first.json()["version"] == 2
    stale = client.put(
        url, json={"version": 1, "values": {"P1": {"male": 1}}}, headers=planner.headers
    )
    assert stale.status_code == 409 and "เปิดใหม่" in stale.text
    assert _part(client, round_id, school)["values"] == good

    # A warning (P1 over its 40 seats) needs the school's explanation.
    seats = 40 * last["P1"]["classrooms"]
    crowded = _with_total(good | {"P1": {"male": seats, "female": 5, "classrooms": 1}})
    client.put(url, json={"version": 2, "values": crowded}, headers=school.headers)
    warned = client.post(
        f"{url}/submit", json={"version": 3, "explanations": {}}, headers=school.headers
    )
    assert warned.status_code == 422
    assert [p["field"] for p in warned.json()["errors"]] == ["explanations.enrolment_over_capacity"]
    submitted = client.post(
        f"{url}/submit",
        json={"version": 3, "explanations": {"enrolment_over_capacity": "ห้องใหญ่พิเศษ"}},
        headers=school.headers,
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    expected = {"asked": schools, "submitted": 1, "on_time": 1, "accepted": 0}
    assert _completeness(client, round_id, admin) == expected
    # Everyone sees who has sent: a layer of the round's schools by state (no figures).
    layer = f"/ogc/collections/data_round_{round_id}/items"
    shown = client.get(f"{layer}/{MATRIX_SCHOOL}").json()["properties"]
    assert (shown["state"], shown["on_time"]) == ("submitted", True)
    assert "values" not in shown and "P1" not in str(shown)
    states = client.get(layer, params={"filter": "state = 'submitted'"}).json()
    assert states["numberMatched"] == 1
    # Submitted figures cannot be changed by the school; it may not review itself.
    assert (
        client.put(url, json={"version": 4, "values": good}, headers=school.headers).status_code
        == 409
    )
    assert client.post(f"{url}/accept", headers=school.headers).status_code == 403

    # Returned with comments: counts as not submitted until it submits again.
    back = client.post(
        f"{url}/return",
        json={"comments": {"P1.male": "ไม่ตรงกับทะเบียนนักเรียน"}, "note": "ตรวจ ป.1"},
        headers=planner.headers,
    )
    assert back.status_code == 200
    part = _part(client, round_id, school)
    assert part["state"] == "returned" and part["comments"] == {"P1.male": "ไม่ตรงกับทะเบียนนักเรียน"}
    assert _completeness(client, round_id, admin)["submitted"] == 0
    client.put(url, json={"version": part["version"], "values": good}, headers=school.headers)
    again = client.post(
        f"{url}/submit",
        json={"version": part["version"] + 1, "explanations": {}},
        headers=school.headers,
    )
    assert again.status_code == 200, again.text
    assert client.post(f"{url}/accept", headers=planner.headers).status_code == 200
    assert _completeness(client, round_id, admin) == expected | {"accepted": 1}

    # Accepted figures are the school's records for the year, saying where they came from.
    records = db_session.execute(
        text(
            "SELECT gy.grade, gy.enrolled_male, gy.enrolled_female, gy.source, gy.counted_on "
            "FROM school_grade_year gy JOIN school s ON s.id = gy.school_id "
            "WHERE s.code = :c AND gy.academic_year = 2569 ORDER BY gy.grade"
        ),
        {"c": MATRIX_SCHOOL},
    ).all()
    assert {r[0]: {"male": r[1], "female": r[2]} for r in records} == {
        grade: {"male": fields["male"], "female": fields["female"]}
        for grade, fields in good.items()
        if grade != "total"
    }
    assert {(r[3], str(r[4])) for r in records} == {("data_round", "2026-06-10")}
    detail = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()
    assert detail["enrolment"]["total"] == good["total"]["pupils"]

    # Reopened by the office with its reason, kept in the history.
    assert (
        client.post(f"{url}/reopen", json={"reason": "นับซ้ำ"}, headers=planner.headers).status_code
        == 200
    )
    events = _part(client, round_id, school)["events"]
    assert [(e["from_state"], e["to_state"]) for e in events] == [
        ("not_started", "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "draft"),
        ("draft", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "returned"),
    ]
    assert events[1]["comments"] == {"enrolment_over_capacity": "ห้องใหญ่พิเศษ"}
    assert events[-1]["note"] == "นับซ้ำ"
    assert _completeness(client, round_id, admin)["accepted"] == 0

    # The schools still missing, to send: every school but none (it is returned again).
    missing = client.get(
        f"/api/v1/data-rounds/{round_id}/missing", params={"format": "csv"}, headers=planner.headers
    )
    rows = list(csv.DictReader(io.StringIO(missing.content.decode("utf-8-sig"))))
    planner_schools = len(
        client.get(f"/api/v1/data-rounds/{round_id}", headers=planner.headers).json()["schools"]
    )
    assert len(rows) == planner_schools and MATRIX_SCHOOL in {r["code"] for r in rows}
    # With whom to call: every school of the seeded world has a phone and an e-mail.
    assert all(r["phone"].startswith("054-") and r["email"].endswith(".example") for r in rows)
    # The same as a PDF to send: every missing school named, the districts' completeness.
    letter = client.get(
        f"/api/v1/data-rounds/{round_id}/missing", params={"format": "pdf"}, headers=planner.headers
    )
    assert letter.headers["content-type"] == "application/pdf"
    path = tmp_path / "missing.pdf"
    path.write_bytes(letter.content)
    extracted = squash(pdf_text(path))
    assert squash(f"ยังไม่ส่ง {len(rows)} โรงเรียน") in extracted
    for row in rows[:40]:
        assert squash(row["code"]) in extracted, row["code"]
        assert squash(row["phone"]) in extracted, row["phone"]


def test_a_school_sees_and_touches_only_its_own_figures(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    made = client.post("/api/v1/data-rounds", json=ROUND, headers=accounts["admin"].headers)
    round_id = made.json()["id"]
    other = db_session.execute(
        text("SELECT code FROM school WHERE code <> :c ORDER BY code LIMIT 1"), {"c": MATRIX_SCHOOL}
    ).scalar_one()
    school = accounts["school"].headers
    url = f"/api/v1/data-rounds/{round_id}/schools/{other}"
    assert client.get(url, headers=school).status_code == 403
    assert client.put(url, json={"version": 0, "values": {}}, headers=school).status_code == 403
    seen = client.get(f"/api/v1/data-rounds/{round_id}", headers=school).json()["schools"]
    assert [row["code"] for row in seen] == [MATRIX_SCHOOL]
    assert (
        client.get(f"/api/v1/data-rounds/{round_id}/completeness", headers=school).status_code
        == 403
    )
    # A planner opens rounds for their own office only.
    elsewhere = client.post(
        "/api/v1/data-rounds",
        json=ROUND | {"office_code": "P5502"},
        headers=accounts["planner"].headers,
    )
    assert elsewhere.status_code == 403


def test_rules_run_over_a_whole_round_in_one_query(
    db_session: Session,
) -> None:
    """The batch: every school of a round checked at once, the same answers as one by one."""
    made = june_round(db_session, "ทดสอบ", office_code="P5501")
    codes = list(
        db_session.scalars(
            text("SELECT code FROM school WHERE office_code = 'P5501' ORDER BY code LIMIT 6")
        )
    )
    planted = {
        codes[0]: {"P1": {"male": 50, "female": 0, "classrooms": 1}},  # over 40 seats
        codes[1]: {"P1": {"male": 3, "female": 0, "classrooms": 0}},  # no classroom
        codes[2]: {"P1": {"male": 3, "female": 0, "classrooms": 1}, "total": {"pupils": 4}},
        codes[3]: {"P1": {"male": 20, "female": 10, "classrooms": 1}},  # fine, unless the change
    }
    for code, values in planted.items():
        rounds.save(db_session, made, code, values, version=0, actor="test")
    batch = violations(db_session, made, "enrolment")
    one_by_one = [
        v
        for code in planted
        for v in violations(
            db_session,
            made,
            "enrolment",
            db_session.execute(text("SELECT id FROM school WHERE code = :c"), {"c": code}).scalar(),
        )
    ]
    assert batch == one_by_one
    by_rule = {(v["school_code"], v["rule"]) for v in batch}
    assert (codes[0], "enrolment_over_capacity") in by_rule
    assert (codes[1], "pupils_without_classrooms") in by_rule
    assert (codes[2], "total_disagrees") in by_rule
    assert not any(code == codes[4] for code, _ in by_rule)  # nothing saved, nothing checked


def test_an_enrolment_round_starts_from_the_school_records_of_its_counting_day(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    """A DMC extract counted on the round's day: each school in it starts with a draft of
    that count, saying so; a round counted on another day starts empty."""
    import_register_file(
        db_session,
        get_settings(),
        SAMPLES / "school_records_sample.csv",
        Extract(2569, "school", "obec", dt.date(2026, 6, 10)),
    )
    admin = accounts["admin"].headers
    same_day = client.post("/api/v1/data-rounds", json=ROUND, headers=admin).json()["id"]
    part = _part(client, same_day, accounts["school"])
    # The sample's two pupils of the school: a boy in Prathom 1, a girl in Prathom 2 (room 2).
    assert part["values"] == {
        "P1": {"male": 1, "female": 0, "classrooms": 1},
        "P2": {"male": 0, "female": 1, "classrooms": 1},
    }
    assert (part["state"], part["source"], part["version"]) == ("draft", "school_records", 1)
    assert part["events"][0]["note"] == "เติมจากข้อมูลนักเรียนรายบุคคล (DMC)"
    other_day = client.post(
        "/api/v1/data-rounds", json=ROUND | {"counting_day": "2026-11-10"}, headers=admin
    ).json()["id"]
    assert _part(client, other_day, accounts["school"])["values"] == {}


def _records_file(*rows: str) -> dict[str, tuple[str, bytes, str]]:
    body = "รหัสโรงเรียน,ปีการศึกษา,ชั้น,ชาย,หญิง,ห้องเรียน\n" + "".join(f"{r}\n" for r in rows)
    return {"file": ("records.csv", body.encode("utf-8-sig"), "text/csv")}


def test_a_records_file_fills_the_round_for_those_the_uploader_may_fill(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    admin, planner, school = (accounts[r].headers for r in ("admin", "planner", "school"))
    round_id = client.post("/api/v1/data-rounds", json=ROUND, headers=admin).json()["id"]
    url = f"/api/v1/data-rounds/{round_id}/imports"
    other = db_session.execute(
        text(
            "SELECT code FROM school WHERE code <> :c AND office_code = 'P5501' "
            "AND grades @> ARRAY['P1']::varchar[] ORDER BY code LIMIT 1"
        ),
        {"c": MATRIX_SCHOOL},
    ).scalar_one()
    # The school: its own rows only; another school's row and the file stores nothing.
    refused = client.post(
        url,
        files=_records_file(f"{MATRIX_SCHOOL},2569,ป.1,10,12,1", f"{other},2569,ป.1,5,5,1"),
        headers=school,
    )
    assert refused.status_code == 422 and "แถว 3" in refused.text and other in refused.text
    assert _part(client, round_id, accounts["school"])["values"] == {}
    wrong_year = client.post(
        url, files=_records_file(f"{MATRIX_SCHOOL},2568,ป.1,1,1,1"), headers=school
    )
    assert wrong_year.status_code == 422 and "แถว 2" in wrong_year.text
    stored = client.post(
        url,
        files=_records_file(f"{MATRIX_SCHOOL},2569,ป.1,10,12,1", f"{MATRIX_SCHOOL},2569,ป.2,9,9,1"),
        headers=school,
    )
    assert stored.status_code == 200 and stored.json()["schools"] == [MATRIX_SCHOOL]
    part = _part(client, round_id, accounts["school"])
    assert part["values"] == {
        "P1": {"male": 10, "female": 12, "classrooms": 1},
        "P2": {"male": 9, "female": 9, "classrooms": 1},
    }
    assert (part["state"], part["source"]) == ("draft", "file")
    # The office's extract for several schools at once; a submitted school's row is refused.
    office = client.post(
        url,
        files=_records_file(f"{MATRIX_SCHOOL},2569,ป.1,11,12,1", f"{other},2569,ป.1,5,5,1"),
        headers=planner,
    )
    assert office.json()["schools"] == sorted([MATRIX_SCHOOL, other])
    assert _part(client, round_id, accounts["school"])["source"] == "office_extract"
    version = _part(client, round_id, accounts["school"])["version"]
    submitted = client.post(
        f"/api/v1/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}/submit",
        json={"version": version, "explanations": {"change_from_last_count": "นับใหม่"}},
        headers=school,
    )
    assert submitted.status_code == 200, submitted.text
    late = client.post(url, files=_records_file(f"{MATRIX_SCHOOL},2569,ป.1,1,1,1"), headers=planner)
    assert late.status_code == 422 and "ส่งข้อมูลแล้ว" in late.text


def test_ict_and_internet_rounds_become_the_school_s_devices_and_links(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    admin, school = accounts["admin"].headers, accounts["school"].headers
    part_url = "/api/v1/data-rounds/{}/schools/" + MATRIX_SCHOOL

    def submit_and_accept(kind: str, values: dict[str, Any], explain: dict[str, str]) -> int:
        round_id = client.post(
            "/api/v1/data-rounds", json=ROUND | {"kind": kind}, headers=admin
        ).json()["id"]
        url = part_url.format(round_id)
        saved = client.put(url, json={"version": 0, "values": values}, headers=school)
        assert saved.status_code == 200, saved.text
        submitted = client.post(
            f"{url}/submit", json={"version": 1, "explanations": explain}, headers=school
        )
        assert submitted.status_code == 200, submitted.text
        accepted = client.post(f"{url}/accept", headers=admin)
        assert accepted.status_code == 200, accepted.text
        return round_id

    # Devices: the last inventory beside each field; working above the count is an error.
    probe = client.post(
        "/api/v1/data-rounds", json=ROUND | {"kind": "ict_devices"}, headers=admin
    ).json()["id"]
    last = _part(client, probe, accounts["school"])["last_records"]
    url = part_url.format(probe)
    client.put(
        url,
        json={
            "version": 0,
            "values": {"tablet-learning": {"count": 3, "working": 5, "hours_per_week": 200}},
        },
        headers=school,
    )
    refused = client.post(f"{url}/submit", json={"version": 1}, headers=school)
    assert [p["field"] for p in refused.json()["errors"]] == [
        "rules.devices_working_over_count.tablet-learning",
        "rules.hours_over_a_week.tablet-learning",
    ]
    assert "แท็บเล็ต (เพื่อการเรียนการสอน): ใช้งานได้ 5 เครื่อง" in refused.text
    # Accepted: every kind and purpose reported is the school's count.
    reported = {
        item: {"count": fields["count"] + 2, "working": fields["working"] + 1}
        for item, fields in last.items()
    } | {"tablet-learning": {"count": 40, "working": 38, "hours_per_week": 12}}
    submit_and_accept("ict_devices", reported, {})
    hours = db_session.execute(
        text(
            "SELECT array_agg(DISTINCT d.hours_per_week) FROM ict_device d "
            "JOIN school s ON s.id = d.school_id "
            "WHERE s.code = :c AND d.kind = 'tablet' AND d.purpose = 'learning'"
        ),
        {"c": MATRIX_SCHOOL},
    ).scalar_one()
    assert hours == [12]
    devices = {
        f"{kind}-{purpose or 'administration'}": (count, working)
        for kind, purpose, count, working in db_session.execute(
            text(
                "SELECT d.kind, d.purpose, sum(d.count), sum(d.working) FROM ict_device d "
                "JOIN school s ON s.id = d.school_id WHERE s.code = :c GROUP BY 1, 2"
            ),
            {"c": MATRIX_SCHOOL},
        )
    }
    assert {item: devices[item] for item in reported} == {
        item: (fields["count"], fields["working"]) for item, fields in reported.items()
    }
    # Links: the school's links become the round's, one per type.
    submit_and_accept("internet_links", {"fiber": {"mbps": 500}, "4g": {"mbps": 0}}, {})
    detail = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()["ict"]
    assert [(link["type"], link["mbps"]) for link in detail["internet_links"]] == [("fiber", 500)]


def test_a_durable_goods_round_needs_each_counted_category_s_condition(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    admin, school = accounts["admin"].headers, accounts["school"].headers
    round_id = client.post(
        "/api/v1/data-rounds", json=ROUND | {"kind": "durable_goods"}, headers=admin
    ).json()["id"]
    url = f"/api/v1/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}"
    last = _part(client, round_id, accounts["school"])["last_records"]
    assert set(last) <= set(rounds.ITEMS["durable_goods"])
    desks = "โต๊ะเก้าอี้นักเรียน"
    values = {desks: {"count": 120}, "เครื่องปรับอากาศ": {"count": 2, "condition": 9}}
    client.put(url, json={"version": 0, "values": values}, headers=school)
    refused = client.post(f"{url}/submit", json={"version": 1}, headers=school)
    assert {p["field"] for p in refused.json()["errors"]} == {
        f"rules.condition_out_of_range.{desks}",
        "rules.condition_out_of_range.เครื่องปรับอากาศ",
    }
    fixed = {desks: {"count": 120, "condition": 4}, "เครื่องปรับอากาศ": {"count": 0}}
    client.put(url, json={"version": 1, "values": fixed}, headers=school)
    assert client.post(f"{url}/submit", json={"version": 2}, headers=school).status_code == 200
    assert client.post(f"{url}/accept", headers=admin).status_code == 200
    goods = dict(
        db_session.execute(
            text(
                "SELECT g.category, (g.count, g.condition)::text FROM durable_good g "
                "JOIN school s ON s.id = g.school_id WHERE s.code = :c"
            ),
            {"c": MATRIX_SCHOOL},
        ).all()
    )
    assert goods[desks] == "(120,4)" and "เครื่องปรับอากาศ" not in goods


def test_a_buildings_round_reports_each_building_and_adds_new_ones(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    admin, school = accounts["admin"].headers, accounts["school"].headers
    # The school's (synthetic) founding year: a building said to be older gets a warning.
    founded = client.get(f"/api/v1/schools/{MATRIX_SCHOOL}").json()["founded_year"]
    assert 2500 < founded
    round_id = client.post(
        "/api/v1/data-rounds", json=ROUND | {"kind": "buildings"}, headers=admin
    ).json()["id"]
    url = f"/api/v1/data-rounds/{round_id}/schools/{MATRIX_SCHOOL}"
    part = _part(client, round_id, accounts["school"])
    items = [item for item, _label in part["items"]]
    existing = [item for item in items if item.startswith("building-")]
    assert existing and sorted(part["last_records"]) == sorted(existing)
    assert [item for item in items if item.startswith("new-")] == [
        item for item, _label in rounds.new_building_items()
    ]
    before = db_session.execute(
        text(
            "SELECT count(*) FROM building b JOIN school s ON s.id = b.school_id WHERE s.code = :c"
        ),
        {"c": MATRIX_SCHOOL},
    ).scalar_one()
    assert len(existing) == before
    first = existing[0]
    values = part["last_records"] | {
        first: {"year_built": 2499, "floors": 0, "rooms": 12, "condition": 0},
        "new-canteen-1": {"year_built": 2568, "floors": 1, "rooms": 1},
    }
    assert client.put(url, json={"version": 0, "values": values}, headers=school).status_code == 200
    refused = client.post(f"{url}/submit", json={"version": 1}, headers=school)
    assert sorted(p["field"] for p in refused.json()["errors"] if p["field"][0] == "r") == [
        f"rules.building_condition_out_of_range.{first}",
        "rules.building_condition_out_of_range.new-canteen-1",
        f"rules.building_size_out_of_range.{first}",
        f"rules.building_year_out_of_range.{first}",
    ]
    # A building the school does not have is not an item of its round.
    stranger = client.put(
        url, json={"version": 1, "values": {"building-0": {"condition": 3}}}, headers=school
    )
    assert stranger.status_code == 422
    values[first] = {"year_built": founded - 1, "floors": 2, "rooms": 12, "condition": 2}
    values["new-canteen-1"] |= {"condition": 5}
    client.put(url, json={"version": 1, "values": values}, headers=school)
    warned = client.post(f"{url}/submit", json={"version": 2}, headers=school)
    assert [p["field"] for p in warned.json()["errors"]] == [
        "explanations.building_older_than_school"
    ]
    assert f"สร้างปี {founded - 1} ก่อนตั้งโรงเรียน (พ.ศ. {founded})" in warned.text
    explained = {"building_older_than_school": "อาคารเดิมของวัด โรงเรียนมาใช้ภายหลัง"}
    submitted = client.post(
        f"{url}/submit", json={"version": 2, "explanations": explained}, headers=school
    )
    assert submitted.status_code == 200, submitted.text
    assert client.post(f"{url}/accept", headers=admin).status_code == 200

    def stored() -> list[tuple[Any, ...]]:
        return [
            tuple(row)
            for row in db_session.execute(
                text(
                    "SELECT b.id, b.kind, b.year_built, b.floors, b.rooms, b.condition "
                    "FROM building b JOIN school s ON s.id = b.school_id "
                    "WHERE s.code = :c ORDER BY b.id"
                ),
                {"c": MATRIX_SCHOOL},
            )
        ]

    buildings = stored()
    assert len(buildings) == before + 1
    building_id = int(first.removeprefix("building-"))
    assert [b[2:] for b in buildings if b[0] == building_id] == [(founded - 1, 2, 12, 2)]
    canteen_id, *canteen = buildings[-1]
    assert tuple(canteen) == ("โรงอาหาร", 2568, 1, 1, 5)
    # The new building is now an item of the round under its id: reopening and accepting
    # again updates it rather than adding it twice.
    part = _part(client, round_id, accounts["school"])
    assert f"building-{canteen_id}" in part["values"] and "new-canteen-1" not in part["values"]
    reopened = client.post(f"{url}/reopen", json={"reason": "ห้องผิด"}, headers=admin)
    assert reopened.status_code == 200
    values = part["values"] | {f"building-{canteen_id}": {"rooms": 2, "condition": 5}}
    client.put(url, json={"version": part["version"] + 1, "values": values}, headers=school)
    again = client.post(
        f"{url}/submit",
        json={"version": part["version"] + 2, "explanations": explained},
        headers=school,
    )
    assert again.status_code == 200, again.text
    assert client.post(f"{url}/accept", headers=admin).status_code == 200
    buildings = stored()
    assert len(buildings) == before + 1
    assert buildings[-1] == (canteen_id, "โรงอาหาร", 2568, 1, 2, 5)
