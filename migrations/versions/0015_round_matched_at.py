"""When a round's registers were last matched: part of what a cached report depends on.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("census_round", sa.Column("matched_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("census_round", "matched_at")
