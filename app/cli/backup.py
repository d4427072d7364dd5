"""``edumap backup`` and ``edumap restore``: base backups and restores to a point in time."""

from __future__ import annotations

import datetime as dt

import typer

from kernel import backup as backups
from kernel.config import get_settings

BANGKOK = dt.timezone(dt.timedelta(hours=7))


def _fail(message: str) -> None:
    typer.secho(f"edumap: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def backup(
    keep: int = typer.Option(
        None, min=1, help="Keep only this many newest backups (and the WAL they need)."
    ),
    show: bool = typer.Option(False, "--list", help="List the backups instead of making one."),
) -> None:
    """Make a base backup of the database (restorable on its own; with EDUMAP_WAL_ARCHIVE_DIR,
    to any later moment too)."""
    settings = get_settings()
    if show:
        for found in backups.list_backups(settings):
            archived = "WAL archived" if found.wal_archived else "no WAL archive"
            typer.echo(f"{found.path.name}  finished {found.finished_at.isoformat()}  {archived}")
        return
    try:
        made = backups.make_backup(settings, keep=keep)
    except (backups.BackupError, OSError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"Backup {made.path} (finished {made.finished_at.isoformat()}).")
    if not made.wal_archived:
        typer.echo(
            "WAL archiving is off (EDUMAP_WAL_ARCHIVE_DIR): a restore returns to this moment, "
            "not to a later one."
        )
    typer.echo("Keep EDUMAP_PII_KEY (.env) with the backups: stored national IDs need it.")


def _parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a time: write it as 2026-12-02T17:30 (Thailand time) or with a "
            "zone, 2026-12-02T10:30+00:00",
            param_hint="--to-time",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


def restore(
    to_time: str = typer.Option(
        None,
        "--to-time",
        help="Replay the archived WAL up to this moment (ISO 8601; Thailand time unless a "
        "zone is given). Default: everything archived.",
    ),
    name: str = typer.Option(None, "--backup", help="The backup folder's name (see --list)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before replacing the database."),
) -> None:
    """Replace the database by a backup, replayed to a point in time; the replaced cluster
    is kept aside (var/pgdata.before-restore-<time>)."""
    settings = get_settings()
    target = _parse_time(to_time)
    chosen = None
    if name is not None:
        chosen = next((b for b in backups.list_backups(settings) if b.path.name == name), None)
        if chosen is None:
            _fail(f"no backup named {name!r} in {settings.effective_backup_dir}")
    if not yes:
        typer.confirm(
            "Replace the database by the backup (the current one is kept aside)?", abort=True
        )
    try:
        done = backups.restore(settings, chosen, target)
    except (backups.BackupError, OSError) as exc:
        _fail(str(exc))
        return
    until = done.target_time.isoformat() if done.target_time else "the end of the archive"
    typer.echo(
        f"Restored {done.backup.path.name} up to {until}. "
        f"The replaced cluster is in {done.replaced_dir}: remove it once you have checked."
    )
