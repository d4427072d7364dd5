"""``edumap demo``: load the bundled demo province (Nan, 55) and its reference data."""

from __future__ import annotations

import secrets

import typer
from sqlalchemy import select

from app.auth import service
from app.auth.models import Role, UserAccount
from app.cli.load import run_bundled_steps
from app.core.config import get_settings
from app.core.db import session_scope


def ensure_first_admin() -> None:
    """Create an ``admin`` account once, with a random password kept in var/admin-password."""
    settings = get_settings()
    with session_scope() as session:
        if session.scalar(select(UserAccount.id).where(UserAccount.role == Role.admin)):
            return
        password = secrets.token_urlsafe(12)
        service.create_user(
            session, username="admin", password=password, role=Role.admin, full_name="ผู้ดูแลระบบ"
        )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    password_file = settings.var_dir / "admin-password"
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    typer.echo(
        f"created the first account: admin (password in {password_file}); "
        "change it with `edumap users password admin`"
    )


def demo(
    force: bool = typer.Option(False, help="Reload everything, even files loaded unchanged."),
) -> None:
    """Load boundaries, villages, population and offices for the demo; quick when done before."""
    run_bundled_steps(force)
    ensure_first_admin()
