"""OpenRosa as ODK Collect uses it: a client that does what Collect does (per ODK's OpenRosa
documentation): form list, form download with the hash checked, manifest and its media files,
HEAD before POST, a multipart submission answered 201 with an OpenRosaResponse, a resend after a
lost answer stored once, the same instanceID with other content refused, a wrong or revoked key,
a household outside the surveyor's areas, a closed round. Checked in the database."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from census.identity import with_check_digit
from census.service import set_round_state
from census.xlsform import HOUSEHOLD_FORM_ID
from tests.helpers.odk import filled_instance
from tests.helpers.world import Account

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"


class Collect:
    """The calls ODK Collect makes to a server URL holding an app user's key."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client = client
        self.base = f"/odk/key/{key}"

    def form_list(self) -> dict[str, str]:
        response = self.client.get(f"{self.base}/formList")
        assert response.status_code == 200, response.text
        assert response.headers["x-openrosa-version"] == "1.0" and response.headers["date"]
        root = ElementTree.fromstring(response.content)
        [form] = root.findall(f"{LIST}xform")
        return {child.tag.removeprefix(LIST): child.text or "" for child in form}

    def download(self, entry: dict[str, str]) -> str:
        form = self.client.get(entry["downloadUrl"])
        assert form.status_code == 200
        # Collect compares the hash of what it downloaded with the list's
        assert "md5:" + hashlib.md5(form.content).hexdigest() == entry["hash"]
        manifest = self.client.get(entry["manifestUrl"])
        assert manifest.status_code == 200
        for media in ElementTree.fromstring(manifest.content).findall(f"{MANIFEST}mediaFile"):
            name = media.find(f"{MANIFEST}filename").text
            body = self.client.get(media.find(f"{MANIFEST}downloadUrl").text)
            assert body.status_code == 200, name
            assert (
                "md5:" + hashlib.md5(body.content).hexdigest() == media.find(f"{MANIFEST}hash").text
            )
            self.media = getattr(self, "media", {}) | {name: body.text}
        return form.text

    def submit(self, xml: bytes) -> tuple[int, str]:
        head = self.client.head(f"{self.base}/submission")
        assert head.status_code == 204 and head.headers["x-openrosa-version"] == "1.0"
        assert int(head.headers["x-openrosa-accept-content-length"]) >= len(xml)
        response = self.client.post(
            f"{self.base}/submission",
            files={"xml_submission_file": ("submission.xml", xml, "text/xml")},
        )
        message = ElementTree.fromstring(response.content).find(f"{RESPONSE}message")
        return response.status_code, (message.text or "") if message is not None else ""


def _made_key(client: TestClient, account: Account) -> dict[str, Any]:
    made = client.post("/api/v1/auth/api-keys", headers=account.headers, json={"name": "โทรศัพท์"})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _key(client: TestClient, account: Account) -> str:
    return str(_made_key(client, account)["key"])


CHILD = {
    "id_kind": "national_id",
    "national_id": with_check_digit("155010000001"),
    "first_name": "โอดีเค",
    "last_name": "คอลเลกต์",
    "sex": "M",
    "birth_date": "2017-06-01",
    "enrolment_status": "not_enrolled",
    "not_enrolled_reason": "ไม่มีค่าเดินทาง",
}


def _house(tambon: str = "550101", number: str = "5/5") -> dict[str, str]:
    return {
        "subdistrict_code": tambon,
        "moo": "3",
        "house_number": number,
        "location": "18.7801 100.7702 0 4.5",
    }


def _stored(session: Session, instance_id: str) -> list[Any]:
    return session.execute(
        text(
            "SELECT h.house_number, count(c.id) FROM household h JOIN child c "
            "ON c.household_id = h.id WHERE h.uuid = :u GROUP BY h.id"
        ),
        {"u": instance_id.removeprefix("uuid:")},
    ).all()


