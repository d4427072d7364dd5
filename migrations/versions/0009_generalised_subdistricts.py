"""Generalised tambon geometries, kept per tolerance and updated with the boundaries.

The tambon GeoJSON endpoints used to transform and simplify full-resolution polygons on every
request (0.47 s for Nan's 99 tambons at 50 m, most of a request's time). Now each tambon's
geometry is kept simplified at a few tolerances (metres, in its UTM zone, topology preserved),
recomputed by a trigger whenever a boundary load changes its geometry.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from geoalchemy2 import Geometry

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep in step with gis.geography.STORED_TOLERANCES_M.
TOLERANCES_M = (10, 50, 100, 500)
GENERALISE = f"""
    INSERT INTO subdistrict_generalised (code, tolerance_m, geom)
    SELECT s.code, t.tolerance_m, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(
        ST_SimplifyPreserveTopology(ST_Transform(s.geom,
            CASE WHEN ST_X(ST_PointOnSurface(s.geom)) < 102 THEN 32647 ELSE 32648 END),
            t.tolerance_m), 4326)), 3))
    FROM {{source}} s CROSS JOIN unnest(ARRAY{list(TOLERANCES_M)}::int[]) AS t(tolerance_m)
"""


def upgrade() -> None:
    op.create_table(
        "subdistrict_generalised",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("tolerance_m", sa.Integer(), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"],
            ["subdistrict.code"],
            ondelete="CASCADE",
            name=op.f("fk_subdistrict_generalised_code_subdistrict"),
        ),
        sa.PrimaryKeyConstraint("code", "tolerance_m", name=op.f("pk_subdistrict_generalised")),
    )
    op.execute(GENERALISE.format(source="subdistrict"))
    op.execute(
        f"""
        CREATE FUNCTION subdistrict_generalise() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM subdistrict_generalised g USING changed c WHERE g.code = c.code;
            {GENERALISE.format(source="changed")};
            RETURN NULL;
        END $$;
        """
    )
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"""
            CREATE TRIGGER subdistrict_generalise_{event.lower()} AFTER {event} ON subdistrict
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
            EXECUTE FUNCTION subdistrict_generalise()
            """
        )


def downgrade() -> None:
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER subdistrict_generalise_{event} ON subdistrict")
    op.execute("DROP FUNCTION subdistrict_generalise()")
    op.drop_table("subdistrict_generalised")
