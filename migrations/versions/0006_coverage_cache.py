"""Stored coverage per child, marked stale by statement triggers on what it depends on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:22:30.528942
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coverage_state",
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("parameters_hash", sa.String(length=64), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("round_year", name=op.f("pk_coverage_state")),
    )
    op.create_table(
        "child_coverage",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("subdistrict_code", sa.String(length=6), nullable=False),
        sa.Column("expected_grade", sa.String(length=2), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("compulsory_age", sa.Boolean(), nullable=False),
        sa.Column("out_of_school", sa.Boolean(), nullable=False),
        sa.Column("due_prathom1_next_year", sa.Boolean(), nullable=False),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("beyond_distance", sa.Boolean(), nullable=False),
        sa.Column("area_school_ids", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("primary_area_school_ids", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_child_coverage_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", name=op.f("pk_child_coverage")),
    )
    op.create_index(
        "ix_child_coverage_round_subdistrict",
        "child_coverage",
        ["round_year", "subdistrict_code"],
        unique=False,
    )
    op.execute(
        """
        CREATE FUNCTION coverage_mark_stale() RETURNS trigger AS $$
        BEGIN
            UPDATE coverage_state SET stale = true WHERE NOT stale;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    for table in WATCHED:
        op.execute(
            f"CREATE TRIGGER coverage_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION coverage_mark_stale()"
        )


# Coverage depends on these; any change to them marks every round's stored coverage stale.
WATCHED = ("child", "household", "school", "school_grade_year", "service_area")


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS coverage_stale ON {table}")
    op.execute("DROP FUNCTION IF EXISTS coverage_mark_stale()")
    op.drop_index("ix_child_coverage_round_subdistrict", table_name="child_coverage")
    op.drop_table("child_coverage")
    op.drop_table("coverage_state")
