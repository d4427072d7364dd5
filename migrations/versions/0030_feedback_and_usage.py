"""What the public tells the office and how much it reads (issue 21, part 5): feedback on a
page (useful or not, what is missing; no address, account or cookie kept) and views and
downloads counted per page and month, nothing about who.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("page", sa.Text(), nullable=False),
        sa.Column("useful", sa.Boolean()),
        sa.Column("missing", sa.Text(), nullable=False, server_default=""),
        sa.Column("received_on", sa.Date(), nullable=False, server_default=sa.func.current_date()),
    )
    op.create_table(
        "page_usage",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("page", sa.Text(), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('view', 'download')", name=op.f("ck_page_usage_kind")),
    )


def downgrade() -> None:
    op.drop_table("page_usage")
    op.drop_table("feedback")
