"""Data rounds of ICT devices (count and working per kind and purpose) and internet links
(Mbps per link type), as schools report them to the office (issue 19).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 17:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("ck_data_round_kind", "data_round")
    op.create_check_constraint(
        op.f("ck_data_round_kind"),
        "data_round",
        "kind IN ('enrolment', 'personnel', 'ict_devices', 'internet_links')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM data_round WHERE kind IN ('ict_devices', 'internet_links')")
    op.drop_constraint("ck_data_round_kind", "data_round")
    op.create_check_constraint(
        op.f("ck_data_round_kind"), "data_round", "kind IN ('enrolment', 'personnel')"
    )
