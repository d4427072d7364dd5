"""Federation (issue 22, part 4): the aggregate tables an office publishes to a national
instance through logical replication, and the national instance receives into. Each row
carries its office's code in the primary key, so one office's deletes (replicated row by row,
by that key) can only ever reach its own rows. Counts and names of schools and places only:
no table here has a person's name, ID, birth date or home.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERAGE_COUNTS = (
    "compulsory_age",
    "compulsory_enrolled",
    "out_of_school",
    "beyond_distance",
    "pre_primary_age",
    "pre_primary_enrolled",
    "pre_primary_beyond_distance",
    "due_prathom1_next_year",
)


TABLES = (
    "fed_office",
    "fed_coverage_tambon",
    "fed_coverage_school",
    "fed_matching",
    "fed_data_round",
)


def _office() -> sa.Column:
    return sa.Column("office_code", sa.String(16), primary_key=True)


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "fed_office",
        _office(),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "fed_coverage_tambon",
        _office(),
        sa.Column("round_year", sa.SmallInteger(), primary_key=True),
        sa.Column("subdistrict_code", sa.String(6), primary_key=True),
        *_counts(*COVERAGE_COUNTS),
    )
    op.create_table(
        "fed_coverage_school",
        _office(),
        sa.Column("round_year", sa.SmallInteger(), primary_key=True),
        sa.Column("school_code", sa.String(10), primary_key=True),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("subdistrict_code", sa.String(6), nullable=False),
        *_counts("demand", "enrolled", "capacity", "prathom1_next_year"),
    )
    op.create_table(
        "fed_matching",
        _office(),
        sa.Column("round_year", sa.SmallInteger(), primary_key=True),
        sa.Column("subdistrict_code", sa.String(6), primary_key=True),
        sa.Column("status", sa.String(24), primary_key=True),
        *_counts("children"),
    )
    op.create_table(
        "fed_data_round",
        _office(),
        sa.Column("round_id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title_th", sa.Text(), nullable=False),
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        *_counts("schools", "not_started", "draft", "submitted", "returned", "accepted"),
    )
    for table in ("fed_coverage_tambon", "fed_coverage_school", "fed_matching"):
        op.create_index(f"ix_{table}_round_year", table, ["round_year"])
    # TRUNCATE is not published (it would empty every office's rows at the national instance):
    # emptied at an office, the national instance would keep the rows and refuse them when
    # published again. The publish command deletes the office's rows instead.
    op.execute(
        """
        CREATE FUNCTION fed_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'TRUNCATE of % is refused: its rows are published to national '
                'instances, which do not see a TRUNCATE; run edumap federation publish',
                TG_TABLE_NAME;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fed_refuse_truncate()"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute("DROP FUNCTION fed_refuse_truncate()")
