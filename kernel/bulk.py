"""Bulk loading with PostgreSQL's COPY, inside the caller's SQLAlchemy transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy import Connection


def driver_connection(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under SQLAlchemy's, in the same transaction."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    return raw


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Stream ``rows`` into ``table`` with COPY, inside the caller's transaction."""
    count = 0
    with driver_connection(conn).cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count