def test_collect_lists_downloads_and_submits_and_a_resend_is_stored_once(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    collect = Collect(client, _key(client, accounts["surveyor"]))
    entry = collect.form_list()
    assert entry["formID"] == HOUSEHOLD_FORM_ID and entry["hash"].startswith("md5:")
    xform = collect.download(entry)
    # The lists on the phone: the surveyor's tambon only, and the schools of its province.
    tambons = collect.media["tambons.csv"].splitlines()
    assert tambons[0] == "name,label" and [t.split(",")[0] for t in tambons[1:]] == ["550101"]
    assert "9955010001," in collect.media["schools.csv"]
    # Its villages, with the tambon the form filters them by (this town's have no moo in
    # DOPA's list: chosen by name, the moo typed).
    villages = collect.media["villages.csv"].splitlines()
    assert villages[0] == "name,label,tambon,moo,code" and len(villages) == 18
    assert all(line.split(",")[2] == "550101" for line in villages[1:])

    instance_id = "uuid:6f1f7a55-0d1c-4a0e-9a7e-2b9f0c1d2e3f"
    xml = filled_instance(xform, _house(), [CHILD], instance_id)
    assert collect.submit(xml) == (201, f"บันทึกแล้ว: {instance_id.removeprefix('uuid:')}")
    # The answer was lost: Collect sends the same again. 201 again, stored once.
    status, message = collect.submit(xml)
    assert status == 201 and message.startswith("บันทึกไว้แล้ว")
    assert [tuple(r) for r in _stored(db_session, instance_id)] == [("5/5", 1)]
    point = db_session.execute(
        text("SELECT location_accuracy_m FROM household WHERE uuid = :u"),
        {"u": instance_id.removeprefix("uuid:")},
    ).scalar_one()
    assert point == 4.5
    # The same instanceID with other content is refused with a message Collect shows.
    other = filled_instance(xform, _house(number="9/9"), [CHILD], instance_id)
    status, message = collect.submit(other)
    assert status == 409 and message
    assert [tuple(r) for r in _stored(db_session, instance_id)] == [("5/5", 1)]


def test_collect_is_refused_as_odk_expects(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    made = _made_key(client, accounts["surveyor"])
    collect = Collect(client, made["key"])
    xform = collect.download(collect.form_list())
    # A household outside the surveyor's tambons: refused, nothing stored.
    outside = filled_instance(xform, _house(tambon="550102"), [CHILD])
    status, message = collect.submit(outside)
    assert status == 403 and "550102" in message
    # A wrong key: refused, in OpenRosa's words.
    wrong = Collect(client, "edm_000000000000_not-a-key")
    response = client.get(f"{wrong.base}/formList")
    assert response.status_code == 401 and response.headers["x-openrosa-version"] == "1.0"
    # A closed round takes nothing.
    set_round_state(db_session, 2569, "closed")
    status, message = collect.submit(filled_instance(xform, _house(), [CHILD]))
    assert status == 409 and "open" in message
    set_round_state(db_session, 2569, "open")
    # A revoked key is refused from then on.
    revoked = client.delete(
        f"/api/v1/auth/api-keys/{made['id']}", headers=accounts["surveyor"].headers
    )
    assert revoked.status_code == 200
    assert client.get(f"{collect.base}/formList").status_code == 401


@pytest.mark.parametrize(
    ("form_id", "status"), [("another_form", 404), ("edumap_household%00", 422)]
)
def test_an_unknown_form_is_not_found(
    client: TestClient, accounts: dict[str, Account], form_id: str, status: int
) -> None:
    base = f"/odk/key/{_key(client, accounts['surveyor'])}"
    # an unknown id is not found; a NUL in the path is refused before any route (422)
    assert client.get(f"{base}/forms/{form_id}/form.xml").status_code == status


def test_twenty_concurrent_resends_of_one_instance_store_one_household(
    live_url: str, accounts: dict[str, Account], engine: Engine
) -> None:
    """Collect resends when an answer is lost, and phones come back to a signal together: the
    same instanceID twenty times at once over real HTTP is 201 twenty times, stored once."""
    with httpx2.Client(base_url=live_url, timeout=60) as http:
        made = http.post(
            "/api/v1/auth/api-keys",
            headers=accounts["surveyor"].headers,
            json={"name": "โทรศัพท์ทดสอบ"},
        )
        assert made.status_code == 201, made.text
        key = made.json()["key"]
        xform = http.get(f"/odk/key/{key}/forms/{HOUSEHOLD_FORM_ID}/form.xml").text
    instance_id = "uuid:0e4b7a9c-1f2d-4c3b-8a5e-6d7f8091a2b3"
    xml = filled_instance(xform, _house(number="20/20"), [CHILD], instance_id)

    def send(_: int) -> int:
        with httpx2.Client(base_url=live_url, timeout=60) as http:
            files = {"xml_submission_file": ("submission.xml", xml, "text/xml")}
            return http.post(f"/odk/key/{key}/submission", files=files).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(send, range(20)))
    assert statuses == [201] * 20
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT count(DISTINCT h.id), count(c.id) FROM household h JOIN child c "
                "ON c.household_id = h.id WHERE h.uuid = :u"
            ),
            {"u": instance_id.removeprefix("uuid:")},
        ).one()
    assert tuple(stored) == (1, 1)


