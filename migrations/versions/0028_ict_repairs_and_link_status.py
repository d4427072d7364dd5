"""Repair tickets for broken devices and dead links, with every step kept, and the history of
each school's internet link: up or down, and the speed measured (issue 20, parts 3-4).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.func.now()


def upgrade() -> None:
    op.create_table(
        "repair_ticket",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("school.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("subject", sa.String(8), nullable=False),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("ict_device.id", ondelete="SET NULL")),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("internet_link.id", ondelete="SET NULL")),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False, server_default="open"),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("assigned_to", sa.Text()),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column("repaired_at", sa.DateTime(timezone=True)),
        sa.Column("action", sa.Text(), nullable=False, server_default=""),
        sa.Column("cost_baht", sa.Numeric(12, 2), nullable=False, server_default="0"),
        sa.Column(
            "maintenance_id",
            sa.Integer(),
            sa.ForeignKey("device_maintenance.id", ondelete="SET NULL"),
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("subject IN ('device', 'link')", name=op.f("ck_repair_ticket_subject")),
        sa.CheckConstraint(
            "state IN ('open', 'assigned', 'repaired', 'closed')",
            name=op.f("ck_repair_ticket_state"),
        ),
        sa.CheckConstraint("cost_baht >= 0", name=op.f("ck_repair_ticket_cost_not_negative")),
    )
    op.create_index("ix_repair_ticket_state", "repair_ticket", ["state"])
    op.create_table(
        "repair_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("repair_ticket.id", ondelete="CASCADE"),
            index=True,
        ),
        sa.Column("from_state", sa.String(12)),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "link_status_report",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("school.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("internet_link.id", ondelete="SET NULL")),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.Column("measured_mbps", sa.Float()),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint(
            "source IN ('school', 'scheduled_check')", name=op.f("ck_link_status_report_source")
        ),
        sa.CheckConstraint(
            "measured_mbps IS NULL OR measured_mbps >= 0",
            name=op.f("ck_link_status_report_mbps_not_negative"),
        ),
        # The same report sent again (a retry from a phone or a check) is the same row.
        sa.UniqueConstraint(
            "school_id", "source", "measured_at", name=op.f("uq_link_status_report_once")
        ),
    )
    op.create_index(
        "ix_link_status_report_school_at", "link_status_report", ["school_id", "measured_at"]
    )


def downgrade() -> None:
    op.drop_table("link_status_report")
    op.drop_table("repair_event")
    op.drop_table("repair_ticket")
