"""Encrypted office forms: added only when the server holds the form's private key; a
submission encrypted as Collect encrypts it is decrypted, checked against its signature and
stored once; a manifest whose signature does not match its files is refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auth import service as accounts_service
from census import form_crypto, surveys
from kernel.config import get_settings
from kernel.errors import InvalidInputError
from kernel.principal import Principal
from tests.helpers.odk import encrypted_as_collect
from tests.helpers.payloads import office_submission, office_xlsform
from tests.helpers.run_cli import edumap
from tests.helpers.world import Account

FORM_ID = "secret_toilets"


@pytest.fixture(scope="session")
def office_public_key() -> str:
    path = get_settings().effective_form_key_file
    key = form_crypto.load_office_key(path)
    if key is None:
        return form_crypto.new_office_key(path)
    return form_crypto.public_key_text(key.public_key())


def _admin(session: Session, accounts: dict[str, Account]) -> Principal:
    user = accounts_service.get_user(session, accounts["admin"].username)
    return accounts_service.principal_for(user, "test")


def test_an_encrypted_form_needs_the_offices_key(
    db_session: Session, accounts: dict[str, Account], office_public_key: str
) -> None:
    admin = _admin(db_session, accounts)
    added = surveys.add_form(
        db_session,
        admin,
        "secret.xlsx",
        office_xlsform(FORM_ID, public_key=office_public_key),
        roles=["surveyor"],
        usernames=[],
    )
    assert added["form_id"] == FORM_ID
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidInputError) as refused:
        surveys.add_form(
            db_session,
            admin,
            "other.xlsx",
            office_xlsform(
                "other_secret", public_key=form_crypto.public_key_text(stranger.public_key())
            ),
            roles=[],
            usernames=[],
        )
    assert "not this office's key" in str(refused.value)


def test_collect_sends_an_encrypted_submission_it_is_decrypted_and_stored_once(
    client: TestClient,
    db_session: Session,
    accounts: dict[str, Account],
    office_public_key: str,
) -> None:
    surveys.add_form(
        db_session,
        _admin(db_session, accounts),
        "secret.xlsx",
        office_xlsform(FORM_ID, public_key=office_public_key),
        roles=["surveyor"],
        usernames=[],
    )
    made = client.post(
        "/api/v1/auth/api-keys", headers=accounts["surveyor"].headers, json={"name": "phone"}
    )
    base = f"/odk/key/{made.json()['key']}"
    xform = client.get(f"{base}/forms/{FORM_ID}/form.xml").text
    assert f'base64RsaPublicKey="{office_public_key}"' in "".join(xform.split("\n"))

    plain = office_submission("uuid:e1", form_id=FORM_ID)
    manifest, files = encrypted_as_collect(
        office_public_key, FORM_ID, "2026120201", "uuid:e1", plain
    )
    secret = "ลุงมี".encode()
    assert secret not in manifest and all(secret not in content for content in files.values())

    def send(manifest: bytes, files: dict[str, bytes]) -> int:
        parts = [("xml_submission_file", ("submission.xml", manifest, "text/xml"))]
        parts += [(n, (n, content, "application/octet-stream")) for n, content in files.items()]
        return client.post(f"{base}/submission", files=parts).status_code

    assert send(manifest, files) == 201
    assert send(manifest, files) == 201  # a resend: stored once
    stored = db_session.execute(
        text(
            "SELECT count(*), min(data ->> 'remark'), min(data -> 'rooms' -> 0 ->> 'keeper_name') "
            "FROM survey_submission WHERE instance_id = 'uuid:e1'"
        )
    ).one()
    assert tuple(stored) == (1, "=1+1", "ลุงมี")

    # Another submission's signature on this manifest: the files do not match it.
    other, _ = encrypted_as_collect(
        office_public_key,
        FORM_ID,
        "2026120201",
        "uuid:e2",
        office_submission("uuid:e2", form_id=FORM_ID),
    )
    namespace = "{http://opendatakit.org/submissions}"
    signature = ElementTree.fromstring(other).find(f"{namespace}base64EncryptedElementSignature")
    assert signature is not None and signature.text
    own = ElementTree.fromstring(manifest).find(f"{namespace}base64EncryptedElementSignature")
    assert own is not None and own.text
    forged = manifest.replace(own.text.encode(), signature.text.encode())
    response = client.post(
        f"{base}/submission",
        files=[("xml_submission_file", ("submission.xml", forged, "text/xml"))]
        + [(n, (n, c, "application/octet-stream")) for n, c in files.items()],
    )
    assert response.status_code == 422
    assert "the files do not match the submission's signature" in response.text


def test_the_office_key_is_made_once_and_shown(database_url: str, office_public_key: str) -> None:
    shown = edumap(database_url, "forms", "key", "--show")
    assert shown.returncode == 0 and shown.stdout.strip() == office_public_key
    again = edumap(database_url, "forms", "key")
    assert again.returncode == 1 and "exists" in again.stderr
