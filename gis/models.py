"""Thailand's administrative geography as typed SQLAlchemy models (SRID 4326)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geoalchemy2 import Geometry, WKBElement

from kernel.db import Base
from kernel.extent import SRID_WGS84


def multipolygon_column() -> Any:
    """A MultiPolygon in WGS84; the GiST index is declared in each table's args."""
    return mapped_column(Geometry("MULTIPOLYGON", srid=SRID_WGS84, spatial_index=False))


class Province(Base):
    """Changwat; ``code`` is the 2-digit DOPA code (HDX ``ADM1_PCODE`` without "TH")."""

    __tablename__ = "province"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{2}$'", name="code_format"),
        Index("ix_province_geom", "geom", postgresql_using="gist"),
    )

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_th: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = multipolygon_column()
    geom_source: Mapped[str] = mapped_column(Text)

    districts: Mapped[list[District]] = relationship(back_populates="province")


class District(Base):
    """Amphoe or khet; 4-digit DOPA code."""

    __tablename__ = "district"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{4}$'", name="code_format"),
        CheckConstraint("left(code, 2) = province_code", name="code_in_province"),
        Index("ix_district_geom", "geom", postgresql_using="gist"),
    )

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name_th: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = multipolygon_column()
    geom_source: Mapped[str] = mapped_column(Text)

    province: Mapped[Province] = relationship(back_populates="districts")


class Subdistrict(Base):
    """Tambon or khwaeng; 6-digit DOPA code. Keeps the best-resolution geometry loaded."""

    __tablename__ = "subdistrict"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{6}$'", name="code_format"),
        CheckConstraint("left(code, 4) = district_code", name="code_in_district"),
        Index("ix_subdistrict_geom", "geom", postgresql_using="gist"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name_th: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = multipolygon_column()
    geom_source: Mapped[str] = mapped_column(Text)
    # Higher is finer (1 simplified national layer, 2 full-resolution provincial file), so a
    # reload of the national layer never overwrites a full-resolution polygon.
    geom_resolution: Mapped[int] = mapped_column(SmallInteger)


class SubdistrictGeneralised(Base):
    """A tambon's geometry simplified at one tolerance (metres, in its UTM zone), kept by a
    trigger on ``subdistrict`` (migration 0009) so no request simplifies polygons."""

    __tablename__ = "subdistrict_generalised"

    code: Mapped[str] = mapped_column(
        ForeignKey("subdistrict.code", ondelete="CASCADE"), primary_key=True
    )
    tolerance_m: Mapped[int] = mapped_column(Integer, primary_key=True)
    geom: Mapped[WKBElement] = multipolygon_column()


class Village(Base):
    """Muban point from the 2012 village layer, placed in a tambon by a spatial join."""

    __tablename__ = "village"
    __table_args__ = (
        CheckConstraint("code IS NULL OR code ~ '^[0-9]{8}$'", name="code_format"),
        Index("ix_village_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # DOPA 8-digit code (tambon code + moo), set only where DOPA's muban list names the village.
    code: Mapped[str | None] = mapped_column(String(8), index=True)
    moo: Mapped[int | None] = mapped_column(SmallInteger)
    name_th: Mapped[str] = mapped_column(Text)
    subdistrict_code: Mapped[str | None] = mapped_column(ForeignKey("subdistrict.code"), index=True)
    source_tambon_name_th: Mapped[str | None] = mapped_column(Text)
    source_district_name_th: Mapped[str | None] = mapped_column(Text)
    source_province_name_th: Mapped[str | None] = mapped_column(Text)
    # within: the point lies in the tambon; nearest: it lies in none (coast, gaps) and took the
    # closest within the loader's limit; none: no tambon loaded near it.
    assignment: Mapped[str] = mapped_column(Text, default="none")
    assignment_distance_m: Mapped[float | None] = mapped_column(Float)
    tambon_name_mismatch: Mapped[bool] = mapped_column(default=False)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID_WGS84, spatial_index=False)
    )


class Population(Base):
    """DOPA registered population of one tambon at a reference date."""

    __tablename__ = "population"

    subdistrict_code: Mapped[str] = mapped_column(ForeignKey("subdistrict.code"), primary_key=True)
    reference_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    male: Mapped[int] = mapped_column(Integer)
    female: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    source_code: Mapped[str] = mapped_column(String(6))
    source: Mapped[str] = mapped_column(Text)


class OfficeKind(enum.StrEnum):
    primary = "primary"
    secondary = "secondary"


class ServiceAreaOffice(Base):
    """Educational Service Area Office (สพป. primary / สพม. secondary) and its districts."""

    __tablename__ = "service_area_office"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_th: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[OfficeKind] = mapped_column(
        Enum(OfficeKind, name="office_kind", values_callable=lambda e: [m.value for m in e])
    )
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)

    districts: Mapped[list[ServiceAreaOfficeDistrict]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceAreaOfficeDistrict.district_code"
    )


class ServiceAreaOfficeDistrict(Base):
    """A district that an office serves."""

    __tablename__ = "service_area_office_district"

    office_code: Mapped[str] = mapped_column(
        ForeignKey("service_area_office.code", ondelete="CASCADE"), primary_key=True
    )
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), primary_key=True)


class LoadLog(Base):
    """One successful load of a source file, with its checksum and report."""

    __tablename__ = "load_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, index=True)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)
