"""Tables of the ICT planning (issue 20): the price-and-specification lists an office loads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import Base

# What the plan buys for: devices for learning, for administration, and printers.
PURCHASE_NEEDS = ("learning", "administration", "printer")


class IctPriceList(Base):
    """One price-and-specification list (the year's official list, or the shipped example)."""

    __tablename__ = "ict_price_list"
    __table_args__ = (CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_be"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_th: Mapped[str] = mapped_column(Text)
    fiscal_year: Mapped[int] = mapped_column(SmallInteger)
    source_file: Mapped[str] = mapped_column(Text, default="", server_default="")
    loaded_by: Mapped[str] = mapped_column(Text, default="", server_default="")
    loaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    items: Mapped[list[IctPriceItem]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="IctPriceItem.position"
    )


class IctPriceItem(Base):
    """An item of a list: what need it fills, its unit price and minimum specification. The
    plan buys the first item of each need, in the list's order."""

    __tablename__ = "ict_price_item"
    __table_args__ = (
        CheckConstraint(f"need IN {PURCHASE_NEEDS}", name="need"),
        CheckConstraint("unit_price_baht > 0", name="price_positive"),
    )

    list_id: Mapped[int] = mapped_column(
        ForeignKey("ict_price_list.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    need: Mapped[str] = mapped_column(String(24))
    code: Mapped[str] = mapped_column(String(40))
    name_th: Mapped[str] = mapped_column(Text)
    unit_th: Mapped[str] = mapped_column(Text)
    unit_price_baht: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    spec_th: Mapped[str] = mapped_column(Text, default="", server_default="")


REPAIR_SUBJECTS = ("device", "link")
REPAIR_STATES = ("open", "assigned", "repaired", "closed")
LINK_REPORT_SOURCES = ("school", "scheduled_check")


class RepairTicket(Base):
    """A broken device or a dead link reported by a school (or the office for it), assigned
    to a technician, repaired (a device's repair is also its maintenance record) and closed."""

    __tablename__ = "repair_ticket"
    __table_args__ = (
        CheckConstraint(f"subject IN {REPAIR_SUBJECTS}", name="subject"),
        CheckConstraint(f"state IN {REPAIR_STATES}", name="state"),
        CheckConstraint("cost_baht >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(8))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("ict_device.id", ondelete="SET NULL"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("internet_link.id", ondelete="SET NULL"))
    problem: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(
        String(12), default="open", server_default="open", index=True
    )
    reported_by: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    assigned_to: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    repaired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(Text, default="", server_default="")
    cost_baht: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), default=Decimal(0), server_default="0"
    )
    maintenance_id: Mapped[int | None] = mapped_column(
        ForeignKey("device_maintenance.id", ondelete="SET NULL")
    )
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RepairEvent(Base):
    """One step of a ticket: who moved it, when, from which state to which, and why."""

    __tablename__ = "repair_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("repair_ticket.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")


class LinkStatusReport(Base):
    """A school's link at one moment: up or down and, when measured, its speed."""

    __tablename__ = "link_status_report"
    __table_args__ = (
        CheckConstraint(f"source IN {LINK_REPORT_SOURCES}", name="source"),
        CheckConstraint("measured_mbps IS NULL OR measured_mbps >= 0", name="mbps_not_negative"),
        UniqueConstraint("school_id", "source", "measured_at", name="once"),
        Index("ix_link_status_report_school_at", "school_id", "measured_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("internet_link.id", ondelete="SET NULL"))
    measured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    up: Mapped[bool] = mapped_column()
    measured_mbps: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    reported_by: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
