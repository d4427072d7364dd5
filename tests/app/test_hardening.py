"""Security headers, body limits, CORS, errors without internals, hostile strings."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.api.errors import register_error_handlers
from app.auth import service
from app.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from kernel.principal import Principal
from tests.helpers.world import Account


def test_security_headers_on_json_and_html(client: TestClient) -> None:
    for path in ("/health", "/login", "/api/v1/nowhere"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-origin" in response.headers["referrer-policy"]
    csp = client.get("/login").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_docs_load_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr" not in page and "unpkg" not in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_oversized_upload_gets_413_with_a_clear_message(client: TestClient) -> None:
    too_big = 51 * 1024 * 1024
    response = client.post(
        "/api/v1/census/imports",
        content=b"x" * 1024,
        headers={"content-length": str(too_big), "content-type": "text/csv"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "larger than this endpoint accepts (50.0 MB)" in response.json()["detail"]


def test_oversized_json_body_gets_413(client: TestClient, accounts: dict[str, Account]) -> None:
    response = client.post(
        "/api/v1/admin/users",
        headers=accounts["admin"].headers,
        json={"username": "x" * (3 * 1024 * 1024), "password": "p", "role": "admin"},
    )
    assert response.status_code == 413


def _tiny_app() -> FastAPI:
    inner = FastAPI()
    register_error_handlers(inner)

    @inner.post("/upload")
    async def upload(payload: dict[str, str]) -> dict[str, int]:
        return {"keys": len(payload)}

    @inner.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    inner.add_middleware(BodySizeLimitMiddleware, default_limit=100, upload_limit=100)
    inner.add_middleware(SecurityHeadersMiddleware)
    return inner


def test_streamed_body_over_the_limit_gets_413() -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b'{"a": "' + b"y" * 40 + b'"}'

    with TestClient(_tiny_app()) as tiny:
        assert tiny.post("/upload", json={"a": "b"}).status_code == 200
        assert tiny.post("/upload", content=chunks()).status_code == 413


def test_unexpected_errors_show_no_internals() -> None:
    with TestClient(_tiny_app(), raise_server_exceptions=False) as tiny:
        response = tiny.get("/boom")
    assert response.status_code == 500
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.json()["detail"] == "Internal error; it has been logged."


def test_cors_is_closed_by_default(client: TestClient) -> None:
    response = client.options(
        "/api/v1/provinces",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers
    plain = client.get("/api/v1/provinces", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_injection_strings_are_harmless(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    hostile = "x'); DROP TABLE user_account; --"
    login = client.post("/api/v1/auth/token", data={"username": hostile, "password": hostile})
    assert login.status_code == 401
    for params in ({"province": hostile}, {"district": hostile}, {"bbox": hostile}):
        assert client.get("/api/v1/subdistricts", params=params).status_code == 422
    created = client.post(
        "/api/v1/admin/users",
        headers=accounts["admin"].headers,
        json={
            "username": "xss-user",
            "password": "long-enough-pass",
            "role": "surveyor",
            "full_name": "<script>alert('x')</script> Robert'); DROP TABLE audit_log;--",
        },
    )
    assert created.status_code == 201
    assert db_session.execute(text("SELECT count(*) FROM user_account")).scalar_one() > 0
    name = db_session.execute(
        text("SELECT full_name FROM user_account WHERE username = 'xss-user'")
    ).scalar_one()
    assert name.startswith("<script>")  # stored as given, never executed


def test_html_pages_escape_what_users_typed(client: TestClient) -> None:
    page = client.get("/login", params={"next": '"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in page.text


def test_audit_log_records_access_and_only_admins_read_it(
    client: TestClient, accounts: dict[str, Account], db_session: Session
) -> None:
    planner = Principal(user_id=None, username="matrix-planner", role=accounts["planner"].role)
    service.record_access(
        db_session,
        planner,
        action="export",
        resource="call-list 5501000001",
        record_count=17,
        ip="192.0.2.1",
    )
    db_session.flush()
    entries = client.get("/api/v1/admin/audit-log", headers=accounts["admin"].headers).json()
    entry = next(e for e in entries if e["resource"] == "call-list 5501000001")
    assert (entry["username"], entry["role"], entry["record_count"]) == (
        "matrix-planner",
        "planner",
        17,
    )
    assert (
        client.get("/api/v1/admin/audit-log", headers=accounts["planner"].headers).status_code
        == 403
    )


def test_pages_allow_no_inline_script_and_maps_only_their_own(client: TestClient) -> None:
    login = client.get("/login").headers["content-security-policy"]
    assert "script-src 'self';" in login and "unsafe-inline" not in login.split("style-src")[0]
    assert "https:" not in login and "connect-src 'self'" in login
    page = client.get("/maps/coverage", params={"district": "5514", "round": "2569"})
    policy = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split(";")[1] and "'sha256-" in policy
    assert "frame-ancestors 'none'" in policy
    school_map = client.get("/maps/schools/9955010001")
    assert "frame-ancestors 'self'" in school_map.headers["content-security-policy"]
    assert school_map.headers["x-frame-options"] == "SAMEORIGIN"
    docs = client.get("/docs").headers["content-security-policy"]
    assert "'sha256-" in docs and "'unsafe-inline'" not in docs.split(";")[1]


def test_map_texts_reach_the_page_as_escaped_json_after_rendering() -> None:
    from gis.map_elements import MapTexts

    texts = MapTexts()
    assert texts.ref("{{7*7}}</script>") == 0 and texts.ref("{{7*7}}</script>") == 0
    page = texts.into("<html><head></head><body></body></html>")
    assert '["{{7*7}}\\u003c/script\\u003e"]' in page and "</script></head>" in page
