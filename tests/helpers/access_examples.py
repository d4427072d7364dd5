"""How the access matrix calls each route: an example path, query, body or file per rule.

The rules (who gets which status) sit beside the routes; the calls are the test's. Path values
in braces (``{child_id}``) and braced strings in bodies (``"{village_id}"``) are filled with ids
of rows the matrix creates."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.usage import FeedbackLimiter
from tests.helpers.payloads import (
    SMALL_CENSUS_FILE,
    SQUARE_GEOJSON,
    new_school,
    office_submission,
    office_xlsform,
    small_household,
)
from tests.helpers.world import MATRIX_SCHOOL


@dataclass(frozen=True)
class Example:
    path: str | None = None
    # A callable gives a fresh body per call (unique usernames, say).
    json: Callable[[], Any] | Any = None
    form: Callable[[], dict[str, str]] | dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    params: dict[str, str] = field(default_factory=dict)
    # The call starts work outside the request (a background job), so it must commit.
    commits: bool = False
    # Done to the app before the call.
    before: Callable[[Any], None] | None = None


def fresh_feedback_limit(app: Any) -> None:
    app.state.feedback_limiter = FeedbackLimiter()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


SCHOOL = f"/api/v1/schools/{MATRIX_SCHOOL}"
NOBODY_S_KEY = "edm_000000000000_a-key-nobody-holds"
CHILD = "/api/v1/census/rounds/{year}/children/{ref}"
CHILD_PATH = "/api/v1/census/rounds/2569/children/{ref}"  # {ref}: a child the matrix makes
MATRIX_FORM = "matrix_survey"  # an office form the matrix adds (a geopoint: personal)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_ROUND = "/api/v1/data-rounds/{data_round}"
MATRIX_PART = f"/api/v1/data-rounds/{{data_round}}/schools/{MATRIX_SCHOOL}"
# Enrolment the matrix school sends: within its grades and seats.
MATRIX_FIGURES = {"P1": {"male": 10, "female": 12, "classrooms": 1}}
# Whatever warnings those figures raise, explained.
MATRIX_EXPLANATIONS = {"change_from_last_count": "ทดสอบ", "enrolment_over_capacity": "ทดสอบ"}
EXAMPLES: dict[tuple[str, str], Example] = {
    ("GET", "/api/v1/national/coverage"): Example(params={"round": "2569"}),
    ("GET", "/api/v1/national/map"): Example(params={"round": "2569"}),
    ("POST", "/api/v1/data-rounds"): Example(
        json={
            "kind": "enrolment",
            "title_th": "จำนวนนักเรียน 10 มิ.ย.",
            "academic_year": 2569,
            "counting_day": "2026-06-10",
            "opens_on": "2026-06-01",
            "deadline": "2026-06-30",
        }
    ),
    ("GET", "/api/v1/data-rounds/{round_id}"): Example(path=DATA_ROUND),
    ("POST", "/api/v1/data-rounds/{round_id}/imports"): Example(
        path=f"{DATA_ROUND}/imports",
        files={
            "file": (
                "records.csv",
                f"school_code,academic_year,grade,male,female,classrooms\n"
                f"{MATRIX_SCHOOL},2569,P1,10,12,1\n".encode(),
                "text/csv",
            )
        },
    ),
    ("GET", "/data-rounds/{round_id}"): Example(path="/data-rounds/{data_round}"),
    ("GET", "/portal/{kind}/{code}"): Example(path="/portal/districts/5501"),
    ("GET", "/portal/offices/{code}/offline.zip"): Example(
        path="/portal/offices/P5501/offline.zip"
    ),
    ("GET", "/manual/{path:path}"): Example(path="/manual/planner.html"),
    ("GET", "/data-rounds/{round_id}/schools/{code}"): Example(
        path=f"/data-rounds/{{data_round}}/schools/{MATRIX_SCHOOL}"
    ),
    ("GET", "/api/v1/data-rounds/{round_id}/schools/{code}"): Example(path=MATRIX_PART),
    ("PUT", "/api/v1/data-rounds/{round_id}/schools/{code}"): Example(
        path=MATRIX_PART, json={"version": 1, "values": MATRIX_FIGURES}
    ),
    ("POST", "/api/v1/data-rounds/{round_id}/schools/{code}/submit"): Example(
        path=f"{MATRIX_PART}/submit", json={"version": 1, "explanations": MATRIX_EXPLANATIONS}
    ),
    ("POST", "/api/v1/data-rounds/{round_id}/schools/{code}/return"): Example(
        path=MATRIX_PART.replace("{data_round}", "{submitted_round}") + "/return",
        json={"note": "ตรวจจำนวนชั้น ป.1 อีกครั้ง", "comments": {"P1.male": "ไม่ตรงกับ DMC"}},
    ),
    ("POST", "/api/v1/data-rounds/{round_id}/schools/{code}/accept"): Example(
        path=MATRIX_PART.replace("{data_round}", "{submitted_round}") + "/accept"
    ),
    ("POST", "/api/v1/data-rounds/{round_id}/schools/{code}/reopen"): Example(
        path=MATRIX_PART.replace("{data_round}", "{accepted_round}") + "/reopen",
        json={"reason": "โรงเรียนแจ้งว่านับผิด"},
    ),
    ("GET", "/api/v1/data-rounds/{round_id}/completeness"): Example(
        path=f"{DATA_ROUND}/completeness"
    ),
    ("GET", "/api/v1/data-rounds/{round_id}/violations"): Example(path=f"{DATA_ROUND}/violations"),
    ("GET", "/api/v1/data-rounds/{round_id}/missing"): Example(path=f"{DATA_ROUND}/missing"),
    ("GET", "/ogc/collections/{collection_id}"): Example(path="/ogc/collections/schools"),
    ("GET", "/ogc/tileMatrixSets/{tile_matrix_set_id}"): Example(
        path="/ogc/tileMatrixSets/WebMercatorQuad"
    ),
    ("GET", "/ogc/collections/{collection_id}/tiles"): Example(
        path="/ogc/collections/schools/tiles"
    ),
    ("GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}"): Example(
        path="/ogc/collections/schools/tiles/WebMercatorQuad"
    ),
    ("GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}/tilejson.json"): Example(
        path="/ogc/collections/schools/tiles/WebMercatorQuad/tilejson.json"
    ),
    ("GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}/{z}/{y}/{x}"): Example(
        path="/ogc/collections/schools/tiles/WebMercatorQuad/8/114/199"
    ),
    ("GET", "/ogc/collections/{collection_id}/queryables"): Example(
        path="/ogc/collections/schools/queryables"
    ),
    ("GET", "/ogc/collections/{collection_id}/items"): Example(
        path="/ogc/collections/schools/items", params={"limit": "2"}
    ),
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): Example(
        path=f"/ogc/collections/schools/items/{MATRIX_SCHOOL}"
    ),
    ("POST", "/api/v1/forms"): Example(
        files={"file": ("upload.xlsx", office_xlsform("matrix_upload"), XLSX)},
        form={"roles": "surveyor"},
    ),
    ("GET", "/api/v1/forms/{form_id}/submissions.{output_format}"): Example(
        path="/api/v1/forms/{form_id}/submissions.xlsx"
    ),
    ("GET", "/api/v1/forms/{form_id}/counts"): Example(params={"question": "condition"}),
    ("POST", "/api/v1/forms/{form_id}/submissions"): Example(
        files={
            "xml_submission_file": (
                "submission.xml",
                office_submission("uuid:matrix-web", form_id=MATRIX_FORM),
                "text/xml",
            )
        }
    ),
    ("GET", "/api/v1/forms/{form_id}/submissions/{instance_id}/files/{name}"): Example(
        path="/api/v1/forms/{form_id}/submissions/uuid:matrix/files/photo.jpg"
    ),
    ("GET", "/api/v1/forms/{form_id}/map"): Example(params={"question": "condition"}),
    ("POST", "/api/v1/admin/users"): Example(
        json=lambda: {
            "username": _unique("made"),
            "password": "a-long-enough-password",
            "role": "surveyor",
        }
    ),
    ("POST", "/api/v1/admin/users/{username}/disable"): Example(
        path="/api/v1/admin/users/matrix-victim/disable"
    ),
    ("POST", "/api/v1/admin/users/{username}/areas"): Example(
        path="/api/v1/admin/users/matrix-surveyor/areas", json={"subdistrict_code": "550102"}
    ),
    ("POST", "/api/v1/auth/token"): Example(
        form=lambda: {"username": _unique("nobody"), "password": "wrong-password"}
    ),
    ("POST", "/api/v1/auth/refresh"): Example(json={"refresh_token": "x.y.z"}),
    ("POST", "/api/v1/auth/api-keys"): Example(json={"name": "matrix"}),
    ("DELETE", "/api/v1/auth/api-keys/{key_id}"): Example(path="/api/v1/auth/api-keys/999999"),
    ("POST", "/api/v1/census/rounds"): Example(json={"academic_year": 2569, "province_code": "55"}),
    ("PATCH", "/api/v1/census/rounds/{year}"): Example(
        path="/api/v1/census/rounds/2569", json={"state": "open"}
    ),
    ("GET", "/api/v1/census/rounds/{year}/summary"): Example(
        path="/api/v1/census/rounds/2569/summary", params={"district": "5501"}
    ),
    ("GET", "/api/v1/census/rounds/{year}/matching"): Example(
        path="/api/v1/census/rounds/2569/matching", params={"district": "5501"}
    ),
    ("GET", "/api/v1/census/rounds/{year}/matching/children"): Example(
        path="/api/v1/census/rounds/2569/matching/children", params={"status": "no_record"}
    ),
    ("GET", "/api/v1/census/rounds/{year}/verification"): Example(
        path="/api/v1/census/rounds/2569/verification"
    ),
    ("GET", f"{CHILD}/follow-ups"): Example(path=CHILD_PATH + "/follow-ups"),
    ("POST", f"{CHILD}/follow-ups"): Example(
        path=CHILD_PATH + "/follow-ups",
        json={
            "kind": "visit",
            "acted_on": "2026-11-20",
            "finding": "out_of_school",
            "reason": "ช่วยครอบครัวทำงาน",
        },
    ),
    ("GET", f"{CHILD}/notice"): Example(path=CHILD_PATH + "/notice"),
    ("POST", "/census/verification/{year}/{ref}"): Example(
        path="/census/verification/2569/{ref}",
        form={
            "finding": "out_of_school",
            "reason": "ช่วยครอบครัวทำงาน",
            "acted_on": "2026-11-20",
            "subdistrict": "550101",
        },
    ),
    ("GET", "/api/v1/census/rounds/{year}/handover"): Example(
        path="/api/v1/census/rounds/2569/handover", params={"to_office": "P5502"}
    ),
    ("GET", "/api/v1/census/rounds/{year}/conflicts"): Example(
        path="/api/v1/census/rounds/2569/conflicts"
    ),
    ("POST", "/api/v1/census/households"): Example(json=small_household),
    ("GET", "/api/v1/census/households"): Example(
        params={"round": "2569", "subdistrict": "550101", "limit": "5"}
    ),
    ("POST", "/api/v1/census/children/check"): Example(
        json={"round": 2569, "child": {"birth_date": "15/03/2562", "first_name": "ทดสอบ"}}
    ),
    ("PATCH", "/api/v1/census/children/{child_id}"): Example(
        json={"enrolment_status": "not_enrolled", "not_enrolled_reason": "ทดสอบ"}
    ),
    ("POST", "/api/v1/census/imports"): Example(
        form={"round": "2569"},
        files={"file": ("form.csv", SMALL_CENSUS_FILE, "text/csv")},
        commits=True,
    ),
    ("GET", "/api/v1/census/imports/{job_id}/{name}"): Example(
        path="/api/v1/census/imports/{job_id}/rejects.csv"
    ),
    ("GET", "/api/v1/coverage/areas"): Example(params={"round": "2569", "by": "esao"}),
    ("GET", "/api/v1/coverage/subdistricts"): Example(params={"round": "2569", "district": "5501"}),
    ("GET", "/api/v1/coverage/schools"): Example(params={"round": "2569", "district": "5514"}),
    ("GET", "/api/v1/coverage/children"): Example(
        params={"round": "2569", "flag": "out_of_school", "district": "5501", "limit": "5"}
    ),
    **{
        ("GET", f"/api/v1/schools/{{code}}/call-list{suffix}"): Example(
            path=f"{SCHOOL}/call-list{suffix}", params={"round": "2569"}
        )
        for suffix in ("", ".pdf", ".xlsx")
    },
    ("GET", "/api/v1/service-areas/quality"): Example(params={"round": "2569", "province": "55"}),
    ("GET", "/api/v1/schools/{code}/service-areas"): Example(path=f"{SCHOOL}/service-areas"),
    ("POST", "/api/v1/schools/{code}/service-areas"): Example(
        path=f"{SCHOOL}/service-areas",
        form={"round": "2568"},
        files={"file": ("area.geojson", SQUARE_GEOJSON, "application/geo+json")},
    ),
    ("POST", "/api/v1/schools/{code}/service-areas/villages"): Example(
        path=f"{SCHOOL}/service-areas/villages",
        json={"round": 2568, "village_ids": ["{village_id}"]},
    ),
    ("GET", "/api/v1/subdistricts"): Example(params={"district": "5501"}),
    ("GET", "/api/v1/subdistricts/{code}"): Example(path="/api/v1/subdistricts/550101"),
    ("GET", "/api/v1/reports/coverage"): Example(
        params={"round": "2569", "district": "5514", "format": "csv"}
    ),
    ("GET", "/api/v1/schools"): Example(params={"province": "55", "limit": "5"}),
    ("POST", "/api/v1/schools"): Example(json=new_school),
    ("GET", "/api/v1/schools/{code}"): Example(path=SCHOOL),
    ("PATCH", "/api/v1/schools/{code}"): Example(path=SCHOOL, json={"affiliation": "obec_primary"}),
    ("GET", "/api/v1/schools/{code}/years/{year}"): Example(path=f"{SCHOOL}/years/2569"),
    ("PUT", "/api/v1/schools/{code}/years/{year}"): Example(
        path=f"{SCHOOL}/years/2568",
        json={
            "grades": [{"grade": "P1", "enrolled_male": 5, "enrolled_female": 6, "classrooms": 1}]
        },
    ),
    ("GET", "/api/v1/schools/{code}/devices"): Example(path=f"{SCHOOL}/devices"),
    ("POST", "/api/v1/schools/{code}/devices"): Example(
        path=f"{SCHOOL}/devices", json={"kind": "printer", "count": 1, "working": 1}
    ),
    ("POST", "/api/v1/schools/{code}/devices/{device_id}/maintenance"): Example(
        path=SCHOOL + "/devices/{device_id}/maintenance",
        json={"date": "2026-01-15", "problem": "หมึกหมด", "cost_baht": 350},
    ),
    ("GET", "/api/v1/schools/{code}/buildings"): Example(path=f"{SCHOOL}/buildings"),
    ("POST", "/api/v1/schools/{code}/buildings"): Example(
        path=f"{SCHOOL}/buildings", json={"kind": "ส้วม", "condition": 3}
    ),
    ("POST", "/api/v1/schools/imports"): Example(files={"file": ("empty.txt", b"", "text/plain")}),
    ("GET", "/ict/schools/{code}"): Example(path=f"/ict/schools/{MATRIX_SCHOOL}"),
    # Every role posts one (a fresh rate limit each: the matrix posts six from one address).
    ("POST", "/feedback"): Example(
        form={"page": "/", "useful": "yes"}, before=fresh_feedback_limit
    ),
    ("POST", "/api/v1/ict/repairs"): Example(
        json={
            "school_code": MATRIX_SCHOOL,
            "subject": "device",
            "device_id": "{device_id}",
            "problem": "จอไม่ติด",
        }
    ),
    ("GET", "/api/v1/ict/repairs/{ticket_id}"): Example(path="/api/v1/ict/repairs/{open_ticket}"),
    ("POST", "/api/v1/ict/repairs/{ticket_id}/assign"): Example(
        path="/api/v1/ict/repairs/{open_ticket}/assign", json={"assigned_to": "matrix-technician"}
    ),
    ("POST", "/api/v1/ict/repairs/{ticket_id}/repaired"): Example(
        path="/api/v1/ict/repairs/{open_ticket}/repaired",
        json={"action": "เปลี่ยนสายไฟ", "cost_baht": 150},
    ),
    ("POST", "/api/v1/ict/repairs/{ticket_id}/close"): Example(
        path="/api/v1/ict/repairs/{repaired_ticket}/close", json={"note": "ใช้งานได้แล้ว"}
    ),
    ("POST", "/api/v1/ict/link-status"): Example(
        json={
            "school_code": MATRIX_SCHOOL,
            "measured_at": "2026-11-01T08:00:00+07:00",
            "up": True,
            "measured_mbps": 48.5,
        }
    ),
    ("GET", "/api/v1/ict/link-status/{school_code}"): Example(
        path=f"/api/v1/ict/link-status/{MATRIX_SCHOOL}"
    ),
    ("POST", "/api/v1/ict/prices"): Example(
        form={"fiscal_year": "2570", "name_th": "บัญชีราคาทดสอบ"},
        files={
            "file": (
                "prices.csv",
                "need,code,name_th,unit_th,unit_price_baht\n"
                "learning,NB,โน้ตบุ๊ก,เครื่อง,19000\n".encode(),
                "text/csv",
            )
        },
    ),
    ("GET", "/maps/schools/{code}"): Example(path=f"/maps/schools/{MATRIX_SCHOOL}"),
    ("GET", "/maps/coverage"): Example(params={"district": "5514", "round": "2569"}),
    **{
        ("GET", f"/api/v1/map-layers/{layer}"): Example(
            params={"round": "2569", "district": "5501", "flag": "out_of_school"}
        )
        for layer in (
            "schools",
            "districts",
            "service-areas",
            "villages",
            "children",
            "register-villages",
        )
    },
    **{
        ("GET", f"/odk/key/{{key}}{tail}"): Example(path=f"/odk/key/{NOBODY_S_KEY}{example}")
        for tail, example in (
            ("/formList", "/formList"),
            ("/forms/{form_id}/form.xml", "/forms/edumap_household/form.xml"),
            ("/forms/{form_id}/manifest", "/forms/edumap_household/manifest"),
            ("/forms/{form_id}/attachments/{name}", "/forms/edumap_household/attachments/x.csv"),
        )
    },
    ("GET", "/api/v1/census/households/{household_uuid}/attachments/{name}"): Example(
        path="/api/v1/census/households/00000000-0000-4000-8000-000000000000/attachments/x.jpg"
    ),
    ("POST", "/odk/key/{key}/submission"): Example(
        path=f"/odk/key/{NOBODY_S_KEY}/submission",
        files={"xml_submission_file": ("submission.xml", b"<data/>", "text/xml")},
    ),
    ("GET", "/api/v1/search"): Example(params={"q": "ในเวียง", "province": "55"}),
    ("POST", "/login"): Example(form={"username": "x", "password": "y", "csrf_token": "z"}),
    ("GET", "/schools/{code}"): Example(path=f"/schools/{MATRIX_SCHOOL}"),
}


def example_for(method: str, route: str) -> Example:
    """The call for a rule: its example, or the route itself with nothing more."""
    return EXAMPLES.get((method, route), Example())
