"""Repair tickets and link status over HTTP (issue 20, parts 3-4): a ticket's whole life with
who did what; the link's days up, down and unknown and its median speed, exactly, on a seeded
series (Thai days, a retry stored once)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers.world import MATRIX_SCHOOL, Account


def test_a_repair_ticket_from_report_to_close(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    school, planner, admin = (accounts[r] for r in ("school", "planner", "admin"))
    device_id, count, working = db_session.execute(
        text(
            "SELECT d.id, d.count, d.working FROM ict_device d JOIN school s ON s.id = d.school_id "
            "WHERE s.code = :c AND d.working < d.count ORDER BY d.id LIMIT 1"
        ),
        {"c": MATRIX_SCHOOL},
    ).one()
    reported = client.post(
        "/api/v1/ict/repairs",
        json={
            "school_code": MATRIX_SCHOOL,
            "subject": "device",
            "device_id": device_id,
            "problem": "เปิดไม่ติด 1 เครื่อง",
        },
        headers=school.headers,
    )
    assert reported.status_code == 201, reported.text
    ticket = reported.json()
    url = f"/api/v1/ict/repairs/{ticket['id']}"
    assert ticket["state"] == "open" and ticket["reported_by"] == school.username
    # The office's queue has it; the school cannot assign or close an open ticket.
    queue = client.get("/api/v1/ict/repairs", params={"state": "open"}, headers=planner.headers)
    assert ticket["id"] in [t["id"] for t in queue.json()]
    assert (
        client.post(f"{url}/assign", json={"assigned_to": admin.username}, headers=school.headers)
    ).status_code == 403
    assert client.post(f"{url}/close", json={}, headers=school.headers).status_code == 409
    # Assigned to a technician (an office account; anyone else is refused).
    nobody = client.post(f"{url}/assign", json={"assigned_to": "nobody"}, headers=planner.headers)
    assert nobody.status_code == 422
    assigned = client.post(
        f"{url}/assign", json={"assigned_to": admin.username}, headers=planner.headers
    )
    assert assigned.json()["assigned_to"] == admin.username
    repaired = client.post(
        f"{url}/repaired",
        json={"action": "เปลี่ยนพาวเวอร์ซัพพลาย", "cost_baht": 850, "repaired_on": "2026-11-20"},
        headers=admin.headers,
    )
    assert repaired.status_code == 200, repaired.text
    assert repaired.json()["state"] == "repaired" and repaired.json()["cost_baht"] == 850
    # The repair is the device's maintenance record, and the unit works again.
    record = db_session.execute(
        text("SELECT date, problem, action, cost_baht FROM device_maintenance WHERE id = :m"),
        {"m": repaired.json()["maintenance_id"]},
    ).one()
    assert (str(record[0]), record[1], record[2], int(record[3])) == (
        "2026-11-20",
        "เปิดไม่ติด 1 เครื่อง",
        "เปลี่ยนพาวเวอร์ซัพพลาย",
        850,
    )
    now_working = db_session.execute(
        text("SELECT working FROM ict_device WHERE id = :d"), {"d": device_id}
    ).scalar_one()
    assert now_working == min(count, working + 1)
    assert (
        client.post(f"{url}/repaired", json={"action": "x", "cost_baht": 0}, headers=admin.headers)
    ).status_code == 409
    closed = client.post(f"{url}/close", json={"note": "ใช้ได้แล้ว"}, headers=school.headers)
    assert closed.status_code == 200
    events = closed.json()["events"]
    assert [(e["from_state"], e["to_state"], e["actor"]) for e in events] == [
        (None, "open", school.username),
        ("open", "assigned", planner.username),
        ("assigned", "repaired", admin.username),
        ("repaired", "closed", school.username),
    ]
    # Time to repair per district counts it (public, no names).
    district = db_session.execute(
        text(
            "SELECT t.district_code FROM school s JOIN subdistrict t "
            "ON t.code = s.subdistrict_code WHERE s.code = :c"
        ),
        {"c": MATRIX_SCHOOL},
    ).scalar_one()
    (times,) = client.get("/api/v1/ict/repairs/times", params={"district": district}).json()
    assert (times["reported"], times["repaired"], times["open"], times["cost_baht"]) == (
        1,
        1,
        0,
        850.0,
    )
    assert times["median_hours_to_repair"] is not None


# (moment, up, Mbps): days 1-10 of November 2026, Thai time.
SERIES = [
    ("2026-11-01T08:00:00+07:00", True, 50.0),
    ("2026-11-01T23:30:00+07:00", True, 70.0),
    ("2026-11-02T00:30:00+07:00", True, 40.0),  # still 1 November in UTC: a Thai day 2
    ("2026-11-03T09:00:00+07:00", False, None),
    ("2026-11-03T13:00:00+07:00", True, 60.0),  # a day with any report down is down
    ("2026-11-05T09:00:00+07:00", True, None),
    ("2026-11-06T09:00:00+07:00", True, 90.0),
    ("2026-11-08T09:00:00+07:00", False, None),
]


def _report(moment: str, up: bool, mbps: float | None) -> dict[str, Any]:
    return {"school_code": MATRIX_SCHOOL, "measured_at": moment, "up": up, "measured_mbps": mbps}


def test_link_uptime_and_median_speed_exactly(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    school = accounts["school"].headers
    for moment, up, mbps in SERIES:
        stored = client.post(
            "/api/v1/ict/link-status",
            json={
                "school_code": MATRIX_SCHOOL,
                "measured_at": moment,
                "up": up,
                "measured_mbps": mbps,
            },
            headers=school,
        )
        assert stored.status_code == 201, stored.text
    # A retry of the first report is the one stored.
    again = client.post(
        "/api/v1/ict/link-status",
        json={
            "school_code": MATRIX_SCHOOL,
            "measured_at": SERIES[0][0],
            "up": True,
            "measured_mbps": 50.0,
        },
        headers=school,
    )
    assert again.status_code == 200
    # A time with no zone is refused by name.
    vague = client.post(
        "/api/v1/ict/link-status",
        json={"school_code": MATRIX_SCHOOL, "measured_at": "2026-11-09T09:00:00", "up": True},
        headers=school,
    )
    assert vague.status_code == 422 and "measured_at" in vague.text
    history = client.get(
        f"/api/v1/ict/link-status/{MATRIX_SCHOOL}",
        params={"from": "2026-11-01", "to": "2026-11-10"},
        headers=accounts["viewer"].headers,
    ).json()
    assert [d["status"] for d in history["by_day"]] == [
        "up",
        "up",
        "down",
        "unknown",
        "up",
        "up",
        "unknown",
        "down",
        "unknown",
        "unknown",
    ]
    assert (history["days_up"], history["days_down"], history["days_unknown"]) == (4, 2, 4)
    assert history["uptime_share"] == round(4 / 6, 4)
    # Speeds measured while up: 40, 50, 60, 70, 90.
    assert history["median_mbps"] == 60.0
    contracted = db_session.execute(
        text(
            "SELECT max(mbps) FROM internet_link i JOIN school s ON s.id = i.school_id "
            "WHERE s.code = :c"
        ),
        {"c": MATRIX_SCHOOL},
    ).scalar_one()
    assert history["contracted_mbps"] == contracted
    assert history["median_to_contract"] == round(60.0 / contracted, 4)
    # Another school's link is not the school account's to read.
    other = db_session.execute(
        text("SELECT code FROM school WHERE code <> :c ORDER BY code LIMIT 1"), {"c": MATRIX_SCHOOL}
    ).scalar_one()
    assert client.get(f"/api/v1/ict/link-status/{other}", headers=school).status_code == 403
