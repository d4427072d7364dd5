"""Files sent with a household's form (ODK Collect's attachments: a photo of the house register
page, say): kept with the household, personal, read by those who may read the household.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 11:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_attachment",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("household_uuid", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint(
            "household_uuid", "name", name=op.f("uq_household_attachment_household_uuid_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("household_attachment")
