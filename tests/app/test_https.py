"""`edumap serve --https` as an office runs it for phones: a real server process, a self-signed
certificate written for the trial, Collect's form list and a submission over TLS verified
against that certificate; plain HTTP is not answered there; a certificate without its key is
refused by name."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, text

from census.xlsform import HOUSEHOLD_FORM_ID
from tests.helpers.odk import filled_instance
from tests.helpers.servers import HttpsServer, free_port
from tests.helpers.world import Account, remove_committed_since


@pytest.fixture
def https_server(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[tuple[str, Path]]:
    """The server process; what the test stores through it is removed afterwards."""
    with engine.connect() as conn:
        began = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    server = HttpsServer(database_url, tmp_path / "tls")
    server.start()
    try:
        yield server.url, server.cert
    finally:
        server.stop()
        remove_committed_since(engine, began)


def test_phones_reach_the_server_over_https_with_its_certificate(
    https_server: tuple[str, Path], accounts: dict[str, Account], engine: Engine
) -> None:
    url, cert = https_server
    assert cert.exists() and (cert.parent / "office.key").stat().st_mode & 0o077 == 0
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx2.Client(base_url=url, verify=trust, timeout=30) as http:
        assert http.get("/health").status_code == 200
        made = http.post(
            "/api/v1/auth/api-keys", headers=accounts["surveyor"].headers, json={"name": "tls"}
        )
        assert made.status_code == 201, made.text
        base = f"/odk/key/{made.json()['key']}"
        listed = http.get(f"{base}/formList")
        assert listed.status_code == 200 and listed.headers["x-openrosa-version"] == "1.0"
        assert f"{url}{base}/forms/{HOUSEHOLD_FORM_ID}/form.xml" in listed.text
        xform = http.get(f"{base}/forms/{HOUSEHOLD_FORM_ID}/form.xml").text
        instance_id = "uuid:7d8e9fa0-b1c2-4d3e-8f40-5a6b7c8d9e0f"
        xml = filled_instance(
            xform,
            {
                "subdistrict_code": "550101",
                "moo": "4",
                "house_number": "4/4",
                "location": "18.78 100.77 0 5",
            },
            [
                {
                    "id_kind": "g_code",
                    "g_code": "G550100000444",
                    "first_name": "ทีแอลเอส",
                    "last_name": "ปลอดภัย",
                    "sex": "F",
                    "birth_date": "2017-02-02",
                    "enrolment_status": "enrolled",
                    "school_code": "9955010001",
                    "grade": "P3",
                }
            ],
            instance_id,
        )
        sent = http.post(
            f"{base}/submission",
            files={"xml_submission_file": ("submission.xml", xml, "text/xml")},
        )
        assert sent.status_code == 201, sent.text
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM household WHERE uuid = :u"),
            {"u": instance_id.removeprefix("uuid:")},
        ).scalar_one()
    assert stored == 1
    # Without verifying against the office's certificate the connection is refused.
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/health", timeout=10)


def test_a_certificate_without_its_key_is_refused_by_name(
    tmp_path: Path, database_url: str
) -> None:
    cert = tmp_path / "office.crt"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--https", "--port", str(free_port())],
        env={
            **os.environ,
            "EDUMAP_DATABASE_URL": database_url,
            "EDUMAP_TLS_CERT": str(cert),
            "EDUMAP_TLS_KEY": str(tmp_path / "office.key"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "office.key is missing" in result.stderr
