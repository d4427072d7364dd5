"""The ``edumap`` command line."""

from __future__ import annotations

import base64
import secrets as token_source

import typer

from app.cli import (
    backup,
    census,
    db,
    demo,
    federation,
    forms,
    ict,
    load,
    manual,
    publish,
    registers,
    report,
    schools,
    serve,
    service_areas,
    training,
    users,
)
from kernel.errors import DomainError

cli = typer.Typer(
    help="edumap: GIS education mapping and school-age census for Thai service area offices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cli.add_typer(db.cli, name="db")
cli.add_typer(load.cli, name="load")
cli.add_typer(users.cli, name="users")
cli.add_typer(schools.cli, name="schools")
cli.add_typer(census.cli, name="census")
cli.add_typer(forms.cli, name="forms")
cli.add_typer(registers.civil_cli, name="civil-register")
cli.add_typer(registers.school_cli, name="school-records")
cli.command("match")(registers.match)
cli.add_typer(registers.retention_cli, name="retention")
cli.add_typer(registers.handover_cli, name="handover")
cli.add_typer(service_areas.cli, name="service-areas")
cli.add_typer(report.cli, name="report")
cli.add_typer(ict.cli, name="ict")
cli.add_typer(training.cli, name="training")
cli.add_typer(manual.cli, name="manual")
cli.add_typer(federation.cli, name="federation")
cli.command("demo")(demo.demo)
cli.command("serve")(serve.serve)
cli.command("publish")(publish.publish)
cli.command("backup")(backup.backup)
cli.command("restore")(backup.restore)


@cli.command("secrets")
def print_secrets() -> None:
    """Print fresh EDUMAP_SECRET_KEY and EDUMAP_PII_KEY lines for a production .env file."""
    typer.echo(f"EDUMAP_SECRET_KEY={token_source.token_urlsafe(48)}")
    typer.echo(f"EDUMAP_PII_KEY={base64.b64encode(token_source.token_bytes(32)).decode()}")
    typer.echo("# Keep EDUMAP_PII_KEY safe and backed up: without it stored national IDs are lost.")


def main() -> None:
    """Entry point of the ``edumap`` console script: a refusal (unknown code, bad input) is
    one line naming what was wrong and exit status 1, not a traceback."""
    try:
        cli()
    except DomainError as exc:
        typer.secho(f"edumap: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None
