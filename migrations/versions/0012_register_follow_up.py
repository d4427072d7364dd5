"""What the office did for a child the registers leave unplaced: field findings, notices to
the guardian under the Compulsory Education Act, referrals; one row each, kept as history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_follow_up",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "round_year",
            sa.SmallInteger(),
            sa.ForeignKey(
                "census_round.academic_year",
                name=op.f("fk_register_follow_up_round_year_census_round"),
            ),
            nullable=False,
        ),
        sa.Column("person_key", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("finding", sa.String(16)),
        sa.Column("school_code", sa.String(10)),
        sa.Column("reason", sa.Text()),
        sa.Column(
            "moved_to_subdistrict",
            sa.String(6),
            sa.ForeignKey(
                "subdistrict.code",
                name=op.f("fk_register_follow_up_moved_to_subdistrict_subdistrict"),
            ),
        ),
        sa.Column("note", sa.Text()),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column(
            "recorded_by",
            sa.Integer(),
            sa.ForeignKey(
                "user_account.id", name=op.f("fk_register_follow_up_recorded_by_user_account")
            ),
        ),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('visit', 'notice', 'referral')", name=op.f("ck_register_follow_up_kind_known")
        ),
        sa.CheckConstraint(
            "finding IS NULL OR (kind = 'visit' AND finding IN "
            "('enrolled', 'out_of_school', 'moved_away', 'deceased', 'unknown'))",
            name=op.f("ck_register_follow_up_finding_of_a_visit"),
        ),
    )
    op.create_index(
        "ix_register_follow_up_person", "register_follow_up", ["round_year", "person_key", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_register_follow_up_person", table_name="register_follow_up")
    op.drop_table("register_follow_up")
