"""``edumap db``: the project-local PostGIS cluster and schema migrations."""

from __future__ import annotations

import typer

from kernel import backup, localdb, migrate
from kernel.config import get_settings

cli = typer.Typer(help="Manage the database: start|stop|status|url|migrate.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"edumap: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@cli.command()
def start() -> None:
    """Create (first time) and start the project-local cluster, then create the database."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        typer.echo("EDUMAP_DATABASE_URL is set: using that server, nothing local to start.")
        return
    try:
        current = localdb.start(settings)
    except localdb.LocalClusterError as exc:
        _fail(str(exc))
        return
    typer.echo(
        f"PostGIS cluster {current.detail}; port {settings.pg_port}, data in {settings.pgdata_dir}"
    )


@cli.command()
def stop() -> None:
    """Stop the project-local cluster."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        typer.echo("EDUMAP_DATABASE_URL is set: no local cluster to stop.")
        return
    try:
        localdb.stop(settings)
    except localdb.LocalClusterError as exc:
        _fail(str(exc))
    typer.echo("PostGIS cluster stopped.")


@cli.command()
def status() -> None:
    """Say whether the database is reachable (exit 1 if not)."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        typer.echo("Using EDUMAP_DATABASE_URL (external server).")
        return
    current = localdb.status(settings)
    typer.echo(f"{current.detail} (port {settings.pg_port}, data {settings.pgdata_dir})")
    if not current.running:
        raise typer.Exit(1)


@cli.command()
def url() -> None:
    """Print the SQLAlchemy URL edumap uses (includes the local cluster's password)."""
    typer.echo(get_settings().effective_database_url)


@cli.command("migrate")
def migrate_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the Alembic migrations (creates the PostGIS extension on first run)."""
    migrate.upgrade(revision=revision)
    typer.echo(f"Database migrated to {revision}.")


@cli.command("try-migrate")
def try_migrate(
    port: int = typer.Option(5439, help="A free port for the copy."),
    keep: bool = typer.Option(False, help="Keep the migrated copy (var/upgrade-trial)."),
) -> None:
    """Before upgrading: run the migrations on a copy of the database (exit 1 if they fail;
    the database itself is not touched)."""
    trial = backup.try_migrations(get_settings(), port, keep=keep)
    if not trial.ok:
        _fail(
            f"the migrations failed on the copy ({trial.revision_before} -> "
            f"{trial.revision_after}): {trial.error}\nThe copy is in {trial.kept}; the "
            "database itself is unchanged."
        )
    typer.echo(
        f"The migrations ran on a copy in {trial.seconds:.1f} s ({trial.revision_before} -> "
        f"{trial.revision_after}); now run `edumap db migrate`."
        + (f" The copy is in {trial.kept}." if trial.kept else "")
    )
