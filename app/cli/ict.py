"""``edumap ict``: ICT needs against the norms, the procurement plan, the price lists."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

import typer

from app.report import ict as ict_files
from gis.ict import links, needs, plan, prices, repairs
from gis.loading import LoadError
from kernel.db import session_scope
from kernel.errors import DomainError

cli = typer.Typer(help="ICT resources: needs, procurement plan, price lists.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.secho(f"edumap: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@cli.command("needs")
def needs_command(
    esao: str | None = typer.Option(None, help="Service area office code"),
    district: str | None = typer.Option(None, help="District code"),
    as_of_year: int | None = typer.Option(None, help="Devices' age counted to this year (B.E.)"),
    output: Path | None = typer.Option(None, "-o", "--output", help="XLSX to write"),
) -> None:
    """Each school's ICT against the norms, summed per district (printed, or an XLSX)."""
    with session_scope() as session:
        found = needs.school_needs(
            session,
            districts=[district] if district else None,
            office_code=esao,
            as_of_year=as_of_year,
        )
    areas = needs.area_needs(found, "district")
    if output:
        output.write_bytes(ict_files.needs_xlsx(found, areas))
        typer.echo(f"wrote {output}: {len(found)} schools, {len(areas)} districts")
        return
    for area in areas:
        short = ", ".join(f"{need} {f['shortfall']:,}" for need, f in area["needs"].items())
        typer.echo(f"{area['code']} {area['name_th']}: {area['schools']} schools; short {short}")


@cli.command("plan")
def plan_command(
    output: Path = typer.Option(..., "-o", "--output", help="File to write: .xlsx, .pdf, .json"),
    fiscal_year: int | None = typer.Option(None, help="Fiscal year (B.E.); default: today's"),
    budget: Decimal | None = typer.Option(None, help="Budget in baht; default: no limit"),
    esao: str | None = typer.Option(None, help="Service area office code"),
    district: str | None = typer.Option(None, help="District code"),
) -> None:
    """The ranked procurement plan within the budget."""
    year = fiscal_year or plan.fiscal_year_of(dt.date.today())
    with session_scope() as session:
        found = plan.procurement_plan(
            session,
            fiscal_year=year,
            budget_baht=budget,
            districts=[district] if district else None,
            office_code=esao,
        )
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        output.write_bytes(ict_files.plan_xlsx(found))
    elif suffix == ".pdf":
        output.write_bytes(ict_files.plan_pdf(found, f"สำนักงาน {esao}" if esao else "ทุกโรงเรียน"))
    elif suffix == ".json":
        output.write_text(json.dumps(found, ensure_ascii=False, default=str), encoding="utf-8")
    else:
        _fail("--output ends in .xlsx, .pdf or .json")
    typer.echo(
        f"wrote {output}: {len(found['lines'])} lines, {found['total_baht']:,.0f} baht needed, "
        f"{found['funded_baht']:,.0f} within the budget"
    )


@cli.command("load-prices")
def load_prices(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX"),
    fiscal_year: int = typer.Option(..., help="Fiscal year (B.E.) the list is for"),
    name: str = typer.Option(..., help="The list's name, e.g. the official list's title"),
) -> None:
    """Load the year's price-and-specification list (all rows or none)."""
    try:
        with session_scope() as session:
            loaded = prices.load_price_list(
                session, file, name_th=name, fiscal_year=fiscal_year, actor="cli"
            )
            count = len(loaded.items)
    except LoadError as exc:
        _fail(f"load failed, nothing was changed. {exc}")
    typer.echo(f"loaded {count} items for fiscal year {fiscal_year}")


@cli.command("check-link")
def check_link(
    school: str = typer.Argument(..., help="10-digit school code"),
    up: bool = typer.Option(..., "--up/--down", help="Whether the link answered"),
    mbps: float | None = typer.Option(None, help="Speed measured (Mbps)"),
) -> None:
    """Record a scheduled check of a school's link (run it from cron; a retry of the same
    moment is stored once)."""
    try:
        with session_scope() as session:
            _, new = links.report_status(
                session,
                school_code=school,
                measured_at=dt.datetime.now(dt.UTC),
                up=up,
                measured_mbps=mbps,
                source="scheduled_check",
                actor="cli",
            )
    except DomainError as exc:
        _fail(str(exc))
    typer.echo(f"{'stored' if new else 'already stored'}: {school} {'up' if up else 'down'}")


@cli.command("repairs")
def list_repairs(
    state: str | None = typer.Option(None, help="open, assigned, repaired or closed"),
    district: str | None = typer.Option(None, help="District code"),
) -> None:
    """The repair queue: open tickets oldest first."""
    with session_scope() as session:
        found = repairs.tickets(
            session, districts=[district] if district else None, school_code=None, state=state
        )
    for ticket in found:
        typer.echo(
            f"#{ticket['id']} {ticket['school_code']} {ticket['subject']} {ticket['state']} "
            f"{ticket['hours_open']} h: {ticket['problem']}"
        )
    typer.echo(f"{len(found)} tickets")
