"""Tables of the ICT planning (issue 20): the price-and-specification lists an office loads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
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
