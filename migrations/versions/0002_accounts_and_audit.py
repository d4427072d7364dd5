"""Accounts with roles and areas, API keys, login attempts, the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:05:30.930634
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index("ix_login_attempt_ip_at", "login_attempt", ["ip", "at"], unique=False)
    op.create_index(
        "ix_login_attempt_username_at", "login_attempt", ["username", "at"], unique=False
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "planner", "surveyor", "school", name="user_role"),
            nullable=False,
        ),
        sa.Column("office_code", sa.String(length=16), nullable=True),
        sa.Column("school_code", sa.String(length=10), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role <> 'planner' OR office_code IS NOT NULL",
            name=op.f("ck_user_account_planner_has_office"),
        ),
        sa.CheckConstraint(
            "role <> 'school' OR school_code IS NOT NULL",
            name=op.f("ck_user_account_school_has_code"),
        ),
        sa.CheckConstraint(
            "username = lower(username)", name=op.f("ck_user_account_username_lowercase")
        ),
        sa.ForeignKeyConstraint(
            ["office_code"],
            ["service_area_office.code"],
            name=op.f("fk_user_account_office_code_service_area_office"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_index(
        op.f("ix_user_account_office_code"), "user_account", ["office_code"], unique=False
    )
    op.create_index(
        op.f("ix_user_account_school_code"), "user_account", ["school_code"], unique=False
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_api_key_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_index(op.f("ix_api_key_user_id"), "api_key", ["user_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_audit_log_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_user_id"), "audit_log", ["user_id"], unique=False)
    op.create_table(
        "user_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subdistrict_code", sa.String(length=6), nullable=False),
        sa.Column("moo", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subdistrict_code"],
            ["subdistrict.code"],
            name=op.f("fk_user_area_subdistrict_code_subdistrict"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_area_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_area")),
    )
    op.create_index(op.f("ix_user_area_user_id"), "user_area", ["user_id"], unique=False)
    op.create_index(
        "uq_user_area_user_id_subdistrict_code_moo",
        "user_area",
        ["user_id", "subdistrict_code", sa.literal_column("coalesce(moo, 0)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_user_area_user_id_subdistrict_code_moo", table_name="user_area")
    op.drop_index(op.f("ix_user_area_user_id"), table_name="user_area")
    op.drop_table("user_area")
    op.drop_index(op.f("ix_audit_log_user_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_api_key_user_id"), table_name="api_key")
    op.drop_table("api_key")
    op.drop_index(op.f("ix_user_account_school_code"), table_name="user_account")
    op.drop_index(op.f("ix_user_account_office_code"), table_name="user_account")
    op.drop_table("user_account")
    op.execute("DROP TYPE IF EXISTS user_role")
    op.drop_index("ix_login_attempt_username_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_ip_at", table_name="login_attempt")
    op.drop_table("login_attempt")
