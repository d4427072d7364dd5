"""The ``edumap`` command line."""

from __future__ import annotations

import typer

from app.cli import db, demo, load, serve

cli = typer.Typer(
    help="edumap: GIS education mapping and school-age census for Thai service area offices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cli.add_typer(db.cli, name="db")
cli.add_typer(load.cli, name="load")
cli.command("demo")(demo.demo)
cli.command("serve")(serve.serve)


def main() -> None:
    """Entry point of the ``edumap`` console script."""
    cli()
