"""``edumap users``: accounts and their areas."""

from __future__ import annotations

import os

import typer

from app.auth import service
from kernel.db import session_scope
from kernel.errors import DomainError
from kernel.principal import Role

cli = typer.Typer(
    help="Manage accounts: create|list|disable|assign|password.", no_args_is_help=True
)


def _fail(exc: Exception) -> None:
    typer.secho(f"edumap: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1) from exc


def _password(confirm: bool = True) -> str:
    # Scripts pass the password in the environment, never on the command line (ps shows it).
    from_env = os.environ.get("EDUMAP_NEW_PASSWORD")
    if from_env:
        return from_env
    return typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)


@cli.command()
def create(
    username: str,
    role: Role = typer.Option(..., help="admin, planner, surveyor or school"),
    full_name: str = typer.Option("", help="The person's name"),
    office: str | None = typer.Option(None, help="Service area office code (planners)"),
    school: str | None = typer.Option(None, help="10-digit school code (school accounts)"),
) -> None:
    """Create an account (password prompted, or from EDUMAP_NEW_PASSWORD)."""
    password = _password()
    try:
        with session_scope() as session:
            user = service.create_user(
                session,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                office_code=office,
                school_code=school,
            )
            typer.echo(f"created {user.username} ({user.role.value})")
    except DomainError as exc:
        _fail(exc)


@cli.command("list")
def list_users() -> None:
    """List accounts with their role, scope and state."""
    with session_scope() as session:
        for user in service.list_users(session):
            scope = user.office_code or user.school_code or ""
            areas = " ".join(
                a.subdistrict_code + (f"/{a.moo}" if a.moo else "") for a in user.areas
            )
            state = "active" if user.is_active else "disabled"
            typer.echo(
                f"{user.username:<24} {user.role.value:<9} {state:<8} {scope} {areas}".rstrip()
            )


@cli.command()
def disable(username: str) -> None:
    """Disable an account; its tokens and API keys stop working at once."""
    try:
        with session_scope() as session:
            service.disable_user(session, username)
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"disabled {username}")


@cli.command()
def assign(
    username: str,
    subdistrict: str = typer.Option(..., help="6-digit tambon code"),
    moo: int | None = typer.Option(None, help="Only this moo (village number)"),
) -> None:
    """Assign a surveyor a tambon, or one moo of it."""
    try:
        with session_scope() as session:
            service.assign_area(session, username, subdistrict, moo)
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"assigned {subdistrict}{f' moo {moo}' if moo else ''} to {username}")


@cli.command()
def password(username: str) -> None:
    """Set a new password (prompted, or from EDUMAP_NEW_PASSWORD); old tokens stop working."""
    new_password = _password()
    try:
        with session_scope() as session:
            service.set_password(session, username, new_password)
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"password changed for {username}")
