"""The stored coverage by household (issue 22): the incremental refresh after a submission
deletes the coverage rows of the households it touched, by household. Without an index that
was a scan of every stored child, unnoticed at an office's size and the whole cost of the
refresh at the country's (BENCHMARKS.md, "The whole country on one node").

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 01:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_child_coverage_household_id", "child_coverage", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_child_coverage_household_id", table_name="child_coverage")
