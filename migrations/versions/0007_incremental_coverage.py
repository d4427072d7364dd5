"""Incremental coverage: census changes mark their households, not the whole round.

A new or changed child or household used to mark the round's stored coverage stale, so the next
reader recomputed every child (about 3 s for Nan), and with surveyors submitting all day nearly
every read paid it. Now statement triggers with transition tables record the households a
statement touched; the next reader recomputes only their children. Deletes need nothing (the
stored rows go with their child by cascade); TRUNCATE still marks the round stale, as do
changes to schools, enrolment and service areas.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column naming the household in each census table.
CENSUS_TABLES = {"child": "household_id", "household": "id"}


def upgrade() -> None:
    op.create_table(
        "coverage_dirty_household",
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "round_year", "household_id", name=op.f("pk_coverage_dirty_household")
        ),
    )
    for table, household in CENSUS_TABLES.items():
        op.execute(
            f"""
            CREATE FUNCTION coverage_mark_{table}_households() RETURNS trigger AS $$
            BEGIN
                INSERT INTO coverage_dirty_household (round_year, household_id)
                SELECT DISTINCT round_year, {household} FROM changed
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(f"DROP TRIGGER coverage_stale ON {table}")
        op.execute(
            f"CREATE TRIGGER coverage_stale AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION coverage_mark_stale()"
        )
        # Transition tables allow one event per trigger.
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER coverage_dirty_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION coverage_mark_{table}_households()"
            )


def downgrade() -> None:
    for table in CENSUS_TABLES:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS coverage_dirty_{event} ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS coverage_stale ON {table}")
        op.execute(
            f"CREATE TRIGGER coverage_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION coverage_mark_stale()"
        )
        op.execute(f"DROP FUNCTION IF EXISTS coverage_mark_{table}_households()")
    op.drop_table("coverage_dirty_household")
