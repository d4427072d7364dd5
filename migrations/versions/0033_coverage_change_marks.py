"""A change to schools, enrolment or service areas is a row of its own, not a flag.

The statement trigger used to set ``coverage_state.stale`` (only when it was not set yet), and
a refresh cleared the flag when it finished. A change committed while a whole-round refresh
ran (a school's figures sent in a data round during the four seconds of an office's refresh)
was set on a flag that was already set, or set after the refresh read it; the refresh then
cleared it and the change waited, unseen and not pending, for the next one. Now each such
statement adds a mark per census round; a refresh deletes the marks it takes in when it
starts, so a later change's mark outlives it, as the households' marks of migration 0007 do.
Marks are only inserted (no key to conflict on), so writers never wait for a refresh.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coverage_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_change")),
    )
    op.create_index("ix_coverage_change_round_year", "coverage_change", ["round_year"])
    # Every census round, not only those with a stored coverage yet: a round's first refresh
    # has not committed its state row when a change lands during it.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION coverage_mark_stale() RETURNS trigger AS $$
        BEGIN
            INSERT INTO coverage_change (round_year) SELECT academic_year FROM census_round;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )


def downgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION coverage_mark_stale() RETURNS trigger AS $$
        BEGIN
            UPDATE coverage_state SET stale = true WHERE NOT stale;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "UPDATE coverage_state SET stale = true "
        "WHERE round_year IN (SELECT round_year FROM coverage_change)"
    )
    op.drop_index("ix_coverage_change_round_year", table_name="coverage_change")
    op.drop_table("coverage_change")
