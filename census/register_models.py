"""The registers a census starts from: extracts of the civil registration (DOPA house register)
and of the schools' pupil records (OBEC's DMC and the other agencies' lists), one row a child,
and what matching them found per child."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base

EXTRACT_KINDS = ("civil", "school")
# Who keeps pupil records: OBEC (DMC), private schools (OPEC), local government, Border Patrol
# Police, non-formal education; the civil registration is DOPA's; a hand-over list from another
# office (children who moved into the area) is a civil extract of its own.
AGENCIES = ("dopa", "obec", "private", "local", "bpp", "nfe", "other", "handover")
MATCH_STATUSES = (
    "record_conflict",
    "pupil_not_registered",
    "no_record",
    "grade_mismatch",
    "enrolled_elsewhere",
    "enrolled_in_area",
    "outside_window",
)


class RegisterExtract(Base):
    """One imported extract: its kind, agency, date (the extract's, or the counting day) and
    file; a newer extract of the same round, kind and agency supersedes the older."""

    __tablename__ = "register_extract"
    __table_args__ = (
        CheckConstraint(f"kind IN {EXTRACT_KINDS}", name="kind_known"),
        CheckConstraint(f"agency IN {AGENCIES}", name="agency_known"),
        UniqueConstraint("round_year", "kind", "agency", "content_sha256", name="same_file_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_year: Mapped[int] = mapped_column(ForeignKey("census_round.academic_year"))
    kind: Mapped[str] = mapped_column(String(8))
    agency: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[dt.date] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("register_extract.id"))
    # when retention removed its records (the extract's own row stays, as provenance)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RegisterRecord(Base):
    """A child in an extract, with the file row it came from. IDs are kept as the census keeps
    them: a keyed hash to match on, encrypted, and masked for display."""

    __tablename__ = "register_record"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
        Index("ix_register_record_extract_id", "extract_id"),
        Index("ix_register_record_national_id_hash", "national_id_hash"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    extract_id: Mapped[int] = mapped_column(ForeignKey("register_extract.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    national_id_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    national_id_masked: Mapped[str | None] = mapped_column(String(20))
    g_code: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    # civil registration: the registered address
    house_code: Mapped[str | None] = mapped_column(String(11))
    house_number: Mapped[str | None] = mapped_column(String(32))
    moo: Mapped[int | None] = mapped_column(SmallInteger)
    subdistrict_code: Mapped[str | None] = mapped_column(ForeignKey("subdistrict.code"))
    # school records: where and in which grade the child is counted
    school_code: Mapped[str | None] = mapped_column(String(10))
    grade: Mapped[str | None] = mapped_column(String(2))
    room: Mapped[str | None] = mapped_column(String(16))


class RegisterMatch(Base):
    """What matching found for one child of a round: one status, the records that matched, and
    how (``explanation``)."""

    __tablename__ = "register_match"
    __table_args__ = (
        CheckConstraint(f"status IN {MATCH_STATUSES}", name="status_known"),
        Index("ix_register_match_round_status", "round_year", "status"),
    )

    round_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(24))
    civil_record_id: Mapped[int | None] = mapped_column(BigInteger)
    school_record_ids: Mapped[list[int] | None] = mapped_column(JSONB)
    subdistrict_code: Mapped[str | None] = mapped_column(String(6))
    school_code: Mapped[str | None] = mapped_column(String(10))
    expected_grade: Mapped[str | None] = mapped_column(String(2))
    recorded_grade: Mapped[str | None] = mapped_column(String(2))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


FOLLOW_UP_KINDS = ("visit", "notice", "referral")
# What a visit found: enrolled (at a named school), out of school (with a reason), moved away
# (to a named tambon), deceased, or not known.
FINDINGS = ("enrolled", "out_of_school", "moved_away", "deceased", "unknown")


class RegisterFollowUp(Base):
    """One thing the office did for a child of a round's matching (``person_key``): a visit
    and what it found, a notice to the guardian, a referral; never changed, the latest finding
    is the child's verified status."""

    __tablename__ = "register_follow_up"
    __table_args__ = (
        CheckConstraint(f"kind IN {FOLLOW_UP_KINDS}", name="kind_known"),
        CheckConstraint(
            f"finding IS NULL OR (kind = 'visit' AND finding IN {FINDINGS})",
            name="finding_of_a_visit",
        ),
        Index("ix_register_follow_up_person", "round_year", "person_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    round_year: Mapped[int] = mapped_column(ForeignKey("census_round.academic_year"))
    person_key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    finding: Mapped[str | None] = mapped_column(String(16))
    school_code: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    moved_to_subdistrict: Mapped[str | None] = mapped_column(ForeignKey("subdistrict.code"))
    note: Mapped[str | None] = mapped_column(Text)
    # the matching status the child had when this was recorded: a finding holds while the
    # child's records say the same, and lapses when a newer extract changes them
    status_seen: Mapped[str | None] = mapped_column(String(24))
    acted_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
