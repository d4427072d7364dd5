"""A follow-up keeps the matching status the child had when it was recorded: a finding holds
while the child's records say the same, and lapses when a newer extract changes them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("register_follow_up", sa.Column("status_seen", sa.String(24)))


def downgrade() -> None:
    op.drop_column("register_follow_up", "status_seen")
