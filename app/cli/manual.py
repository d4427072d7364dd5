"""``edumap manual``: build the Thai user manual (served at /manual, shipped offline)."""

from __future__ import annotations

from pathlib import Path

import typer

from app.manual import build_manual
from kernel.config import get_settings

cli = typer.Typer(help="The Thai user manual.", no_args_is_help=True)


@cli.command()
def build(
    screenshots: Path | None = typer.Option(
        None, "--screenshots", help="The browser tests' screenshots (test-output/manual)"
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Default: EDUMAP_MANUAL_DIR, else var/manual"
    ),
) -> None:
    """Build the manual from docs/manual with MkDocs (a warning fails the build)."""
    settings = get_settings()
    site = output or settings.manual_dir or settings.var_dir / "manual"
    built = build_manual(site, screenshots)
    typer.echo(
        f"built the manual in {built.site}: {built.pages} pages, "
        f"{built.screenshots_taken} screenshots from this run's browser tests"
    )
