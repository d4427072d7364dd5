"""School registry tables: schools, yearly enrolment and classrooms, personnel, ICT, assets."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geoalchemy2 import Geography, Geometry, WKBElement

from kernel.db import Base
from kernel.extent import SRID_WGS84

BE_YEAR_CHECK = "BETWEEN 2500 AND 2700"


class LocationSource(enum.StrEnum):
    surveyed = "surveyed"
    village_match = "village_match"
    subdistrict_centroid = "subdistrict_centroid"


class Affiliation(enum.StrEnum):
    obec_primary = "obec_primary"  # สพป.
    obec_secondary = "obec_secondary"  # สพม.
    municipality = "municipality"  # เทศบาล / อปท.
    private = "private"  # เอกชน (สช.)
    border_patrol = "border_patrol"  # ตชด.
    other = "other"


class School(Base):
    """A school with the grades it teaches and where it is (and how sure that is)."""

    __tablename__ = "school"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{10}$'", name="code_format"),
        CheckConstraint("location_accuracy_m >= 0", name="accuracy_positive"),
        CheckConstraint(
            "founded_year IS NULL OR founded_year BETWEEN 2400 AND 2700", name="founded_year_be"
        ),
        Index("ix_school_location", "location", postgresql_using="gist"),
        Index("ix_school_location_geog", "location_geog", postgresql_using="gist"),
        Index("ix_school_grades", "grades", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # OBEC-style 10-digit code; demo codes begin with 99 and are synthetic.
    code: Mapped[str] = mapped_column(String(10), unique=True)
    code_synthetic: Mapped[bool] = mapped_column(default=False)
    name_th: Mapped[str] = mapped_column(Text)
    grades: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    level_text: Mapped[str | None] = mapped_column(Text)
    affiliation: Mapped[str] = mapped_column(String(20), default=Affiliation.obec_primary.value)
    subdistrict_code: Mapped[str] = mapped_column(ForeignKey("subdistrict.code"), index=True)
    office_code: Mapped[str | None] = mapped_column(
        ForeignKey("service_area_office.code"), index=True
    )
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID_WGS84, spatial_index=False)
    )
    # The same point as geography, kept by PostgreSQL, so distances in metres and KNN use an
    # index without a cast inside the predicate.
    location_geog: Mapped[WKBElement] = mapped_column(
        Geography("POINT", srid=SRID_WGS84, spatial_index=False),
        Computed("location::geography", persisted=True),
    )
    location_source: Mapped[str] = mapped_column(String(24))
    location_accuracy_m: Mapped[float] = mapped_column(Float)
    # Which village the location came from, when matched by name.
    location_village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    source: Mapped[str] = mapped_column(Text, default="")
    # The year it was founded (B.E.), and whom the office calls: its phone and e-mail.
    founded_year: Mapped[int | None] = mapped_column(SmallInteger)
    phone: Mapped[str] = mapped_column(Text, default="", server_default="")
    email: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The three above came from the seeded generator (public data has none).
    profile_synthetic: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    grade_years: Mapped[list[SchoolGradeYear]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


ENROLMENT_SOURCES = ("school_records", "data_round", "office_import", "synthetic")


class SchoolGradeYear(Base):
    """Enrolment by sex and classrooms for one grade in one academic year (B.E.)."""

    __tablename__ = "school_grade_year"
    __table_args__ = (
        CheckConstraint(f"academic_year {BE_YEAR_CHECK}", name="year_be"),
        CheckConstraint(
            "enrolled_male >= 0 AND enrolled_female >= 0 AND classrooms >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(f"source IN {ENROLMENT_SOURCES}", name="source_known"),
    )

    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    academic_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    grade: Mapped[str] = mapped_column(String(2), primary_key=True)
    enrolled_male: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_female: Mapped[int] = mapped_column(Integer, default=0)
    classrooms: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(default=False)
    # One source of truth per school and year, named wherever the figure is shown: the schools'
    # records (a school-records extract, its files and counting day), else the office's import,
    # else synthetic figures (the demo's).
    source: Mapped[str] = mapped_column(String(16), server_default="office_import")
    source_detail: Mapped[str | None] = mapped_column(Text)
    counted_on: Mapped[dt.date | None] = mapped_column(Date)


class SchoolPersonnel(Base):
    """Teachers and other staff by position in one academic year."""

    __tablename__ = "school_personnel"
    __table_args__ = (
        CheckConstraint(f"academic_year {BE_YEAR_CHECK}", name="year_be"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    academic_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    position: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(default=False)


class IctDevice(Base):
    """A batch of ICT devices of one kind: how many, how many work, when acquired."""

    __tablename__ = "ict_device"
    __table_args__ = (
        CheckConstraint("count > 0 AND working >= 0 AND working <= count", name="working_le_count"),
        CheckConstraint(f"year_acquired IS NULL OR year_acquired {BE_YEAR_CHECK}", name="year_be"),
        CheckConstraint(
            "hours_per_week IS NULL OR hours_per_week BETWEEN 0 AND 168", name="hours_in_a_week"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    working: Mapped[int] = mapped_column(Integer)
    year_acquired: Mapped[int | None] = mapped_column(SmallInteger)
    # Hours a week they are used (as the school last reported for their kind and purpose).
    hours_per_week: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(default=False)

    maintenance: Mapped[list[DeviceMaintenance]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DeviceMaintenance.date"
    )


class DeviceMaintenance(Base):
    """One repair or service of a device batch."""

    __tablename__ = "device_maintenance"
    __table_args__ = (CheckConstraint("cost_baht >= 0", name="cost_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("ict_device.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date)
    problem: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text, default="")
    cost_baht: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))


class InternetLink(Base):
    """A school's internet connection."""

    __tablename__ = "internet_link"
    __table_args__ = (CheckConstraint("mbps >= 0", name="mbps_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    link_type: Mapped[str] = mapped_column(String(32))
    mbps: Mapped[float] = mapped_column(Float)
    provider: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(default=False)


class Building(Base):
    """A building: kind, standard design, age, size and condition (1 poor - 5 good)."""

    __tablename__ = "building"
    __table_args__ = (
        CheckConstraint("condition BETWEEN 1 AND 5", name="condition_1_5"),
        CheckConstraint(f"year_built IS NULL OR year_built {BE_YEAR_CHECK}", name="year_be"),
        CheckConstraint("floors >= 1 AND rooms >= 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    design_name: Mapped[str] = mapped_column(Text, default="")
    year_built: Mapped[int | None] = mapped_column(SmallInteger)
    floors: Mapped[int] = mapped_column(SmallInteger, default=1)
    rooms: Mapped[int] = mapped_column(SmallInteger, default=0)
    condition: Mapped[int] = mapped_column(SmallInteger)
    synthetic: Mapped[bool] = mapped_column(default=False)


class DurableGood(Base):
    """Durable goods (ครุภัณฑ์) of one category, with their overall condition."""

    __tablename__ = "durable_good"
    __table_args__ = (
        CheckConstraint("condition BETWEEN 1 AND 5", name="condition_1_5"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)
    condition: Mapped[int] = mapped_column(SmallInteger)
    synthetic: Mapped[bool] = mapped_column(default=False)


DATA_ROUND_KINDS = (
    "enrolment",
    "personnel",
    "ict_devices",
    "internet_links",
    "durable_goods",
    "buildings",
)
DATA_ROUND_STATES = ("not_started", "draft", "submitted", "returned", "accepted")


class DataRound(Base):
    """The office asks schools for one kind of record, counted on a day, by a deadline."""

    __tablename__ = "data_round"
    __table_args__ = (
        CheckConstraint(f"kind IN {DATA_ROUND_KINDS}", name="kind"),
        CheckConstraint("opens_on <= deadline", name="opens_first"),
        CheckConstraint(f"academic_year {BE_YEAR_CHECK}", name="year_be"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    title_th: Mapped[str] = mapped_column(Text)
    academic_year: Mapped[int] = mapped_column(SmallInteger)
    counting_day: Mapped[dt.date] = mapped_column(Date)
    opens_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    office_code: Mapped[str | None] = mapped_column(ForeignKey("service_area_office.code"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class DataRoundSchool(Base):
    """A school's part of a round: its state, and a version every change bumps (a save based
    on an older version is refused, so two tabs never overwrite each other silently)."""

    __tablename__ = "data_round_school"
    __table_args__ = (
        CheckConstraint(f"state IN {DATA_ROUND_STATES}", name="state_known"),
        CheckConstraint(
            "source IS NULL OR source IN ('page', 'file', 'office_extract', 'school_records')",
            name="source_known",
        ),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("data_round.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(12), server_default="not_started")
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    source: Mapped[str | None] = mapped_column(String(16))
    first_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))


class DataRoundValue(Base):
    """One figure of a school's round: an item (a grade, a position) and a field of it (male,
    female, classrooms; count)."""

    __tablename__ = "data_round_value"
    __table_args__ = (
        ForeignKeyConstraint(
            ["round_id", "school_id"],
            ["data_round_school.round_id", "data_round_school.school_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("value >= 0", name="not_negative"),
    )

    round_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(32), primary_key=True)
    field: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class DataRoundEvent(Base):
    """A transition of a school's round state: who, when, why (a return's comments per field,
    a submission's explanations per warning, a reopening's reason)."""

    __tablename__ = "data_round_event"
    __table_args__ = (
        ForeignKeyConstraint(
            ["round_id", "school_id"],
            ["data_round_school.round_id", "data_round_school.school_id"],
            ondelete="CASCADE",
        ),
        Index("ix_data_round_event_round_school", "round_id", "school_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    note: Mapped[str] = mapped_column(Text, server_default="")
    comments: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
