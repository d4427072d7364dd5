"""Census tables: rounds, households (idempotent by client UUID), children and their history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geoalchemy2 import Geography, Geometry, WKBElement

import gis.schools.models  # noqa: F401  (school, referenced below)
import kernel.accounts  # noqa: F401  (user_account, referenced below)
from kernel.db import Base
from kernel.extent import SRID_WGS84


class CensusRound(Base):
    """One census of an academic year (B.E.), run by an office; open rounds take submissions."""

    __tablename__ = "census_round"
    __table_args__ = (
        CheckConstraint("academic_year BETWEEN 2500 AND 2700", name="year_be"),
        CheckConstraint("state IN ('open', 'closed')", name="state_known"),
    )

    academic_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    office_code: Mapped[str | None] = mapped_column(ForeignKey("service_area_office.code"))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    state: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # when it was last closed: the registers' retention period counts from here
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # when its registers were last matched (census.matching.match_round)
    matched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Household(Base):
    """A surveyed household and where it is; ``uuid`` is the client's idempotency key."""

    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("moo IS NULL OR moo BETWEEN 1 AND 99", name="moo_range"),
        CheckConstraint("house_code IS NULL OR house_code ~ '^[0-9]{11}$'", name="house_code"),
        CheckConstraint("village_code IS NULL OR village_code ~ '^[0-9]{8}$'", name="village"),
        CheckConstraint(
            "location_source IN ('gps', 'village_point', 'tambon')", name="location_source"
        ),
        CheckConstraint("location_flag IN ('confirmed', 'offline')", name="location_flag"),
        Index("ix_household_location", "location", postgresql_using="gist"),
        Index("ix_household_location_geog", "location_geog", postgresql_using="gist"),
        Index("ix_household_round_subdistrict", "round_year", "subdistrict_code"),
        Index(
            "ix_household_location_flag",
            "round_year",
            "subdistrict_code",
            postgresql_where=text("location_flag IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    round_year: Mapped[int] = mapped_column(ForeignKey("census_round.academic_year"))
    house_number: Mapped[str | None] = mapped_column(String(32))
    moo: Mapped[int | None] = mapped_column(SmallInteger)
    village_code: Mapped[str | None] = mapped_column(String(8))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    subdistrict_code: Mapped[str] = mapped_column(ForeignKey("subdistrict.code"))
    house_code: Mapped[str | None] = mapped_column(String(11))
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID_WGS84, spatial_index=False)
    )
    # The same point as geography, kept by PostgreSQL, so distances in metres and KNN use an
    # index without a cast inside the predicate.
    location_geog: Mapped[WKBElement] = mapped_column(
        Geography("POINT", srid=SRID_WGS84, spatial_index=False),
        Computed("location::geography", persisted=True),
    )
    location_source: Mapped[str] = mapped_column(String(16))
    location_accuracy_m: Mapped[float | None] = mapped_column(Float)
    # A point farther outside its tambon than the limit is kept only when the client confirmed
    # it ('confirmed') or came from a phone's offline form ('offline'): how far, and why.
    location_outside_m: Mapped[float | None] = mapped_column(Float)
    location_flag: Mapped[str | None] = mapped_column(String(16))
    surveyor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    surveyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the submitted content: an identical resend is recognised, a different one is 409.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    children: Mapped[list[Child]] = relationship(
        back_populates="household",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Child.id",
    )


class Child(Base):
    """A child of a household: identity (ID encrypted), birth date, enrolment in the round."""

    __tablename__ = "child"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
        CheckConstraint("id_kind IN ('national_id', 'g_code', 'none')", name="id_kind"),
        CheckConstraint(
            "(id_kind = 'national_id') = (national_id_hash IS NOT NULL)", name="id_hash_present"
        ),
        CheckConstraint("id_kind <> 'none' OR no_id_reason IS NOT NULL", name="no_id_reason"),
        CheckConstraint(
            "enrolment_status IN ('enrolled', 'enrolled_outside_area', 'not_enrolled', "
            "'completed_m3')",
            name="status_known",
        ),
        UniqueConstraint("household_id", "person_key", name="uq_child_household_person"),
        Index("ix_child_round_national_id_hash", "round_year", "national_id_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    round_year: Mapped[int] = mapped_column(ForeignKey("census_round.academic_year"))
    # Who this child is within the household: the ID hash, else G-code, else name and birth date.
    person_key: Mapped[str] = mapped_column(String(64))
    id_kind: Mapped[str] = mapped_column(String(12))
    national_id_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    g_code: Mapped[str | None] = mapped_column(String(16))
    no_id_reason: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    nationality: Mapped[str | None] = mapped_column(String(40))
    guardian_name: Mapped[str | None] = mapped_column(Text)
    guardian_relationship: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[bool] = mapped_column(default=False)
    move_in_date: Mapped[dt.date | None] = mapped_column(Date)
    enrolment_status: Mapped[str] = mapped_column(String(24))
    school_code: Mapped[str | None] = mapped_column(
        ForeignKey("school.code", onupdate="CASCADE"), index=True
    )
    grade: Mapped[str | None] = mapped_column(String(2))
    not_enrolled_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    household: Mapped[Household] = relationship(back_populates="children")


class ChildChange(Base):
    """Every change to a child: who, when, which field, old and new value."""

    __tablename__ = "child_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    changed_by: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class HouseholdVersion(Base):
    """A household as it was before an edit replaced it (ODK's meta/deprecatedID): the API's
    view of it then, and the uuid of the version that replaced it."""

    __tablename__ = "household_version"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    household_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    replaced_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    round_year: Mapped[int] = mapped_column(SmallInteger)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    replaced_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    replaced_by_user: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class HouseholdAttachment(Base):
    """A file sent with a household's form (a photo of the house register page): personal,
    read by those who may read the household; the same name for the same household once."""

    __tablename__ = "household_attachment"
    __table_args__ = (UniqueConstraint("household_uuid", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    household_uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ImportJob(Base):
    """A census file import started over HTTP: poll it for progress and its report."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'done', 'rejected', 'failed')", name="state_known"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    round_year: Mapped[int] = mapped_column(ForeignKey("census_round.academic_year"))
    filename: Mapped[str] = mapped_column(Text)
    accept_valid: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
