"""``edumap forms``: the office's own XLSForms, served to ODK Collect beside the census form."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from app.auth import service
from census import form_crypto, surveys
from kernel.config import get_settings
from kernel.db import session_scope
from kernel.errors import DomainError, InvalidInputError

cli = typer.Typer(help="The office's own forms: add|export|key.", no_args_is_help=True)


def _fail(exc: Exception) -> None:
    typer.secho(f"edumap: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1) from exc


@cli.command()
def add(
    xlsform: Path = typer.Argument(..., exists=True, dir_okay=False, help="The XLSForm (.xlsx)"),
    by: str = typer.Option(..., "--by", help="The admin or planner adding it (their office's)"),
    role: list[str] = typer.Option([], help="Give it to every account of this role"),
    user: list[str] = typer.Option([], help="Give it to this account"),
) -> None:
    """Add an XLSForm, or a new version of it (its settings sheet's version changed)."""
    try:
        with session_scope() as session:
            principal = service.principal_for(service.get_user(session, by), "cli")
            added = surveys.add_form(
                session,
                principal,
                xlsform.name,
                xlsform.read_bytes(),
                roles=role,
                usernames=user,
            )
        typer.echo(json.dumps(added, ensure_ascii=False, indent=2))
    except DomainError as exc:
        _fail(exc)


@cli.command()
def export(
    form_id: str,
    output: Path = typer.Argument(..., help="Where to write: .xlsx (a sheet per repeat) or .csv"),
    by: str = typer.Option(..., "--by", help="The admin or planner reading the submissions"),
) -> None:
    """Write a form's submissions as ODK Central's tables: the main one, one per repeat."""
    try:
        with session_scope() as session:
            principal = service.principal_for(service.get_user(session, by), "cli")
            output_format = "csv" if output.suffix.lower() == ".csv" else "xlsx"
            content, _ = surveys.export(session, principal, form_id, output_format)
        output.write_bytes(content)
        typer.echo(f"wrote {output}")
    except DomainError as exc:
        _fail(exc)


@cli.command()
def key(
    show: bool = typer.Option(False, "--show", help="Print the public key of the existing key"),
) -> None:
    """Make the office's key for encrypted forms and print its public key, the value of an
    XLSForm's `public_key` setting (the private key stays in EDUMAP_FORM_KEY_FILE, owner-only:
    keep a copy somewhere safe, submissions encrypted for it can be read with it alone)."""
    path = get_settings().effective_form_key_file
    try:
        if show:
            office_key = form_crypto.load_office_key(path)
            if office_key is None:
                raise InvalidInputError("key", f"no key at {path}: run `edumap forms key`")
            typer.echo(form_crypto.public_key_text(office_key.public_key()))
        else:
            typer.echo(form_crypto.new_office_key(path))
            typer.secho(f"private key written to {path}", err=True)
    except DomainError as exc:
        _fail(exc)
