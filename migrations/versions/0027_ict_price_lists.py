"""ICT price-and-specification lists (issue 20): the office loads the year's official list
(or uses the shipped example) and the procurement plan prices what it buys from it.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ict_price_list",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("fiscal_year", sa.SmallInteger(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False, server_default=""),
        sa.Column("loaded_by", sa.Text(), nullable=False, server_default=""),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "fiscal_year BETWEEN 2500 AND 2700", name=op.f("ck_ict_price_list_fiscal_year_be")
        ),
    )
    op.create_table(
        "ict_price_item",
        sa.Column(
            "list_id",
            sa.Integer(),
            sa.ForeignKey("ict_price_list.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("need", sa.String(24), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("unit_th", sa.Text(), nullable=False),
        sa.Column("unit_price_baht", sa.Numeric(12, 2), nullable=False),
        sa.Column("spec_th", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint(
            "need IN ('learning', 'administration', 'printer')",
            name=op.f("ck_ict_price_item_need"),
        ),
        sa.CheckConstraint("unit_price_baht > 0", name=op.f("ck_ict_price_item_price_positive")),
    )


def downgrade() -> None:
    op.drop_table("ict_price_item")
    op.drop_table("ict_price_list")
