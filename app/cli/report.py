"""``edumap report``: the coverage report as a file."""

from __future__ import annotations

from pathlib import Path

import typer

from app import reports
from app.core.config import get_settings
from app.core.db import session_scope
from gis.report import coverage_report

cli = typer.Typer(help="Reports: coverage.", no_args_is_help=True)


@cli.command()
def coverage(
    round_year: int = typer.Option(None, "--round", help="Academic year (B.E.)"),
    esao: str | None = typer.Option(None, help="Service area office code"),
    province: str | None = typer.Option(None, help="Province code"),
    district: str | None = typer.Option(None, help="District code"),
    output_format: str = typer.Option("xlsx", "--format", help="html, xlsx or csv"),
    output: Path = typer.Option(..., "-o", "--output", help="File to write"),
) -> None:
    """Compulsory-education coverage of an office, province or district."""
    if output_format not in ("html", "xlsx", "csv"):
        typer.secho(
            "edumap: --format is html, xlsx or csv (PDF is not available yet)",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    if not (esao or province or district):
        province = get_settings().demo_province
    with session_scope() as session:
        report = coverage_report(
            session,
            round_year or get_settings().demo_academic_year,
            province=province,
            district=district,
            esao=esao,
        )
    body = {
        "html": lambda: reports.to_html(report).encode(),
        "xlsx": lambda: reports.to_xlsx(report),
        "csv": lambda: reports.to_csv(report),
    }[output_format]()
    output.write_bytes(body)
    typer.echo(f"wrote {output} ({len(body):,} bytes)")
