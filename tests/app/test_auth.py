"""Login, tokens, API keys, throttling and the web session, over real HTTP and PostGIS."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auth import security, service
from kernel.config import get_settings
from kernel.errors import AuthenticationError, TooManyAttemptsError
from kernel.principal import Role
from tests.helpers.world import PASSWORD, Account


def new_user(session: Session, username: str, role: Role = Role.surveyor) -> int:
    return service.create_user(session, username=username, password=PASSWORD, role=role).id


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def test_password_flow_gives_working_tokens(client: TestClient, db_session: Session) -> None:
    new_user(db_session, "flow-user")
    tokens = login(client, "flow-user")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["username"] == "flow-user"
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    # A refresh token is not an access token.
    wrong_kind = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert wrong_kind.status_code == 401


def test_expired_and_tampered_tokens_get_401(client: TestClient, db_session: Session) -> None:
    user_id = new_user(db_session, "token-user")
    expired, _ = security.issue_token(
        get_settings(), user_id=user_id, kind="access", version=0, lifetime=-dt.timedelta(seconds=5)
    )
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"

    good, _ = security.issue_token(
        get_settings(), user_id=user_id, kind="access", version=0, lifetime=dt.timedelta(minutes=5)
    )
    header, payload, signature = good.split(".")
    tampered = (
        f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    )
    forged = security.jwt.encode(
        {"sub": str(user_id), "typ": "access", "ver": 0, "jti": "x", "exp": 9999999999},
        "not-the-server-secret-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    for token in (tampered, forged, "garbage"):
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_disabling_a_user_revokes_their_tokens(client: TestClient, db_session: Session) -> None:
    new_user(db_session, "leaver")
    tokens = login(client, "leaver")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    service.disable_user(db_session, "leaver")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    response = client.post("/api/v1/auth/token", data={"username": "leaver", "password": PASSWORD})
    assert response.status_code == 401


def test_api_key_works_and_can_be_revoked(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    created = client.post(
        "/api/v1/auth/api-keys", headers=accounts["planner"].headers, json={"name": "QGIS"}
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("edk_")
    stored = db_session.execute(
        text("SELECT key_hash FROM api_key WHERE prefix = :p"), {"p": created.json()["prefix"]}
    ).scalar_one()
    assert key not in stored and len(stored) == 64  # only a keyed hash is kept

    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        me = client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == "matrix-planner"
    listed = client.get("/api/v1/auth/api-keys", headers={"X-API-Key": key}).json()
    mine = next(k for k in listed if k["prefix"] == created.json()["prefix"])
    assert "key" not in mine and mine["last_used_at"] is not None

    # Another user cannot revoke it; its owner can.
    other = client.delete(
        f"/api/v1/auth/api-keys/{created.json()['id']}", headers=accounts["surveyor"].headers
    )
    assert other.status_code == 404
    revoked = client.delete(
        f"/api/v1/auth/api-keys/{created.json()['id']}", headers=accounts["planner"].headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key + "x"}).status_code == 401


def test_login_is_throttled_per_account(client: TestClient, db_session: Session) -> None:
    new_user(db_session, "target-user")
    for _ in range(get_settings().login_max_failures_per_user):
        bad = client.post("/api/v1/auth/token", data={"username": "target-user", "password": "no"})
        assert bad.status_code == 401
    # Even the right password is refused now, so guessing stops paying.
    blocked = client.post(
        "/api/v1/auth/token", data={"username": "target-user", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


def test_login_is_throttled_per_address(db_session: Session) -> None:
    settings = get_settings()
    for attempt in range(settings.login_max_failures_per_ip):
        with pytest.raises(AuthenticationError):
            service.authenticate(db_session, settings, f"spray-{attempt}", "guess", "192.0.2.7")
    with pytest.raises(TooManyAttemptsError):
        service.authenticate(db_session, settings, "spray-new", "guess", "192.0.2.7")
    # Another address is not affected.
    with pytest.raises(AuthenticationError):
        service.authenticate(db_session, settings, "spray-new", "guess", "192.0.2.8")


def test_web_login_sets_a_safe_cookie_and_csrf_guards_forms(
    client: TestClient, db_session: Session
) -> None:
    new_user(db_session, "web-user")
    with TestClient(client.app) as browser:
        page = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        response = browser.post(
            "/login",
            data={"username": "web-user", "password": PASSWORD, "csrf_token": csrf.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        cookie = next(
            v
            for k, v in response.headers.multi_items()
            if k == "set-cookie" and v.startswith("edumap_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        home = browser.get("/")
        assert "web-user" in home.text
        session_csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        assert session_csrf

        # A write with the cookie but without the token is refused.
        assert browser.post("/logout", follow_redirects=False).status_code == 403
        assert (
            browser.post(
                "/api/v1/auth/api-keys", json={"name": "x"}, follow_redirects=False
            ).status_code
            == 403
        )
        with_header = browser.post(
            "/api/v1/auth/api-keys",
            json={"name": "x"},
            headers={"X-CSRF-Token": session_csrf.group(1)},
        )
        assert with_header.status_code == 201
        out = browser.post(
            "/logout", data={"csrf_token": session_csrf.group(1)}, follow_redirects=False
        )
        assert out.status_code == 303


def test_web_login_with_a_wrong_password_says_so_in_thai(client: TestClient) -> None:
    with TestClient(client.app) as browser:
        page = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        response = browser.post(
            "/login", data={"username": "nobody-here", "password": "x", "csrf_token": csrf.group(1)}
        )
        assert response.status_code == 401 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.text


def test_open_redirect_is_refused(client: TestClient, db_session: Session) -> None:
    new_user(db_session, "redirect-user")
    with TestClient(client.app) as browser:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
        assert csrf
        response = browser.post(
            "/login",
            data={
                "username": "redirect-user",
                "password": PASSWORD,
                "csrf_token": csrf.group(1),
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_startup_refuses_default_secrets_outside_development() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"],
        env={"EDUMAP_ENVIRONMENT": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "EDUMAP_SECRET_KEY and EDUMAP_PII_KEY still have the development default" in (
        result.stderr
    )


def test_admin_manages_users_and_areas(client: TestClient, accounts: dict[str, Account]) -> None:
    admin = accounts["admin"].headers
    created = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": "Field-One", "password": "long-enough-pass", "role": "surveyor"},
    )
    assert created.status_code == 201 and created.json()["username"] == "field-one"
    again = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": "field-one", "password": "long-enough-pass", "role": "surveyor"},
    )
    assert again.status_code == 409
    no_office = client.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": "plan-x", "password": "long-enough-pass", "role": "planner"},
    )
    assert no_office.status_code == 422 and no_office.json()["errors"][0]["field"] == "office_code"
    area = client.post(
        "/api/v1/admin/users/field-one/areas",
        headers=admin,
        json={"subdistrict_code": "550101", "moo": 3},
    )
    assert area.json()["areas"] == [{"subdistrict_code": "550101", "moo": 3}]
    unknown = client.post(
        "/api/v1/admin/users/field-one/areas", headers=admin, json={"subdistrict_code": "559999"}
    )
    assert unknown.status_code == 422
