"""The office's own forms (issue 17, item 3, part): an XLSForm an admin or planner adds, kept
with its XForm, the questions that are personal, and to whom it is given (roles, accounts);
its submissions as documents (JSONB) with their point, one per instanceID.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import geoalchemy2

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_form",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("form_id", sa.String(100), nullable=False, unique=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("xlsform", sa.LargeBinary(), nullable=False),
        sa.Column("xform", sa.Text(), nullable=False),
        sa.Column("personal_fields", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("repeats", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("geopoint_field", sa.Text()),
        sa.Column("roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("office_code", sa.String(8)),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_table(
        "survey_form_account",
        sa.Column(
            "form_pk",
            sa.Integer(),
            sa.ForeignKey("survey_form.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "survey_submission",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "form_pk",
            sa.Integer(),
            sa.ForeignKey("survey_form.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("instance_id", sa.Text(), nullable=False),
        sa.Column("form_version", sa.String(100), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column(
            "location",
            geoalchemy2.Geometry("POINT", srid=4326, spatial_index=True),
        ),
        sa.Column("location_accuracy_m", sa.Float()),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint(
            "form_pk", "instance_id", name=op.f("uq_survey_submission_form_pk_instance_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("survey_submission")
    op.drop_table("survey_form_account")
    op.drop_table("survey_form")
