"""``edumap demo --training`` and ``edumap training reset`` (issue 21, part 4): a separate
database of the synthetic demo province with a practice account for each role, so an office
trains its staff without touching its own data; reset in seconds from a kept pristine copy.

The training database is the main one's name with ``_training`` (``edumap_training``) on the
same server, its pristine copy ``..._training_template``. The app serves it with
``EDUMAP_DATABASE_URL`` set to it and ``EDUMAP_TRAINING=true``, which puts a banner on every
page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import typer
from sqlalchemy import make_url, text

from app.auth import service
from app.cli.load import bundled
from app.demo_data import demo_steps
from gis.datasets import run_steps
from kernel import localdb, migrate
from kernel.config import Settings, get_settings
from kernel.db import make_engine, session_scope
from kernel.principal import Role

cli = typer.Typer(
    help="The training database: practice accounts on the demo.", no_args_is_help=True
)


@dataclass(frozen=True)
class Practice:
    username: str
    role: Role
    office: str | None = None
    school: bool = False  # the office's first school
    tambon: str | None = None  # a surveyor's area


PRACTICE_OFFICE = "P5501"
PRACTICE = (
    Practice("training-admin", Role.admin),
    Practice("training-planner", Role.planner, office=PRACTICE_OFFICE),
    Practice("training-surveyor", Role.surveyor, tambon="550101"),
    Practice("training-school", Role.school, school=True),
    Practice("training-viewer", Role.viewer, office=PRACTICE_OFFICE),
)


def training_names(settings: Settings) -> tuple[str, str]:
    """The training database's name and its pristine copy's."""
    main = make_url(settings.effective_database_url).database or settings.pg_database
    return f"{main}_training", f"{main}_training_template"


def _on(settings: Settings, database: str) -> str:
    return (
        make_url(settings.effective_database_url)
        .set(database=database)
        .render_as_string(hide_password=False)
    )


def training_url(settings: Settings) -> str:
    return _on(settings, training_names(settings)[0])


def build(settings: Settings) -> str:
    """Create (or bring up to date) the training database with the demo and the practice
    accounts, keep a pristine copy of it, and return the practice password."""
    name, template = training_names(settings)
    maintenance = _on(settings, "postgres")
    localdb.ensure_database(settings, name, server_url=maintenance)
    url = training_url(settings)
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        for report in run_steps(
            demo_steps(settings, bundled()), lambda: session_scope(engine), force=False
        ):
            typer.echo(report.summary())
        password = secrets.token_urlsafe(9)
        with session_scope(engine) as session:
            school = session.execute(
                text("SELECT min(code) FROM school WHERE office_code = :o"),
                {"o": PRACTICE_OFFICE},
            ).scalar_one()
            session.execute(text("DELETE FROM user_account WHERE username LIKE 'training-%'"))
            for account in PRACTICE:
                service.create_user(
                    session,
                    username=account.username,
                    password=password,
                    role=account.role,
                    full_name=f"บัญชีฝึกหัด ({account.role.value})",
                    office_code=account.office,
                    school_code=school if account.school else None,
                )
                if account.tambon:
                    service.assign_area(session, account.username, account.tambon)
    finally:
        engine.dispose()
    localdb.copy_database(maintenance, name, template)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    password_file(settings).write_text(password + "\n")
    password_file(settings).chmod(0o600)
    return password


def password_file(settings: Settings) -> Path:
    """Where the practice accounts' password is kept (one file per training database)."""
    return settings.var_dir / f"training-password.{training_names(settings)[0]}"


def reset(settings: Settings) -> None:
    """The training database as it was built: everything practised since is gone."""
    name, template = training_names(settings)
    localdb.copy_database(_on(settings, "postgres"), template, name)


def _how_to_serve(settings: Settings) -> None:
    name = training_names(settings)[0]
    where = (
        f"EDUMAP_PG_DATABASE={name}"
        if settings.uses_local_cluster
        else "EDUMAP_DATABASE_URL='"
        + make_url(training_url(settings)).render_as_string(hide_password=True)
        + "' (the same password as the office's)"
    )
    typer.echo(
        "practice accounts: "
        + ", ".join(account.username for account in PRACTICE)
        + f" (password in {password_file(settings)})\n"
        "serve it beside the office's own:\n"
        f"  {where} EDUMAP_TRAINING=true edumap serve --port 8001\n"
        "start again from scratch: edumap training reset"
    )


def make_training() -> None:
    settings = get_settings()
    build(settings)
    _how_to_serve(settings)


@cli.command("reset")
def reset_command() -> None:
    """Put the training database back as it was built (seconds; disconnects its users)."""
    settings = get_settings()
    reset(settings)
    typer.echo(f"training database {training_names(settings)[0]} reset")
