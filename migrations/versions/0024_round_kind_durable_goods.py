"""Data rounds of durable goods: count and condition (1-5) per category (issue 19).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 17:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "('enrolment', 'personnel', 'ict_devices', 'internet_links')"
AFTER = "('enrolment', 'personnel', 'ict_devices', 'internet_links', 'durable_goods')"


def upgrade() -> None:
    op.drop_constraint("ck_data_round_kind", "data_round")
    op.create_check_constraint(op.f("ck_data_round_kind"), "data_round", f"kind IN {AFTER}")


def downgrade() -> None:
    op.execute("DELETE FROM data_round WHERE kind = 'durable_goods'")
    op.drop_constraint("ck_data_round_kind", "data_round")
    op.create_check_constraint(op.f("ck_data_round_kind"), "data_round", f"kind IN {BEFORE}")
