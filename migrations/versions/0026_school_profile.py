"""A school's founding year and contact (issue 19): the buildings rule checks no building is
older than its school, and the list of schools missing a data round says whom to call.
``profile_synthetic`` says the three came from the seeded generator (public data has none).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("school", sa.Column("founded_year", sa.SmallInteger(), nullable=True))
    op.add_column("school", sa.Column("phone", sa.Text(), nullable=False, server_default=""))
    op.add_column("school", sa.Column("email", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "school",
        sa.Column("profile_synthetic", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_check_constraint(
        op.f("ck_school_founded_year_be"),
        "school",
        "founded_year IS NULL OR founded_year BETWEEN 2400 AND 2700",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_school_founded_year_be"), "school")
    for column in ("profile_synthetic", "email", "phone", "founded_year"):
        op.drop_column("school", column)
