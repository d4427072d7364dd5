"""``edumap demo``: load the bundled demo province (Nan, 55) and its reference data."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import typer
from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

from app.auth import service
from app.cli.load import run_bundled_steps
from app.cli.training import make_training
from kernel.accounts import UserAccount
from kernel.config import Settings, get_settings
from kernel.db import session_scope
from kernel.principal import Role


def admin_password_file(settings: Settings) -> Path:
    """Where the first admin's password is kept: ``var/admin-password`` for the project-local
    database, a file named after the server and database for any other, so loading the demo
    into a second database never overwrites the first one's password."""
    if settings.uses_local_cluster:
        return settings.var_dir / "admin-password"
    url = make_url(settings.effective_database_url)
    place = re.sub(
        r"[^A-Za-z0-9_.-]+", "_", f"{url.host or 'local'}-{url.port or 5432}-{url.database}"
    )
    return settings.var_dir / f"admin-password.{place}"


def create_first_admin(session: Session, settings: Settings) -> Path | None:
    """Create an ``admin`` account if the database has no administrator, its random password
    written (readable by the owner only) to ``admin_password_file``; returns that file."""
    if session.scalar(select(UserAccount.id).where(UserAccount.role == Role.admin)):
        return None
    password = secrets.token_urlsafe(12)
    service.create_user(
        session, username="admin", password=password, role=Role.admin, full_name="ผู้ดูแลระบบ"
    )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    password_file = admin_password_file(settings)
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    return password_file


def ensure_first_admin() -> None:
    """The demo's first ``admin`` account, once per database."""
    with session_scope() as session:
        password_file = create_first_admin(session, get_settings())
    if password_file:
        typer.echo(
            f"created the first account: admin (password in {password_file}); "
            "change it with `edumap users password admin`"
        )


def demo(
    force: bool = typer.Option(False, help="Reload everything, even files loaded unchanged."),
    training: bool = typer.Option(
        False,
        "--training",
        help="Make the separate training database with practice accounts for each role.",
    ),
) -> None:
    """Load boundaries, villages, population and offices for the demo; quick when done before.
    With --training, the same into a database of its own for practising (`edumap training
    reset` puts it back)."""
    if training:
        make_training()
        return
    run_bundled_steps(force)
    ensure_first_admin()
