"""The registers a census starts from: civil-registration and school-record extracts, and the
matching result per child.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('civil', 'school')"
AGENCIES = "('dopa', 'obec', 'private', 'local', 'bpp', 'nfe', 'other')"
STATUSES = (
    "('record_conflict', 'pupil_not_registered', 'no_record', 'grade_mismatch', "
    "'enrolled_elsewhere', 'enrolled_in_area', 'outside_window')"
)


def upgrade() -> None:
    op.create_table(
        "register_extract",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "round_year",
            sa.SmallInteger(),
            sa.ForeignKey(
                "census_round.academic_year",
                name=op.f("fk_register_extract_round_year_census_round"),
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("agency", sa.String(8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column(
            "imported_by",
            sa.Integer(),
            sa.ForeignKey(
                "user_account.id", name=op.f("fk_register_extract_imported_by_user_account")
            ),
        ),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "superseded_by",
            sa.Integer(),
            sa.ForeignKey(
                "register_extract.id",
                name=op.f("fk_register_extract_superseded_by_register_extract"),
            ),
        ),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_register_extract_kind_known")),
        sa.CheckConstraint(f"agency IN {AGENCIES}", name=op.f("ck_register_extract_agency_known")),
        sa.UniqueConstraint(
            "round_year",
            "kind",
            "agency",
            "content_sha256",
            name=op.f("uq_register_extract_same_file_once"),
        ),
    )
    op.create_table(
        "register_record",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "extract_id",
            sa.Integer(),
            sa.ForeignKey(
                "register_extract.id",
                ondelete="CASCADE",
                name=op.f("fk_register_record_extract_id_register_extract"),
            ),
            nullable=False,
        ),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("national_id_hash", sa.String(64)),
        sa.Column("national_id_encrypted", sa.LargeBinary()),
        sa.Column("national_id_masked", sa.String(20)),
        sa.Column("g_code", sa.String(16)),
        sa.Column("title", sa.String(32)),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("house_code", sa.String(11)),
        sa.Column("house_number", sa.String(32)),
        sa.Column("moo", sa.SmallInteger()),
        sa.Column(
            "subdistrict_code",
            sa.String(6),
            sa.ForeignKey(
                "subdistrict.code", name=op.f("fk_register_record_subdistrict_code_subdistrict")
            ),
        ),
        sa.Column("school_code", sa.String(10)),
        sa.Column("grade", sa.String(2)),
        sa.Column("room", sa.String(16)),
        sa.CheckConstraint("sex IN ('M', 'F')", name=op.f("ck_register_record_sex_known")),
    )
    op.create_index("ix_register_record_extract_id", "register_record", ["extract_id"])
    op.create_index("ix_register_record_national_id_hash", "register_record", ["national_id_hash"])
    op.create_table(
        "register_match",
        sa.Column("round_year", sa.SmallInteger(), primary_key=True),
        sa.Column("person_key", sa.String(80), primary_key=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("civil_record_id", sa.BigInteger()),
        sa.Column("school_record_ids", postgresql.JSONB()),
        sa.Column("subdistrict_code", sa.String(6)),
        sa.Column("school_code", sa.String(10)),
        sa.Column("expected_grade", sa.String(2)),
        sa.Column("recorded_grade", sa.String(2)),
        sa.Column("explanation", postgresql.JSONB(), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_register_match_status_known")),
    )
    op.create_index("ix_register_match_round_status", "register_match", ["round_year", "status"])


def downgrade() -> None:
    op.drop_table("register_match")
    op.drop_table("register_record")
    op.drop_table("register_extract")