def test_a_split_submission_is_assembled_not_duplicated(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    """Past the accepted length Collect splits a submission over several POSTs, each with the
    XML and some attachments, all but the last marked ``*isIncomplete*=yes``: one household,
    every attachment kept."""
    collect = Collect(client, _key(client, accounts["surveyor"]))
    xform = collect.download(collect.form_list())
    instance_id = "uuid:5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
    xml = filled_instance(xform, _house(number="7/7"), [CHILD], instance_id)
    for part, last in (("register-page-1.jpg", False), ("register-page-2.jpg", True)):
        response = client.post(
            f"{collect.base}/submission",
            files={
                "xml_submission_file": ("submission.xml", xml, "text/xml"),
                part: (part, b"\xff\xd8\xff" + b"0" * 1000, "image/jpeg"),
            },
            data={} if last else {"*isIncomplete*": "yes"},
        )
        assert response.status_code == 201, response.text
    assert [tuple(r) for r in _stored(db_session, instance_id)] == [("7/7", 1)]
    # The photos of the house register came with the parts: kept, read by who may read the
    # household (audited), not by others.
    household = instance_id.removeprefix("uuid:")
    url = f"/api/v1/census/households/{household}/attachments/register-page-2.jpg"
    for role in ("surveyor", "planner", "admin"):
        photo = client.get(url, headers=accounts[role].headers)
        assert photo.status_code == 200, (role, photo.text)
        assert photo.headers["content-type"] == "image/jpeg"
        assert photo.content == b"\xff\xd8\xff" + b"0" * 1000
    assert client.get(url, headers=accounts["school"].headers).status_code == 403
    assert client.get(url).status_code == 401
    kept = db_session.execute(
        text(
            "SELECT name, size_bytes FROM household_attachment WHERE household_uuid = :u "
            "ORDER BY name"
        ),
        {"u": household},
    ).all()
    assert [tuple(r) for r in kept] == [
        ("register-page-1.jpg", 1003),
        ("register-page-2.jpg", 1003),
    ]
    audited = db_session.execute(
        text("SELECT count(*) FROM audit_log WHERE resource = :r"),
        {"r": f"household {household} file register-page-2.jpg"},
    ).scalar_one()
    assert audited == 3


def test_an_edit_replaces_the_sent_household_and_keeps_the_earlier_version(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    collect = Collect(client, _key(client, accounts["surveyor"]))
    xform = collect.download(collect.form_list())
    first = "uuid:1b2c3d4e-5f60-4718-829a-abcdef012345"
    edit = "uuid:2c3d4e5f-6071-4829-93ab-bcdef0123456"
    assert collect.submit(filled_instance(xform, _house(number="1/1"), [CHILD], first))[0] == 201
    edited = filled_instance(xform, _house(number="1/2"), [CHILD], edit, deprecated_id=first)
    assert collect.submit(edited)[0] == 201
    assert collect.submit(edited)[0] == 201  # the edit resent: still one household
    assert _stored(db_session, first) == []
    assert [tuple(r) for r in _stored(db_session, edit)] == [("1/2", 1)]
    kept = db_session.execute(
        text(
            "SELECT replaced_by::text, snapshot ->> 'house_number' FROM household_version "
            "WHERE household_uuid = :u"
        ),
        {"u": first.removeprefix("uuid:")},
    ).one()
    assert tuple(kept) == (edit.removeprefix("uuid:"), "1/1")
    # The first version sent again (a phone that missed the edit) is refused, saying why.
    status, message = collect.submit(filled_instance(xform, _house(number="1/1"), [CHILD], first))
    assert status == 409 and "replaced by an edit" in message


def test_a_phone_s_point_far_outside_the_tambon_is_kept_and_flagged(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    """The REST API asks the surveyor to confirm a point far outside the tambon; a phone's form,
    filled offline, cannot be asked again: the point is kept, flagged 'offline', with how far."""
    collect = Collect(client, _key(client, accounts["surveyor"]))
    xform = collect.download(collect.form_list())
    far = _house(number="8/8") | {"location": "13.7563 100.5018 0 5"}  # Bangkok, not Nan
    instance_id = "uuid:8e9fa0b1-c2d3-4e4f-9051-6a7b8c9d0e1f"
    assert collect.submit(filled_instance(xform, far, [CHILD], instance_id))[0] == 201
    flag, outside_km = db_session.execute(
        text("SELECT location_flag, location_outside_m / 1000 FROM household WHERE uuid = :u"),
        {"u": instance_id.removeprefix("uuid:")},
    ).one()
    assert flag == "offline" and outside_km > 500


def test_a_village_chosen_from_the_list_gives_the_moo_and_village(
    db_session: Session, client: TestClient, accounts: dict[str, Account]
) -> None:
    """As Collect computes the form's calculations from villages.csv: the village's moo and
    code, no moo typed."""
    collect = Collect(client, _key(client, accounts["admin"]))
    xform = collect.download(collect.form_list())
    [row] = [
        line.split(",")
        for line in collect.media["villages.csv"].splitlines()
        if line.startswith("55010203,")
    ]
    assert row == ["55010203", "หมู่ 3 บ้านภูเวียง", "550102", "3", "55010203"]
    house = {
        "subdistrict_code": "550102",
        "village": "55010203",
        "village_moo": "3",
        "village_code": "55010203",
        "house_number": "3/33",
        "location": "18.95 100.7396 0 5",
    }
    instance_id = "uuid:0c4b1a8e-53f6-4c5e-9f1d-7a1b2c3d4e5f"
    assert collect.submit(filled_instance(xform, house, [CHILD], instance_id))[0] == 201
    stored = db_session.execute(
        text("SELECT moo, village_code FROM household WHERE uuid = :u"),
        {"u": instance_id.removeprefix("uuid:")},
    ).one()
    assert tuple(stored) == (3, "55010203")
