"""Data rounds of buildings: each building's condition (1-5) and rooms (issue 19; the office
counts buildings as of 30 October).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 17:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "('enrolment', 'personnel', 'ict_devices', 'internet_links', 'durable_goods')"
AFTER = "('enrolment', 'personnel', 'ict_devices', 'internet_links', 'durable_goods', 'buildings')"


def upgrade() -> None:
    op.drop_constraint("ck_data_round_kind", "data_round")
    op.create_check_constraint(op.f("ck_data_round_kind"), "data_round", f"kind IN {AFTER}")


def downgrade() -> None:
    op.execute("DELETE FROM data_round WHERE kind = 'buildings'")
    op.drop_constraint("ck_data_round_kind", "data_round")
    op.create_check_constraint(op.f("ck_data_round_kind"), "data_round", f"kind IN {BEFORE}")
