"""Retention of the registers (PDPA): when a round closed, and when an extract's records were
removed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("census_round", sa.Column("closed_at", sa.DateTime(timezone=True)))
    # Rounds closed before this column existed count from now: never removed early.
    op.execute("UPDATE census_round SET closed_at = now() WHERE state = 'closed'")
    op.add_column("register_extract", sa.Column("purged_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("register_extract", "purged_at")
    op.drop_column("census_round", "closed_at")
