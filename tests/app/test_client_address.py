"""X-Forwarded-For is believed only from configured proxies; login lock-out is per account
*and* address with a back-off, so failing on purpose cannot lock an administrator out."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from starlette.requests import Request

from app.auth import service
from app.auth.deps import client_ip
from kernel.config import get_settings
from kernel.errors import AuthenticationError, TooManyAttemptsError
from kernel.principal import Role
from tests.helpers.world import PASSWORD


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": headers,
            "client": (peer, 5555),
            "query_string": b"",
        }
    )


@pytest.fixture
def proxies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    configured: list[str] = []
    monkeypatch.setattr(get_settings(), "trusted_proxies", configured)
    yield configured


def test_forwarded_for_is_ignored_from_an_untrusted_peer(proxies: list[str]) -> None:
    assert client_ip(_request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    proxies.append("203.0.113.5")
    assert client_ip(_request("203.0.113.5", "198.51.100.1")) == "198.51.100.1"
    # A client's own X-Forwarded-For arrives first in the chain: only the proxy's entry counts.
    proxies.append("10.0.0.0/8")
    chain = "6.6.6.6, 198.51.100.1, 10.1.2.3"
    assert client_ip(_request("203.0.113.5", chain)) == "198.51.100.1"
    assert client_ip(_request("203.0.113.5", "not-an-ip")) == "203.0.113.5"


def test_a_spoofed_address_does_not_reach_the_throttle_over_real_http(
    live_url: str, engine: Engine
) -> None:
    name = f"spoof-{uuid.uuid4().hex[:8]}"
    response = httpx2.post(
        f"{live_url}/api/v1/auth/token",
        data={"username": name, "password": "wrong"},
        headers={"X-Forwarded-For": "198.51.100.77"},
    )
    assert response.status_code == 401
    with engine.connect() as connection:
        [address] = (
            connection.execute(
                text("SELECT host(ip) FROM login_attempt WHERE username = :u"), {"u": name}
            )
            .scalars()
            .all()
        )
    assert address == "127.0.0.1"


def _user(session: Session) -> str:
    name = f"lock-{uuid.uuid4().hex[:8]}"
    service.create_user(session, username=name, password=PASSWORD, role=Role.admin)
    return name


def test_failures_from_one_address_do_not_lock_out_another(db_session: Session) -> None:
    settings = get_settings()
    admin = _user(db_session)
    for _ in range(settings.login_max_failures_per_user):
        with pytest.raises(AuthenticationError):
            service.authenticate(db_session, settings, admin, "guess", "192.0.2.66")
    with pytest.raises(TooManyAttemptsError) as locked:
        service.authenticate(db_session, settings, admin, PASSWORD, "192.0.2.66")
    assert 0 < locked.value.retry_after_s <= 60
    # The administrator at the office is not locked out by the attacker.
    assert (
        service.authenticate(db_session, settings, admin, PASSWORD, "192.0.2.10").username == admin
    )


def test_the_back_off_doubles_per_failure_up_to_the_window() -> None:
    now = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    failures = [now - dt.timedelta(seconds=1)] * 4
    assert service.lockout_seconds(failures, 5, 900, now) == 0
    waits = [service.lockout_seconds([now] * n, 5, 900, now) for n in (5, 6, 7, 8, 9, 10)]
    assert waits == [60, 120, 240, 480, 900, 900]
    assert service.lockout_seconds([now - dt.timedelta(seconds=61)] * 5, 5, 900, now) == 0


def test_a_spread_attack_locks_out_new_addresses_only(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "login_max_failures_per_account", 6)
    admin = _user(db_session)
    service.authenticate(db_session, settings, admin, PASSWORD, "192.0.2.10")  # the office
    for n in range(6):
        with pytest.raises(AuthenticationError):
            service.authenticate(db_session, settings, admin, "guess", f"198.51.100.{n}")
    with pytest.raises(TooManyAttemptsError):
        service.authenticate(db_session, settings, admin, PASSWORD, "198.51.100.200")
    assert service.authenticate(db_session, settings, admin, PASSWORD, "192.0.2.10")


def test_the_token_endpoint_answers_429_with_retry_after(
    client: TestClient, db_session: Session
) -> None:
    name = _user(db_session)
    for _ in range(get_settings().login_max_failures_per_user):
        client.post("/api/v1/auth/token", data={"username": name, "password": "no"})
    blocked = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 60
