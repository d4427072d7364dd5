"""Data rounds (issue 19): the office asks schools for a kind of record for a counting day by
a deadline; each school's figures as items and fields, its state and every transition (who,
when, why); accepted enrolment becomes the school's records with ``source = 'data_round'``.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "('not_started', 'draft', 'submitted', 'returned', 'accepted')"


def upgrade() -> None:
    op.create_table(
        "data_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title_th", sa.Text(), nullable=False),
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("counting_day", sa.Date(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("office_code", sa.String(16), sa.ForeignKey("service_area_office.code")),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("kind IN ('enrolment', 'personnel')", name=op.f("ck_data_round_kind")),
        sa.CheckConstraint("opens_on <= deadline", name=op.f("ck_data_round_opens_first")),
        sa.CheckConstraint(
            "academic_year BETWEEN 2500 AND 2700", name=op.f("ck_data_round_year_be")
        ),
    )
    op.create_table(
        "data_round_school",
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("data_round.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("school.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(12), nullable=False, server_default="not_started"),
        # Bumped by every change: a save based on an older version is refused (two tabs).
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("source", sa.String(16)),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True)),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("updated_by", sa.String(64)),
        sa.CheckConstraint(f"state IN {STATES}", name=op.f("ck_data_round_school_state_known")),
        sa.CheckConstraint(
            "source IS NULL OR source IN ('page', 'file', 'office_extract', 'school_records')",
            name=op.f("ck_data_round_school_source_known"),
        ),
    )
    op.create_index("ix_data_round_school_school_id", "data_round_school", ["school_id"])
    op.create_table(
        "data_round_value",
        sa.Column("round_id", sa.Integer(), primary_key=True),
        sa.Column("school_id", sa.Integer(), primary_key=True),
        sa.Column("item", sa.String(32), primary_key=True),
        sa.Column("field", sa.String(16), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id", "school_id"],
            ["data_round_school.round_id", "data_round_school.school_id"],
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("value >= 0", name=op.f("ck_data_round_value_not_negative")),
    )
    op.create_table(
        "data_round_event",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(12), nullable=False),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        # A return's comments per field, or a submission's explanations per warning.
        sa.Column("comments", JSONB(), nullable=False, server_default="{}"),
        sa.ForeignKeyConstraint(
            ["round_id", "school_id"],
            ["data_round_school.round_id", "data_round_school.school_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_data_round_event_round_school", "data_round_event", ["round_id", "school_id"]
    )
    op.drop_constraint("ck_school_grade_year_source_known", "school_grade_year")
    op.create_check_constraint(
        op.f("ck_school_grade_year_source_known"),
        "school_grade_year",
        "source IN ('school_records', 'data_round', 'office_import', 'synthetic')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM school_grade_year WHERE source = 'data_round'")
    op.drop_constraint("ck_school_grade_year_source_known", "school_grade_year")
    op.create_check_constraint(
        op.f("ck_school_grade_year_source_known"),
        "school_grade_year",
        "source IN ('school_records', 'office_import', 'synthetic')",
    )
    op.drop_table("data_round_event")
    op.drop_table("data_round_value")
    op.drop_table("data_round_school")
    op.drop_table("data_round")
