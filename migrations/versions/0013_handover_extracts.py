"""Hand-over lists between offices are imported as civil extracts of their own agency
(``handover``): each adds children, none supersedes another.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "('dopa', 'obec', 'private', 'local', 'bpp', 'nfe', 'other')"
AFTER = "('dopa', 'obec', 'private', 'local', 'bpp', 'nfe', 'other', 'handover')"


def upgrade() -> None:
    op.drop_constraint("ck_register_extract_agency_known", "register_extract")
    op.create_check_constraint(
        op.f("ck_register_extract_agency_known"), "register_extract", f"agency IN {AFTER}"
    )


def downgrade() -> None:
    op.execute("DELETE FROM register_extract WHERE agency = 'handover'")
    op.drop_constraint("ck_register_extract_agency_known", "register_extract")
    op.create_check_constraint(
        op.f("ck_register_extract_agency_known"), "register_extract", f"agency IN {BEFORE}"
    )
