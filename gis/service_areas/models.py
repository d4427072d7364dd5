"""Service areas: one polygon per school, level and academic year; every version kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from geoalchemy2 import Geometry, WKBElement

import census.models  # noqa: F401  (child, referenced below)
import gis.schools.models  # noqa: F401  (school, referenced below)
from kernel.db import Base
from kernel.extent import SRID_WGS84

LEVEL_CHECK = "level IN ('pre_primary', 'primary', 'lower_secondary', 'upper_secondary')"


class ServiceArea(Base):
    """Where a school takes children of a level from, in one academic year (B.E.).

    A change makes a new version; the old one keeps its row with ``is_current`` false.
    """

    __tablename__ = "service_area"
    __table_args__ = (
        CheckConstraint(LEVEL_CHECK, name="level_known"),
        CheckConstraint("method IN ('uploaded', 'villages', 'proposed')", name="method_known"),
        Index("ix_service_area_geom", "geom", postgresql_using="gist"),
        Index(
            "uq_service_area_current",
            "school_id",
            "level",
            "academic_year",
            unique=True,
            postgresql_where="is_current",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    academic_year: Mapped[int] = mapped_column(SmallInteger)
    valid_to_year: Mapped[int | None] = mapped_column(SmallInteger)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID_WGS84, spatial_index=False)
    )
    method: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    changed_by: Mapped[str] = mapped_column(String(64), default="system")
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ServiceAreaPart(Base):
    """The current service areas cut into small pieces (ST_Subdivide), so point-in-polygon
    joins touch a few hundred vertices instead of thousands. Rebuilt by a trigger."""

    __tablename__ = "service_area_part"
    __table_args__ = (Index("ix_service_area_part_geom", "geom", postgresql_using="gist"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_area_id: Mapped[int] = mapped_column(
        ForeignKey("service_area.id", ondelete="CASCADE"), index=True
    )
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POLYGON", srid=SRID_WGS84, spatial_index=False)
    )


class CoverageState(Base):
    """As of when a round's stored coverage was computed, with what parameters; ``stale`` asks
    for a whole-round pass by hand (changes add CoverageChange or CoverageDirtyHousehold)."""

    __tablename__ = "coverage_state"

    round_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    stale: Mapped[bool] = mapped_column(default=True)
    parameters_hash: Mapped[str] = mapped_column(String(64), default="")
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CoverageChange(Base):
    """A change to schools, enrolment or service areas since the round's stored coverage was
    computed (a statement trigger adds one per census round, migration 0033); the next
    refresh recomputes the whole round and deletes the marks it took in."""

    __tablename__ = "coverage_change"
    __table_args__ = (Index("ix_coverage_change_round_year", "round_year"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_year: Mapped[int] = mapped_column(SmallInteger)


class CoverageDirtyHousehold(Base):
    """A household whose children changed since the stored coverage was computed (statement
    triggers of migration 0007 add it); the next reader recomputes only those children."""

    __tablename__ = "coverage_dirty_household"

    round_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    household_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class ChildCoverage(Base):
    """Each child's coverage in a round, as gis.coverage computes it (a stored copy)."""

    __tablename__ = "child_coverage"
    __table_args__ = (
        Index("ix_child_coverage_round_subdistrict", "round_year", "subdistrict_code"),
        # The incremental refresh replaces the rows of the households a change touched.
        Index("ix_child_coverage_household_id", "household_id"),
    )

    child_id: Mapped[int] = mapped_column(
        ForeignKey("child.id", ondelete="CASCADE"), primary_key=True
    )
    round_year: Mapped[int] = mapped_column(SmallInteger)
    household_id: Mapped[int] = mapped_column(Integer)
    subdistrict_code: Mapped[str] = mapped_column(String(6))
    expected_grade: Mapped[str | None] = mapped_column(String(2))
    stage: Mapped[str] = mapped_column(String(16))
    compulsory_age: Mapped[bool] = mapped_column()
    out_of_school: Mapped[bool] = mapped_column()
    due_prathom1_next_year: Mapped[bool] = mapped_column()
    enrolled: Mapped[bool] = mapped_column()
    beyond_distance: Mapped[bool] = mapped_column()
    area_school_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    primary_area_school_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
