"""School-age census: rounds, households, children, change history, import jobs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 13:21:59.709937
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from geoalchemy2 import Geometry

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "census_round",
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("state IN ('open', 'closed')", name=op.f("ck_census_round_state_known")),
        sa.CheckConstraint(
            "academic_year BETWEEN 2500 AND 2700", name=op.f("ck_census_round_year_be")
        ),
        sa.ForeignKeyConstraint(
            ["office_code"],
            ["service_area_office.code"],
            name=op.f("fk_census_round_office_code_service_area_office"),
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_census_round_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("academic_year", name=op.f("pk_census_round")),
    )
    op.create_geospatial_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("house_number", sa.String(length=32), nullable=True),
        sa.Column("moo", sa.SmallInteger(), nullable=True),
        sa.Column("village_code", sa.String(length=8), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("subdistrict_code", sa.String(length=6), nullable=False),
        sa.Column("house_code", sa.String(length=11), nullable=True),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("location_source", sa.String(length=16), nullable=False),
        sa.Column("location_accuracy_m", sa.Float(), nullable=True),
        sa.Column("surveyor_id", sa.Integer(), nullable=True),
        sa.Column("surveyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "house_code IS NULL OR house_code ~ '^[0-9]{11}$'", name=op.f("ck_household_house_code")
        ),
        sa.CheckConstraint(
            "location_source IN ('gps', 'village_point', 'tambon')",
            name=op.f("ck_household_location_source"),
        ),
        sa.CheckConstraint(
            "village_code IS NULL OR village_code ~ '^[0-9]{8}$'", name=op.f("ck_household_village")
        ),
        sa.CheckConstraint(
            "moo IS NULL OR moo BETWEEN 1 AND 99", name=op.f("ck_household_moo_range")
        ),
        sa.ForeignKeyConstraint(
            ["round_year"],
            ["census_round.academic_year"],
            name=op.f("fk_household_round_year_census_round"),
        ),
        sa.ForeignKeyConstraint(
            ["subdistrict_code"],
            ["subdistrict.code"],
            name=op.f("fk_household_subdistrict_code_subdistrict"),
        ),
        sa.ForeignKeyConstraint(
            ["surveyor_id"], ["user_account.id"], name=op.f("fk_household_surveyor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_household_village_id_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
        sa.UniqueConstraint("uuid", name=op.f("uq_household_uuid")),
    )
    op.create_geospatial_index(
        "ix_household_location",
        "household",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_household_round_subdistrict",
        "household",
        ["round_year", "subdistrict_code"],
        unique=False,
    )
    op.create_index(op.f("ix_household_surveyor_id"), "household", ["surveyor_id"], unique=False)
    op.create_table(
        "import_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("accept_valid", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'rejected', 'failed')",
            name=op.f("ck_import_job_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_import_job_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["round_year"],
            ["census_round.academic_year"],
            name=op.f("fk_import_job_round_year_census_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("round_year", sa.SmallInteger(), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("id_kind", sa.String(length=12), nullable=False),
        sa.Column("national_id_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_hash", sa.String(length=64), nullable=True),
        sa.Column("g_code", sa.String(length=16), nullable=True),
        sa.Column("no_id_reason", sa.Text(), nullable=True),
        sa.Column("title", sa.String(length=32), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("nationality", sa.String(length=40), nullable=True),
        sa.Column("guardian_name", sa.Text(), nullable=True),
        sa.Column("guardian_relationship", sa.String(length=40), nullable=True),
        sa.Column("disability", sa.Boolean(), nullable=False),
        sa.Column("move_in_date", sa.Date(), nullable=True),
        sa.Column("enrolment_status", sa.String(length=24), nullable=False),
        sa.Column("school_code", sa.String(length=10), nullable=True),
        sa.Column("grade", sa.String(length=2), nullable=True),
        sa.Column("not_enrolled_reason", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(id_kind = 'national_id') = (national_id_hash IS NOT NULL)",
            name=op.f("ck_child_id_hash_present"),
        ),
        sa.CheckConstraint(
            "enrolment_status IN ('enrolled', 'enrolled_outside_area', 'not_enrolled', "
            "'completed_m3')",
            name=op.f("ck_child_status_known"),
        ),
        sa.CheckConstraint(
            "id_kind <> 'none' OR no_id_reason IS NOT NULL", name=op.f("ck_child_no_id_reason")
        ),
        sa.CheckConstraint(
            "id_kind IN ('national_id', 'g_code', 'none')", name=op.f("ck_child_id_kind")
        ),
        sa.CheckConstraint("sex IN ('M', 'F')", name=op.f("ck_child_sex_known")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_child_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_year"],
            ["census_round.academic_year"],
            name=op.f("fk_child_round_year_census_round"),
        ),
        sa.ForeignKeyConstraint(
            ["school_code"],
            ["school.code"],
            name=op.f("fk_child_school_code_school"),
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child")),
        sa.UniqueConstraint("household_id", "person_key", name="uq_child_household_person"),
    )
    op.create_index(
        "ix_child_round_national_id_hash", "child", ["round_year", "national_id_hash"], unique=False
    )
    op.create_index(op.f("ix_child_school_code"), "child", ["school_code"], unique=False)
    op.create_table(
        "child_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_child_change_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_change")),
    )
    op.create_index(op.f("ix_child_change_child_id"), "child_change", ["child_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_child_change_child_id"), table_name="child_change")
    op.drop_table("child_change")
    op.drop_index(op.f("ix_child_school_code"), table_name="child")
    op.drop_index("ix_child_round_national_id_hash", table_name="child")
    op.drop_table("child")
    op.drop_table("import_job")
    op.drop_index(op.f("ix_household_surveyor_id"), table_name="household")
    op.drop_index("ix_household_round_subdistrict", table_name="household")
    op.drop_geospatial_index(
        "ix_household_location",
        table_name="household",
        postgresql_using="gist",
        column_name="location",
    )
    op.drop_geospatial_table("household")
    op.drop_table("census_round")
