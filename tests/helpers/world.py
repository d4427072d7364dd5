"""The accounts every HTTP test signs in with: one per role, each with an access token."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from app.auth import security, service
from kernel.config import get_settings
from kernel.principal import Role

ROLE_NAMES = ("anonymous", "admin", "planner", "surveyor", "school", "viewer")
# The demo's first school in Mueang Nan (office P5501); the school account's own school.
MATRIX_SCHOOL = "9955010001"
PASSWORD = "a-long-test-password"


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_accounts(engine: Engine) -> dict[str, Account]:
    """One account per role, committed, with an access token each (surveyor assigned tambon
    550101, planner of office P5501, school account of MATRIX_SCHOOL, viewer of P5501)."""
    specs = {
        "admin": {"role": Role.admin},
        "planner": {"role": Role.planner, "office_code": "P5501"},
        "surveyor": {"role": Role.surveyor},
        "school": {"role": Role.school, "school_code": MATRIX_SCHOOL},
        "viewer": {"role": Role.viewer, "office_code": "P5501"},
    }
    made: dict[str, Account] = {}
    with Session(engine) as session, session.begin():
        for name, spec in specs.items():
            user = service.create_user(
                session, username=f"matrix-{name}", password=PASSWORD, **spec
            )
            if name == "surveyor":
                service.assign_area(session, user.username, "550101")
            token, _ = security.issue_token(
                get_settings(),
                user_id=user.id,
                kind="access",
                version=user.token_version,
                lifetime=dt.timedelta(hours=2),
            )
            made[name] = Account(user.username, PASSWORD, user.role, token)
    return made


def forget_repairs(conn: Connection, where: str, params: dict[str, Any]) -> None:
    """Delete the repair tickets ``where`` selects and the maintenance records they wrote."""
    conn.execute(
        text(
            "DELETE FROM device_maintenance WHERE id IN "
            f"(SELECT maintenance_id FROM repair_ticket {where})"
        ),
        params,
    )
    conn.execute(text(f"DELETE FROM repair_ticket {where}"), params)


def remove_committed_since(engine: Engine, began: dt.datetime) -> None:
    """Remove what a test committed through the app since ``began``: households surveyed by an
    account (the synthetic census has no surveyor), import jobs, data rounds, audit rows, login
    attempts."""
    with engine.begin() as conn:
        since = {"t": began}
        conn.execute(
            text("DELETE FROM household WHERE surveyor_id IS NOT NULL AND created_at >= :t"), since
        )
        conn.execute(text("DELETE FROM import_job WHERE created_at >= :t"), since)
        # Data rounds (their schools' parts, figures and history go with them).
        conn.execute(text("DELETE FROM data_round WHERE created_at >= :t"), since)
        # Repair tickets (with the maintenance records their repairs wrote), link reports.
        forget_repairs(conn, "WHERE reported_at >= :t", since)
        conn.execute(text("DELETE FROM link_status_report WHERE received_at >= :t"), since)
        conn.execute(text("DELETE FROM audit_log WHERE at >= :t"), since)
        conn.execute(text("DELETE FROM login_attempt WHERE at >= :t"), since)
        made = "(SELECT id FROM user_account WHERE created_at >= :t)"
        conn.execute(text(f"DELETE FROM api_key WHERE user_id IN {made}"), since)
        conn.execute(text(f"DELETE FROM user_area WHERE user_id IN {made}"), since)
        conn.execute(text("DELETE FROM user_account WHERE created_at >= :t"), since)
