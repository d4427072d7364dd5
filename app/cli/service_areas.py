"""``edumap service-areas``: propose and import schools' service areas."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.load import run_load
from gis.service_areas.propose import propose_service_areas
from gis.service_areas.service import import_service_areas
from kernel.config import get_settings
from kernel.db import session_scope
from kernel.errors import DomainError

cli = typer.Typer(help="Service areas: propose, import.", no_args_is_help=True)


@cli.command()
def propose(
    province: str = typer.Option(None, help="Province code (default: the demo province)"),
    round_year: int = typer.Option(None, "--round", help="Academic year (B.E.)"),
) -> None:
    """Propose a service area for every school and level without one (nearest school within
    the distance norm of data/norms/service_areas.toml, clipped to the province)."""
    settings = get_settings()
    with session_scope() as session:
        made = propose_service_areas(
            session,
            province_code=province or settings.demo_province,
            academic_year=round_year or settings.demo_academic_year,
        )
    typer.echo(", ".join(f"{level} {count}" for level, count in made.items()))


@cli.command("import")
def import_file(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="GeoJSON, KML, GeoPackage or zipped shapefile"
    ),
    round_year: int = typer.Option(..., "--round", help="Academic year (B.E.)"),
    level: str | None = typer.Option(None, help="Level for every feature (else a level column)"),
) -> None:
    """Service areas of many schools at once, matched by a school_code column."""
    try:
        run_load(lambda s: import_service_areas(s, file, academic_year=round_year, level=level))
    except DomainError as exc:
        typer.secho(f"edumap: nothing was changed. {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
