"""Administrative geography: provinces, districts, tambons, villages, population, ESAOs.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:51:28.527336
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The extension lives in the schema of the database, so the migration owns it.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "load_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_log")),
    )
    op.create_index(op.f("ix_load_log_kind"), "load_log", ["kind"], unique=False)
    op.create_geospatial_table(
        "province",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("geom_source", sa.Text(), nullable=False),
        sa.CheckConstraint("code ~ '^[0-9]{2}$'", name=op.f("ck_province_code_format")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_province")),
    )
    op.create_geospatial_index(
        "ix_province_geom",
        "province",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "district",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("geom_source", sa.Text(), nullable=False),
        sa.CheckConstraint("code ~ '^[0-9]{4}$'", name=op.f("ck_district_code_format")),
        sa.CheckConstraint(
            "left(code, 2) = province_code", name=op.f("ck_district_code_in_province")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_district_province_code_province")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_district")),
    )
    op.create_geospatial_index(
        "ix_district_geom",
        "district",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_district_province_code"), "district", ["province_code"], unique=False)
    op.create_table(
        "service_area_office",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("kind", sa.Enum("primary", "secondary", name="office_kind"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_service_area_office_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_area_office")),
    )
    op.create_index(
        op.f("ix_service_area_office_province_code"),
        "service_area_office",
        ["province_code"],
        unique=False,
    )
    op.create_table(
        "service_area_office_district",
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("district_code", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["district.code"],
            name=op.f("fk_service_area_office_district_district_code_district"),
        ),
        sa.ForeignKeyConstraint(
            ["office_code"],
            ["service_area_office.code"],
            name=op.f("fk_service_area_office_district_office_code_service_area_office"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "office_code", "district_code", name=op.f("pk_service_area_office_district")
        ),
    )
    op.create_geospatial_table(
        "subdistrict",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("district_code", sa.String(length=4), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("geom_source", sa.Text(), nullable=False),
        sa.Column("geom_resolution", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name=op.f("ck_subdistrict_code_format")),
        sa.CheckConstraint(
            "left(code, 4) = district_code", name=op.f("ck_subdistrict_code_in_district")
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["district.code"], name=op.f("fk_subdistrict_district_code_district")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_subdistrict_province_code_province")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_subdistrict")),
    )
    op.create_index(
        op.f("ix_subdistrict_district_code"), "subdistrict", ["district_code"], unique=False
    )
    op.create_geospatial_index(
        "ix_subdistrict_geom",
        "subdistrict",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_subdistrict_province_code"), "subdistrict", ["province_code"], unique=False
    )
    op.create_table(
        "population",
        sa.Column("subdistrict_code", sa.String(length=6), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("male", sa.Integer(), nullable=False),
        sa.Column("female", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("source_code", sa.String(length=6), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subdistrict_code"],
            ["subdistrict.code"],
            name=op.f("fk_population_subdistrict_code_subdistrict"),
        ),
        sa.PrimaryKeyConstraint("subdistrict_code", "reference_date", name=op.f("pk_population")),
    )
    op.create_geospatial_table(
        "village",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=True),
        sa.Column("moo", sa.SmallInteger(), nullable=True),
        sa.Column("name_th", sa.Text(), nullable=False),
        sa.Column("subdistrict_code", sa.String(length=6), nullable=True),
        sa.Column("source_tambon_name_th", sa.Text(), nullable=True),
        sa.Column("source_district_name_th", sa.Text(), nullable=True),
        sa.Column("source_province_name_th", sa.Text(), nullable=True),
        sa.Column("assignment", sa.Text(), nullable=False),
        sa.Column("assignment_distance_m", sa.Float(), nullable=True),
        sa.Column("tambon_name_mismatch", sa.Boolean(), nullable=False),
        sa.Column(
            "geom",
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
        sa.CheckConstraint(
            "code IS NULL OR code ~ '^[0-9]{8}$'", name=op.f("ck_village_code_format")
        ),
        sa.ForeignKeyConstraint(
            ["subdistrict_code"],
            ["subdistrict.code"],
            name=op.f("fk_village_subdistrict_code_subdistrict"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village")),
        sa.UniqueConstraint("source_id", name=op.f("uq_village_source_id")),
    )
    op.create_index(op.f("ix_village_code"), "village", ["code"], unique=False)
    op.create_geospatial_index(
        "ix_village_geom",
        "village",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_village_subdistrict_code"), "village", ["subdistrict_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_village_subdistrict_code"), table_name="village")
    op.drop_geospatial_index(
        "ix_village_geom", table_name="village", postgresql_using="gist", column_name="geom"
    )
    op.drop_index(op.f("ix_village_code"), table_name="village")
    op.drop_geospatial_table("village")
    op.drop_table("population")
    op.drop_index(op.f("ix_subdistrict_province_code"), table_name="subdistrict")
    op.drop_geospatial_index(
        "ix_subdistrict_geom", table_name="subdistrict", postgresql_using="gist", column_name="geom"
    )
    op.drop_index(op.f("ix_subdistrict_district_code"), table_name="subdistrict")
    op.drop_geospatial_table("subdistrict")
    op.drop_table("service_area_office_district")
    op.drop_index(op.f("ix_service_area_office_province_code"), table_name="service_area_office")
    op.drop_table("service_area_office")
    op.drop_index(op.f("ix_district_province_code"), table_name="district")
    op.drop_geospatial_index(
        "ix_district_geom", table_name="district", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("district")
    op.drop_geospatial_index(
        "ix_province_geom", table_name="province", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("province")
    op.drop_index(op.f("ix_load_log_kind"), table_name="load_log")
    op.drop_table("load_log")
    op.execute("DROP TYPE IF EXISTS office_kind")
