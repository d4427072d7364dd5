"""School registry: schools, grade-years, personnel, ICT devices and maintenance, assets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:11:48.440971
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from geoalchemy2 import Geometry

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("code_synthetic", sa.Boolean(), nullable=False),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("grades", postgresql.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column("level_text", sa.Text(), nullable=True),
        sa.Column("affiliation", sa.String(length=20), nullable=False),
        sa.Column("subdistrict_code", sa.String(length=6), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=True),
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
        sa.Column("location_source", sa.String(length=24), nullable=False),
        sa.Column("location_accuracy_m", sa.Float(), nullable=False),
        sa.Column("location_village_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("code ~ '^[0-9]{10}$'", name=op.f("ck_school_code_format")),
        sa.CheckConstraint("location_accuracy_m >= 0", name=op.f("ck_school_accuracy_positive")),
        sa.ForeignKeyConstraint(
            ["location_village_id"],
            ["village.id"],
            name=op.f("fk_school_location_village_id_village"),
        ),
        sa.ForeignKeyConstraint(
            ["office_code"],
            ["service_area_office.code"],
            name=op.f("fk_school_office_code_service_area_office"),
        ),
        sa.ForeignKeyConstraint(
            ["subdistrict_code"],
            ["subdistrict.code"],
            name=op.f("fk_school_subdistrict_code_subdistrict"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("code", name=op.f("uq_school_code")),
    )
    op.create_index("ix_school_grades", "school", ["grades"], unique=False, postgresql_using="gin")
    op.create_geospatial_index(
        "ix_school_location",
        "school",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_school_office_code"), "school", ["office_code"], unique=False)
    op.create_index(
        op.f("ix_school_subdistrict_code"), "school", ["subdistrict_code"], unique=False
    )
    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("design_name", sa.Text(), nullable=False),
        sa.Column("year_built", sa.SmallInteger(), nullable=True),
        sa.Column("floors", sa.SmallInteger(), nullable=False),
        sa.Column("rooms", sa.SmallInteger(), nullable=False),
        sa.Column("condition", sa.SmallInteger(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("condition BETWEEN 1 AND 5", name=op.f("ck_building_condition_1_5")),
        sa.CheckConstraint("floors >= 1 AND rooms >= 0", name=op.f("ck_building_size_positive")),
        sa.CheckConstraint(
            "year_built IS NULL OR year_built BETWEEN 2500 AND 2700",
            name=op.f("ck_building_year_be"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_building_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
    )
    op.create_index(op.f("ix_building_school_id"), "building", ["school_id"], unique=False)
    op.create_table(
        "durable_good",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("condition", sa.SmallInteger(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("condition BETWEEN 1 AND 5", name=op.f("ck_durable_good_condition_1_5")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_durable_good_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_durable_good_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_durable_good")),
    )
    op.create_index(op.f("ix_durable_good_school_id"), "durable_good", ["school_id"], unique=False)
    op.create_table(
        "ict_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("working", sa.Integer(), nullable=False),
        sa.Column("year_acquired", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "count > 0 AND working >= 0 AND working <= count",
            name=op.f("ck_ict_device_working_le_count"),
        ),
        sa.CheckConstraint(
            "year_acquired IS NULL OR year_acquired BETWEEN 2500 AND 2700",
            name=op.f("ck_ict_device_year_be"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_ict_device_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ict_device")),
    )
    op.create_index(op.f("ix_ict_device_school_id"), "ict_device", ["school_id"], unique=False)
    op.create_table(
        "internet_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("link_type", sa.String(length=32), nullable=False),
        sa.Column("mbps", sa.Float(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("mbps >= 0", name=op.f("ck_internet_link_mbps_not_negative")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_internet_link_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internet_link")),
    )
    op.create_index(
        op.f("ix_internet_link_school_id"), "internet_link", ["school_id"], unique=False
    )
    op.create_table(
        "school_grade_year",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=False),
        sa.Column("enrolled_male", sa.Integer(), nullable=False),
        sa.Column("enrolled_female", sa.Integer(), nullable=False),
        sa.Column("classrooms", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "academic_year BETWEEN 2500 AND 2700", name=op.f("ck_school_grade_year_year_be")
        ),
        sa.CheckConstraint(
            "enrolled_male >= 0 AND enrolled_female >= 0 AND classrooms >= 0",
            name=op.f("ck_school_grade_year_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_grade_year_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "school_id", "academic_year", "grade", name=op.f("pk_school_grade_year")
        ),
    )
    op.create_table(
        "school_personnel",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "academic_year BETWEEN 2500 AND 2700", name=op.f("ck_school_personnel_year_be")
        ),
        sa.CheckConstraint("count >= 0", name=op.f("ck_school_personnel_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_personnel_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "school_id", "academic_year", "position", name=op.f("pk_school_personnel")
        ),
    )
    op.create_table(
        "device_maintenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("cost_baht", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("cost_baht >= 0", name=op.f("ck_device_maintenance_cost_not_negative")),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["ict_device.id"],
            name=op.f("fk_device_maintenance_device_id_ict_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_maintenance")),
    )
    op.create_index(
        op.f("ix_device_maintenance_device_id"), "device_maintenance", ["device_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_user_account_school_code_school"),
        "user_account",
        "school",
        ["school_code"],
        ["code"],
        onupdate="CASCADE",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_user_account_school_code_school"), "user_account", type_="foreignkey"
    )
    op.drop_index(op.f("ix_device_maintenance_device_id"), table_name="device_maintenance")
    op.drop_table("device_maintenance")
    op.drop_table("school_personnel")
    op.drop_table("school_grade_year")
    op.drop_index(op.f("ix_internet_link_school_id"), table_name="internet_link")
    op.drop_table("internet_link")
    op.drop_index(op.f("ix_ict_device_school_id"), table_name="ict_device")
    op.drop_table("ict_device")
    op.drop_index(op.f("ix_durable_good_school_id"), table_name="durable_good")
    op.drop_table("durable_good")
    op.drop_index(op.f("ix_building_school_id"), table_name="building")
    op.drop_table("building")
    op.drop_index(op.f("ix_school_subdistrict_code"), table_name="school")
    op.drop_index(op.f("ix_school_office_code"), table_name="school")
    op.drop_geospatial_index(
        "ix_school_location", table_name="school", postgresql_using="gist", column_name="location"
    )
    op.drop_index("ix_school_grades", table_name="school", postgresql_using="gin")
    op.drop_geospatial_table("school")
