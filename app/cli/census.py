"""``edumap census``: rounds, file imports and the synthetic census."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import numpy as np
import typer

from app.demo_data import load_synthetic_census
from census.importer import FIELD_LABELS_TH, ImportReport, import_census_file, write_rejects
from census.service import create_round, set_round_state
from census.synth import Fault, first_households, make_dirty, synthesize_rows, write_rows
from gis.datasets import BundledData
from gis.loading import LoadError
from kernel.config import get_settings
from kernel.db import session_scope
from kernel.errors import DomainError

cli = typer.Typer(help="School-age census: round, import, synth.", no_args_is_help=True)


def fail(message: str) -> NoReturn:
    typer.secho(f"edumap: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@cli.command()
def round(
    year: int = typer.Argument(..., help="Academic year, Buddhist Era (e.g. 2569)"),
    province: str = typer.Option(..., help="2-digit province code"),
    office: str | None = typer.Option(None, help="Office running the round"),
    state: str | None = typer.Option(None, help="open or closed"),
) -> None:
    """Create a census round (idempotent), or open/close it."""
    try:
        with session_scope() as session:
            created = create_round(
                session, academic_year=year, province_code=province, office_code=office
            )
            if state:
                set_round_state(session, year, state)
            typer.echo(f"round {created.academic_year}: {state or created.state}")
    except DomainError as exc:
        fail(str(exc))


@cli.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX"),
    round_year: int = typer.Option(..., "--round", help="Academic year of the round (B.E.)"),
    accept_valid: bool = typer.Option(
        False, help="Store the valid rows; write the rejected ones to FILE.rejects.csv."
    ),
    sheet: str | None = typer.Option(
        None, help="Of a workbook, this sheet (default: the first whose header has the columns)"
    ),
) -> None:
    """Import census forms or a house-register extract (all rows or none, by default)."""
    settings = get_settings()
    try:
        with session_scope() as session:
            report = import_census_file(
                session, settings, file, round_year, accept_valid=accept_valid, sheet=sheet
            )
            if not report.stored:
                session.rollback()
    except DomainError as exc:
        fail(str(exc))
        return
    show_report(file, report)
    typer.echo(
        f"{file.name}: {report.rows_read:,} rows read ({report.encoding or 'xlsx'}), "
        f"{report.rows_rejected:,} rejected; "
        + (
            f"stored {report.households_new:,} new households, {report.children_new:,} new "
            f"children ({report.children_already_stored:,} already stored)"
            if report.stored
            else "nothing stored"
        )
    )
    if not report.stored:
        raise typer.Exit(1)


def show_report(file: Path, report: ImportReport) -> None:
    """An import's rejected rows (the first 20 on screen, all in FILE.report.csv) and, when the
    valid rows were stored, the rejected ones to fix in FILE.rejects.csv."""
    report_path = file.with_name(file.stem + ".report.csv")
    for error in report.errors[:20]:
        label = FIELD_LABELS_TH.get(error.field, error.field)
        typer.echo(
            f"  แถว {error.row}, {label} ({error.field}): {error.message}"
            + (f" [{error.value}]" if error.value else "")
        )
    if report.error_count > 20:
        typer.echo(f"  ... {report.error_count - 20} more")
    if report.errors:
        report.write_errors_csv(report_path)
        typer.echo(f"per-row report: {report_path}")
    if report.stored and report.rejected_rows:
        rejects = file.with_name(file.stem + ".rejects.csv")
        count = write_rejects(file, report.rejected_rows, rejects)
        typer.echo(f"{count} rejected row(s) to fix and import again: {rejects}")
    for note in report.notes:
        typer.echo(f"  note: {note}")


@cli.command()
def synth(
    province: str = typer.Option(None, help="Province code (default: the demo province)"),
    round_year: int = typer.Option(None, "--round", help="Academic year (B.E.)"),
    seed: int = typer.Option(2569, help="Random seed: the same seed gives the same census"),
    out: Path | None = typer.Option(None, help="Write a .csv or .xlsx instead of loading"),
    dirty: bool = typer.Option(False, help="With --out: add realistic faults (and a manifest)"),
    households: int | None = typer.Option(None, help="With --out: only the first N households"),
    encoding: str = typer.Option("utf-8-sig", help="CSV encoding, e.g. cp874"),
    scale: float = typer.Option(1.0, help="Children per DOPA population, relative"),
) -> None:
    """A seeded synthetic census: load it into a round, or write it to a file."""
    settings = get_settings()
    province = province or settings.demo_province
    round_year = round_year or settings.demo_academic_year
    data = BundledData(settings.data_dir)
    if out is None:
        try:
            with session_scope() as session:
                report = load_synthetic_census(
                    session, settings, data, province, round_year, seed, scale
                )
        except (LoadError, DomainError) as exc:
            fail(str(exc))
            return
        typer.echo(report.summary())
        return
    with session_scope() as session:
        rows = first_households(
            synthesize_rows(
                session,
                province_code=province,
                round_year=round_year,
                seed=seed,
                data_dir=data.root,
                scale=scale,
            ),
            households,
        )
    faults: list[Fault] = []
    if dirty:
        rows, faults = make_dirty(rows, np.random.default_rng(seed))
        manifest = out.with_name(out.stem + ".faults.json")
        manifest.write_text(json.dumps([f.__dict__ for f in faults], ensure_ascii=False, indent=1))
        typer.echo(f"faults: {manifest}")
    write_rows(rows, out, encoding=encoding)
    typer.echo(
        f"wrote {len(rows):,} rows to {out}" + (f" with {len(faults)} faults" if dirty else "")
    )
