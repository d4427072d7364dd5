"""``edumap load``: reference data, each load one all-or-nothing transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from app.demo_data import demo_steps, load_schools
from gis.boundaries import RESOLUTION_FULL, RESOLUTION_SIMPLIFIED, SUBDISTRICT, load_admin_layer
from gis.datasets import BundledData, boundary_steps, run_steps
from gis.loading import LoadError, LoadReport
from gis.offices import load_offices
from gis.population import load_population
from gis.villages import assign_villages_to_subdistricts, load_villages
from kernel.config import get_settings
from kernel.db import session_scope

cli = typer.Typer(
    help="Load reference data (idempotent; a failed load changes nothing).", no_args_is_help=True
)


def bundled() -> BundledData:
    return BundledData(get_settings().data_dir)


def run_load(load: Callable[[Session], LoadReport]) -> LoadReport:
    """Run one load in its own transaction; on a LoadError print it and exit 1."""
    try:
        with session_scope() as session:
            report = load(session)
    except LoadError as exc:
        typer.secho(
            f"edumap: load failed, nothing was changed. {exc}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1) from exc
    typer.echo(report.summary())
    return report


@cli.command()
def boundaries(
    file: Path | None = typer.Option(
        None,
        "--file",
        exists=True,
        dir_okay=False,
        help="An RTSD/HDX tambon shapefile (.shp or .zip) whose geometry replaces that of the "
        "tambons it holds, e.g. another province's full-resolution file.",
    ),
    simplified: bool = typer.Option(
        False, help="With --file: the file is a simplified layer (never replaces finer ones)."
    ),
    province: str = typer.Option(
        None,
        help="Province whose bundled full-resolution tambons to load (default: the demo province).",
    ),
) -> None:
    """Provinces, districts and tambons of the whole country, plus full-resolution tambons."""
    if file is not None:
        resolution = RESOLUTION_SIMPLIFIED if simplified else RESOLUTION_FULL

        def load_file(session: Session) -> LoadReport:
            report = load_admin_layer(session, file, SUBDISTRICT, resolution=resolution)
            report.counts.update(
                {f"villages_{k}": v for k, v in assign_villages_to_subdistricts(session).items()}
            )
            return report

        run_load(load_file)
        return
    steps = boundary_steps(bundled(), province or get_settings().demo_province)
    for step in steps:
        run_load(step.run)


@cli.command()
def villages(
    file: Path | None = typer.Option(
        None,
        "--file",
        exists=True,
        dir_okay=False,
        help="Village point layer (default: bundled 2012 layer).",
    ),
) -> None:
    """2012 village points of the loaded provinces, placed in tambons by a spatial join."""
    data = bundled()
    run_load(lambda s: load_villages(s, file or data.villages, data.muban_list))


@cli.command()
def population(
    file: Path | None = typer.Option(
        None,
        "--file",
        exists=True,
        dir_okay=False,
        help="DOPA population CSV (default: bundled 2021 table).",
    ),
) -> None:
    """DOPA registered population per tambon, joined by code."""
    data = bundled()
    run_load(lambda s: load_population(s, file or data.population, data.code_changes))


@cli.command()
def offices(
    file: Path | None = typer.Option(
        None,
        "--file",
        exists=True,
        dir_okay=False,
        help="Office CSV (default: data/service_area_offices.csv).",
    ),
) -> None:
    """Educational Service Area Offices and their districts."""
    run_load(lambda s: load_offices(s, file or bundled().offices))


@cli.command()
def schools(
    file: Path | None = typer.Option(
        None,
        "--file",
        exists=True,
        dir_okay=False,
        help="School list CSV (name, subDistrict, district, province, level); default: bundled.",
    ),
    province: str = typer.Option(None, help="Province code (default: the demo province)."),
    year: int = typer.Option(None, help="Academic year (B.E.) of the synthetic records."),
    seed: int = typer.Option(None, help="Seed of the synthetic records."),
) -> None:
    """A province's schools: placed on the map, with seeded synthetic records."""
    settings = get_settings()
    province_code = province or settings.demo_province
    path = file or bundled().school_list(province_code)
    if path is None:
        typer.secho(
            f"edumap: no bundled school list for province {province_code}; use --file",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    run_load(
        lambda s: load_schools(
            s,
            path,
            province_code,
            year or settings.demo_academic_year,
            settings.demo_seed if seed is None else seed,
        )
    )


def run_bundled_steps(force: bool) -> None:
    """Load the demo's reference data, skipping files that are already loaded unchanged."""
    steps = demo_steps(get_settings(), bundled())
    try:
        for report in run_steps(steps, session_scope, force=force):
            typer.echo(report.summary())
    except LoadError as exc:
        typer.secho(
            f"edumap: load failed, that step changed nothing. {exc}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1) from exc
