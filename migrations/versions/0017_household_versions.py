"""Edits of a submitted household (ODK's meta/deprecatedID): the version an edit replaced is kept,
as the API showed it, with what replaced it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_version",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("household_uuid", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("replaced_by", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(), nullable=False),
        sa.Column(
            "replaced_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "replaced_by_user",
            sa.Integer(),
            sa.ForeignKey(
                "user_account.id", name=op.f("fk_household_version_replaced_by_user_user_account")
            ),
        ),
    )


def downgrade() -> None:
    op.drop_table("household_version")
