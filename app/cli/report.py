"""``edumap report``: the coverage report as a file."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from app.report import ict as ict_files
from app.report import render as reports
from gis.coverage import refresh_coverage
from kernel.config import get_settings
from kernel.db import session_scope

cli = typer.Typer(help="Reports: compulsory-education coverage, ICT.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.secho(f"edumap: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@cli.command()
def coverage(
    round_year: int = typer.Option(None, "--round", help="Academic year (B.E.)"),
    esao: str | None = typer.Option(None, help="Service area office code"),
    province: str | None = typer.Option(None, help="Province code"),
    district: str | None = typer.Option(None, help="District code"),
    output_format: str = typer.Option("pdf", "--format", help="pdf, html, xlsx or csv"),
    thai_digits: bool = typer.Option(False, "--thai-digits", help="Numbers in Thai digits"),
    output: Path = typer.Option(..., "-o", "--output", help="File to write"),
) -> None:
    """Compulsory-education coverage of an office, province or district."""
    if output_format not in reports.FORMATS:
        _fail(f"--format is one of {', '.join(reports.FORMATS)}")
    if not (esao or province or district):
        province = get_settings().demo_province
    year = round_year or get_settings().demo_academic_year
    # No server may be running to refresh the stored coverage: the command does it first.
    with session_scope() as session:
        refresh_coverage(session, year)
    with session_scope() as session:
        body = reports.coverage_report_file(
            session,
            year,
            output_format,
            province=province,
            district=district,
            esao=esao,
            thai_digits=thai_digits,
        )
    output.write_bytes(body)
    typer.echo(f"wrote {output} ({len(body):,} bytes)")


@cli.command()
def ict(
    esao: str | None = typer.Option(None, help="Service area office code"),
    district: str | None = typer.Option(None, help="District code"),
    output: Path = typer.Option(..., "-o", "--output", help="File to write: .pdf or .xlsx"),
) -> None:
    """ICT resources per district: sufficiency, value, connectivity (with maps in the PDF)."""
    with session_scope() as session:
        report = ict_files.ict_report(session, esao=esao, district=district)
        if output.suffix.lower() == ".xlsx":
            body = ict_files.ict_report_xlsx(report)
        elif output.suffix.lower() == ".pdf":
            area = f"สำนักงาน {esao}" if esao else f"อำเภอรหัส {district}" if district else "ทั้งหมด"
            body = ict_files.ict_report_pdf(session, report, area)
        else:
            _fail("--output ends in .pdf or .xlsx")
    output.write_bytes(body)
    typer.echo(f"wrote {output} ({len(body):,} bytes)")
