"""Service areas with their subdivided parts; geography twins of school and household points.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 13:58:02.418269
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from geoalchemy2 import Geography, Geometry

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "service_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("valid_to_year", sa.SmallInteger(), nullable=True),
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
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "level IN ('pre_primary', 'primary', 'lower_secondary', 'upper_secondary')",
            name=op.f("ck_service_area_level_known"),
        ),
        sa.CheckConstraint(
            "method IN ('uploaded', 'villages', 'proposed')",
            name=op.f("ck_service_area_method_known"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_service_area_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_area")),
    )
    op.create_geospatial_index(
        "ix_service_area_geom",
        "service_area",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_service_area_school_id"), "service_area", ["school_id"], unique=False)
    op.create_index(
        "uq_service_area_current",
        "service_area",
        ["school_id", "level", "academic_year"],
        unique=True,
        postgresql_where="is_current",
    )
    op.create_geospatial_table(
        "service_area_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_area_id", sa.Integer(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_area.id"],
            name=op.f("fk_service_area_part_service_area_id_service_area"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_area_part")),
    )
    op.create_geospatial_index(
        "ix_service_area_part_geom",
        "service_area_part",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_service_area_part_service_area_id"),
        "service_area_part",
        ["service_area_id"],
        unique=False,
    )
    op.add_geospatial_column(
        "household",
        sa.Column(
            "location_geog",
            Geography(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeogFromText",
                name="geography",
                nullable=False,
            ),
            sa.Computed("location::geography", persisted=True),
            nullable=False,
        ),
    )
    op.create_geospatial_index(
        "ix_household_location_geog",
        "household",
        ["location_geog"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.add_geospatial_column(
        "school",
        sa.Column(
            "location_geog",
            Geography(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeogFromText",
                name="geography",
                nullable=False,
            ),
            sa.Computed("location::geography", persisted=True),
            nullable=False,
        ),
    )
    op.create_geospatial_index(
        "ix_school_location_geog",
        "school",
        ["location_geog"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    # Keep service_area_part equal to the current service areas, cut small, whoever writes.
    op.execute(
        """
        CREATE FUNCTION service_area_parts_refresh() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM service_area_part WHERE service_area_id = OLD.id;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.is_current THEN
                INSERT INTO service_area_part (service_area_id, geom)
                SELECT NEW.id, ST_Subdivide(NEW.geom, 128);
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER service_area_parts AFTER INSERT OR UPDATE OR DELETE ON service_area "
        "FOR EACH ROW EXECUTE FUNCTION service_area_parts_refresh()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS service_area_parts ON service_area")
    op.execute("DROP FUNCTION IF EXISTS service_area_parts_refresh()")
    op.drop_geospatial_index(
        "ix_school_location_geog",
        table_name="school",
        postgresql_using="gist",
        column_name="location_geog",
    )
    op.drop_geospatial_column("school", "location_geog")
    op.drop_geospatial_index(
        "ix_household_location_geog",
        table_name="household",
        postgresql_using="gist",
        column_name="location_geog",
    )
    op.drop_geospatial_column("household", "location_geog")
    op.drop_index(op.f("ix_service_area_part_service_area_id"), table_name="service_area_part")
    op.drop_geospatial_index(
        "ix_service_area_part_geom",
        table_name="service_area_part",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("service_area_part")
    op.drop_index(
        "uq_service_area_current", table_name="service_area", postgresql_where="is_current"
    )
    op.drop_index(op.f("ix_service_area_school_id"), table_name="service_area")
    op.drop_geospatial_index(
        "ix_service_area_geom",
        table_name="service_area",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("service_area")
