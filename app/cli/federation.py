"""``edumap federation``: an office publishes its aggregates; a national instance subscribes.

On an office: ``edumap federation publish --office P5501`` (again after each refresh, say
nightly). On the national instance: ``edumap federation subscribe --office P5501 --conninfo
...`` once per office, ``edumap federation resync`` when an office's slot was lost, and
``edumap federation status`` to see who is behind. docs/scale.md says how to set it up."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import typer

from gis import federation
from kernel.backup import connect
from kernel.config import get_settings
from kernel.db import session_scope

cli = typer.Typer(help="Office aggregates to a national instance.", no_args_is_help=True)

OFFICE = typer.Option(..., "--office", help="The office's code, e.g. P5501.")
CONNINFO = typer.Option(
    ...,
    "--conninfo",
    help="How the national instance reaches the office's database (libpq: host=... port=... "
    "dbname=... user=... password=...); the user needs the REPLICATION attribute.",
)


def _connect() -> psycopg.Connection:
    return connect(get_settings())


def _fail(message: str) -> None:
    typer.secho(f"edumap: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@cli.command()
def publish(office: str = OFFICE) -> None:
    """Write this office's aggregates into the published tables (one transaction) and make
    sure the publication exists, its own rows only."""
    with session_scope() as session:
        written = federation.publish_aggregates(session, office)
    with _connect() as conn:
        federation.ensure_publication(conn, office)
        level = conn.execute("SHOW wal_level").fetchone()
    for table, rows in written.items():
        typer.echo(f"{table}: {rows} rows")
    if level is None or level[0] != "logical":
        typer.echo(
            "The server's wal_level is not 'logical' yet: subscribers cannot stream. Set "
            'EDUMAP_PG_SERVER_SETTINGS=\'{"wal_level": "logical", "max_slot_wal_keep_size": '
            '"10GB"}\' and restart the database (edumap db stop; edumap db start).'
        )


def _replicate(
    action: Callable[[psycopg.Connection, str, str], None], office: str, conninfo: str
) -> None:
    with _connect() as conn:
        try:
            action(conn, office, conninfo)
        except psycopg.Error as exc:
            _fail(f"{office}: {str(exc).strip()}")


@cli.command()
def subscribe(office: str = OFFICE, conninfo: str = CONNINFO) -> None:
    """Receive an office's aggregates (its current rows are copied first)."""
    _replicate(federation.subscribe, office, conninfo)
    typer.echo(f"Subscribed to {office}.")


@cli.command()
def resync(office: str = OFFICE, conninfo: str = CONNINFO) -> None:
    """Replace an office's rows by a fresh copy and subscribe again (after a lost slot)."""
    _replicate(federation.resync, office, conninfo)
    typer.echo(f"{office}: copied again and subscribed.")


@cli.command()
def status() -> None:
    """On a national instance: each subscription, whether it streams, and when its office
    last published. On an office: the slots of its subscribers and whether their WAL is kept."""
    with _connect() as conn:
        for name, enabled, received, published in conn.execute(
            """
            SELECT s.subname, s.subenabled, st.latest_end_time,
                   (SELECT max(published_at) FROM fed_office
                    WHERE 'edumap_office_' || lower(office_code) = s.subname)
            FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid
                 AND st.relid IS NULL
            ORDER BY 1
            """
        ):
            streaming = (
                "streaming" if received else ("disabled" if not enabled else "not connected")
            )
            typer.echo(f"subscription {name}: {streaming}; office published {published}")
        for slot, active, wal_status in conn.execute(
            "SELECT slot_name, active, wal_status FROM pg_replication_slots "
            "WHERE slot_type = 'logical' ORDER BY 1"
        ):
            typer.echo(f"slot {slot}: {'connected' if active else 'waiting'}, WAL {wal_status}")
