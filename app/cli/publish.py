"""``edumap publish``: the offline copy of an office's public portal, for a USB stick or a CD."""

from __future__ import annotations

from pathlib import Path

import typer

from app.publish import publish as write_copy
from app.publish import zipped
from kernel.db import session_scope

CD_BYTES = 700 * 1024 * 1024


def publish(
    esao: str | None = typer.Option(None, "--esao", help="Service area office code (P5501)"),
    province: str | None = typer.Option(
        None, "--province", help="Every office of a province (55) in one copy"
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write the copy to"),
    zip_file: Path | None = typer.Option(None, "--zip", help="Also write the copy as this zip"),
) -> None:
    """Write the office's public portal as a static copy that opens from file:// with no server
    and no network: the pages, the map and its data, the reports, the data files, the manual."""
    with session_scope() as session:
        report = write_copy(session, output, esao=esao, province=province)
    typer.echo(
        f"wrote {output}: {report.pages:,} pages, {report.files:,} files, "
        f"{report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s "
        f"({', '.join(f'{kind} {count}' for kind, count in report.by_kind.items())})"
    )
    if report.bytes > CD_BYTES:
        typer.secho("the copy is larger than a CD (700 MB)", fg=typer.colors.YELLOW, err=True)
    if zip_file is not None:
        body = zipped(output)
        zip_file.write_bytes(body)
        typer.echo(f"wrote {zip_file} ({len(body) / 1e6:.1f} MB)")
