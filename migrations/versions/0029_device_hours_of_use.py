"""Hours a week a school's devices are used (issue 20's "use"): reported per kind and purpose
in a devices data round, kept on the school's device batches, read by the ICT report.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ict_device", sa.Column("hours_per_week", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_ict_device_hours_in_a_week"),
        "ict_device",
        "hours_per_week IS NULL OR hours_per_week BETWEEN 0 AND 168",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_ict_device_hours_in_a_week"), "ict_device")
    op.drop_column("ict_device", "hours_per_week")
