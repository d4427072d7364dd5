"""Household points far outside their tambon: refused, or stored and flagged.

A surveyor's GPS point 43 km away in another office's tambon used to be stored as it came. Now
a point farther than EDUMAP_HOUSEHOLD_MAX_OUTSIDE_M (beyond its stated accuracy) outside the
household's tambon is refused, unless the client confirms it; then it is stored with how far
outside it lies and why it was kept, and the quality report lists it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("household", sa.Column("location_outside_m", sa.Float(), nullable=True))
    op.add_column("household", sa.Column("location_flag", sa.String(16), nullable=True))
    op.create_check_constraint(
        op.f("ck_household_location_flag"), "household", "location_flag IN ('confirmed', 'offline')"
    )
    op.create_index(
        "ix_household_location_flag",
        "household",
        ["round_year", "subdistrict_code"],
        postgresql_where=sa.text("location_flag IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_household_location_flag", table_name="household")
    op.drop_constraint("ck_household_location_flag", "household", type_="check")
    op.drop_column("household", "location_flag")
    op.drop_column("household", "location_outside_m")
