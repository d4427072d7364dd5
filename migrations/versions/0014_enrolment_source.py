"""Where each school's enrolment figure comes from, named wherever it is shown: the schools'
records (a school-records extract, with its counting day), the office's import, or synthetic.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "school_grade_year",
        sa.Column("source", sa.String(16), nullable=False, server_default="office_import"),
    )
    op.execute("UPDATE school_grade_year SET source = 'synthetic' WHERE synthetic")
    op.add_column("school_grade_year", sa.Column("source_detail", sa.Text()))
    op.add_column("school_grade_year", sa.Column("counted_on", sa.Date()))
    op.create_check_constraint(
        op.f("ck_school_grade_year_source_known"),
        "school_grade_year",
        "source IN ('school_records', 'office_import', 'synthetic')",
    )


def downgrade() -> None:
    op.drop_constraint("ck_school_grade_year_source_known", "school_grade_year")
    op.drop_column("school_grade_year", "counted_on")
    op.drop_column("school_grade_year", "source_detail")
    op.drop_column("school_grade_year", "source")
