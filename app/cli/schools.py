"""``edumap schools``: the school registry from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.load import run_load
from gis.schools.importer import import_school_records

cli = typer.Typer(help="School registry: import office records.", no_args_is_help=True)


@cli.command("import")
def import_records(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file"),
) -> None:
    """Enrolment and classrooms by grade (columns: รหัสโรงเรียน, ปีการศึกษา, ชั้น, ชาย, หญิง,
    ห้องเรียน, or school_code, academic_year, grade, male, female, classrooms). All rows or none."""
    run_load(lambda s: import_school_records(s, file))
