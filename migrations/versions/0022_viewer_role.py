"""A read-only ``viewer`` role (issue 19): directors and supervisors see their office's data
rounds and figures, never personal data; like a planner, a viewer belongs to an office.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new enum value is usable once committed: the constraint below compares text.
    op.execute("ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'viewer'")
    op.create_check_constraint(
        op.f("ck_user_account_viewer_has_office"),
        "user_account",
        "role::text <> 'viewer' OR office_code IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_constraint("ck_user_account_viewer_has_office", "user_account")
    op.execute("DELETE FROM user_account WHERE role::text = 'viewer'")
    # PostgreSQL cannot drop an enum value; 'viewer' stays in user_role, unused.
