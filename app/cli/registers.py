"""``edumap civil-register``, ``edumap school-records`` and ``edumap match``: the registers a
census starts from, and matching them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from app.cli.census import fail, show_report
from census.dates import DateProblem, parse_thai_date
from census.handover import handover_csv, handover_rows
from census.importer import ImportReport
from census.matching import match_again_if_matched, match_round
from census.register_synth import FAULTS, build_registers, write_registers
from census.registers import SCHOOL_AGENCIES, Extract, import_register_file, read_crosswalk
from census.retention import apply_retention
from census.synth import first_households, synthesize_rows
from kernel.accounts import AuditLog
from kernel.config import get_settings
from kernel.db import session_scope
from kernel.errors import DomainError
from kernel.policy import office_districts

civil_cli = typer.Typer(help="The civil registration's extract (DOPA).", no_args_is_help=True)
school_cli = typer.Typer(
    help="Schools' pupil records (OBEC's DMC and other agencies).", no_args_is_help=True
)


def _date(value: str, option: str) -> dt.date:
    try:
        return parse_thai_date(value).value
    except DateProblem as exc:
        fail(f"{option}: {exc}")


def round_of(day: dt.date) -> int:
    """The academic year (B.E.) a day falls in: it starts on 16 May."""
    return day.year + 543 - (1 if (day.month, day.day) < (5, 16) else 0)


def _import(
    file: Path,
    extract: Extract,
    accept_valid: bool,
    sheet: str | None,
    crosswalk: Path | None = None,
    set_enrolment: bool = False,
) -> ImportReport:
    try:
        codes = read_crosswalk(crosswalk) if crosswalk else None
        with session_scope() as session:
            report = import_register_file(
                session,
                get_settings(),
                file,
                extract,
                accept_valid=accept_valid,
                sheet=sheet,
                crosswalk=codes,
                set_enrolment=set_enrolment,
            )
            if not report.stored:
                session.rollback()
            else:
                rematched = match_again_if_matched(session, extract.round_year)
                if rematched is not None:
                    report.notes.append(
                        "matched again: "
                        + ", ".join(f"{k} {v:,}" for k, v in rematched.items() if v)
                    )
    except DomainError as exc:
        fail(str(exc))
    show_report(file, report)
    typer.echo(
        f"{file.name}: {report.rows_read:,} rows read ({report.encoding or 'xlsx'}), "
        f"{report.rows_rejected:,} rejected; "
        + (f"stored {report.children_new:,} records" if report.stored else "nothing stored")
    )
    if not report.stored:
        raise typer.Exit(1)
    return report


ACCEPT_VALID = typer.Option(
    False, help="Store the valid rows; write the rejected ones to FILE.rejects.csv."
)
SHEET = typer.Option(None, help="Of a workbook, this sheet (default: the one with the columns)")


@civil_cli.command("import")
def civil_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX"),
    round_year: int = typer.Option(..., "--round", help="Academic year of the round (B.E.)"),
    extracted_on: str | None = typer.Option(
        None, help="The extract's date, e.g. 01/06/2569 (default: today)"
    ),
    accept_valid: bool = ACCEPT_VALID,
    sheet: str | None = SHEET,
    agency: str = typer.Option(
        "dopa",
        help="dopa: the civil registration's extract (a newer one supersedes the older); "
        "handover: another office's hand-over list (each adds its children)",
    ),
) -> None:
    """Import a civil-registration extract: ID, names, sex, birth date, registered address."""
    as_of = _date(extracted_on, "--extracted-on") if extracted_on else dt.date.today()
    try:
        extract = Extract(round_year, "civil", agency, as_of)
    except DomainError as exc:
        fail(str(exc))
    _import(file, extract, accept_valid, sheet)


@school_cli.command("import")
def school_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX"),
    counted_on: str = typer.Option(
        ..., help="The counting day, as offices write it: 10/06/2569 (C.E. accepted)"
    ),
    agency: str = typer.Option("obec", help=f"Whose records: {', '.join(SCHOOL_AGENCIES)}"),
    round_year: int | None = typer.Option(
        None, "--round", help="Academic year (default: the one the counting day falls in)"
    ),
    accept_valid: bool = ACCEPT_VALID,
    sheet: str | None = SHEET,
    crosswalk: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="SMIS → OBEC codes (CSV/XLSX: รหัส SMIS, รหัส OBEC) for files with 8-digit codes",
    ),
    enrolment: bool = typer.Option(
        True, help="Set the schools' enrolment for the year from the records (their source)"
    ),
) -> None:
    """Import a school-records extract (one row a pupil: school, ID or G-code, names, sex,
    birth date, grade, room) counted on a day."""
    day = _date(counted_on, "--counted-on")
    try:
        extract = Extract(round_year or round_of(day), "school", agency, day)
    except DomainError as exc:
        fail(str(exc))
        return
    _import(file, extract, accept_valid, sheet, crosswalk, enrolment)


def match(
    round_year: int = typer.Option(..., "--round", help="Academic year of the round (B.E.)"),
) -> None:
    """Match the round's civil registration against the schools' records: one status a child."""
    try:
        with session_scope() as session:
            counts = match_round(session, round_year)
    except DomainError as exc:
        fail(str(exc))
        return
    for status, count in counts.items():
        typer.echo(f"{status:22} {count:>9,}")
    typer.echo(f"{'total':22} {sum(counts.values()):>9,}")


@civil_cli.command("synth")
def synth(
    out: Path = typer.Option(..., "-o", "--out", help="Directory for the two CSVs and manifest"),
    round_year: int = typer.Option(None, "--round", help="Academic year (B.E.)"),
    seed: int = typer.Option(2569, help="The census seed: the same seed gives the same world"),
    households: int | None = typer.Option(None, help="Only the first N households"),
    fault: list[str] = typer.Option([], help=f"NAME=COUNT planted faults, of {', '.join(FAULTS)}"),
) -> None:
    """Write synthetic civil-registration and school-record extracts (labelled synthetic) of
    the synthetic census, with planted faults and a manifest of every expected status."""
    settings = get_settings()
    year = round_year or settings.demo_academic_year
    faults = {}
    for item in fault:
        name, _, count = item.partition("=")
        if name not in FAULTS or not count.isdigit():
            fail(f"--fault {item!r}: expected NAME=COUNT with NAME one of {', '.join(FAULTS)}")
        faults[name] = int(count)
    with session_scope() as session:
        rows = first_households(
            synthesize_rows(
                session,
                province_code=settings.demo_province,
                round_year=year,
                seed=seed,
                data_dir=settings.data_dir,
            ),
            households,
        )
        world = build_registers(session, rows, round_year=year, seed=seed, faults=faults)
    paths = write_registers(world, out, seed=seed)
    for kind, path in paths.items():
        typer.echo(f"{kind}: {path}")


retention_cli = typer.Typer(
    help="PDPA retention of the registers after a round closes.", no_args_is_help=True
)


@retention_cli.command("apply")
def retention_apply(
    days: int | None = typer.Option(
        None, help="Days after a round closes (default: EDUMAP_REGISTER_RETENTION_DAYS)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would go; change nothing"),
) -> None:
    """Delete the register extracts' records and anonymise the matching results of every
    round closed longer ago than the retention period; aggregates stay. Logged in the audit
    log."""
    retention_days = get_settings().register_retention_days if days is None else days
    with session_scope() as session:
        done = apply_retention(session, retention_days=retention_days, dry_run=dry_run)
        if dry_run:
            session.rollback()
    verb = "would remove" if dry_run else "removed"
    if not done:
        typer.echo(f"no closed round is past its {retention_days} days: nothing {verb}")
    for result in done:
        typer.echo(
            f"round {result.round_year} (closed {result.closed_at:%Y-%m-%d}): {verb} "
            f"{result.records_deleted:,} register records of {result.extracts} extract(s), "
            f"anonymised {result.matches_anonymised:,} matching results"
        )


handover_cli = typer.Typer(
    help="Hand-over lists: children found moved into another office's area.", no_args_is_help=True
)


@handover_cli.command("export")
def handover_export(
    round_year: int = typer.Option(..., "--round", help="Academic year of the round (B.E.)"),
    office: str = typer.Option(..., help="The sending office, e.g. P5501"),
    out: Path = typer.Option(..., "-o", "--out", help="Directory for one CSV per receiving office"),
) -> None:
    """Write the hand-over files of an office: one CSV per receiving office, in the civil
    register's layout (the receiving office imports it with `edumap civil-register import FILE
    --agency handover`). The files hold full IDs: send them as the office sends personal data."""
    settings = get_settings()
    with session_scope() as session:
        districts = sorted(office_districts(session, office))
        if not districts:
            fail(f"--office {office}: no such office, or it serves no district")
        rows = handover_rows(session, settings, round_year, districts=districts, from_office=office)
        session.add(
            AuditLog(
                user_id=None,
                username="edumap handover export",
                role="system",
                action="export",
                resource=f"handover {round_year} {office}",
                record_count=len(rows),
                detail={"out": str(out)},
            )
        )
    out.mkdir(parents=True, exist_ok=True)
    by_office: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_office.setdefault(str(row["ส่งต่อถึง"]) or "unknown", []).append(row)
    for receiving, children in sorted(by_office.items()):
        path = out / f"handover-{round_year}-{office}-to-{receiving}.csv"
        path.write_bytes(handover_csv(children))
        typer.echo(f"{path}: {len(children)} children")
    if not rows:
        typer.echo(f"no child of {office}'s area was found moved to another office's: no file")
